"""Queries: pure functions of (DuckDB connection, keyword filters) returning DataFrames; the one place, with the
ETL, that speaks SQL to DuckDB. No Streamlit here. ``queries.db`` opens the live database (the execution seam:
every reader, the dashboard's cache, a report or a command line, runs these functions on its cursors)."""

from .area_profile import (
    PROFILE_QUERIES,
    area_land,
    area_land_use,
    area_organisations,
    area_people,
    area_sentiment,
    area_things,
    rising_topics,
)
from .camera_loop import (
    CAMERA_QUERIES,
    camera_alarm_cases,
    camera_daily,
    camera_funnel,
    camera_rates,
    false_positive_outliers,
    scene_coverage,
    silent_cameras,
)
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
from .export import case_export
from .filters import FILTER_NAMES, GRID_LEVEL_COLUMNS, case_filters, grid_level_column
from .grids import area_tree, grid_level_counts, grid_polygons
from .incidents import INCIDENT_QUERIES, incident_list, incident_reports, incident_summary
from .iot import IOT_QUERIES, iot_devices, iot_kpis, iot_summary, iot_unanswered
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
from .place_ledgers import (
    LEDGER_QUERIES,
    deliberation_items,
    deliberation_summary,
    grid_basic,
    grid_workers_of,
    life_circle_gaps,
    life_circles,
    worker_ledger,
)

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
        *CAMERA_QUERIES,
        *INCIDENT_QUERIES,
        *IOT_QUERIES,
        *PROFILE_QUERIES,
        *LEDGER_QUERIES,
    )
}

__all__ = [
    "FILTER_NAMES",
    "GRID_LEVEL_COLUMNS",
    "PAGE_QUERIES",
    "QUERIES",
    "area_figures",
    "area_land",
    "area_land_use",
    "area_measures",
    "area_organisations",
    "area_people",
    "area_sentiment",
    "area_things",
    "area_tree",
    "camera_alarm_cases",
    "camera_daily",
    "camera_event_scenes",
    "camera_funnel",
    "camera_rates",
    "cameras",
    "case_count",
    "case_export",
    "case_filters",
    "case_points",
    "cases_by_channel",
    "cases_by_level",
    "cases_by_status",
    "category_names",
    "channel_names",
    "daily_counts",
    "data_extent",
    "deadline_alerts",
    "deliberation_items",
    "deliberation_summary",
    "department_names",
    "facilities",
    "false_positive_outliers",
    "grid_basic",
    "grid_level_column",
    "grid_level_counts",
    "grid_polygons",
    "grid_workers_of",
    "heat_cells",
    "hex_bins",
    "incident_list",
    "incident_reports",
    "incident_summary",
    "iot_devices",
    "iot_kpis",
    "iot_summary",
    "iot_unanswered",
    "level_names",
    "life_circle_gaps",
    "life_circles",
    "overdue_pending",
    "rising_topics",
    "scene_coverage",
    "silent_cameras",
    "state_names",
    "summary_counts",
    "top_categories",
    "worker_ledger",
]
