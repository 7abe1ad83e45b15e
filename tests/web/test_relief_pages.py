"""The relief fund's pages through HTTP, each user in their own browser session: a grant
from the request form through vetting, two approvals, the release and a partial then a
full payment to a reconciled bank line and the donor report; refusals shown in the page
with their figures, in the reader's language; the grants of a case out of reach are "not
found"; the navigation shows the fund only to its roles; a malformed or oversized
statement upload is refused with a clear message and harms nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from civwatch.config import Settings
from civwatch.web.app import create_app
from civwatch.workspace import Workspace
from tests.web.conftest import BASE
from tests.web.desk import cheap_kdf, desk_session
from tests.web.relief_desk import MAPPING, ReliefDesk, make_relief_desk, statement_csv

GRANT_PATH = re.compile(r"/relief/grants/(rg_[A-Za-z0-9_-]+)")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return cheap_kdf(settings)


@pytest.fixture
def relief(workspace: Workspace) -> ReliefDesk:
    return make_relief_desk(workspace)


@pytest.fixture
def app(workspace: Workspace) -> Iterator[FastAPI]:
    app = create_app(workspace.settings, secure_cookies=False)
    with TestClient(app, base_url=BASE):
        yield app


class Session:
    """One user's browser session (their own cookies) and its CSRF token."""

    def __init__(self, app: FastAPI, relief: ReliefDesk, name: str) -> None:
        self.client = TestClient(app, base_url=BASE)
        self.csrf = desk_session(self.client, name, relief.totp[name])

    def get(self, path: str, **kw: object) -> str:
        r = self.client.get(path, **kw)  # type: ignore[arg-type]
        assert r.status_code == 200, r.text
        return r.text

    def post(self, path: str, data: dict[str, str] | None = None, **kw: object) -> object:
        return self.client.post(
            path,
            data={"csrf_token": self.csrf, **(data or {})},
            follow_redirects=False,
            **kw,  # type: ignore[arg-type]
        )


def _ok(r: object, to: str) -> None:
    assert r.status_code == 303, r.text  # type: ignore[attr-defined]
    assert r.headers["location"].startswith(to)  # type: ignore[attr-defined]


