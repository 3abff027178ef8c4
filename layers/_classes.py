"""Class breaks for colouring areas and bins: mapclassify chosen for the number of values, with legend labels.

``auto`` picks: one class per distinct value when there are no more than ``k`` of them (few areas, or all
equal); Fisher-Jenks (optimal, but pure Python without numba: O(k·n²)) up to ``FISHER_JENKS_MAX`` values;
quantiles beyond (fast, deterministic, and robust to the long tail of case counts). NaN never enters a
class: its index is -1, and the caller draws it grey as "no data".
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import mapclassify
import numpy as np
import numpy.typing as npt

#: Class schemes by name; "auto" chooses by the number of values.
SCHEMES: tuple[str, ...] = ("auto", "fisher_jenks", "natural_breaks", "quantiles", "equal_interval")
#: Most values "auto" classifies with Fisher-Jenks (about 0.05 s at 150 without numba).
FISHER_JENKS_MAX = 150
#: Default sequential palette, light to dark (ColorBrewer PuBu, 6 classes). Red is kept for one meaning on the
#: map, a case past its deadline (``layers.alerts``): areas and bins are shaded in blue, camera alarms in purple.
SEQUENTIAL: tuple[str, ...] = ("#f1eef6", "#d0d1e6", "#a6bddb", "#74a9cf", "#2b8cbe", "#045a8d")
#: Sequential palette of camera alarms, light to dark (ColorBrewer Purples, 6 classes).
ALARM_SEQUENTIAL: tuple[str, ...] = ("#f2f0f7", "#dadaeb", "#bcbddc", "#9e9ac8", "#756bb1", "#54278f")
#: The colour of "none" (zero cases) when a count is shaded: nothing happened, not the most of it.
ZERO_COLOUR = "#ffffff"

_CLASSIFIERS = {
    "fisher_jenks": mapclassify.FisherJenks,
    "natural_breaks": mapclassify.NaturalBreaks,
    "quantiles": mapclassify.Quantiles,
    "equal_interval": mapclassify.EqualInterval,
}


@dataclass(frozen=True)
class Classes:
    """Classes of a set of values: ``index`` per value (-1 = NaN), and per class its ``colour`` and ``label``."""

    index: np.ndarray
    colours: tuple[str, ...]
    labels: tuple[str, ...]
    upper: tuple[float, ...]

    def colour_of(self, i: int, *, no_data: str) -> str:
        """The colour of class ``i``, or ``no_data`` for -1."""
        return no_data if i < 0 else self.colours[i]


def number_text(value: float) -> str:
    """A short, readable number: thousands separators, fewer decimals the larger it is."""
    if float(value).is_integer():
        return f"{value:,.0f}"
    magnitude = abs(value)
    return f"{value:,.0f}" if magnitude >= 100 else f"{value:,.1f}" if magnitude >= 10 else f"{value:,.2f}"


def _pick_colours(palette: Sequence[str], k: int) -> tuple[str, ...]:
    if not palette:
        raise ValueError("palette needs at least one colour")
    if k <= 1:  # one value for every area says nothing of more or less: the middle, not the darkest
        return (palette[len(palette) // 2],)
    positions = np.linspace(0, len(palette) - 1, k).round().astype(int)
    return tuple(palette[i] for i in positions)


def _upper_bounds(values: np.ndarray, k: int, scheme: str) -> tuple[np.ndarray, bool]:
    """Upper bounds of the classes, and whether each class is one distinct value."""
    distinct = np.unique(values)
    if len(distinct) <= k:
        return distinct, True
    if scheme == "auto":
        scheme = "fisher_jenks" if len(values) <= FISHER_JENKS_MAX else "quantiles"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "numba not installed", "k reduced to the distinct quantiles"
        bins = np.asarray(_CLASSIFIERS[scheme](values, k=k).bins, dtype=np.float64)
    return np.unique(bins), False


def classify(
    values: npt.ArrayLike,
    *,
    k: int = 5,
    scheme: str = "auto",
    palette: Sequence[str] = SEQUENTIAL,
    value_format: Callable[[float], str] = number_text,
    zero_colour: str | None = None,
) -> Classes:
    """Split ``values`` into at most ``k`` classes by ``scheme`` (one of ``SCHEMES``).

    Class ``i`` holds the values in (upper[i-1], upper[i]] (the first from the minimum). Labels read
    "low – high" (for whole numbers the low end is the first whole number in the class) or just the value
    when a class holds one. Colours are spread evenly over ``palette``. ``zero_colour``: for counts, where 0
    means nothing happened, zeros are a class of their own in that colour, first, and the rest are classified
    without them.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown class scheme {scheme!r}; choose one of {list(SCHEMES)}")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    data = np.asarray(values, dtype=np.float64)
    if zero_colour is not None and (data == 0).any():
        rest = classify(
            np.where(data == 0, np.nan, data), k=k, scheme=scheme, palette=palette, value_format=value_format
        )
        index = np.where(data == 0, 0, np.where(rest.index >= 0, rest.index + 1, -1))
        return Classes(
            index=index,
            colours=(zero_colour, *rest.colours),
            labels=(value_format(0.0), *rest.labels),
            upper=(0.0, *rest.upper),
        )
    finite = np.isfinite(data)
    index = np.full(len(data), -1, dtype=np.int64)
    if not finite.any():
        return Classes(index=index, colours=(), labels=(), upper=())
    present = data[finite]
    upper, exact = _upper_bounds(present, k, scheme)
    upper[-1] = max(upper[-1], present.max())  # classifiers may round the top bound
    index[finite] = np.searchsorted(upper, present, side="left")
    whole = bool(np.all(np.mod(present, 1) == 0))
    labels = []
    low = float(present.min())
    for i, bound in enumerate(upper):
        high = float(math.floor(bound)) if whole else float(bound)
        if i > 0:
            previous = float(upper[i - 1])
            low = math.floor(previous) + 1.0 if whole else previous
        single = exact or low >= high
        labels.append(value_format(high) if single else f"{value_format(low)} – {value_format(high)}")
    return Classes(
        index=index,
        colours=_pick_colours(palette, len(upper)),
        labels=tuple(labels),
        upper=tuple(float(u) for u in upper),
    )


