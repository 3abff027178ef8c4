"""The drill-down's path logic on small trees, without Streamlit; and the area tree from the tiny database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from tiny_db import EAST, WEST, build_tiny_db

import queries
from queries.db import LiveDatabase
from views import drill
from views.drill import Area, MapLevel

DISTRICT, C1, C2, C3, G1 = "340102", "340102001001", "340102001002", "340102002001", "340102001001001"


def tree_of(rows: list[tuple[str, str, int, str | None]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["code", "name", "depth", "parent_code"])


# The tiny city as area_tree returns it (valid in May 2024).
TINY = tree_of(
    [
        (DISTRICT, "测试区", 1, None),
        (EAST, "东街道", 2, DISTRICT),
        (WEST, "西街道", 2, DISTRICT),
        (C1, "一社区", 3, EAST),
        (C2, "二社区", 3, EAST),
        (C3, "三社区", 3, WEST),
        (G1, "一社区第一网格", 4, C1),
    ]
)
# Two districts and no single root; one street whose parent is missing from the tree.
TWO_TOPS = tree_of([("A", "甲区", 1, None), ("B", "乙区", 1, None), ("A1", "甲街道", 2, "A"), ("X1", "孤街道", 2, "X")])


def codes(frame: pd.DataFrame) -> list[str]:
    return frame["code"].tolist()


def test_implicit_root() -> None:
    assert drill.implicit_root(TINY) == Area(DISTRICT, "测试区", 1)
    assert drill.implicit_root(TWO_TOPS) is None
    assert drill.implicit_root(TINY.iloc[:0]) is None


@pytest.mark.parametrize(
    ("tree", "code", "expected"),
    [
        (TINY, None, [EAST, WEST]),  # under the implicit root
        (TINY, DISTRICT, [EAST, WEST]),
        (TINY, EAST, [C1, C2]),
        (TINY, WEST, [C3]),
        (TINY, C1, [G1]),
        (TINY, C2, []),
        (TINY, G1, []),
        (TWO_TOPS, None, ["A", "B"]),  # no single root: the top level
        (TWO_TOPS, "A", ["A1"]),
        (TWO_TOPS, "B", []),
    ],
)
def test_children(tree: pd.DataFrame, code: str | None, expected: list[str]) -> None:
    assert codes(drill.children(tree, code)) == expected


@pytest.mark.parametrize(
    ("tree", "code", "expected"),
    [
        (TINY, None, [DISTRICT]),
        (TINY, DISTRICT, [DISTRICT]),
        (TINY, EAST, [DISTRICT, EAST]),
        (TINY, C3, [DISTRICT, WEST, C3]),
        (TINY, G1, [DISTRICT, EAST, C1, G1]),
        (TWO_TOPS, None, []),
        (TWO_TOPS, "A1", ["A", "A1"]),
        (TWO_TOPS, "X1", ["X1"]),  # the chain stops where the parent is not in the tree
    ],
)
def test_parent_chain(tree: pd.DataFrame, code: str | None, expected: list[str]) -> None:
    assert [area.code for area in drill.parent_chain(tree, code)] == expected


def test_parent_chain_names_and_depths() -> None:
    assert drill.parent_chain(TINY, C1) == [Area(DISTRICT, "测试区", 1), Area(EAST, "东街道", 2), Area(C1, "一社区", 3)]


def test_parent_chain_rejects_unknown_codes_and_loops() -> None:
    with pytest.raises(KeyError, match=r"area 'nope' is not among the 7 grids valid at the chosen date"):
        drill.parent_chain(TINY, "nope")
    loop = tree_of([("P", "甲", 1, "Q"), ("Q", "乙", 2, "P")])
    with pytest.raises(ValueError, match=r"grid parents form a loop at 'P'"):
        drill.parent_chain(loop, "P")


@pytest.mark.parametrize(
    ("tree", "code", "expected"),
    [
        (TINY, None, None),
        (TINY, DISTRICT, None),  # the implicit root is "everything"
        (TINY, EAST, EAST),
        (TINY, G1, G1),
        (TINY, "340102009", None),  # not valid at the chosen date
        (TWO_TOPS, "A", "A"),  # a top-level grid among several is a real choice
    ],
)
def test_normalise_area(tree: pd.DataFrame, code: str | None, expected: str | None) -> None:
    assert drill.normalise_area(tree, code) == expected


@pytest.mark.parametrize(
    ("tree", "code", "expected"),
    [
        (TINY, None, MapLevel(depth=2, parent=DISTRICT)),  # the district's streets
        (TINY, EAST, MapLevel(depth=3, parent=EAST)),  # a street's communities
        (TINY, C1, MapLevel(depth=4, parent=C1)),  # a community's grids
        (TINY, C2, MapLevel(depth=3, parent=EAST)),  # no grids under it: it and its sibling communities
        (TINY, G1, MapLevel(depth=4, parent=C1)),  # a leaf grid: its siblings
        (TWO_TOPS, None, MapLevel(depth=1, parent=None)),  # several districts: all of them
        (TWO_TOPS, "B", MapLevel(depth=1, parent=None)),
        (TWO_TOPS, "A", MapLevel(depth=2, parent="A")),
    ],
)
def test_map_level(tree: pd.DataFrame, code: str | None, expected: MapLevel) -> None:
    assert drill.map_level(tree, code) == expected


def test_map_level_of_an_empty_tree() -> None:
    assert drill.map_level(TINY.iloc[:0], None) is None


def test_a_tree_without_the_columns_is_refused() -> None:
    with pytest.raises(
        ValueError, match=r"area tree lacks columns \['depth', 'parent_code'\]; it has \['code', 'name'\]"
    ):
        drill.children(TINY[["code", "name"]], None)


# ---------------------------------------------------------------- the tree from the database
@pytest.fixture(scope="module")
def tiny_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_db(tmp_path_factory.mktemp("tiny") / "onemap.duckdb")


def test_area_tree_is_the_grids_valid_at_a_moment(tiny_path: Path) -> None:
    with LiveDatabase(tiny_path).cursor() as con:
        may = queries.area_tree(con, at=dt.datetime(2024, 5, 31, 23, 59))
        before = queries.area_tree(con, at=dt.datetime(2023, 12, 31))
    pd.testing.assert_frame_equal(may.astype({"depth": "int64"}), TINY.astype({"depth": "int64"}))
    assert before.loc[before["code"] == WEST, "name"].tolist() == ["西街道（旧）"]
    assert [area.name for area in drill.parent_chain(before, C3)] == ["测试区", "西街道（旧）", "三社区"]
