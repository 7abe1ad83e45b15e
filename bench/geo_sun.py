"""Shadow-time benchmark: the 60-second scan with bisected edges vs a 1-second scan.

Run: .venv/bin/python bench/geo_sun.py

Reference, in the same run: every second of the local day checked with the same sun
position and the same fit rule (86,400 positions per case). Prints time per
``shadow_times`` call (p50/p95), time per ``sun_position``, and the largest gap between the
window edges the two find.
"""

from __future__ import annotations

import os
import random
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

import numpy as np
from astral import Observer
from astral.sun import zenith_and_azimuth

from civwatch.geo.distance import bearing_difference_deg
from civwatch.geo.sun import shadow_times, sun_position

CASES = 12
KYIV = ZoneInfo("Europe/Kyiv")


def brute_windows(
    lat: float, lon: float, day: date, bearing: float, tolerance: float
) -> list[tuple[datetime, datetime]]:
    observer = Observer(lat, lon, 0.0)
    start = datetime.combine(day, clock(0), tzinfo=KYIV).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), clock(0), tzinfo=KYIV).astimezone(UTC)
    windows: list[tuple[datetime, datetime]] = []
    opened: datetime | None = None
    last: datetime | None = None
    moment = start
    while moment < end:
        zenith, azimuth = zenith_and_azimuth(observer, moment, with_refraction=True)
        fits = zenith < 90.0 and bearing_difference_deg(azimuth + 180.0, bearing) <= tolerance
        if fits and opened is None:
            opened = moment
        if not fits and opened is not None and last is not None:
            windows.append((opened, last))
            opened = None
        last = moment
        moment += timedelta(seconds=1)
    if opened is not None and last is not None:
        windows.append((opened, last))
    return windows


def main() -> None:
    rng = random.Random(20261124)
    print(f"machine load average (1 min): {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    started = time.perf_counter()
    for i in range(10_000):
        sun_position(50.45, 30.52, datetime(2024, 6, 21, tzinfo=UTC) + timedelta(seconds=i))
    per_position = (time.perf_counter() - started) / 10_000 * 1e6
    print(f"sun_position: {per_position:.1f} us per call (10,000 calls)")

    ours, reference, worst_edge = [], [], 0.0
    for _ in range(CASES):
        lat, lon = rng.uniform(44.5, 52.3), rng.uniform(22.2, 40.2)
        day = date(2024, 1, 1) + timedelta(days=rng.randrange(366))
        bearing, tolerance = rng.uniform(0, 360), rng.choice([1.0, 3.0, 5.0])
        started = time.perf_counter()
        windows = shadow_times(lat, lon, day, bearing, tolerance_deg=tolerance)
        ours.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        expected = brute_windows(lat, lon, day, bearing, tolerance)
        reference.append((time.perf_counter() - started) * 1000)
        assert len(windows) == len(expected), (lat, lon, day, bearing, windows, expected)
        for window, (start, end) in zip(windows, expected, strict=True):
            worst_edge = max(
                worst_edge,
                abs((window.start_utc - start).total_seconds()),
                abs((window.end_utc - end).total_seconds()),
            )
    print(f"\nshadow_times, {CASES} random places/days/bearings in Ukraine:")
    print(
        f"  civwatch (60 s scan + bisection)  p50 {np.percentile(ours, 50):8.1f} ms"
        f"   p95 {np.percentile(ours, 95):8.1f} ms"
    )
    print(
        f"  reference: 1 s scan               p50 {np.percentile(reference, 50):8.1f} ms"
        f"   p95 {np.percentile(reference, 95):8.1f} ms"
    )
    print(f"  same number of windows in every case; largest edge difference {worst_edge:.0f} s")


if __name__ == "__main__":
    main()
