"""Shelters for the web tests: a few around Kyiv and one in Kharkiv, written as rows (the
imports are tested in tests/shelters), with marker strings in the internal fields so a
leak is easy to find."""

from __future__ import annotations

from dataclasses import dataclass

from civwatch.shelters.models import Shelter
from civwatch.shelters.registry import registry_changed
from civwatch.workspace import Workspace

#: What the internal fields hold: no public output may ever contain these.
KEY_HOLDER = "KEYHOLDER-MARKER-Stepanenko"
KEY_CONTACT = "KEYCONTACT-MARKER-+380501112233"
KYIV = "UA80000000000093317"
KHARKIV = "UA63120270010096107"
#: Khreshchatyk, Kyiv (the point the tests ask from).
HERE = (50.4470, 30.5220)


@dataclass(frozen=True)
class Samples:
    near: str  # the nearest open one (step-free, no pets)
    pets: str  # a little further, pets allowed
    locked: str  # nearer than all, but locked by its source (never "nearest working")
    kharkiv: str


def add_shelter(
    ws: Workspace, shelter_id: str, name: str, lat: float, lon: float, **extra: object
) -> str:
    values: dict[str, object] = {
        "id": shelter_id,
        "name": name,
        "lat": lat,
        "lon": lon,
        "type": "shelter",
        "capacity": 150,
        "facilities": {},
        "key_holder": KEY_HOLDER,
        "key_holder_contact": KEY_CONTACT,
        "katottg": KYIV,
        "hromada": "Київська міська громада",
        "address": "вул. Хрещатик, 1",
        **extra,
    }
    with ws.sessions() as session, session.begin():
        session.add(Shelter(**values))
        registry_changed(session)
    return shelter_id


def shelters(ws: Workspace) -> Samples:
    """Four shelters: three in Kyiv near :data:`HERE`, one in Kharkiv."""
    locked = add_shelter(
        ws,
        "sh_locked",
        "Укриття у школі № 1",
        50.4472,
        30.5222,
        registry_status="locked",
        type="simple",
    )
    near = add_shelter(
        ws,
        "sh_near",
        "Станція метро «Хрещатик»",
        50.4475,
        30.5230,
        type="metro",
        capacity=2000,
        step_free=True,
        facilities={"pets": False, "water": True},
    )
    pets = add_shelter(
        ws,
        "sh_pets",
        "Паркінг ТРЦ «Глобус»",
        50.4500,
        30.5250,
        type="parking",
        capacity=None,
        facilities={"pets": True},
    )
    kharkiv = add_shelter(
        ws,
        "sh_kharkiv",
        "Станція метро «Майдан Конституції»",
        49.9890,
        36.2320,
        type="metro",
        katottg=KHARKIV,
        hromada="Харківська міська громада",
        address="майдан Конституції",
    )
    return Samples(near, pets, locked, kharkiv)
