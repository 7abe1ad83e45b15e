"""People at risk: registered, read, found, updated and deleted.

Every field is sealed with the person's own data key (:mod:`.crypto_fields`); names,
phone numbers and document numbers are also kept as blind indexes (keyed HMACs of their
normalised tokens, :mod:`civwatch.crypto.blind`) so a person is found without decrypting
anyone. Every read is recorded in the protection audit log in the same transaction
(ids and field names only), and only the person's team and protection leads reach a
person (:mod:`.access`). Deleting a person destroys their data key (crypto-shredding).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    and_,
    case,
    delete,
    func,
    literal,
    or_,
    select,
    union,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.crypto.blind import PHONETIC, BlindIndexer, normalise_phone
from civwatch.crypto.envelope import DeskKey
from civwatch.db import is_sqlite, utcnow
from civwatch.errors import RejectedInputError
from civwatch.i18n import _
from civwatch.protection import audit
from civwatch.protection.access import (
    authorise,
    person_missing,
    reach_filter,
    require_person,
)
from civwatch.protection.crypto_fields import (
    new_wrapped_key,
    open_value,
    person_key,
    seal_value,
)
from civwatch.protection.desk import desk_key
from civwatch.protection.ids import new_id
from civwatch.protection.models import (
    ProtectionAccessGrant,
    ProtectionBlindIndex,
    ProtectionCase,
    ProtectionCaseTransition,
    ProtectionCheckin,
    ProtectionCheckpoint,
    ProtectionHelpRequest,
    ProtectionOverride,
    ProtectionPerson,
    ProtectionPersonField,
    ProtectionReferral,
    ProtectionRiskAssessment,
    ProtectionTask,
    ProtectionTokenSet,
)
from civwatch.protection.person_input import PERSON_FIELDS, PersonInput
from civwatch.workspace import Workspace

#: Blind index kinds a duplicate candidate can share with a person.
_STRONG_KINDS = ("phone", "document")
#: Distinct phonetic name keys two people must share to be duplicate candidates by name.
_NAME_KEYS_FOR_DUPLICATE = 2
#: Index rows past which a searched word counts as common (see :func:`_rarest_first`).
_COUNT_CAP = 2000
#: The blind index as a table (its aliases cost less to build than the ORM's).
_INDEX_TABLE = ProtectionBlindIndex.__table__
_WORDS = re.compile(r"[\s,;]+")
#: The most ids a search answers with (the best matches): each is recorded as a read.
FIND_LIMIT = 50


def _indexer(key: DeskKey) -> BlindIndexer:
    return BlindIndexer(key.subkey("blind-index"))


def _index_rows(indexer: BlindIndexer, values: dict[str, Any]) -> set[tuple[str, str]]:
    """The blind index entries of a person's (plain) field values."""
    found: set[tuple[str, str]] = set()
    for name in values.get("names", []):
        found |= indexer.name(name["name"])
    for contact in values.get("contacts", []):
        if contact["kind"] == "phone":
            found.add(indexer.phone(contact["value"]))
    for document in values.get("documents", []):
        found.add(indexer.document(document["number"]))
    return found


#: The fields a person's blind indexes are made from.
INDEXED_FIELDS = ("names", "contacts", "documents")


def blind_indexer(key: DeskKey) -> BlindIndexer:
    """The blind indexer of the desk ``key`` (its key hangs on the desk key)."""
    return _indexer(key)


def index_entries(indexer: BlindIndexer, values: dict[str, Any]) -> set[tuple[str, str]]:
    """The blind index entries (kind, token) of a person's opened :data:`INDEXED_FIELDS`."""
    return _index_rows(indexer, values)


def _write_fields(
    session: Session, person_id: str, data_key: bytes, values: dict[str, Any]
) -> None:
    for field, value in values.items():
        session.merge(
            ProtectionPersonField(
                person_id=person_id,
                field=field,
                value=seal_value(data_key, value, record=person_id, field=field),
            )
        )


def _write_index(session: Session, person_id: str, rows: Iterable[tuple[str, str]]) -> None:
    """The person's blind index entries, and their token set (:func:`token_sets`)."""
    entries = sorted(set(rows))
    session.execute(delete(ProtectionBlindIndex).where(ProtectionBlindIndex.person_id == person_id))
    session.execute(delete(ProtectionTokenSet).where(ProtectionTokenSet.person_id == person_id))
    session.add_all(
        ProtectionBlindIndex(person_id=person_id, kind=kind, token=token) for kind, token in entries
    )
    session.add(ProtectionTokenSet(person_id=person_id, tokens=_token_list(entries)))


