"""The relief fund's listings: who waits for what (separation of duties shows in the
queues), grants scoped by the protection desk's need to know, funds and the ledger."""

from __future__ import annotations

from typing import Any

import pytest

from civwatch.errors import PermissionDeniedError, RecordNotFoundError, RejectedInputError
from civwatch.relief import grants, queues
from tests.relief.conftest import Fund, requested_by_an_approver, vetted
from tests.relief.test_screening import add_person_with_case


def _queue(f: Fund, name: str) -> dict[str, dict[str, Any]]:
    return {i["id"]: i for i in queues.grants_waiting_for(f.ws, f.who(name))["items"]}


def test_a_grant_moves_through_the_queues_of_each_role(relief: Fund) -> None:
    f = relief
    g = grants.request_grant(
        f.ws, f.who("officer1"), f.case_id, fund=f.fund, amount="6000.00", purpose="transport"
    )["id"]
    # Just requested: its requester sees it waiting for vetting; an approver sees the
    # checks it lacks (their own conflict declaration too); finance has nothing to do.
    mine = _queue(f, "officer1")[g]
    assert mine["awaits"] == "vet" and "identity" in mine["missing"]
    waiting = _queue(f, "appr1")[g]
    assert waiting["awaits"] == "vet" and "conflict" in waiting["missing"]
    assert waiting["approvals_needed"] == 2 and waiting["release_needed"] is True
    assert g not in _queue(f, "fin1")

    g2 = vetted(f, "6000.00", approvers=("appr1", "appr2"), purpose="medical")
    assert _queue(f, "appr1")[g2]["awaits"] == "approve"
    assert _queue(f, "appr3")[g2]["missing"] == ["conflict"]
    grants.approve(f.ws, f.who("appr1"), g2)
    # An approver who approved already no longer sees it; the second does.
    assert g2 not in _queue(f, "appr1")
    assert _queue(f, "appr2")[g2]["approvals"] == 1
    grants.approve(f.ws, f.who("appr2"), g2)
    assert g2 not in _queue(f, "appr2")
    assert _queue(f, "fin1")[g2]["awaits"] == "release"
    assert _queue(f, "officer1")[g2]["awaits"] == "release"
    assert _queue(f, "officer1")[g2]["yours"] is False
    grants.release(f.ws, f.who("fin1"), g2)
    # The one who released never pays: the other finance person does.
    assert g2 not in _queue(f, "fin1")
    assert _queue(f, "fin2")[g2]["awaits"] == "pay"
    grants.pay(f.ws, f.who("fin2"), g2, amount="1000.00")
    partly = _queue(f, "fin2")[g2]
    assert partly["awaits"] == "pay" and partly["paid"] == "1000.00"
    grants.pay(f.ws, f.who("fin2"), g2)
    assert g2 not in _queue(f, "fin2") and g2 not in _queue(f, "officer1")


def test_a_requester_never_sees_their_own_grant_in_the_approval_queue(relief: Fund) -> None:
    f = relief
    own = requested_by_an_approver(f)
    item = _queue(f, "both")[own]
    assert item["yours"] is False
    detail = queues.grant_detail(f.ws, f.who("both"), own)
    assert "approve" not in detail["may"]
    assert _queue(f, "appr1")[own]["yours"] is True


def test_a_requester_sees_only_grants_of_cases_they_may_read(relief: Fund) -> None:
    f = relief
    other_case = add_person_with_case(f.ws, "officer2", "Maria Shevchenko", "1990-01-02")
    theirs = grants.request_grant(
        f.ws, f.who("officer2"), other_case, fund=f.fund, amount="100", purpose="medical"
    )["id"]
    mine = grants.request_grant(
        f.ws, f.who("officer1"), f.case_id, fund=f.fund, amount="100", purpose="medical"
    )["id"]
    listed = queues.list_grants(f.ws, f.who("officer1"))
    assert [i["id"] for i in listed["items"]] == [mine] and listed["total"] == 1
    assert theirs not in _queue(f, "officer1")
    with pytest.raises(RecordNotFoundError):
        queues.grant_detail(f.ws, f.who("officer1"), theirs)
    # Approvers, finance and the protection lead see both.
    for name in ("appr1", "fin1", "lead1"):
        assert queues.list_grants(f.ws, f.who(name))["total"] == 2
    # Only a reader of the case sees the justification.
    detail = queues.grant_detail(f.ws, f.who("appr1"), mine)
    assert detail["justification"] is None and detail["requested_by"] == "officer1"


def test_lists_are_paged_filtered_and_refuse_bad_pages(relief: Fund) -> None:
    f = relief
    ids = [
        grants.request_grant(
            f.ws, f.who("officer1"), f.case_id, fund=f.fund, amount=str(100 + i), purpose=p
        )["id"]
        for i, p in enumerate(("medical", "transport", "subsistence"))
    ]
    page = queues.list_grants(f.ws, f.who("fin1"), limit=2, offset=0)
    assert page["total"] == 3 and [i["id"] for i in page["items"]] == ids[::-1][:2]
    assert [
        i["id"] for i in queues.list_grants(f.ws, f.who("fin1"), limit=2, offset=2)["items"]
    ] == ids[:1]
    assert queues.list_grants(f.ws, f.who("fin1"), state="paid")["total"] == 0
    with pytest.raises(RejectedInputError):
        queues.list_grants(f.ws, f.who("fin1"), limit=0)
    with pytest.raises(RejectedInputError):
        queues.list_grants(f.ws, f.who("fin1"), state="stolen")


def test_the_ledger_is_newest_first_with_postings_for_finance_only(relief: Fund) -> None:
    from civwatch.relief.funds import deposit

    f = relief
    deposit(f.ws, f.who("fin1"), f.fund, "5.00")
    g = vetted(f, "800.00")
    grants.approve(f.ws, f.who("appr1"), g)
    ledger = queues.fund_ledger(f.ws, f.who("fin2"), f.fund, limit=2)
    assert ledger["total"] == 3
    kinds = [t["kind"] for t in ledger["items"]]
    assert kinds == ["commitment", "deposit"]
    assert sum(float(p["amount"]) for p in ledger["items"][0]["postings"]) == 0
    assert (
        queues.fund_ledger(f.ws, f.who("fin2"), f.fund, limit=2, offset=2)["items"][0]["kind"]
        == "deposit"
    )
    with pytest.raises(PermissionDeniedError):
        queues.fund_ledger(f.ws, f.who("appr1"), f.fund)
    funds = queues.list_funds(f.ws, f.who("officer1"))
    assert funds[0]["available"] == "19205.00"


def test_someone_without_a_relief_role_is_refused(relief: Fund) -> None:
    from civwatch.accounts import add_user

    f = relief
    add_user(f.ws, "viewer", "Viewer", ["verifier"], actor="admin")
    for call in (queues.grants_waiting_for, queues.list_grants, queues.list_funds):
        with pytest.raises(PermissionDeniedError):
            call(f.ws, f.who("viewer"))
