"""The subcommands of ``python -m analytics``, one module per group: each lists its ``COMMANDS``
(``analytics.commands.base.Command``). A new group is a module here and one line below."""

from __future__ import annotations

from . import dispatch
from .base import Command

#: Every group of subcommands, in the order ``--help`` lists them.
GROUPS = (dispatch,)


def commands() -> dict[str, Command]:
    """Every subcommand, by name; a ValueError when two groups name one alike."""
    found: dict[str, Command] = {}
    for group in GROUPS:
        for command in group.COMMANDS:
            if command.name in found:
                raise ValueError(f"subcommand {command.name!r} is defined twice")
            found[command.name] = command
    return found
