"""Queries: pure functions of (DuckDB connection, keyword filters) returning DataFrames; the one place, with the
ETL, that speaks SQL to DuckDB. No Streamlit here. ``queries.db`` opens the live database (the execution seam:
every reader, the dashboard's cache, a report or a command line, runs these functions on its cursors)."""

from .cases import (
    cases_by_channel,
    cases_by_level,
    cases_by_status,
    daily_counts,
    data_end,
    data_extent,
    overdue_pending,
    summary_counts,
)
from .dictionaries import (
    category_names,
    channel_names,
    dataset_facts,
    department_names,
    level_names,
    state_names,
)
from .export import case_export
from .filters import FILTER_NAMES, GRID_LEVEL_COLUMNS, case_filters, grid_level_column
from .grids import area_tree, areas_within, grid_level_counts, grid_polygons
from .map_layers import (
    MAP_QUERIES,
    area_measures,
    camera_event_scenes,
    cameras,
    case_count,
    case_points,
    deadline_alerts,
    facilities,
    heat_cells,
    hex_bins,
)
from .meta import data_version
from .panel import area_figures, category_coverage, top_categories
from .trends import (
    TREND_QUERIES,
    area_category_days,
    area_category_weeks,
    area_neighbours,
    area_period_counts,
    area_week_counts,
    chronic_places,
    hour_weekday,
    level_areas,
    recurrence_cases,
    time_series,
)

#: The sidebar's, the panel's and the export's queries.
PAGE_QUERIES = (
    dataset_facts,
    area_tree,
    areas_within,
    category_names,
    channel_names,
    department_names,
    level_names,
    state_names,
    area_figures,
    top_categories,
    category_coverage,
    case_export,
)

#: The query functions, by name: the cache runs only these.
QUERIES = {
    query.__name__: query
    for query in (
        cases_by_channel,
        cases_by_level,
        cases_by_status,
        daily_counts,
        data_end,
        data_extent,
        data_version,
        grid_level_counts,
        grid_polygons,
        overdue_pending,
        summary_counts,
        *MAP_QUERIES,
        *PAGE_QUERIES,
        *TREND_QUERIES,
    )
}

__all__ = [
    "FILTER_NAMES",
    "GRID_LEVEL_COLUMNS",
    "PAGE_QUERIES",
    "QUERIES",
    "area_category_days",
    "area_category_weeks",
    "area_figures",
    "area_measures",
    "area_neighbours",
    "area_period_counts",
    "area_tree",
    "area_week_counts",
    "areas_within",
    "camera_event_scenes",
    "cameras",
    "case_count",
    "case_export",
    "case_filters",
    "case_points",
    "cases_by_channel",
    "cases_by_level",
    "cases_by_status",
    "category_coverage",
    "category_names",
    "channel_names",
    "chronic_places",
    "daily_counts",
    "data_end",
    "data_extent",
    "data_version",
    "dataset_facts",
    "deadline_alerts",
    "department_names",
    "facilities",
    "grid_level_column",
    "grid_level_counts",
    "grid_polygons",
    "heat_cells",
    "hex_bins",
    "hour_weekday",
    "level_areas",
    "level_names",
    "overdue_pending",
    "recurrence_cases",
    "state_names",
    "summary_counts",
    "time_series",
    "top_categories",
]
