"""The dictionaries the filters offer: channels, workflow states, GB/T categories, departments, grid levels.

Names come in both languages where the dictionary has them (``name_zh``/``name_en``); departments have
Chinese names only (``name``, ``short_name``), as the city's own list does.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from core.catalog import DEMO_MARKER


def dataset_facts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row: ``demo`` (whether the database holds the generated demo city: ``demo.build_demo`` says so in the
    database itself) and ``demo_detail`` (how it was generated, JSON; NULL for a city's own data)."""
    sql = "SELECT max(value) AS demo_detail FROM schema_meta WHERE key = $key"
    facts = con.execute(sql, {"key": DEMO_MARKER}).df()
    facts.insert(0, "demo", facts["demo_detail"].notna())
    return facts


def channel_names(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``channel``, ``name_zh``, ``name_en``, by code."""
    return con.execute("SELECT channel, name_zh, name_en FROM channel ORDER BY channel").df()


def state_names(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``state``, ``name_zh``, ``name_en``, ``is_open``, in workflow order."""
    return con.execute("SELECT state, name_zh, name_en, is_open FROM case_state ORDER BY sort_order, state").df()


def category_names(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``code`` (5-digit class), ``major_code``, ``major_name_zh``/``_en``, ``name_zh``/``name_en``, by code."""
    sql = "SELECT code, major_code, major_name_zh, major_name_en, name_zh, name_en FROM category ORDER BY code"
    return con.execute(sql).df()


def department_names(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``dept_code``, ``name`` and ``label`` (the short name when there is one), by code."""
    sql = "SELECT dept_code, name, coalesce(short_name, name) AS label FROM department ORDER BY dept_code"
    return con.execute(sql).df()


def level_names(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``depth``, ``level_key``, ``name_zh``, ``name_en`` of every grid level, top first."""
    return con.execute("SELECT depth, level_key, name_zh, name_en FROM grid_level ORDER BY depth").df()
