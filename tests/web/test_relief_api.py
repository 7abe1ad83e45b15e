"""The relief fund through /api/v1/relief: the attacks of issue 18 sent over HTTP, each
refused with a problem in the caller's language and nothing half-written (self-approval,
an approver who releases, three acts by two people on a EUR 6,000 grant, a JSON number as
an amount, an unknown currency, a payment above the approved amount, an overdrawn fund,
another officer's case, malformed and oversized statement uploads); a grant from request
to a reconciled bank line and the fund's reports; and the beneficiary's name in no answer
(ids and amounts only), the justification opened only for the case's own people."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from civwatch.accounts import add_user
from civwatch.config import Settings
from civwatch.web import relief_api
from civwatch.web.app import create_app
from civwatch.workspace import Workspace
from tests.relief.conftest import SANCTIONS_CSV
from tests.relief.test_statements import BILLION_LAUGHS, camt
from tests.web.conftest import BASE
from tests.web.desk import (
    MARKER_NAME,
    MARKER_PHONE,
    Desk,
    cheap_kdf,
    desk_roles,
    desk_token,
    make_desk,
    principal_of,
)

API = "/api/v1/relief"
UK = {"Accept-Language": "uk"}
CYRILLIC = re.compile(r"[А-Яа-яІіЇїЄєҐґ]")
#: The fund's people beside the desk's (officer1, officer2, lead1, admin1): approvers,
#: finance, an officer who is also an approver, an approver who is also in finance.
RELIEF_USERS = {
    "appr1": ["relief_approver"],
    "appr2": ["relief_approver"],
    "fin1": ["relief_finance"],
    "fin2": ["relief_finance"],
    "both": ["protection_officer", "relief_approver"],
    "dual": ["relief_approver", "relief_finance"],
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return cheap_kdf(settings)


@dataclass
class Relief:
    ws: Workspace
    c: TestClient
    desk: Desk
    #: username, or username:role for a user of two roles -> token header
    auth: dict[str, dict[str, str]]
    fund: int

    def as_(self, who: str, **extra: str) -> dict[str, str]:
        return {**self.auth[who], **extra}

    def post(self, who: str, path: str, body: Any = None, **extra: str) -> Any:
        return self.c.post(f"{API}{path}", json=body, headers=self.as_(who, **extra))

    def get(self, who: str, path: str, **params: Any) -> Any:
        return self.c.get(f"{API}{path}", params=params, headers=self.as_(who))


@pytest.fixture
def relief(workspace: Workspace) -> Iterator[Relief]:
    from civwatch.protection.cases import assign
    from civwatch.protection.risk import RiskInput, add_assessment
    from civwatch.relief.funds import FundInput, add_fund, deposit
    from civwatch.relief.screening import import_sanctions_list

    desk = make_desk(workspace)
    auth = desk_roles(desk)
    for name, roles in RELIEF_USERS.items():
        add_user(workspace, name, name.title(), roles, actor="root")
        for role in roles:
            auth[f"{name}:{role}"] = desk_token(workspace, name, role)
        auth[name] = auth[f"{name}:{roles[0]}"]
    officer = principal_of(workspace, "officer1")
    assign(workspace, officer, desk.case_id, "both")
    add_assessment(
        workspace, officer, desk.person_id, RiskInput(threats=["detention"], likelihood=4, impact=4)
    )
    import_sanctions_list(workspace, principal_of(workspace, "root"), SANCTIONS_CSV)
    fin = principal_of(workspace, "fin1")
    fund = add_fund(workspace, fin, FundInput(name="Safe exit", currency="EUR", donor="D"))
    deposit(workspace, fin, fund["id"], "20000.00")
    with TestClient(create_app(workspace.settings), base_url=BASE) as c:
        yield Relief(workspace, c, desk, auth, fund["id"])


def _request(r: Relief, amount: str, who: str = "officer1", **more: Any) -> str:
    body = {"case": r.desk.case_id, "fund": r.fund, "amount": amount, "purpose": "transport"}
    answer = r.post(who, "/grants", {**body, **more})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def _vetted(r: Relief, amount: str, approvers: tuple[str, ...] = ("appr1",), **more: Any) -> str:
    """A grant officer1 asked for and vetted (sanctions screened: no match), with each
    approver's conflict declared."""
    grant = _request(r, amount, **more)
    for check in ("identity", "risk", "duplicates", "sanctions"):
        done = r.post("officer1", f"/grants/{grant}/vet", {"check": check})
        assert done.status_code == 200, done.text
    for name in approvers:
        assert r.post(name, f"/grants/{grant}/vet", {"check": "conflict"}).status_code == 200
    return grant


