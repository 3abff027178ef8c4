"""What a subcommand of ``python -m analytics`` is: a name, its own options, and a function from the shared
context (the database to read through, the period, the settings) to one table."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from settings import Settings

from ..dispatch import Period, Run


@dataclass(frozen=True)
class Context:
    """What every subcommand gets: ``run`` (reads a query's frame: ``analytics.dispatch.Run``), the ``period``
    (days, filters and "now" of the command line) and the ``settings``."""

    run: Run
    period: Period
    settings: Settings


@dataclass(frozen=True)
class Command:
    """One subcommand: ``add_arguments`` adds its own options to its parser, ``table`` computes what it writes."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    table: Callable[[Context, argparse.Namespace], pd.DataFrame]
