"""What a view shows, as a value: ``ViewState``, and its URL form.

A page, the wall screen and a report build the same ``ViewState`` from the same URL query string
(``ViewState.from_query``) and get the same figures: the state names the period, the filters, the drilled-down
area, the measure the map shades by, the layers it shows and the language, in codes (never labels), and nothing
about widgets. ``to_query`` gives it back as the query string, defaults left out, so a wall screen's browser can
be pointed at one view and reloaded without losing it. What depends on the data (the anchor day of the presets,
the area's level, what the map draws) is worked out by ``views.scope.resolve``.

Values that do not parse are dropped (the default applies), as a hand-typed URL deserves; ``problems`` lists
them for a caller that must not guess.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.measures import AREA_MEASURES, COUNT_UNITS

from .i18n import LANGUAGES
from .periods import DEFAULT_PRESET, PRESETS

#: Map layers a view may switch on, in drawing order; the area choropleth and boundaries are always drawn.
LAYERS: tuple[str, ...] = ("bins", "heat", "facilities", "cameras", "points", "alerts")
#: The layers shown until a view says otherwise (the others are one click away in the layer control).
DEFAULT_LAYERS: tuple[str, ...] = ("points", "alerts")
#: The case filters a view carries, each a set of codes (empty = all).
LIST_FILTERS: tuple[str, ...] = ("channel", "category_major", "category", "status", "dept")

Query = Mapping[str, str | Sequence[str]]


@dataclass(frozen=True)
class ViewState:
    """One view: report days by ``preset`` (``start``/``end`` for "custom"), the list filters (sorted codes,
    empty = all), the drilled-down ``area`` (a grid code; ``None`` = everything), the ``measure`` the areas are
    shaded by, the ``layers`` shown, the interface language ``lang``, and whether counts are ``count_by`` report
    (every report) or by incident (an incident reported several times counted once)."""

    preset: str = DEFAULT_PRESET
    start: dt.date | None = None
    end: dt.date | None = None
    channel: tuple[str, ...] = ()
    category_major: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    dept: tuple[str, ...] = ()
    area: str | None = None
    measure: str = "cases"
    layers: tuple[str, ...] = DEFAULT_LAYERS
    lang: str = LANGUAGES[0]
    count_by: str = COUNT_UNITS[0]

    def __post_init__(self) -> None:
        problems = [problem for name, check in _CHECKS.items() if (problem := check(getattr(self, name)))]
        if problems:
            raise ValueError("; ".join(problems))

    def replace(self, **changes: object) -> ViewState:
        """A copy with ``changes`` (lists of codes are sorted, as ``from_query`` gives them)."""
        for name in (*LIST_FILTERS, "layers"):
            if name in changes:
                changes[name] = _codes(changes[name], order=LAYERS if name == "layers" else ())
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    @property
    def filters(self) -> dict[str, tuple[str, ...]]:
        """The list filters in use (those with codes)."""
        return {name: getattr(self, name) for name in LIST_FILTERS if getattr(self, name)}

    @classmethod
    def from_query(cls, query: Query, *, lang: str = LANGUAGES[0]) -> ViewState:
        """The state a URL query string names (as ``st.query_params`` or ``urllib.parse.parse_qs`` give it);
        ``lang``: the language when the query names none (``settings.language``). Values that do not parse
        are left at their defaults (``problems`` lists them)."""
        kept: dict[str, Any] = {
            name: value for name, value in _parsed(query).items() if value is not _BAD and not _CHECKS[name](value)
        }
        state = dataclasses.replace(cls(lang=lang if lang in LANGUAGES else LANGUAGES[0]), **kept)
        custom = state.preset == "custom" and state.start is not None and state.end is not None
        if not custom or state.start > state.end:  # type: ignore[operator]
            # dates belong to a custom period only, and only as a whole range
            state = dataclasses.replace(state, start=None, end=None)
        return state

    @staticmethod
    def problems(query: Query) -> list[str]:
        """What in ``query`` does not parse into a state (empty when everything does)."""
        keys = set(_KEYS.values())
        found = [f"unknown parameter {key!r}; known: {sorted(keys)}" for key in query if key not in keys]
        for name, value in _parsed(query).items():
            key = _KEYS[name]
            problem = f"{key}: cannot read {_raw(query, key)!r}" if value is _BAD else _CHECKS[name](value)
            if problem:
                found.append(problem)
        return found

    def to_query(self, *, lang: str = LANGUAGES[0]) -> dict[str, str]:
        """The URL query of this state, values that equal the defaults left out (``lang``: the default
        language, ``settings.language``)."""
        default = ViewState(lang=lang if lang in LANGUAGES else LANGUAGES[0])
        query: dict[str, str] = {}
        for name, key in _KEYS.items():
            value = getattr(self, name)
            if value == getattr(default, name):
                continue
            if isinstance(value, tuple):
                query[key] = ",".join(value)
            elif isinstance(value, dt.date):
                query[key] = value.isoformat()
            else:
                query[key] = str(value)
        return query


#: State field → its URL parameter, in the URL's order.
_KEYS: dict[str, str] = {
    "lang": "lang",
    "preset": "period",
    "start": "start",
    "end": "end",
    **{name: name for name in LIST_FILTERS},
    "area": "area",
    "measure": "measure",
    "layers": "layers",
    "count_by": "count",
}
_BAD = object()


def _raw(query: Query, key: str) -> str | None:
    value = query.get(key)
    if value is None or isinstance(value, str):
        return value
    return value[-1] if len(value) else None  # a repeated parameter: the last wins, as in st.query_params


def _codes(value: object, *, order: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Codes from a comma-separated string or a sequence: stripped, without repeats or blanks, in ``order``
    (codes it lacks after, sorted), else sorted: the same set is always the same tuple."""
    items = value.split(",") if isinstance(value, str) else list(value)  # type: ignore[call-overload]
    codes = {str(item).strip() for item in items} - {""}
    return tuple(sorted(codes, key=lambda code: (order.index(code) if code in order else len(order), code)))