#: Default qualitative palette (Tableau 10, its red and pink swapped for a dark teal and a lavender: red is kept
#: for overdue); the last colour is kept for "other".
CATEGORICAL: tuple[str, ...] = (
    "#4e79a7",
    "#f28e2b",
    "#499894",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#d4a6c8",
    "#9c755f",
    "#bab0ac",
)


@dataclass(frozen=True)
class Categories:
    """Distinct values coloured: ``index`` per value into ``colours``/``labels`` (most frequent first)."""

    index: np.ndarray
    colours: tuple[str, ...]
    labels: tuple[str, ...]


def categorise(values: Sequence[object], *, other_label: str, palette: Sequence[str] = CATEGORICAL) -> Categories:
    """One colour per distinct value, most frequent first; when there are more values than colours, the
    rarest share the palette's last colour as ``other_label``. Missing values count as ``other_label``.
    """
    if len(palette) < 2:
        raise ValueError("a categorical palette needs at least two colours")
    texts = ["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in values]
    counts: dict[str, int] = {}
    for text in texts:
        counts[text] = counts.get(text, 0) + 1
    ranked = sorted((t for t in counts if t), key=lambda t: (-counts[t], t))
    room = len(palette) if len(ranked) <= len(palette) and "" not in counts else len(palette) - 1
    kept = ranked[:room]
    position = {text: i for i, text in enumerate(kept)}
    other = len(kept)
    index = np.array([position.get(text, other) for text in texts], dtype=np.int64)
    colours, labels = list(palette[: len(kept)]), list(kept)
    if (index == other).any():
        colours.append(palette[-1])
        labels.append(other_label)
    return Categories(index=index, colours=tuple(colours), labels=tuple(labels))
