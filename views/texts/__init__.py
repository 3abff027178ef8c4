"""The label table, one module per part of the product: each holds ``TEXTS`` (key → {language → text}) and
``views.i18n`` joins them into one table. A feature adds its own module here and lists it below; a key may be
defined once only (``join`` refuses a second definition)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from . import (
    access,
    app,
    dataset,
    dispatch,
    exports,
    maps,
    measures,
    overview,
    panel,
    places,
    reports,
    trends,
    video,
    wall,
)

Texts = Mapping[str, Mapping[str, str]]


def join(parts: Iterable[Texts]) -> dict[str, dict[str, str]]:
    """One table of ``parts``; a ValueError naming a key that two parts define."""
    table: dict[str, dict[str, str]] = {}
    for part in parts:
        for key, texts in part.items():
            if key in table:
                raise ValueError(f"label {key!r} is defined twice")
            table[key] = dict(texts)
    return table


STRINGS = join(
    module.TEXTS
    for module in (
        app,
        measures,
        maps,
        panel,
        exports,
        overview,
        trends,
        dataset,
        access,
        places,
        video,
        dispatch,
        reports,
        wall,
    )
)
