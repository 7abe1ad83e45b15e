"""Every domain's custody acts, gathered (as ``models.py`` gathers every table).

Importing this module registers every act in ``custody/entries.py``. It also writes what
``docs/custody-log.md`` shows of them::

    python -m civwatch.acts --schema > docs/custody-entries.schema.json
    python -m civwatch.acts --table   # the table of section 8 of docs/custody-log.md

``tests/custody/test_entries.py`` checks both are up to date.
"""

from __future__ import annotations

import json
import sys

from civwatch.accounts import acts as accounts
from civwatch.campaigns import acts as campaigns
from civwatch.custody import entries
from civwatch.custody.entries import Act, Actor
from civwatch.evidence import acts as evidence
from civwatch.incidents import acts as incidents
from civwatch.intake import acts as intake
from civwatch.intake import message_acts, testimony_acts
from civwatch.protection import acts as protection
from civwatch.publish import acts as publish
from civwatch.relief import acts as relief

#: Each domain's acts, with the domain's name.
DOMAINS: dict[str, tuple[Act, ...]] = {
    "evidence": evidence.ACTS,
    "incidents": incidents.ACTS,
    "intake": (*intake.ACTS, *message_acts.ACTS, *testimony_acts.ACTS),
    "publish": publish.ACTS,
    "accounts": accounts.ACTS,
    # Written to the protection audit log, a log of its own (docs/custody-log.md).
    "protection": protection.ACTS,
    # Written to the relief log, a log of its own (money acts: ids and amounts only).
    "relief": relief.ACTS,
    "campaigns": campaigns.ACTS,
}

_ACTOR_WORDS = {
    Actor.PERSON: "a name",
    Actor.PERSON_OR_NONE: "a name or null",
    Actor.CIVWATCH: "null (civwatch)",
}


def all_acts() -> list[Act]:
    """Every act of every domain, by name."""
    return sorted((act for acts in DOMAINS.values() for act in acts), key=lambda a: a.name)


def schema_json() -> str:
    """The JSON Schema document of every entry layout, as kept in the docs."""
    return json.dumps(entries.schema_document(all_acts()), indent=2, ensure_ascii=False) + "\n"


def _fields(act: Act) -> str:
    return ", ".join(
        f"`{name}`" + (" (optional)" if name in act.optional else "") for name in act.subject
    )


def _layouts(act: Act) -> str:
    parts = []
    for layout in sorted(act.older, key=lambda lay: lay.version):
        renamed = ", ".join(f"`{old}` for `{new}`" for old, new in layout.renamed.items())
        parts.append(f"{layout.version} ({renamed})" if renamed else str(layout.version))
    return ", ".join([*parts, f"**{act.version}**"])


def table_markdown() -> str:
    """The table of acts in docs/custody-log.md: one row per act."""
    domain_of = {act.name: domain for domain, acts in DOMAINS.items() for act in acts}
    lines = [
        "| act | domain | layouts (today's in bold) | actor | subject fields | in packages |",
        "|---|---|---|---|---|---|",
    ]
    for act in all_acts():
        lines.append(
            f"| `{act.name}` | {domain_of[act.name]} | {_layouts(act)} | "
            f"{_ACTOR_WORDS[act.actor]} | {_fields(act)} | {'yes' if act.packaged else 'no'} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    """``--schema`` or ``--table``: print it."""
    if argv == ["--schema"]:
        sys.stdout.write(schema_json())
        return 0
    if argv == ["--table"]:
        sys.stdout.write(table_markdown())
        return 0
    sys.stderr.write("usage: python -m civwatch.acts --schema | --table\n")
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