def _parsed(query: Query) -> dict[str, object]:
    """The fields ``query`` gives a value for: parsed, or ``_BAD``."""
    values: dict[str, object] = {}
    for field, key in _KEYS.items():
        raw = _raw(query, key)
        if raw is None:
            continue
        if field in ("start", "end"):
            try:
                values[field] = dt.date.fromisoformat(raw)
            except ValueError:
                values[field] = _BAD
        elif field in LIST_FILTERS:
            values[field] = _codes(raw)
        elif field == "layers":
            values[field] = _codes(raw, order=LAYERS)
        else:
            values[field] = raw.strip() or _BAD
    return values


def _one_of(name: str, options: tuple[str, ...]) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        return None if value in options else f"{name} must be one of {list(options)}, got {value!r}"

    return check


def _date(name: str) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        return None if value is None or isinstance(value, dt.date) else f"{name} must be a date, got {value!r}"

    return check


def _code_set(name: str, options: tuple[str, ...] | None = None) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if not (isinstance(value, tuple) and all(isinstance(code, str) and code for code in value)):
            return f"{name} must be a tuple of codes, got {value!r}"
        if options is not None and not set(value) <= set(options):
            return f"{name} must be among {list(options)}, got {list(value)}"
        return None

    return check


def _area(value: object) -> str | None:
    return None if value is None or (isinstance(value, str) and value) else f"area must be a grid code, got {value!r}"


#: Field → its check: None when the value is valid, else what is wrong.
_CHECKS: dict[str, Callable[[object], str | None]] = {
    "preset": _one_of("period", PRESETS),
    "start": _date("start"),
    "end": _date("end"),
    **{name: _code_set(name) for name in LIST_FILTERS},
    "area": _area,
    "measure": _one_of("measure", AREA_MEASURES),
    "layers": _code_set("layers", LAYERS),
    "lang": _one_of("lang", LANGUAGES),
    "count_by": _one_of("count", COUNT_UNITS),
}
