"""``ranking``, ``departments``, ``warnings``: the dispatch page's red/black list, department board and warnings
(``analytics.ranking``, ``analytics.board``, ``analytics.warnings``), the same rows and values the page shows."""

from __future__ import annotations

import argparse

import pandas as pd

from core.warning_rules import LEVEL_NUMERALS, LEVELS

from ..board import DEFAULT_KINDS, board_table
from ..dispatch import DispatchOptions
from ..ranking import LEVELS as RANKING_LEVELS
from ..ranking import ranking_table
from ..warnings import warnings_table
from .base import Command, Context

#: Department kinds the board may show (``--level``).
KINDS = ("functional", "street", "community", "enterprise", "property")


def _ranking_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--level", choices=list(RANKING_LEVELS), default="department", help="what is ranked (default: department)"
    )


def _ranking(context: Context, args: argparse.Namespace) -> pd.DataFrame:
    options = DispatchOptions.from_settings(context.settings)
    return ranking_table(context.run, context.period, options, level=args.level)


def _board_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--level",
        action="append",
        choices=[*KINDS, "all"],
        help=f"department kinds shown, repeatable (default: {', '.join(DEFAULT_KINDS)}; 'all': every kind)",
    )


def _board(context: Context, args: argparse.Namespace) -> pd.DataFrame:
    options = DispatchOptions.from_settings(context.settings)
    kinds = None if args.level and "all" in args.level else (args.level or DEFAULT_KINDS)
    return board_table(context.run, context.period, options, kinds=kinds)


def _level(text: str) -> int:
    numerals = {name.lower(): level for level, name in LEVEL_NUMERALS.items()}
    value = numerals.get(text.strip().lower()) or (int(text) if text.strip().isdigit() else None)
    if value not in LEVELS:
        raise argparse.ArgumentTypeError(f"warning level must be I, II, III (or 1, 2, 3), got {text!r}")
    return value


def _warning_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--level", action="append", type=_level, help="warning levels shown, repeatable: I, II, III (default: all)"
    )


def _warnings(context: Context, args: argparse.Namespace) -> pd.DataFrame:
    options = DispatchOptions.from_settings(context.settings)
    table = warnings_table(context.run, context.period, options)
    return table[table["level"].isin(args.level)].reset_index(drop=True) if args.level else table


COMMANDS = (
    Command("ranking", "the red/black list (红黑榜) of the period", _ranking_arguments, _ranking),
    Command("departments", "the department board (部门看板): now, and the period", _board_arguments, _board),
    Command("warnings", "the three-level warnings (三级预警) at --now", _warning_arguments, _warnings),
)
