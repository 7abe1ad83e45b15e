"""A search by name, phone or document answers what a plain reading of the blind index
answers: the people the caller may read who hold a token of every word (and of the phone,
of the document), most exact spellings first, then by id. SQLite ranks the words and checks
the rarest word's people; PostgreSQL ANDs the words in the GIN index of the people's token
sets (``protection_token_set``): both must give this same answer, on the test's database
(SQLite, or PostgreSQL with ``CIVWATCH_DATABASE_URL``). The token sets must follow the
blind index through every write."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from civwatch.accounts.principal import Principal
from civwatch.crypto.blind import PHONETIC, normalise_phone
from civwatch.protection.access import readable_persons
from civwatch.protection.desk import desk_key
from civwatch.protection.models import ProtectionBlindIndex, ProtectionTokenSet
from civwatch.protection.person_input import person_input
from civwatch.protection.persons import (
    _query_words,
    add_person,
    blind_indexer,
    delete_person,
    find_persons,
    update_person,
)
from civwatch.workspace import Workspace
from tests.protection.conftest import PrincipalOf

#: (registered by, names, phone, document): shared first names and patronymics, surnames
#: that sound alike, Latin spellings, a repeated word, a double-barrelled surname.
PEOPLE = [
    ("officer1", ["Олександр Іванович Шевченко"], "+380671000001", "FE000001"),
    ("officer1", ["Олександр Петрович Шевчук"], "+380671000002", "FE000002"),
    ("officer1", ["Aleksandr Shevchenko"], "+380671000003", None),
    ("officer1", ["Олена Іванівна Коваленко", "Олена Ковальчук"], "+380671000004", None),
    ("officer1", ["Іван Іван Іваненко"], "+380671000005", "FE000005"),
    ("officer1", ["Olena Kovalenko"], "+380671000006", None),
    ("officer1", ["Марʼяна Шевченко-Коваленко"], "+380671000007", None),
    ("officer1", ["Юлія Бондаренко"], "+380671000008", None),
    ("officer2", ["Олександр Іванович Шевченко"], "+380672000001", None),
    ("officer2", ["Yulia Bondarenko"], "+380672000002", "FE000010"),
    ("lead1", ["Олена Коваленко"], "+380673000001", None),
    ("lead1", ["Тарас Шевченко"], "+380673000002", None),
]
QUERIES = [
    {"name": "Олександр Шевченко"},
    {"name": "Oleksandr Shevchenko"},
    {"name": "Aleksandr Ivanovych Shevchenko"},
    {"name": "Олександр"},
    {"name": "Шевченко"},
    {"name": "Shevtchenko"},
    {"name": "Олена Коваленко"},
    {"name": "Коваленко Олена Іванівна"},
    {"name": "Olena"},
    {"name": "Іван Іван"},
    {"name": "Іван"},
    {"name": "Іваненко Іван"},
    {"name": "Марʼяна Коваленко"},
    {"name": "Mariana Shevchenko"},
    {"name": "Юлія Бондаренко"},
    {"name": "Julia Bondarenko"},
    {"name": "Тарас Коваленко"},
    {"name": "Невідомий"},
    {"name": "Шевченко", "phone": "067 100 0001"},
    {"name": "Олена", "phone": "+380671000004"},
    {"phone": "0671000002"},
    {"document": "FE000005"},
    {"document": "FE000010", "name": "Yulia"},
]


def _register(ws: Workspace, who: Principal, names: list[str], phone: str, doc: str | None) -> str:
    values: dict[str, Any] = {"names": [{"name": n, "kind": "legal"} for n in names]}
    values["contacts"] = [{"kind": "phone", "value": phone}]
    if doc:
        values["documents"] = [{"kind": "passport", "number": doc}]
    return add_person(ws, who, person_input(values))


def _plain_answer(ws: Workspace, who: Principal, query: dict[str, str]) -> list[str]:
    """The answer read plainly: every index row in memory, each person checked."""
    with ws.sessions() as session:
        indexer = blind_indexer(desk_key(ws, session))
        groups = [indexer.query_name(w) for w in _query_words(query.get("name", ""))]
        if query.get("phone"):
            groups.append({indexer.phone(normalise_phone(query["phone"]))})
        if query.get("document"):
            groups.append({indexer.document(query["document"])})
        groups = [g for g in groups if g]
        held: dict[str, set[tuple[str, str]]] = defaultdict(set)
        index = ProtectionBlindIndex
        for person_id, kind, token in session.execute(
            select(index.person_id, index.kind, index.token)
        ):
            held[person_id].add((kind, token))
        matched = [p for p, tokens in held.items() if all(tokens & g for g in groups)]
        score = {
            p: sum(len({t for t in g if t[0] != PHONETIC} & held[p]) for g in groups)
            for p in matched
        }
        readable = readable_persons(session, who, matched)
    return sorted(readable, key=lambda p: (-score[p], p))


def _token_sets_follow_the_index(ws: Workspace) -> None:
    with ws.sessions() as session:
        by_index: dict[str, list[str]] = defaultdict(list)
        for person_id, token in session.execute(
            select(ProtectionBlindIndex.person_id, ProtectionBlindIndex.token)
        ):
            by_index[person_id].append(token)
        sets = dict(
            session.execute(select(ProtectionTokenSet.person_id, ProtectionTokenSet.tokens)).all()
        )
    assert {p: sorted(t) for p, t in by_index.items()} == {p: sorted(t) for p, t in sets.items()}


def test_a_search_answers_what_the_blind_index_read_plainly_answers(
    desk: Workspace, principal: PrincipalOf
) -> None:
    ids = [_register(desk, principal(who), *rest) for who, *rest in PEOPLE]
    _token_sets_follow_the_index(desk)
    # A person renamed, and a person deleted: neither is found by what they no longer hold.
    renamed = person_input({"names": [{"name": "Тарас Бондаренко", "kind": "legal"}]})
    update_person(desk, principal("officer1"), ids[7], renamed, ["names"])
    delete_person(desk, principal("lead1"), ids[2], "registered twice")
    _token_sets_follow_the_index(desk)
    answered = 0
    for who in ("officer1", "officer2", "lead1"):
        caller = principal(who)
        for query in [*QUERIES, {"name": "Тарас Бондаренко"}, {"name": "Юлія"}]:
            expected = _plain_answer(desk, caller, query)
            assert find_persons(desk, caller, **query) == expected, (who, query)
            answered += bool(expected)
    assert answered > 40  # most queries find someone: the comparison is not of empty lists
    assert ids[2] not in _plain_answer(desk, principal("lead1"), {"name": "Aleksandr"})
