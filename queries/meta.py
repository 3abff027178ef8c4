"""About the data themselves: which load the database reflects (a report's "data version", the wall's "data as of")."""

from __future__ import annotations

import duckdb
import pandas as pd


def data_version(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row: ``run_id`` and ``finished_at`` of the last load (NULL for a database never loaded into),
    ``runs`` (loads so far) and ``last_report`` (the latest report time of any case)."""
    sql = """
        SELECT (SELECT max(run_id) FROM etl_run) AS run_id, (SELECT max(finished_at) FROM etl_run) AS finished_at,
               (SELECT count(*) FROM etl_run) AS runs, (SELECT max(reported_at) FROM cases) AS last_report
    """
    return con.execute(sql).df()