def _token_list(entries: Iterable[tuple[str, str]]) -> list[str]:
    return sorted({token for _kind, token in entries})


def token_sets(entries: Iterable[dict[str, str]]) -> list[dict[str, Any]]:
    """The rows of ``protection_token_set`` for blind index rows ``entries`` ({person_id,
    kind, token}): each person's tokens as one sorted list (for bulk writes)."""
    by_person: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        by_person[entry["person_id"]].add(entry["token"])
    return [{"person_id": p, "tokens": sorted(t)} for p, t in sorted(by_person.items())]


def read_fields(
    session: Session, person_id: str, data_key: bytes, fields: Sequence[str] | None
) -> dict[str, Any]:
    """The person's ``fields`` (all when None; those they have), opened with their
    ``data_key``, in the caller's session. It records no read: the caller records what it
    shows or sends."""
    query = select(ProtectionPersonField).where(ProtectionPersonField.person_id == person_id)
    if fields is not None:
        query = query.where(ProtectionPersonField.field.in_(list(fields)))
    return {
        row.field: open_value(data_key, row.value, record=person_id, field=row.field)
        for row in session.scalars(query)
    }


def _checked_fields(fields: Sequence[str] | None) -> list[str] | None:
    if fields is None:
        return None
    unknown = sorted(set(fields) - set(PERSON_FIELDS))
    if unknown:
        raise RejectedInputError(
            _(
                "Unknown field %(field)s; a person's fields are: %(fields)s.",
                field=repr(unknown[0]),
                fields=", ".join(PERSON_FIELDS),
            )
        )
    return list(fields)


def add_person(ws: Workspace, principal: Principal, person: PersonInput) -> str:
    """Register a person at risk (an officer or a lead, who is then on their team);
    returns the new person's id."""
    values = person.stored()
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.PROTECTION_WRITE)
        key = desk_key(ws, session, for_writing=True)
        person_id = new_id("per")
        data_key, wrapped = new_wrapped_key(key, person_id)
        session.add(
            ProtectionPerson(
                id=person_id, wrapped_key=wrapped, created_at=utcnow(), created_by=principal.user_id
            )
        )
        session.flush()
        _write_fields(session, person_id, data_key, values)
        _write_index(session, person_id, _index_rows(_indexer(key), values))
        audit.record_change(
            session, principal, "person-add", person_id=person_id, fields=sorted(values)
        )
    return person_id


def show_person(
    ws: Workspace, principal: Principal, person_id: str, fields: Sequence[str] | None = None
) -> dict[str, Any]:
    """The person ``person_id`` decrypted (only ``fields`` when given), for their team or
    a lead; "not found" for anyone else. The read is recorded with the fields returned."""
    wanted = _checked_fields(fields)
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.PROTECTION_READ)
        person = require_person(session, principal, person_id)
        key = desk_key(ws, session)
        values = read_fields(session, person_id, person_key(session, key, person_id), wanted)
        audit.record_read(
            session, principal, person_id=person_id, case_id=None, fields=sorted(values)
        )
        return {
            "id": person.id,
            "created_at": person.created_at.isoformat(),
            "risk_level": person.risk_level,
            "next_review": None if person.next_review is None else person.next_review.isoformat(),
            **values,
        }


def update_person(
    ws: Workspace, principal: Principal, person_id: str, person: PersonInput, fields: Sequence[str]
) -> None:
    """Replace the ``fields`` of person ``person_id`` with those of ``person`` (a field
    empty in ``person`` is removed); the blind indexes follow."""
    names = _checked_fields(fields) or []
    values = person.stored()
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.PROTECTION_WRITE)
        require_person(session, principal, person_id)
        key = desk_key(ws, session, for_writing=True)
        data_key = person_key(session, key, person_id)
        changed = {f: values[f] for f in names if f in values}
        removed = [f for f in names if f not in values]
        if "names" in removed:
            raise RejectedInputError(_("A person keeps at least one name."))
        _write_fields(session, person_id, data_key, changed)
        session.execute(
            delete(ProtectionPersonField).where(
                ProtectionPersonField.person_id == person_id,
                ProtectionPersonField.field.in_(removed),
            )
        )
        current = read_fields(session, person_id, data_key, ["names", "contacts", "documents"])
        _write_index(session, person_id, _index_rows(_indexer(key), current))
        audit.record_change(session, principal, "person-update", person_id=person_id, fields=names)


def _query_words(text: str) -> list[str]:
    return [w for w in _WORDS.split(text.strip()) if w]


