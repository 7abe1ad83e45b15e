"""The demo's shelters: two dozen around Kyiv and Kharkiv (metro stations and other places
at their real positions), imported through the registry's GeoJSON import as any
operator's file would be, with reports from the public, some confirmed by a coordinator
(the demo admin), some waiting in the queue.

Who holds each key is SYNTHETIC DEMO text with a phone number no one has (internal
fields, shown on the coordinators' pages only). Loading twice changes nothing: a second
import finds every shelter unchanged, and reports are only sent when the import added
the shelters.
"""

from __future__ import annotations

import json
from typing import Any, Final

from civwatch.files import write_atomic
from civwatch.shelters.importing import import_file
from civwatch.shelters.registry import shelters_in
from civwatch.shelters.reports import confirm_report, submit_report
from civwatch.workspace import Workspace

KYIV: Final = ("UA80000000000093317", "Київська міська громада")
KHARKIV: Final = ("UA63120270000028556", "Харківська міська громада")
DATASET: Final = "demo-shelters"

#: (id, name, lat, lon, type, capacity, step_free, pets, hromada)
DEMO_SHELTERS: Final[
    tuple[
        tuple[str, str, float, float, str, int | None, bool | None, bool | None, tuple[str, str]],
        ...,
    ]
] = (
    ("kyiv-01", "Станція метро «Хрещатик»", 50.4474, 30.5226, "metro", 2500, False, True, KYIV),
    (
        "kyiv-02",
        "Станція метро «Майдан Незалежності»",
        50.4501,
        30.5241,
        "metro",
        3000,
        True,
        True,
        KYIV,
    ),
    ("kyiv-03", "Станція метро «Театральна»", 50.4452, 30.5179, "metro", 2500, False, True, KYIV),
    (
        "kyiv-04",
        "Станція метро «Золоті ворота»",
        50.4478,
        30.5134,
        "metro",
        2000,
        False,
        True,
        KYIV,
    ),
    ("kyiv-05", "Станція метро «Палац спорту»", 50.4381, 30.5207, "metro", 2000, True, True, KYIV),
    ("kyiv-06", "Станція метро «Арсенальна»", 50.4442, 30.5453, "metro", 3000, False, True, KYIV),
    ("kyiv-07", "Станція метро «Поштова площа»", 50.4590, 30.5253, "metro", 1500, True, True, KYIV),
    (
        "kyiv-08",
        "Станція метро «Контрактова площа»",
        50.4657,
        30.5153,
        "metro",
        2000,
        False,
        True,
        KYIV,
    ),
    ("kyiv-09", "Станція метро «Університет»", 50.4440, 30.5058, "metro", 2000, False, True, KYIV),
    ("kyiv-10", "Укриття у школі № 57", 50.4530, 30.5100, "simple", 300, True, False, KYIV),
    ("kyiv-11", "Паркінг ТРЦ «Глобус»", 50.4505, 30.5230, "parking", 800, True, True, KYIV),
    (
        "kyiv-12",
        "Підвал житлового будинку, вул. Саксаганського, 41",
        50.4380,
        30.5050,
        "basement",
        60,
        False,
        None,
        KYIV,
    ),
    (
        "kyiv-13",
        "Підземний перехід на площі Лесі Українки",
        50.4270,
        30.5400,
        "underpass",
        400,
        None,
        None,
        KYIV,
    ),
    (
        "kyiv-14",
        "Сховище районної адміністрації",
        50.4410,
        30.5300,
        "shelter",
        500,
        True,
        False,
        KYIV,
    ),
    (
        "kharkiv-01",
        "Станція метро «Майдан Конституції»",
        49.9890,
        36.2320,
        "metro",
        2500,
        False,
        True,
        KHARKIV,
    ),
    (
        "kharkiv-02",
        "Станція метро «Історичний музей»",
        49.9922,
        36.2315,
        "metro",
        2000,
        False,
        True,
        KHARKIV,
    ),
    (
        "kharkiv-03",
        "Станція метро «Університет»",
        50.0046,
        36.2345,
        "metro",
        2500,
        True,
        True,
        KHARKIV,
    ),
    (
        "kharkiv-04",
        "Станція метро «Держпром»",
        50.0043,
        36.2258,
        "metro",
        2000,
        False,
        True,
        KHARKIV,
    ),
    (
        "kharkiv-05",
        "Станція метро «Архітектора Бекетова»",
        49.9981,
        36.2186,
        "metro",
        1500,
        False,
        True,
        KHARKIV,
    ),
    (
        "kharkiv-06",
        "Станція метро «Центральний ринок»",
        49.9855,
        36.2203,
        "metro",
        1500,
        False,
        True,
        KHARKIV,
    ),
    (
        "kharkiv-07",
        "Станція метро «Південний вокзал»",
        49.9901,
        36.2073,
        "metro",
        2000,
        True,
        True,
        KHARKIV,
    ),
    (
        "kharkiv-08",
        "Станція метро «Пушкінська»",
        50.0009,
        36.2424,
        "metro",
        2000,
        False,
        True,
        KHARKIV,
    ),
    ("kharkiv-09", "Укриття ліцею № 3", 49.9960, 36.2280, "simple", 250, True, False, KHARKIV),
    (
        "kharkiv-10",
        "Протирадіаційне укриття заводу",
        49.9800,
        36.2450,
        "anti-radiation",
        600,
        None,
        None,
        KHARKIV,
    ),
)
#: Where each demo shelter is, as a resident would write it (the metro stations by the
#: street of their entrance).
DEMO_ADDRESSES: Final[dict[str, str]] = {
    "kyiv-01": "м. Київ, вул. Хрещатик, 19а",
    "kyiv-02": "м. Київ, майдан Незалежності, 1",
    "kyiv-03": "м. Київ, вул. Богдана Хмельницького, 7",
    "kyiv-04": "м. Київ, вул. Володимирська, 40",
    "kyiv-05": "м. Київ, вул. Велика Васильківська, 51",
    "kyiv-06": "м. Київ, вул. Михайла Грушевського, 34",
    "kyiv-07": "м. Київ, Поштова площа, 2",
    "kyiv-08": "м. Київ, Контрактова площа, 1",
    "kyiv-09": "м. Київ, бульвар Тараса Шевченка, 13",
    "kyiv-10": "м. Київ, вул. Ярославів Вал, 36",
    "kyiv-11": "м. Київ, майдан Незалежності, 1, паркінг −2",
    "kyiv-12": "м. Київ, вул. Саксаганського, 41",
    "kyiv-13": "м. Київ, площа Лесі Українки",
    "kyiv-14": "м. Київ, вул. Лаврська, 9",
    "kharkiv-01": "м. Харків, майдан Конституції, 2",
    "kharkiv-02": "м. Харків, вул. Університетська, 10",
    "kharkiv-03": "м. Харків, майдан Свободи, 4",
    "kharkiv-04": "м. Харків, майдан Свободи, 5",
    "kharkiv-05": "м. Харків, вул. Євгена Котляра, 2",
    "kharkiv-06": "м. Харків, вул. Полтавський Шлях, 1",
    "kharkiv-07": "м. Харків, Привокзальна площа, 1",
    "kharkiv-08": "м. Харків, вул. Пушкінська, 50",
    "kharkiv-09": "м. Харків, вул. Мироносицька, 21",
    "kharkiv-10": "м. Харків, просп. Героїв Харкова, 180",
}
#: Reports from the public: (shelter, status, note, confirmed by the coordinator).
DEMO_REPORTS: Final = (
    ("kyiv-01", "open", "SYNTHETIC DEMO: відчинено, людей небагато.", True),
    ("kyiv-01", "open", None, True),
    ("kyiv-02", "open", None, True),
    ("kyiv-10", "locked", "SYNTHETIC DEMO: двері замкнені, нікого немає.", True),
    ("kyiv-12", "flooded", "SYNTHETIC DEMO: вода на підлозі.", False),
    ("kyiv-11", "full", None, False),
    ("kharkiv-01", "open", None, True),
    ("kharkiv-09", "open", "SYNTHETIC DEMO: відчинили після тривоги.", True),
    ("kharkiv-10", "unusable", "SYNTHETIC DEMO: немає вентиляції.", False),
)


