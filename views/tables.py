"""Tables shown on screen: a frame's columns headed in the interface language, as its CSV export heads them
(a measure's label, else ``col.<name>``)."""

from __future__ import annotations

import pandas as pd

from core.measures import REGISTRY

from .i18n import t


def header(column: str, lang: str) -> str:
    """The heading of ``column`` in ``lang``."""
    return t(REGISTRY[column].label_key if column in REGISTRY else f"col.{column}", lang)


def headed(frame: pd.DataFrame, *, lang: str) -> pd.DataFrame:
    """``frame`` with its columns headed in ``lang``."""
    return frame.rename(columns=lambda column: header(str(column), lang))
