"""What a spreadsheet must not run, and what it must keep as text: the one rule for cells of a CSV file a person
opens in Excel, WPS or LibreOffice (the exports in ``views/exports.py``, the audit log's CSV).

* A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or NUL gets a leading ``'``,
  as OWASP advises against CSV (formula) injection (ASVS 1.2.10 adds NUL): the spreadsheet shows the text
  instead of running it (``=HYPERLINK(…)`` → ``'=HYPERLINK(…)``). Numbers are numbers and are left alone.
* An identifier made of ASCII digits (category 01003, grid 34010400100700401) is written as Excel's text constant
  ``="01003"``: shown as 01003, as text, with nothing visible added (read as a number it would lose its leading
  zero, and a code longer than 15 digits would be rounded). The constant is built from digits only, never from
  what a user typed, so it cannot carry a formula; other readers see ``="01003"``.
"""

from __future__ import annotations

from typing import Any

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "\0")


def csv_text(value: Any) -> Any:
    """A text cell as a spreadsheet must read it: with a leading ``'`` when it starts like a formula; anything
    not text as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def excel_identifier(value: Any) -> Any:
    """An identifier of ASCII digits as Excel's text constant (``01003`` → ``="01003"``), other text defused by
    ``csv_text``."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return f'="{value}"'
    return csv_text(value)
