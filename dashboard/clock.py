"""The dashboard's "now", in the data's time zone: timestamps in the database are naive China Standard Time,
while servers (and containers) often run on UTC.
"""

from __future__ import annotations

import datetime as dt

import settings


def local_now(timezone: str) -> dt.datetime:
    """The current time in ``timezone`` as a naive datetime, to the minute (so it can key a cache entry)."""
    return settings.local_now(timezone).replace(second=0, microsecond=0)
