"""The join rate of a GeoNames dump of Ukraine to the codifier (KATOTTG), and why places miss.

Run: .venv/bin/python bench/gazetteer_join.py UA.txt [--cache-dir DIR] [--misses N] [--json]

Reads any dump in GeoNames' country format (``UA.txt`` or ``UA.zip``, or an excerpt of
``cities500.txt`` and the like: the same 19 fields), joins its populated places to the
codifier's settlements exactly as ``civwatch geo import-geonames`` does, and prints:

- the counts: lines, populated places of Ukraine, other features (sections of cities:
  PPLX, PPLH... are no settlements of their own), other countries, malformed lines;
- the join rate: places joined to a settlement, and settlements given coordinates;
- every place that did not join, with the reason: its oblast is not known (admin1), no
  settlement of the oblast has any of its names (with the closest name the oblast has,
  for a human to judge a spelling the join could learn), several have and none lies
  near the place's hromada, or another place of the dump took the settlement.

The reference it is compared with, in the same run, is the codifier itself: how many of
the places' names are a settlement's name anywhere in Ukraine (the join asks for the
same oblast), so a miss of civwatch's making stands apart from a place the codifier
does not hold.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

from rapidfuzz import fuzz, process

from civwatch.geo.geonames_dump import read_dump
from civwatch.geo.katottg import latin, load_codifier
from civwatch.geo.katottg_join import join


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dump", type=Path, help="UA.txt or UA.zip (GeoNames' format)")
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--misses", type=int, default=50, help="misses to list (0: none)")
    parser.add_argument("--json", action="store_true", help="one JSON document")
    args = parser.parse_args()

    codifier = load_codifier(args.cache_dir)
    started = time.perf_counter()
    places, counts, _digest = read_dump(args.dump)
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    result = join(places, codifier)
    join_s = time.perf_counter() - started

    taken = Counter(result.codes.values())
    anywhere = sum(1 for p in places if any(codifier.by_key(k) for k in p.keys))
    names_by_oblast: dict[str, dict[str, str]] = {}
    for unit in codifier.settlements:
        names_by_oblast.setdefault(codifier.oblast_code(unit.code), {})[latin(unit.name)] = (
            unit.name
        )
    misses = []
    reasons: Counter[str] = Counter()
    for place in places:
        if place.geonames_id in result.codes:
            continue
        oblast = codifier.oblast_of_admin1.get(place.admin1_code)
        if oblast is None:
            reason = f"oblast not known (admin1 {place.admin1_code!r})"
        else:
            in_oblast = [
                c
                for k in place.keys
                for c in codifier.by_key(k)
                if codifier.oblast_code(c) == oblast
            ]
            if not in_oblast:
                reason = "no settlement of the oblast has any of its names"
            elif len(set(in_oblast)) > 1 and not any(c in taken for c in in_oblast):
                reason = "several settlements of that name, none near"
            else:
                reason = "another place took the settlement"
        reasons[reason.split(" (")[0]] += 1
        closest = None
        if oblast is not None:
            names = names_by_oblast.get(oblast, {})
            found = process.extractOne(place.name, list(names), scorer=fuzz.ratio)
            closest = f"{names[found[0]]} ({found[1]:.0f})" if found else None
        misses.append(
            {
                "geonames_id": place.geonames_id,
                "name": place.name,
                "admin1": place.admin1_code,
                "population": place.population,
                "reason": reason,
                "closest_in_oblast": closest,
            }
        )
    report = {
        "dump": str(args.dump),
        "lines": counts.lines,
        "places": counts.places,
        "other_features": counts.other_features,
        "other_countries": counts.other_countries,
        "malformed": counts.malformed,
        "joined_places": len(result.codes),
        "place_join_rate": round(len(result.codes) / counts.places, 4) if counts.places else None,
        "ambiguous": result.ambiguous,
        "settlements": result.settlements,
        "settlements_with_coordinates": result.joined_settlements,
        "settlement_coverage": round(result.settlement_rate or 0.0, 4)
        if result.settlement_rate is not None
        else None,
        "reference_names_known_anywhere": anywhere,
        "miss_reasons": dict(reasons),
        "read_s": round(read_s, 3),
        "join_s": round(join_s, 3),
        "misses": misses[: args.misses] if args.misses else [],
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return
    rate = report["place_join_rate"]
    print(f"dump: {args.dump}")
    print(
        f"lines {counts.lines}, populated places of Ukraine {counts.places}, other features "
        f"{counts.other_features}, other countries {counts.other_countries}, malformed "
        f"{counts.malformed}"
    )
    print(
        f"joined: {len(result.codes)} of {counts.places} places"
        + (f" ({rate:.1%})" if rate is not None else " (rate not known)")
        + f"; {result.joined_settlements} of {result.settlements} settlements have coordinates"
    )
    print(
        f"reference: {anywhere} of {counts.places} places have a name that some settlement "
        "of the codifier has, in any oblast"
    )
    print(f"read {read_s:.2f} s, join {join_s:.2f} s (one run; the machine may be loaded)")
    if reasons:
        print("misses by reason:")
        for reason, n in reasons.most_common():
            print(f"  {n:6d}  {reason}")
    for miss in report["misses"]:
        print(
            f"  {miss['geonames_id']:>9}  {miss['name']:<32} admin1 {miss['admin1']:>2}  "
            f"{miss['reason']}; closest in the oblast: {miss['closest_in_oblast']}"
        )


if __name__ == "__main__":
    main()