def demo_geojson() -> dict[str, Any]:
    """The demo shelters as a GeoJSON FeatureCollection in the registry's column mapping."""
    features = []
    for n, (sid, name, lat, lon, kind, capacity, step_free, pets, (code, hromada)) in enumerate(
        DEMO_SHELTERS, start=1
    ):
        features.append(
            {
                "type": "Feature",
                "id": sid,
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "name": name,
                    "address": DEMO_ADDRESSES[sid],
                    "type": kind,
                    "capacity": capacity,
                    "step_free": step_free,
                    "pets": pets,
                    "water": True,
                    "toilet": kind != "underpass",
                    "opening": "always" if kind in ("metro", "underpass") else "on-alert",
                    "underground": True,
                    "katottg": code,
                    "hromada": hromada,
                    "key_holder": f"SYNTHETIC DEMO: черговий № {n}",
                    "key_holder_contact": f"+380 00 000 {n:04d}",
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def load_demo_shelters(ws: Workspace, admin: str | None) -> dict[str, int]:
    """Import the demo shelters and, the first time, their reports (the confirmed ones by
    ``admin``, who holds shelters.coordinate); returns the counts."""
    from civwatch.demo_desk import demo_principal

    folder = ws.data_dir / "demo-source"
    folder.mkdir(exist_ok=True)
    path = folder / f"{DATASET}.geojson"
    write_atomic(path, json.dumps(demo_geojson(), ensure_ascii=False, indent=1).encode())
    result = import_file(ws, path, "geojson", dataset=DATASET)
    made = {"shelters": result.added, "reports": 0, "confirmed": 0}
    if not result.added or admin is None:
        return made
    with ws.sessions() as session:
        views = shelters_in(session, [KYIV[0], KHARKIV[0]])
    by_source = {source.rsplit(":", 1)[-1]: v.id for v in views for source in v.sources}
    coordinator = demo_principal(ws, admin)
    for source_id, status, note, confirmed in DEMO_REPORTS:
        shelter = by_source[source_id]
        report = submit_report(ws, shelter, status, note=note, channel="web")
        made["reports"] += 1
        if confirmed:
            confirm_report(ws, coordinator, report)
            made["confirmed"] += 1
    return made
