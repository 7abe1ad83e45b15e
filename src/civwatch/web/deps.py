"""What routes share: the workspace dependency and the custody tree head."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi import Depends, Path, Request

from civwatch.custody.signing import key_fingerprint
from civwatch.workspace import Workspace


async def get_workspace(request: Request) -> Workspace:
    """The workspace the app serves (one per app, opened by ``create_app``). A coroutine:
    FastAPI would hand a plain function to a worker thread, at every request."""
    workspace: Workspace = request.app.state.workspace
    return workspace


WS = Annotated[Workspace, Depends(get_workspace)]

# A record number in a URL: tables number their rows with INTEGER keys, 32-bit on
# PostgreSQL, so a larger number can name no row and is refused (422, not a 500). Offsets
# and cursors share the bound; custody leaf indexes (64-bit) have their own.
MAX_ROW_ID = 2**31 - 1
MAX_LEAF_INDEX = 2**63 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="A record number")]


def tree_head_json(ws: Workspace) -> dict[str, Any]:
    """The newest signed tree head (and the current size, which may be ahead of it). The
    head is kept in the workspace's heads file before it is shown."""
    with ws.sessions() as session:
        head = ws.custody.latest_head(session)
        size = ws.custody.size(session)
    if head is not None:
        ws.show_head(head)
    public_key = ws.signing_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    doc: dict[str, Any] = {
        "current_size": size,
        "public_key": base64.b64encode(public_key).decode(),
        "key_fingerprint": key_fingerprint(public_key),
    }
    if head is not None:
        doc.update(
            tree_size=head.tree_size,
            root_hash=head.root_hash.hex(),
            timestamp=head.timestamp_ms,
            signature=base64.b64encode(head.signature).decode(),
        )
    return doc
