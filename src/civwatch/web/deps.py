"""What routes share: the workspace dependency and the custody tree head."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi import Depends, Path, Request

from civwatch.workspace import Workspace


def get_workspace(request: Request) -> Workspace:
    """The workspace the app serves (one per app, opened by ``create_app``)."""
    workspace: Workspace = request.app.state.workspace
    return workspace


WS = Annotated[Workspace, Depends(get_workspace)]

# A database row number in a path: both databases store 64-bit integers, so a
# larger number can name no row and is refused as a bad request (not a 500).
MAX_ROW_ID = 2**63 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="A record number")]


def tree_head_json(ws: Workspace) -> dict[str, Any]:
    """The newest signed tree head (and the current size, which may be ahead of it)."""
    with ws.sessions() as session:
        head = ws.custody.latest_head(session)
        size = ws.custody.size(session)
    public_key = ws.signing_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    doc: dict[str, Any] = {
        "current_size": size,
        "public_key": base64.b64encode(public_key).decode(),
    }
    if head is not None:
        doc.update(
            tree_size=head.tree_size,
            root_hash=head.root_hash.hex(),
            timestamp=head.timestamp_ms,
            signature=base64.b64encode(head.signature).decode(),
        )
    return doc
