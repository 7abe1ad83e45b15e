"""Who may reach the relief fund's pages and API routes: each role's gate, the route-level
permission the permission walk reads, then the protection desk's idle timeout (a grant
belongs to a protection case)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.web.protection_idle import desk_gate

Reader = Annotated[Principal, Depends(desk_gate(Permission.RELIEF_READ))]
Requester = Annotated[Principal, Depends(desk_gate(Permission.RELIEF_REQUEST))]
Vetter = Annotated[Principal, Depends(desk_gate(Permission.RELIEF_VET))]
Approver = Annotated[Principal, Depends(desk_gate(Permission.RELIEF_APPROVE))]
Finance = Annotated[Principal, Depends(desk_gate(Permission.RELIEF_FINANCE))]