def test_a_grant_from_request_to_a_reconciled_line_and_the_donor_report(
    app: FastAPI, relief: ReliefDesk
) -> None:
    officer = Session(app, relief, "officer1")
    form = officer.get(f"/relief/grants/new?case_id={relief.desk.case_id}")
    assert relief.desk.case_id in form and "Safe exit" in form
    r = officer.post(
        "/relief/grants",
        {
            "case_id": relief.desk.case_id,
            "fund": str(relief.fund),
            "amount": "6000.00",
            "purpose": "transport",
            "oblast": "Kharkivska",
            "people": "3",
            "justification": "Bus and train to the border",
        },
    )
    _ok(r, "/relief/grants/rg_")
    grant = GRANT_PATH.search(r.headers["location"]).group(1)  # type: ignore[attr-defined,union-attr]
    page = officer.get(f"/relief/grants/{grant}")
    assert "6,000.00" in page and "Bus and train to the border" in page
    for check in ("identity", "risk", "duplicates"):
        _ok(
            officer.post(f"/relief/grants/{grant}/vet", {"check": check}), f"/relief/grants/{grant}"
        )
    _ok(officer.post(f"/relief/grants/{grant}/screen"), f"/relief/grants/{grant}")
    assert grant in officer.get("/relief")

    approvers = [Session(app, relief, name) for name in ("appr1", "appr2")]
    for approver in approvers:
        queue = approver.get("/relief")
        assert grant in queue and "no conflict of interest" in queue
        # The approver sees no justification: they are not on the case's team.
        assert "Bus and train" not in approver.get(f"/relief/grants/{grant}")
        _ok(approver.post(f"/relief/grants/{grant}/vet", {"check": "conflict"}), "/relief/grants/")
        assert "Approve this grant" in approver.get(f"/relief/grants/{grant}")
        _ok(approver.post(f"/relief/grants/{grant}/approve"), f"/relief/grants/{grant}?done=")
        assert grant not in approver.get("/relief")

    fin1, fin2 = Session(app, relief, "fin1"), Session(app, relief, "fin2")
    assert "a finance release" in fin1.get("/relief")
    _ok(fin1.post(f"/relief/grants/{grant}/release"), f"/relief/grants/{grant}")
    # The one who released does not pay: the page says so, with nothing written.
    refused = fin1.post(
        f"/relief/grants/{grant}/pay", {"amount": "10", "method": "cash", "paid_on": ""}
    )
    assert refused.status_code == 409 and "Separation of duties" in refused.text  # type: ignore[attr-defined]
    # A payment above what is left is refused with the figures.
    over = fin2.post(f"/relief/grants/{grant}/pay", {"amount": "7000.00"})
    assert over.status_code == 409  # type: ignore[attr-defined]
    assert "6000.00 EUR" in over.text and "7000.00 EUR" in over.text  # type: ignore[attr-defined]
    _ok(
        fin2.post(
            f"/relief/grants/{grant}/pay",
            {
                "amount": "1000.00",
                "method": "bank_transfer",
                "reference": "PAY-1",
                "paid_on": "2026-12-01",
            },
        ),
        f"/relief/grants/{grant}",
    )
    assert "1,000.00" in fin2.get("/relief")
    _ok(
        fin2.post(
            f"/relief/grants/{grant}/pay",
            {"method": "bank_transfer", "reference": "PAY-2", "paid_on": "2026-12-02"},
        ),
        f"/relief/grants/{grant}",
    )
    paid = fin2.get(f"/relief/grants/{grant}")
    assert "PAY-2" in paid and "5,000.00" in paid and "Record a payment" not in paid
    # What was written about the person is shown only to those who may read the case.
    assert "Bus and train" not in paid and "Bus and train" in officer.get(f"/relief/grants/{grant}")

    # The bank's statement: the second payment's line matches by its reference.
    r = fin1.client.post(
        f"/relief/funds/{relief.fund}/reconcile",
        data={"csrf_token": fin1.csrf, "kind": "csv", "mapping": MAPPING},
        files={
            "statement": ("bank.csv", statement_csv("PAY-2", "5000.00", "2026-12-02"), "text/csv")
        },
    )
    assert r.status_code == 200, r.text
    matched = r.text.split('id="matched"')[1].split("</table>")[0]
    assert grant in matched and "5,000.00" in matched
    assert "250.00" in r.text.split('id="unmatched-lines"')[1]  # the donation: no payment
    assert "1,000.00" in r.text.split('id="unmatched-payments"')[1]  # PAY-1: no line

    fund = fin1.get(f"/relief/funds/{relief.fund}?from=2026-01-01&to=2026-12-31")
    assert "Balance sheet" in fund and "payment" in fund and "14,000.00" in fund
    assert "Bus and train" not in fund
    report = fin1.get(f"/relief/funds/{relief.fund}/report?from=2026-12-01&to=2026-12-31")
    # Three people helped: fewer than five, so no figure is shown.
    assert "fewer than 5 people: not shown" in report and "6,000.00" not in report
    period = "from=2026-12-01&to=2026-12-31"
    csv = fin1.client.get(f"/relief/funds/{relief.fund}/report.csv?{period}")
    assert csv.status_code == 200 and "attachment" in csv.headers["content-disposition"]
    assert "6000" not in csv.text
    pdf = fin1.client.get(f"/relief/funds/{relief.fund}/report.pdf?{period}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    bad = fin1.client.get(f"/relief/funds/{relief.fund}/report.csv?from=2026-12-31&to=2026-01-01")
    assert bad.status_code == 422


def test_refusals_are_shown_in_the_readers_language(app: FastAPI, relief: ReliefDesk) -> None:
    officer = Session(app, relief, "officer1")
    r = officer.post(
        "/relief/grants",
        {
            "case_id": relief.desk.case_id,
            "fund": str(relief.fund),
            "amount": "30000",
            "purpose": "medical",
        },
    )
    grant = GRANT_PATH.search(r.headers["location"]).group(1)  # type: ignore[attr-defined,union-attr]
    approver = Session(app, relief, "appr1")
    refused = approver.post(f"/relief/grants/{grant}/approve", headers={"Accept-Language": "uk"})
    assert refused.status_code == 409  # type: ignore[attr-defined]
    assert "не можна затвердити" in refused.text, refused.text  # type: ignore[attr-defined]
    money = officer.client.get(f"/relief/funds/{relief.fund}", headers={"Accept-Language": "uk"})
    assert "20 000,00" in money.text.replace("\xa0", " ").replace("\u202f", " ")


def test_a_case_out_of_reach_is_not_found_and_the_nav_shows_the_fund_to_its_roles(
    app: FastAPI, relief: ReliefDesk
) -> None:
    from civwatch.relief.grants import request_grant
    from tests.web.desk import principal_of

    grant = request_grant(
        relief.ws,
        principal_of(relief.ws, "officer1"),
        relief.desk.case_id,
        fund=relief.fund,
        amount="100",
        purpose="medical",
    )["id"]
    outsider = Session(app, relief, "officer2")
    assert outsider.client.get(f"/relief/grants/{grant}").status_code == 404
    assert grant not in outsider.get("/relief/grants") and grant not in outsider.get("/relief")
    assert 'href="/relief"' in outsider.get("/account")
    admin = Session(app, relief, "admin1")
    assert 'href="/relief"' not in admin.get("/account")
    assert admin.client.get("/relief", follow_redirects=False).status_code == 403
    assert admin.client.get("/relief/grants/rg_notagrantatall").status_code == 403
    officer = Session(app, relief, "officer1")
    case_page = officer.get(f"/protection/cases/{relief.desk.case_id}")
    assert f"/relief/grants/new?case_id={relief.desk.case_id}" in case_page


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Document>&lol3;</Document>"""


@pytest.mark.parametrize(
    ("kind", "mapping", "body", "says"),
    [
        (
            "csv",
            MAPPING.replace("}", ', "encoding": "utf-8"}'),
            "Дата,Сума\n".encode("cp1251") + b"\xff\xfe\n",
            "UTF-8",
        ),
        ("csv", "{not json", b"Date,Debit\n", "The mapping is not a JSON object."),
        ("camt053", "", b"<Document><BkToCstmrStmt>", "XML"),
        ("camt053", "", BOMB, "XML"),
        ("camt053", "", b"\x00\x01\x02garbage", "XML"),
    ],
)
def test_a_malformed_statement_is_refused_in_the_page(
    app: FastAPI, relief: ReliefDesk, kind: str, mapping: str, body: bytes, says: str
) -> None:
    fin = Session(app, relief, "fin1")
    before = fin.get(f"/relief/funds/{relief.fund}")
    r = fin.client.post(
        f"/relief/funds/{relief.fund}/reconcile",
        data={"csrf_token": fin.csrf, "kind": kind, "mapping": mapping},
        files={"statement": ("s", body, "application/octet-stream")},
    )
    assert r.status_code == 422, r.text
    assert 'role="alert"' in r.text and says in r.text, r.text
    assert fin.get(f"/relief/funds/{relief.fund}") == before


def test_an_oversized_statement_is_refused(
    app: FastAPI, relief: ReliefDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    from civwatch.web import relief_pages

    monkeypatch.setattr(relief_pages, "MAX_STATEMENT", 2 * 1024 * 1024)
    fin = Session(app, relief, "fin1")
    r = fin.client.post(
        f"/relief/funds/{relief.fund}/reconcile",
        data={"csrf_token": fin.csrf, "kind": "camt053"},
        files={"statement": ("big.xml", b"<" + b"a" * (2 * 1024 * 1024 + 10), "application/xml")},
    )
    assert r.status_code == 422 and "larger than 2 MiB" in r.text
