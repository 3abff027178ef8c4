"""Queries: pure functions of (DuckDB connection, keyword filters) returning DataFrames; the one place, with the
ETL, that speaks SQL to DuckDB. No Streamlit here. ``queries.db`` opens the live database (the execution seam:
every reader, the dashboard's cache, a report or a command line, runs these functions on its cursors)."""

from .cases import (
    cases_by_channel,
    cases_by_level,
    cases_by_status,
    daily_counts,
    data_extent,
    overdue_pending,
    summary_counts,
)
from .dictionaries import category_names, channel_names, department_names, level_names, state_names
from .dispatch import (
    DISPATCH_QUERIES,
    bounced_cases,
    departments,
    dispatch_counts,
    disputed_categories,
    handled_on_day,
    handoff_chains,
    handoff_flows,
    handoff_summary,
    kpi_counts,
    open_case_rows,
    overdue_counts,
    time_limits,
    work_calendar_days,
)
from .early_warning import WARNING_QUERIES, recent_clusters, spike_counts, warning_rules
from .export import case_export
from .filters import FILTER_NAMES, GRID_LEVEL_COLUMNS, case_filters, grid_level_column
from .grids import area_tree, grid_level_counts, grid_polygons
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
from .panel import area_figures, top_categories
from .timeline import TIMELINE_QUERIES, case_detail, case_timeline, find_cases
from .whistles import WHISTLE_QUERIES, whistle_counts, whistle_list, whistle_responses

#: The sidebar's, the panel's and the export's queries.
PAGE_QUERIES = (
    area_tree,
    category_names,
    channel_names,
    department_names,
    level_names,
    state_names,
    area_figures,
    top_categories,
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
        data_extent,
        grid_level_counts,
        grid_polygons,
        overdue_pending,
        summary_counts,
        *MAP_QUERIES,
        *PAGE_QUERIES,
        *DISPATCH_QUERIES,
        *TIMELINE_QUERIES,
        *WARNING_QUERIES,
        *WHISTLE_QUERIES,
    )
}

__all__ = [
    "FILTER_NAMES",
    "GRID_LEVEL_COLUMNS",
    "PAGE_QUERIES",
    "QUERIES",
    "area_figures",
    "area_measures",
    "area_tree",
    "bounced_cases",
    "camera_event_scenes",
    "cameras",
    "case_count",
    "case_detail",
    "case_export",
    "case_filters",
    "case_points",
    "case_timeline",
    "cases_by_channel",
    "cases_by_level",
    "cases_by_status",
    "category_names",
    "channel_names",
    "daily_counts",
    "data_extent",
    "deadline_alerts",
    "department_names",
    "departments",
    "dispatch_counts",
    "disputed_categories",
    "facilities",
    "find_cases",
    "grid_level_column",
    "grid_level_counts",
    "grid_polygons",
    "handled_on_day",
    "handoff_chains",
    "handoff_flows",
    "handoff_summary",
    "heat_cells",
    "hex_bins",
    "kpi_counts",
    "level_names",
    "open_case_rows",
    "overdue_counts",
    "overdue_pending",
    "recent_clusters",
    "spike_counts",
    "state_names",
    "summary_counts",
    "time_limits",
    "top_categories",
    "warning_rules",
    "whistle_counts",
    "whistle_list",
    "whistle_responses",
    "work_calendar_days",
]