def _rows(r: Relief) -> tuple[int, ...]:
    """Rows of the fund's tables and the audit log: a refused act adds to none."""
    from civwatch.accounts.models import AuditRecord
    from civwatch.relief.models import (
        ReliefGrant,
        ReliefGrantAct,
        ReliefPosting,
        ReliefStatementMatch,
        ReliefTransaction,
        ReliefVetting,
    )

    tables = (
        ReliefGrant,
        ReliefGrantAct,
        ReliefVetting,
        ReliefTransaction,
        ReliefPosting,
        ReliefStatementMatch,
    )
    with r.ws.sessions() as s:
        counts = [s.scalar(select(func.count()).select_from(t)) or 0 for t in tables]
        audited = s.scalar(
            select(func.count()).select_from(AuditRecord).where(AuditRecord.action.like("relief.%"))
        )
    return (*counts, audited or 0)


def _refused(answer: Any, status: int, *says: str) -> dict[str, Any]:
    """A problem document of ``status`` whose detail says each of ``says``."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = answer.json()
    for words in says:
        assert words in problem["detail"], problem
    return problem


def _in_ukrainian(problem: dict[str, Any]) -> None:
    assert CYRILLIC.search(problem["title"]) and CYRILLIC.search(problem["detail"]), problem


# -- the attacks -----------------------------------------------------------------------------------
def test_self_approval_is_refused(relief: Relief) -> None:
    r = relief
    own = _request(r, "300.00", who="both:protection_officer")
    for check in ("identity", "risk", "duplicates", "sanctions"):
        assert r.post("officer1", f"/grants/{own}/vet", {"check": check}).status_code == 200
    r.post("both:relief_approver", f"/grants/{own}/vet", {"check": "conflict"})
    before = _rows(r)
    problem = _refused(
        r.post("both:relief_approver", f"/grants/{own}/approve"), 409, "Separation of duties"
    )
    assert problem["type"].endswith("/conflict")
    _in_ukrainian(_refused(r.post("both:relief_approver", f"/grants/{own}/approve", **UK), 409))
    assert _rows(r) == before
    assert r.get("appr1", f"/grants/{own}").json()["state"] == "requested"


def test_an_approver_who_releases_is_refused(relief: Relief) -> None:
    r = relief
    grant = _vetted(r, "6000.00", approvers=("dual", "appr2"))
    assert r.post("dual:relief_approver", f"/grants/{grant}/approve").status_code == 200
    assert r.post("appr2", f"/grants/{grant}/approve").json()["state"] == "approved"
    before = _rows(r)
    _refused(r.post("dual:relief_finance", f"/grants/{grant}/release"), 409, "Separation")
    _in_ukrainian(_refused(r.post("dual:relief_finance", f"/grants/{grant}/release", **UK), 409))
    assert _rows(r) == before


def test_three_acts_by_two_people_on_a_6000_grant(relief: Relief) -> None:
    r = relief
    grant = _vetted(r, "6000.00", approvers=("appr1", "appr2"))
    shown = r.post("appr1", f"/grants/{grant}/approve").json()
    assert (shown["state"], shown["approvals_needed"], shown["release_needed"]) == (
        "requested",
        2,
        True,
    )
    before = _rows(r)
    _refused(r.post("appr1", f"/grants/{grant}/approve"), 409, "already")
    assert _rows(r) == before
    assert r.post("appr2", f"/grants/{grant}/approve").json()["state"] == "approved"
    _refused(r.post("fin1", f"/grants/{grant}/pay", {}), 409, "released")  # no release yet
    assert r.post("fin1", f"/grants/{grant}/release").json()["state"] == "released"
    before = _rows(r)
    _refused(r.post("fin1", f"/grants/{grant}/pay", {}), 409, "Separation of duties")
    assert _rows(r) == before
    paid = r.post("fin2", f"/grants/{grant}/pay", {"reference": "CW-6000"}).json()
    assert (paid["state"], paid["paid"], paid["left"]) == ("paid", "6000.00", "0.00")


@pytest.mark.parametrize("amount", [1.1, 1500, 1e3, True])
def test_an_amount_sent_as_a_json_number_is_refused(relief: Relief, amount: Any) -> None:
    r = relief
    before = _rows(r)
    body = {"case": r.desk.case_id, "fund": r.fund, "amount": amount, "purpose": "transport"}
    problem = _refused(r.post("officer1", "/grants", body), 422, "JSON number", '"1500.00"')
    assert problem["detail"].startswith(repr(amount)), problem
    _in_ukrainian(_refused(r.post("officer1", "/grants", body, **UK), 422))
    _refused(r.post("fin1", f"/funds/{r.fund}/deposits", {"amount": amount}), 422, "JSON number")
    assert _rows(r) == before


def test_money_answers_are_decimal_strings_in_the_schema_too(relief: Relief) -> None:
    schemas = relief.c.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert schemas["DepositBody"]["properties"]["amount"]["type"] == "string"
    for model, field in (("GrantAnswer", "amount"), ("FundAnswer", "available")):
        assert schemas[model]["properties"][field]["type"] == "string"
    report = relief.get("fin1", f"/funds/{relief.fund}/report").json()
    assert report["balance_sheet"]["assets"] == "20000.00"
    assert report["income_statement"]["donations"] == "20000.00"


def test_an_unknown_currency_is_refused(relief: Relief) -> None:
    r = relief
    before = _rows(r)
    body = {"case": r.desk.case_id, "fund": r.fund, "amount": "150", "purpose": "transport"}
    _refused(r.post("officer1", "/grants", {**body, "currency": "XYZ"}), 422, "Unknown currency")
    _in_ukrainian(_refused(r.post("officer1", "/grants", {**body, "currency": "XYZ"}, **UK), 422))
    _refused(r.post("fin1", "/funds", {"name": "Odd", "currency": "XYZ"}), 422, "XYZ")
    _refused(r.post("officer1", "/grants", {**body, "amount": "1.001"}), 422, "more decimals")
    assert _rows(r) == before


def test_a_payment_above_the_approved_amount_is_refused(relief: Relief) -> None:
    r = relief
    grant = _vetted(r, "500.00")
    assert r.post("appr1", f"/grants/{grant}/approve").json()["state"] == "approved"
    before = _rows(r)
    _refused(r.post("fin1", f"/grants/{grant}/pay", {"amount": "500.01"}), 409, "500.00 EUR")
    _in_ukrainian(_refused(r.post("fin1", f"/grants/{grant}/pay", {"amount": "500.01"}, **UK), 409))
    assert _rows(r) == before


def test_an_overdrawn_fund_is_refused(relief: Relief) -> None:
    r = relief
    small = r.post("fin1", "/funds", {"name": "Small", "currency": "EUR"}).json()["id"]
    deposited = r.post("fin1", f"/funds/{small}/deposits", {"amount": "100.00"})
    assert deposited.status_code == 201 and deposited.json()["available"] == "100.00"
    r.fund = small
    grant = _vetted(r, "150.00")
    before = _rows(r)
    _refused(r.post("appr1", f"/grants/{grant}/approve"), 409, "100.00 EUR available")
    _in_ukrainian(_refused(r.post("appr1", f"/grants/{grant}/approve", **UK), 409))
    moved = r.post("fin1", f"/funds/{small}/transfers", {"to_fund": 1, "amount": "100.01"})
    _refused(moved, 409, "overdraw")
    assert _rows(r) == before


def test_another_officers_case_is_out_of_reach(relief: Relief) -> None:
    r = relief
    grant = _request(r, "300.00")
    before = _rows(r)
    body = {"case": r.desk.case_id, "fund": r.fund, "amount": "300.00", "purpose": "medical"}
    _refused(r.post("officer2", "/grants", body), 404)
    _refused(r.get("officer2", f"/grants/{grant}"), 404)
    _refused(r.post("officer2", f"/grants/{grant}/vet", {"check": "identity"}), 404)
    _in_ukrainian(_refused(r.post("officer2", "/grants", body, **UK), 404))
    assert r.get("officer2", "/grants").json()["total"] == 0
    assert r.get("officer2", "/grants", waiting="me").json()["items"] == []
    assert _rows(r) == before
    # the case's officer, a protection lead and the fund's people see it
    for who in ("officer1", "lead1", "appr1", "fin1"):
        assert r.get(who, f"/grants/{grant}").status_code == 200, who


def test_roles_outside_the_fund_are_refused(relief: Relief) -> None:
    r = relief
    grant = _request(r, "300.00")
    _refused(r.post("officer1", f"/grants/{grant}/approve"), 403)
    _refused(r.post("appr1", f"/grants/{grant}/release"), 403)
    _refused(r.post("appr1", "/grants", {"case": r.desk.case_id}), 403)
    _refused(r.get("admin1", "/funds"), 403)
    _refused(r.get("appr1", "/ledger/beancount"), 403)
    _refused(r.c.get(f"{API}/funds"), 401)


# -- statements, lists and files -------------------------------------------------------------------
def _upload(r: Relief, who: str, files: dict[str, Any], **extra: str) -> Any:
    return r.c.post(f"{API}/funds/{r.fund}/reconcile", files=files, headers=r.as_(who, **extra))


MAPPING = json.dumps(
    {"date": "Date", "amount": "Amount", "reference": "Reference", "default_currency": "EUR"}
).encode()


def _paid(r: Relief, amount: str, reference: str) -> str:
    grant = _vetted(r, amount)
    assert r.post("appr1", f"/grants/{grant}/approve").status_code == 200
    paid = r.post("fin1", f"/grants/{grant}/pay", {"reference": reference})
    assert paid.status_code == 200, paid.text
    return grant


@pytest.mark.parametrize(
    ("files", "says"),
    [
        ({"statement": ("s.xml", BILLION_LAUGHS, "application/xml")}, "entities"),
        ({"statement": ("s.xml", camt("08", "")[:-30], "application/xml")}, "not a complete XML"),
        ({"statement": ("s.xml", b"\xff\xfe\x00\xd8garbage", "application/xml")}, ""),
        (
            {
                "statement": ("s.csv", b"\xff\xfe\xfa\xfb\x00\x81\x8d\x8f\x90\x9d", "text/csv"),
                "mapping": ("m.json", MAPPING, "application/json"),
            },
            "",
        ),
        (
            {
                "statement": ("s.csv", b"Date,Amount\n2026-12-01,-1\n", "text/csv"),
                "mapping": ("m.json", b"\xff\xfe{not json", "application/json"),
            },
            "JSON",
        ),
        ({}, "statement"),
    ],
)
def test_a_malformed_statement_is_refused_and_changes_nothing(
    relief: Relief, files: dict[str, Any], says: str
) -> None:
    r = relief
    _paid(r, "120.00", "CW-1")
    before = _rows(r)
    problem = _refused(_upload(r, "fin1", files), 422, says)
    assert "Traceback" not in problem["detail"]
    _in_ukrainian(_refused(_upload(r, "fin1", files, **UK), 422))
    assert _rows(r) == before


def test_a_statement_over_the_routes_limit_is_refused_unread(
    relief: Relief, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = relief
    monkeypatch.setattr(relief_api.fund_reconcile, "max_upload_file", 1000)
    before = _rows(r)
    big = {"statement": ("s.xml", b"<" + b"x" * 2000 + b"/>", "application/xml")}
    _refused(_upload(r, "fin1", big), 413, "1000")
    _in_ukrainian(_refused(_upload(r, "fin1", big, **UK), 413))
    assert _rows(r) == before
    # a role that may not reconcile is refused before its body is read
    _refused(_upload(r, "appr1", big), 403)


def test_a_grant_from_request_to_a_reconciled_line_and_the_funds_reports(relief: Relief) -> None:
    r = relief
    grant = _paid(r, "234.56", "CW-G-0009")
    today = datetime.now(UTC).date().isoformat()
    statement = (
        f"Date,Amount,Reference\n{today},-234.56,Grant CW-G-0009\n{today},500.00,Gift\n"
    ).encode()
    files = {
        "statement": ("s.csv", statement, "text/csv"),
        "mapping": ("m.json", MAPPING, "application/json"),
    }
    done = _upload(r, "fin2", files)
    assert done.status_code == 200, done.text
    doc = done.json()
    assert [(m["grant"], m["matched_by"]) for m in doc["matched"]] == [(grant, "reference")]
    assert [u["line"] for u in doc["unmatched_lines"]] == [3]
    again = _upload(r, "fin1", files).json()
    assert again["matched"] == [] and [m["line"] for m in again["matched_before"]] == [2]
    # the ledger: commitment and payment of the grant, newest first
    ledger = r.get("fin1", f"/funds/{r.fund}/ledger").json()
    assert [t["kind"] for t in ledger["items"]] == ["payment", "commitment", "deposit"]
    assert ledger["items"][0]["postings"][0]["amount"] in ("234.56", "-234.56")
    beancount = r.get("fin1", "/ledger/beancount")
    assert beancount.status_code == 200 and beancount.headers["content-type"].startswith(
        "text/plain"
    )
    assert "234.56 EUR" in beancount.text
    report = r.get(
        "fin1", f"/funds/{r.fund}/donor-report", **{"from": "2020-01-01", "to": "2099-12-31"}
    )
    assert report.status_code == 200, report.text
    assert report.json()["people_helped"] is None  # one person: suppressed
    assert report.json()["from"] == "2020-01-01"
    _refused(
        r.get(
            "fin1", f"/funds/{r.fund}/donor-report", **{"from": "2026-12-31", "to": "2026-01-01"}
        ),
        422,
    )
    # the queue: nothing waits for finance now; the requester sees their grant paid
    assert r.get("fin1", "/grants", waiting="me").json()["items"] == []
    listed = r.get("officer1", "/grants").json()
    assert [(g["id"], g["state"], g["paid"]) for g in listed["items"]] == [
        (grant, "paid", "234.56")
    ]
    # a refund and a deposit reversed
    refunded = r.post("fin2", f"/grants/{grant}/refund", {"amount": "34.56"}).json()
    assert refunded["refunded"] == "34.56"
    deposit = r.post("fin1", f"/funds/{r.fund}/deposits", {"amount": "10.00"}).json()
    reversed_ = r.post("fin1", f"/ledger/transactions/{deposit['transaction']}/reverse")
    assert reversed_.status_code == 201 and reversed_.json()["reverses"] == deposit["transaction"]
    _refused(r.post("fin1", f"/ledger/transactions/{deposit['transaction']}/reverse"), 409)


def test_a_sanctions_match_blocks_until_cleared_with_a_reason(relief: Relief) -> None:
    from tests.relief.test_screening import add_person_with_case

    r = relief
    case = add_person_with_case(r.ws, "officer1", "Коваленко Олександр", "1975-04-12")
    grant = _request(r, "200.00", case=case)
    imported = r.c.post(
        f"{API}/sanctions",
        files={"file": ("l.csv", SANCTIONS_CSV, "text/csv")},
        headers=r.as_("admin1"),
    )
    assert imported.status_code == 200 and imported.json()["entries"] == 2
    screened = r.post("officer1", f"/grants/{grant}/vet", {"check": "sanctions"}).json()
    assert screened["screening"] == "blocked" and screened["candidates"][0]["entry"] == "EU-1"
    _refused(r.post("appr1", f"/grants/{grant}/vet", {"check": "sanctions", "clear": True}), 422)
    cleared = r.post(
        "appr1",
        f"/grants/{grant}/vet",
        {"check": "sanctions", "clear": True, "note": "another date of birth"},
    )
    assert cleared.json()["checks"][-1]["outcome"] == "cleared"
    broken = r.c.post(
        f"{API}/sanctions",
        files={"file": ("l.csv", b"\x00\x01\xff not a list", "text/csv")},
        headers=r.as_("admin1", **UK),
    )
    _in_ukrainian(_refused(broken, 422))


# -- the beneficiary's name ------------------------------------------------------------------------
def test_the_beneficiarys_name_is_in_no_answer_but_the_case_teams(relief: Relief) -> None:
    """The person's name and phone appear in no relief answer to approvers, finance or an
    officer outside the case, even written into the justification; the case's officer
    and a protection lead read the justification on the grant's page."""
    r = relief
    note = f"Family of {MARKER_NAME}, call {MARKER_PHONE}"
    grant = _vetted(r, "300.00", justification=note)
    answers: dict[str, list[str]] = {}

    def keep(who: str, answer: Any) -> None:
        assert answer.status_code < 500, answer.text
        answers.setdefault(who, []).append(answer.text)

    keep("appr1", r.post("appr1", f"/grants/{grant}/approve"))
    keep("fin1", r.post("fin1", f"/grants/{grant}/pay", {"amount": "100.00", "reference": "R"}))
    for who in ("appr1", "appr2", "fin1", "fin2", "officer2", "officer1", "lead1"):
        for path in ("/funds", f"/funds/{r.fund}", "/grants", f"/grants/{grant}"):
            keep(who, r.get(who, path))
        keep(who, r.get(who, "/grants", waiting="me"))
    for path in (f"/funds/{r.fund}/ledger", f"/funds/{r.fund}/report", "/ledger/beancount"):
        keep("fin1", r.get("fin1", path))
    keep(
        "fin1",
        r.get(
            "fin1", f"/funds/{r.fund}/donor-report", **{"from": "2020-01-01", "to": "2099-01-01"}
        ),
    )
    for who, texts in answers.items():
        joined = "\n".join(texts)
        readers = who in ("officer1", "lead1")
        found = [
            m for m in (MARKER_NAME, MARKER_PHONE) if m in joined or json.dumps(m)[1:-1] in joined
        ]
        if not readers:
            assert not found, f"{who} was shown {found}"
    shown = r.get("officer1", f"/grants/{grant}").json()
    assert shown["justification"] == note
    assert r.get("lead1", f"/grants/{grant}").json()["justification"] == note
    assert r.get("appr1", f"/grants/{grant}").json()["justification"] is None
    # the case's officer sees the name only in the justification they wrote
    listed = "\n".join(answers["officer1"]).replace(note, "")
    assert MARKER_NAME not in listed


