"""What the demo city plants for the place views (issue 15): incidents of several reports with their truth
(``demo.incidents``), and the people, sensors, organisations and ledgers of its grids (``demo.residents``).
``demo.generate`` calls ``plant`` once, after the main files, and appends the steps it returns to the manifest."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from .city import City
from .incidents import plant_incidents
from .residents import plant_residents


def plant(
    out_dir: Path, city: City, cameras: pd.DataFrame, *, start: dt.date, days: int, seed: int, cases: int
) -> list[dict]:
    """Write the planted files into ``out_dir``; return their manifest steps, in load order."""
    return [
        *plant_incidents(out_dir, city, cameras, start, days, seed, cases),
        *plant_residents(out_dir, city, cameras, start, days, seed),
    ]
