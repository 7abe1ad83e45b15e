"""Finding incidents by their title, for pickers (the item page's "link to an incident").

Every word typed must appear in the title, with case and accents folded, or meet a word of
the title and narrative in the caption key (:func:`civwatch.incidents.text.text_key`), so
"kharkiv", "Харків" and "харкiв" find the same incident. The newest incidents are scanned
first and the scan is bounded: a picker offers a few choices, it is not the incident list.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select

from civwatch.geo.names import fold
from civwatch.incidents.models import Incident
from civwatch.incidents.text import text_key
from civwatch.incidents.view import summary_json
from civwatch.workspace import Workspace

#: How many of the newest incidents a title search looks through.
SCAN_LIMIT = 20_000
MAX_QUERY = 200


def _matches(words: list[tuple[str, str]], title: str, key: str) -> bool:
    folded = fold(title)
    return all(plain in folded or (bool(loose) and loose in key) for plain, loose in words)


def incidents_titled(
    ws: Workspace, text: str, *, limit: int = 20, exclude: Collection[int] = ()
) -> list[dict[str, Any]]:
    """Incidents whose title holds every word of ``text``, newest first (the newest
    incidents when ``text`` is blank), leaving out the ids in ``exclude``."""
    words = [
        (fold(word), text_key(word).split(" q")[0])
        for word in text[:MAX_QUERY].split()
        if word.strip()
    ]
    with ws.sessions() as session:
        rows = session.execute(
            select(Incident.id, Incident.title, Incident.text_key)
            .order_by(Incident.start_at.desc(), Incident.id.desc())
            .limit(SCAN_LIMIT)
        ).all()
        ids = [
            row.id
            for row in rows
            if row.id not in exclude and _matches(words, row.title, row.text_key or "")
        ][:limit]
        found = {i.id: i for i in session.scalars(select(Incident).where(Incident.id.in_(ids)))}
        return [summary_json(found[i]) for i in ids]
