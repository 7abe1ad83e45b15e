"""Reads and changes recorded through the web get a signed head within a minute: the
desk's schedule signs the protection audit log's head whenever the log grew."""

from __future__ import annotations

import json

from civwatch import extensions
from civwatch.jobs import registry
from civwatch.protection import jobs
from civwatch.protection.persons import add_person
from civwatch.workspace import Workspace
from tests.protection.conftest import PrincipalOf
from tests.protection.helpers import marker_person


def test_the_schedule_signs_a_head_covering_every_entry(
    desk: Workspace, principal: PrincipalOf
) -> None:
    extensions.load()
    assert registry.SCHEDULES[jobs.AUDIT_HEADS.name].when == {"minute": "*"}
    add_person(desk, principal("officer1"), marker_person())
    with desk.sessions() as session:
        size = desk.protection_log.size(session)
        before = desk.protection_log.latest_head(session)
    assert before is None or before.tree_size < size
    assert jobs.sign_audit_head(desk) == {"tree_size": size}
    lines = (desk.data_dir / "custody" / "protection-heads.jsonl").read_text().splitlines()
    assert json.loads(lines[-1])["tree_size"] == size
    # nothing new: no new head is signed
    assert jobs.sign_audit_head(desk) == {"tree_size": size}
    assert len(
        (desk.data_dir / "custody" / "protection-heads.jsonl").read_text().splitlines()
    ) == len(lines)