def _by_kind(group: set[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """The tokens of ``group`` by kind: [(kind, [token, ...]), ...], in a stable order."""
    by_kind: dict[str, set[str]] = defaultdict(set)
    for kind, token in group:
        by_kind[kind].add(token)
    return [(kind, sorted(tokens)) for kind, tokens in sorted(by_kind.items())]


def _looked_up_in(table: Any, group: set[tuple[str, str]]) -> ColumnElement[bool]:
    """Rows of ``table`` (the blind index or an alias of it) holding a token of ``group``:
    one (kind = k AND token IN (...)) per kind, which the (kind, token) index answers."""
    return or_(
        *(and_(table.c.kind == kind, table.c.token.in_(tokens)) for kind, tokens in _by_kind(group))
    )


def _per_kind(group: set[tuple[str, str]], *columns: Any) -> list[Select[Any]]:
    """One select of ``person_id`` (and ``columns``) of the index per kind of token in
    ``group``: each answered from the (kind, token, person_id) index alone, where an OR of
    kinds would make PostgreSQL visit the table's rows."""
    index = _INDEX_TABLE
    return [
        select(index.c.person_id, *columns).where(index.c.kind == kind, index.c.token.in_(tokens))
        for kind, tokens in _by_kind(group)
    ]


def _held_by(group: set[tuple[str, str]], person_id: Any) -> ColumnElement[bool]:
    """The person ``person_id`` (a column) holds a token of ``group``: per kind, a count of
    the (kind, token, person_id) entries in the index, a few seeks (no row of the table is
    read). A scalar count, not EXISTS: PostgreSQL, which cannot know that a common first
    name holds thousands of entries, would read them all into a hash for an EXISTS."""
    checks = []
    for kind, tokens in _by_kind(group):
        other = _INDEX_TABLE.alias()
        held = (
            select(func.count())
            .where(
                other.c.kind == kind,
                other.c.token.in_(tokens),
                other.c.person_id == person_id,
            )
            .scalar_subquery()
        )
        checks.append(held > 0)
    return or_(*checks)


def _probe(group: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The tokens of ``group`` counted to rank it: its phonetic keys when it has some (a
    person holding a spelling of the word holds its phonetic key too, so these count people,
    once each), else all its tokens."""
    return {t for t in group if t[0] == PHONETIC} or group


def _rarest_first(
    session: Session, groups: list[set[tuple[str, str]]]
) -> list[set[tuple[str, str]]]:
    """``groups`` ordered by how many people hold them, fewest first. A phone or a document
    (a person or two) goes first uncounted; words are counted in one statement from the
    index alone, each count stopped at :data:`_COUNT_CAP` (past it a word is common, and
    which common one comes first matters little)."""
    if len(groups) < 2:
        return groups
    strong = [g for g in groups if any(kind in _STRONG_KINDS for kind, _t in g)]
    if strong:
        return strong + [g for g in groups if not any(g is s for s in strong)]
    index = _INDEX_TABLE
    counts = []
    owner = []
    for position, group in enumerate(groups):
        for kind, tokens in _by_kind(_probe(group)):
            entries = (
                select(index.c.person_id)
                .where(index.c.kind == kind, index.c.token.in_(tokens))
                .limit(_COUNT_CAP)
                .subquery()
            )
            counts.append(select(func.count()).select_from(entries).scalar_subquery())
            owner.append(position)
    sizes = [0] * len(groups)
    for position, size in zip(owner, session.execute(select(*counts)).one(), strict=True):
        sizes[position] += int(size)
    ranked = sorted(zip(sizes, range(len(groups)), strict=True))
    return [groups[i] for _size, i in ranked]


def _score(groups: list[set[tuple[str, str]]], person_id: Any) -> ColumnElement[int]:
    """How many exact (not phonetic) tokens of the query the person ``person_id`` (a column)
    holds, each counted once per group it is in: a correlated count over the person's own
    index entries (read only for the people who matched)."""
    weights: dict[tuple[str, str], int] = defaultdict(int)
    for group in groups:
        for token in group:
            if token[0] != PHONETIC:
                weights[token] += 1
    if not weights:
        return literal(0)
    mine = _INDEX_TABLE.alias()
    by_weight: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for token, weight in weights.items():
        by_weight[weight].add(token)
    value: Any = func.count()
    if set(by_weight) != {1}:
        cases = [
            (_looked_up_in(mine, tokens), weight)
            for weight, tokens in sorted(by_weight.items())
            if weight != 1
        ]
        value = func.coalesce(func.sum(case(*cases, else_=1)), 0)
    return (
        select(value)
        .where(mine.c.person_id == person_id, _looked_up_in(mine, set(weights)))
        .scalar_subquery()
    )


def _best_matches(
    session: Session, principal: Principal, groups: list[set[tuple[str, str]]], limit: int
) -> list[str]:
    """The ids of the people the caller may read holding a token of every group (a group:
    the tokens of one word, or of the phone, or of the document), best first: most exact
    tokens, then by id; at most ``limit``. One statement after the ranking of the groups:
    the distinct people of the rarest group, each kept only if an index seek finds a token
    of every other group (the next rarest first), so a common first name beside a rare
    surname costs the surname's people, not the name's thousands; then, of those kept,
    the ones the caller may read (need to know), scored and cut to ``limit`` in the
    database."""
    if session.get_bind().dialect.name != "sqlite":
        return _best_matches_by_token_sets(session, principal, groups, limit)
    first, *rest = _rarest_first(session, groups)
    people = union(*_per_kind(first)).subquery()
    person_id = people.c.person_id
    person = ProtectionPerson
    query = (
        select(person_id)
        .join(person, person.id == person_id)
        .where(*(_held_by(g, person_id) for g in rest), person.deleted_at.is_(None))
        .order_by(_score(groups, person_id).desc(), person_id)
        .limit(limit)
    )
    reach = reach_filter(session, principal)
    if reach is not None:
        query = query.where(reach)
    return list(session.scalars(query))


def _token_array(tokens: list[str]) -> Any:
    """``tokens`` as one bound ``text[]`` parameter (the type of the token sets' column)."""
    return literal(tokens, postgresql.ARRAY(Text()))


def _best_matches_by_token_sets(
    session: Session, principal: Principal, groups: list[set[tuple[str, str]]], limit: int
) -> list[str]:
    """:func:`_best_matches` on PostgreSQL, the same answer from the people's token sets
    (:class:`ProtectionTokenSet`): one ``tokens && ARRAY[...]`` per group, which the GIN
    index answers each from the group's posting lists and ANDs in a bitmap, so that only the
    people holding every group are read, whatever the size of each; no ranking of the
    groups first. A token is a keyed HMAC of its kind and value, so the tokens alone stand
    for the (kind, token) pairs; the score is the same sum of the exact tokens held."""
    sets = ProtectionTokenSet.__table__
    tokens = sets.c.tokens
    weights: dict[str, int] = defaultdict(int)
    for group in groups:
        for kind, token in group:
            if kind != PHONETIC:
                weights[token] += 1
    score: Any = literal(0)
    for token, weight in sorted(weights.items()):
        score = score + case((tokens.op("@>")(_token_array([token])), weight), else_=0)
    person = ProtectionPerson
    query = (
        select(sets.c.person_id)
        .join(person, person.id == sets.c.person_id)
        .where(
            *(tokens.op("&&")(_token_array(_token_list(group))) for group in groups),
            person.deleted_at.is_(None),
        )
        .order_by(score.desc(), sets.c.person_id)
        .limit(limit)
    )
    reach = reach_filter(session, principal, each=True)  # the few matches, checked each
    if reach is not None:
        query = query.where(reach)
    return list(session.scalars(query))


def find_persons(
    ws: Workspace,
    principal: Principal,
    *,
    name: str | None = None,
    phone: str | None = None,
    document: str | None = None,
    limit: int = FIND_LIMIT,
) -> list[str]:
    """The ids of the people matching a name (every word, in Cyrillic or Latin, or
    sounding alike), a phone number (any format) or a document number, among those the
    caller may read: exact spellings first, at most ``limit``. Nobody is decrypted; each
    match returned is recorded as a read."""
    if not any(v and v.strip() for v in (name, phone, document)):
        raise RejectedInputError(_("Give a name, a phone number or a document number to find."))
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.PROTECTION_READ)
        indexer = _indexer(desk_key(ws, session))
        groups: list[set[tuple[str, str]]] = []
        if name and name.strip():
            groups += [indexer.query_name(word) for word in _query_words(name)]
        if phone and phone.strip():
            groups.append({indexer.phone(normalise_phone(phone))})
        if document and document.strip():
            groups.append({indexer.document(document)})
        groups = [g for g in groups if g]
        ids = _best_matches(session, principal, groups, limit) if groups else []
        searched = [
            f"search:{kind}"
            for kind, given in (("name", name), ("phone", phone), ("document", document))
            if given
        ]
        audit.record_reads(session, principal, ids, searched)
        return ids


def duplicate_candidates(
    ws: Workspace, principal: Principal, person_id: str
) -> list[dict[str, Any]]:
    """Other people who may be ``person_id`` registered twice (a lead): the same phone or
    document, or names alike (transliterated, misspelt). Ids and the kinds of index that
    matched only, never a detail of the other record."""
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.PROTECTION_LEAD)
        require_person(session, principal, person_id)
        desk_key(ws, session)
        own = session.execute(
            select(ProtectionBlindIndex.kind, ProtectionBlindIndex.token).where(
                ProtectionBlindIndex.person_id == person_id
            )
        ).all()
        shared: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for kind, token in own:
            others = session.scalars(
                select(ProtectionBlindIndex.person_id).where(
                    ProtectionBlindIndex.kind == kind,
                    ProtectionBlindIndex.token == token,
                    ProtectionBlindIndex.person_id != person_id,
                )
            )
            for other in others:
                shared[other][kind].add(token)
        found = [
            {"id": other, "matched": sorted(kinds)}
            for other, kinds in sorted(shared.items())
            if any(k in kinds for k in _STRONG_KINDS)
            or len(kinds.get("phonetic", ())) >= _NAME_KEYS_FOR_DUPLICATE
        ]
        audit.record_read(
            session, principal, person_id=person_id, case_id=None, fields=["duplicates"]
        )
        return found


def person_history(ws: Workspace, principal: Principal, person_id: str) -> list[dict[str, Any]]:
    """Who has read or changed the person ``person_id`` (also once deleted), which
    fields, when: newest first (a protection lead). Looking is recorded too."""
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.PROTECTION_LEAD)
        if session.get(ProtectionPerson, person_id) is None:
            raise person_missing(person_id)
        entries = audit.history(session, person_id=person_id)
        audit.record_read(session, principal, person_id=person_id, case_id=None, fields=["audit"])
        return entries


def _shred_rows(session: Session, person_id: str) -> None:
    """Overwrite every value sealed with the person's key, in every table of the desk."""
    cases = select(ProtectionCase.id).where(ProtectionCase.person_id == person_id)
    shredding = [
        (ProtectionOverride, ProtectionOverride.person_id == person_id, {"reason": None}),
        (ProtectionAccessGrant, ProtectionAccessGrant.person_id == person_id, {"reason": None}),
        (ProtectionCase, ProtectionCase.person_id == person_id, {"summary": None}),
        (ProtectionCaseTransition, ProtectionCaseTransition.case_id.in_(cases), {"reason": None}),
        (
            ProtectionRiskAssessment,
            ProtectionRiskAssessment.person_id == person_id,
            {"detail": None},
        ),
        (ProtectionTask, ProtectionTask.case_id.in_(cases), {"title": None}),
        (ProtectionCheckpoint, ProtectionCheckpoint.case_id.in_(cases), {"place": None}),
        (ProtectionCheckin, ProtectionCheckin.case_id.in_(cases), {"place": None, "note": None}),
        (ProtectionReferral, ProtectionReferral.case_id.in_(cases), {"packet": None}),
        (ProtectionHelpRequest, ProtectionHelpRequest.person_id == person_id, {"packet": None}),
    ]
    for table, where, values in shredding:
        session.execute(
            update(table).where(where).values(**values),
            execution_options={"synchronize_session": False},
        )
    session.execute(
        delete(ProtectionPersonField).where(ProtectionPersonField.person_id == person_id)
    )
    session.execute(delete(ProtectionBlindIndex).where(ProtectionBlindIndex.person_id == person_id))
    session.execute(delete(ProtectionTokenSet).where(ProtectionTokenSet.person_id == person_id))


def delete_person(ws: Workspace, principal: Principal, person_id: str, reason: str) -> None:
    """Delete a person (a protection lead, with a reason): their data key is destroyed
    and every value of theirs overwritten, so nothing of them decrypts again from the
    database, its WAL, or an export or backup made afterwards (crypto-shredding; a backup
    made before still holds the wrapped key, see docs/protection-crypto.md). The reason is kept
    sealed with the desk's records key."""
    if not reason or not reason.strip():
        raise RejectedInputError(_("Say why the person is deleted (--reason)."))
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.PROTECTION_LEAD)
        person = require_person(session, principal, person_id)
        key = desk_key(ws, session, for_writing=True)
        _shred_rows(session, person_id)
        person.wrapped_key = None
        person.deleted_at = utcnow()
        person.deleted_by = principal.user_id
        person.deleted_reason = key.seal_desk(
            reason.strip().encode("utf-8"), record=person_id, field="deleted_reason"
        )
        audit.record_change(session, principal, "person-delete", person_id=person_id)
    checkpoint_wal(ws)


def checkpoint_wal(ws: Workspace) -> None:
    """On SQLite, copy the WAL into the database and truncate it, so the pages that held
    a deleted key are gone from the WAL file too (``secure_delete`` zeroes them in the
    database file)."""
    if not is_sqlite(ws.engine):
        return
    with ws.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
