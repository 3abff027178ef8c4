"""Queries: pure functions of (DuckDB connection, keyword filters) returning DataFrames. No Streamlit here."""

from .cases import (
    CLOSED_STATES,
    cases_by_channel,
    cases_by_level,
    cases_by_status,
    daily_counts,
    data_extent,
    overdue_pending,
    summary_counts,
)
from .filters import FILTER_NAMES, GRID_LEVEL_COLUMNS, case_filters, grid_level_column
from .grids import grid_level_counts, grid_polygons

#: The query functions, by name: the cache runs only these.
QUERIES = {
    query.__name__: query
    for query in (
        cases_by_channel,
        cases_by_level,
        cases_by_status,
        daily_counts,
        data_extent,
        grid_level_counts,
        grid_polygons,
        overdue_pending,
        summary_counts,
    )
}

__all__ = [
    "CLOSED_STATES",
    "FILTER_NAMES",
    "GRID_LEVEL_COLUMNS",
    "QUERIES",
    "case_filters",
    "cases_by_channel",
    "cases_by_level",
    "cases_by_status",
    "daily_counts",
    "data_extent",
    "grid_level_column",
    "grid_level_counts",
    "grid_polygons",
    "overdue_pending",
    "summary_counts",
]
