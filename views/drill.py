"""The drill-down: which area a view looks at, what the map shows under it, and the way back up.

Pure, on an ``area_tree`` frame (``code``, ``name``, ``depth``, ``parent_code`` of the grids valid at one
moment): parents are followed through ``parent_code``, never parsed from codes, and a city's levels are whatever
the tree holds. The chosen area is ``ViewState.area``; ``None`` means the whole jurisdiction, cases outside every
grid included.

When the top level holds a single grid (one district), that grid is the *implicit root*: the whole
jurisdiction, shown first in the breadcrumb, with its children on the map.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

_TREE_COLUMNS = ("code", "name", "depth", "parent_code")


@dataclass(frozen=True)
class Area:
    """One grid on the path: its code, name and depth (1 = top level)."""

    code: str
    name: str
    depth: int


@dataclass(frozen=True)
class MapLevel:
    """What the map draws for an area: the grids at ``depth`` under ``parent`` (``None`` = all of them)."""

    depth: int
    parent: str | None


def _check(tree: pd.DataFrame) -> None:
    missing = [column for column in _TREE_COLUMNS if column not in tree.columns]
    if missing:
        raise ValueError(f"area tree lacks columns {missing}; it has {list(tree.columns)}")


def _area(row: pd.Series) -> Area:
    return Area(code=str(row["code"]), name=str(row["name"]), depth=int(row["depth"]))


def implicit_root(tree: pd.DataFrame) -> Area | None:
    """The single grid at the top level, or ``None`` when there are several (or none)."""
    _check(tree)
    if tree.empty:
        return None
    top = tree[tree["depth"] == tree["depth"].min()]
    return _area(top.iloc[0]) if len(top) == 1 else None


def normalise_area(tree: pd.DataFrame, code: str | None) -> str | None:
    """``code`` if it names a grid below the implicit root, else ``None`` (everything): the implicit root
    itself, the city outline (depth 0, which holds every case of the city), and codes missing from the tree
    (e.g. a grid that did not exist yet at the chosen date).
    """
    _check(tree)
    if code is None or not (tree["code"] == code).any():
        return None
    if (tree.loc[tree["code"] == code, "depth"] < 1).any():  # the city outline: the whole jurisdiction
        return None
    root = implicit_root(tree)
    return None if root is not None and root.code == code else code


def children(tree: pd.DataFrame, code: str | None) -> pd.DataFrame:
    """The grids directly under ``code`` (for ``None``: under the implicit root, else the top level), by code."""
    _check(tree)
    if code is None:
        root = implicit_root(tree)
        if root is None:
            return tree[tree["depth"] == tree["depth"].min()].sort_values("code")
        code = root.code
    return tree[tree["parent_code"] == code].sort_values("code")


def parent_chain(tree: pd.DataFrame, code: str | None) -> list[Area]:
    """The path from the top level down to ``code`` (inclusive); for ``None`` the implicit root alone, if any.

    Raises ``KeyError`` for a code not in the tree and ``ValueError`` when parents form a loop.
    """
    _check(tree)
    if code is None:
        root = implicit_root(tree)
        return [root] if root is not None else []
    by_code = tree.drop_duplicates("code").set_index("code")
    if code not in by_code.index:
        raise KeyError(f"area {code!r} is not among the {len(by_code)} grids valid at the chosen date")
    chain: list[Area] = []
    seen: set[str] = set()
    current: str | None = code
    while current is not None and current in by_code.index:
        if current in seen:
            raise ValueError(f"grid parents form a loop at {current!r}: {[area.code for area in chain]}")
        seen.add(current)
        row = by_code.loc[current]
        chain.append(Area(code=current, name=str(row["name"]), depth=int(row["depth"])))
        parent = row["parent_code"]
        current = None if pd.isna(parent) else str(parent)
    return chain[::-1]


def map_level(tree: pd.DataFrame, code: str | None) -> MapLevel | None:
    """The level the map draws for ``code``: its children; for a grid without any, it and its siblings.

    ``None`` when the tree is empty. Children of mixed depths are drawn at the shallowest one.
    """
    _check(tree)
    if tree.empty:
        return None
    below = children(tree, code)
    if not below.empty:
        parent = code
        if parent is None:
            root = implicit_root(tree)
            parent = root.code if root is not None else None
        return MapLevel(depth=int(below["depth"].min()), parent=parent)
    area = parent_chain(tree, code)[-1]
    parent = tree.loc[tree["code"] == area.code, "parent_code"].iloc[0]
    return MapLevel(depth=area.depth, parent=None if pd.isna(parent) else str(parent))
