"""The current time as the data have it: naive China Standard Time.

Database times are naive CST while servers and containers often run on UTC, so ``datetime.now()`` would be
hours off. Every entry point passes its ``settings.timezone``: nothing here reads the settings itself.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def local_now(timezone: str) -> dt.datetime:
    """The current time in ``timezone`` (e.g. ``Asia/Shanghai``) as a naive datetime."""
    return dt.datetime.now(ZoneInfo(timezone)).replace(tzinfo=None)


def local_minute(timezone: str) -> dt.datetime:
    """``local_now`` to the minute: the dashboard's "now", stable within a minute so it can key a cache entry."""
    return local_now(timezone).replace(second=0, microsecond=0)