def test_the_donor_report_as_json_csv_and_pdf_in_the_readers_language(relief: Relief) -> None:
    from civwatch.i18n import use_language
    from civwatch.relief.donor_files import suppressed_word

    r = relief
    _paid(r, "300.00", "CW-D-1")
    path = f"{API}/funds/{r.fund}/donor-report"
    period = {"from": "2020-01-01", "to": "2099-12-31"}
    fin = r.as_("fin1")
    as_json = r.c.get(path, params=period, headers=fin)
    assert as_json.headers["content-type"] == "application/json"
    assert as_json.json()["purpose"]["transport"] == {
        "amount": None,
        "people": None,
        "suppressed": True,
    }
    by_query = r.c.get(path, params={**period, "format": "csv"}, headers={**fin, **UK})
    by_accept = r.c.get(path, params=period, headers={**fin, **UK, "Accept": "text/csv"})
    for answer in (by_query, by_accept):
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("text/csv")
        assert ".uk.csv" in answer.headers["content-disposition"]
        with use_language("uk"):
            assert suppressed_word() in answer.content.decode("utf-8-sig")
        assert "300.00" not in answer.text  # one person: the figure is suppressed
    pdf = r.c.get(path, params=period, headers={**fin, "Accept": "application/pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert MARKER_NAME.encode() not in pdf.content
    _refused(r.c.get(path, params={**period, "format": "xls"}, headers=fin), 422)


def test_a_browser_session_away_from_the_desk_is_signed_out_of_the_fund(relief: Relief) -> None:
    from datetime import timedelta

    from civwatch.db import utcnow
    from tests.web.desk import desk_session, desk_user

    r = relief
    secret = desk_user(r.ws, "finsession", "relief_finance")
    start = utcnow()
    r.c.app.state.clock = lambda: start  # type: ignore[attr-defined]
    csrf = desk_session(r.c, "finsession", secret)
    assert r.c.get(f"{API}/funds").status_code == 200
    r.c.app.state.clock = lambda: start + timedelta(minutes=16)  # type: ignore[attr-defined]
    before = _rows(r)
    away = r.c.post(
        f"{API}/funds/{r.fund}/deposits", json={"amount": "5.00"}, headers={"X-CSRF-Token": csrf}
    )
    _refused(away, 401, "15 minutes")
    assert _rows(r) == before


def test_a_cash_payment_comes_out_of_the_cash_box_never_beyond_it(relief: Relief) -> None:
    r = relief
    grant = _vetted(r, "300.00")
    assert r.post("appr1", f"/grants/{grant}/approve").status_code == 200
    before = _rows(r)
    _refused(r.post("fin1", f"/grants/{grant}/pay", {"method": "cash"}), 409, "300.00 EUR")
    _refused(r.post("fin1", f"/funds/{r.fund}/cash", {"amount": "1.00", "to_bank": True}), 409)
    assert _rows(r) == before
    took = r.post("fin1", f"/funds/{r.fund}/cash", {"amount": "500.00"})
    assert took.status_code == 201, took.text
    assert (took.json()["cash"], took.json()["bank"]) == ("500.00", "19500.00")
    paid = r.post("fin1", f"/grants/{grant}/pay", {"method": "cash"})
    assert paid.status_code == 200 and paid.json()["state"] == "paid", paid.text
    assert r.get("fin1", f"/funds/{r.fund}").json()["bank"] == "19500.00"
