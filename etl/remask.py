"""Personal data stored under an older masking rule is masked again by the next load (or ``python -m etl init``).

``core.privacy.RULE_VERSION`` names the rule a database was masked with (``schema_meta.masking_rule``; none for
a database from before it was recorded). When the rule is newer, every stored free text (case descriptions and
addresses, flow notes, camera and facility addresses), the reporters among flow operators and every rejected
row's original values are masked again, in the load's own transaction, so a database never keeps what today's
rule would mask. Only texts that may hold personal data (``core.privacy.SUSPECT``) are read back into Python.
"""

from __future__ import annotations

import json

import duckdb
import pandas as pd

from core.privacy import RULE_VERSION, SUSPECT, mask_names, mask_record, mask_text_column

from .columns import map_columns

#: ``schema_meta`` key of the rule version the stored text was masked with.
MASKING_KEY = "masking_rule"
#: Table → (key columns, free-text columns) masked again.
_FREE_TEXT: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "cases": (("case_uid",), ("description", "address")),
    "case_flow": (("case_uid", "seq"), ("note",)),
    "camera": (("camera_id",), ("address",)),
    "facility": (("facility_id",), ("address",)),
}


def masked_with(con: duckdb.DuckDBPyConnection) -> int:
    """The masking rule version the database's text was masked with (0: unknown, older than version 2)."""
    rows = con.execute("SELECT value FROM schema_meta WHERE key = ?", [MASKING_KEY]).fetchall()
    return int(rows[0][0]) if rows else 0


def masked_original(original: str, entity: str) -> str:
    """A rejected row's original values (JSON) with personal data masked, the columns mapped as ``entity``'s."""
    record = json.loads(original)
    if not isinstance(record, dict):
        return json.dumps(record, ensure_ascii=False)
    try:
        mapping = map_columns(list(record), entity, require=False)
    except ValueError:  # an entity this release does not know: every column is free text
        mapping = {}
    fields = {header: field for field, header in mapping.items()}
    return json.dumps(mask_record(record, fields), ensure_ascii=False)


def _update(con: duckdb.DuckDBPyConnection, table: str, keys: tuple[str, ...], changed: pd.DataFrame) -> int:
    if changed.empty:
        return 0
    columns = [c for c in changed.columns if c not in keys]
    con.register("_remasked", changed)
    sets = ", ".join(f'"{c}" = r."{c}"' for c in columns)
    join = " AND ".join(f't."{k}" = r."{k}"' for k in keys)
    con.execute(f'UPDATE "{table}" t SET {sets} FROM _remasked r WHERE {join}')  # names from _FREE_TEXT
    con.unregister("_remasked")
    return len(changed)


def _free_text(con: duckdb.DuckDBPyConnection, table: str, keys: tuple[str, ...], texts: tuple[str, ...]) -> int:
    suspect = " OR ".join(f'regexp_matches("{c}", $suspect)' for c in texts)
    select = ", ".join(f'"{c}"' for c in (*keys, *texts))
    rows = con.execute(f'SELECT {select} FROM "{table}" WHERE {suspect}', {"suspect": SUSPECT}).df()
    if rows.empty:
        return 0
    masked = rows.copy()
    for column in texts:
        masked[column] = mask_text_column(rows[column]).astype(object)
    before = rows[list(texts)].astype(object).where(rows[list(texts)].notna(), None)
    after = masked[list(texts)].where(masked[list(texts)].notna(), None)
    changed = (before != after).any(axis=1)
    return _update(con, table, keys, masked[changed.to_numpy()])


def _reporters(con: duckdb.DuckDBPyConnection) -> int:
    rows = con.execute(
        "SELECT case_uid, seq, operator FROM case_flow"
        " WHERE operator IS NOT NULL AND (to_state = 'reported' OR from_state IS NULL)"
    ).df()
    if rows.empty:
        return 0
    masked = rows.assign(operator=mask_names(rows["operator"]).astype(object))
    return _update(con, "case_flow", ("case_uid", "seq"), masked[(masked["operator"] != rows["operator"]).to_numpy()])


def _originals(con: duckdb.DuckDBPyConnection) -> int:
    rows = con.execute("SELECT run_id, row_number, entity, original FROM rejected_row").df()
    if rows.empty:
        return 0
    masked = [masked_original(o, e) for o, e in zip(rows["original"], rows["entity"], strict=True)]
    rows["masked"] = masked
    changed = rows[rows["masked"] != rows["original"]]
    return _update(
        con,
        "rejected_row",
        ("run_id", "row_number"),
        changed[["run_id", "row_number", "masked"]].rename(columns={"masked": "original"}),
    )


def remask_stored(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Mask again what the database stores when it was masked by an older rule; rows changed per table."""
    if masked_with(con) >= RULE_VERSION:
        return {}
    changed = {table: _free_text(con, table, keys, texts) for table, (keys, texts) in _FREE_TEXT.items()}
    changed["case_flow"] += _reporters(con)
    changed["rejected_row"] = _originals(con)
    con.execute("INSERT OR REPLACE INTO schema_meta VALUES (?, ?)", [MASKING_KEY, str(RULE_VERSION)])
    return {table: n for table, n in changed.items() if n}
