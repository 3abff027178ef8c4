"""The schema as numbered migrations (``etl/migrations/NNNN_name.sql``), applied in order by every load and init.

The base tables (facts, dictionaries, bookkeeping) change only through a new migration file: a database made by
an older release is brought up to date in place, inside the load's own transaction (``store.writing``), so it
either ends fully migrated or untouched; its data are never rebuilt or dropped to get there. The version reached
is ``schema_meta.schema_version`` (release 1 wrote '1', which is migration 0001), and ``schema_migration``
lists what was applied when. Derived tables are the catalog's (``core.catalog``) and are created from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from . import rollups

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_FILE = re.compile(r"(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.sql")


class SchemaVersionError(RuntimeError):
    """The database was written by a newer OneMap than this one."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")


def migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migrations in ``directory``, by version; a ValueError unless they are numbered 1, 2, 3 … without gaps."""
    found = []
    for path in sorted(directory.iterdir()):
        match = _FILE.fullmatch(path.name)
        if match:
            found.append(Migration(int(match["version"]), match["name"], path))
        elif path.suffix == ".sql":
            raise ValueError(f"migration file {path.name!r} is not named NNNN_name.sql")
    numbers = [m.version for m in found]
    if numbers != list(range(1, len(found) + 1)):
        raise ValueError(f"migrations in {directory} must be numbered 1, 2, 3 … without gaps; found {numbers}")
    return found


LATEST = len(migrations())


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The migration the database is at: 0 for an empty one."""
    if not con.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = 'schema_meta'").fetchall():
        return 0
    rows = con.execute("SELECT value FROM schema_meta WHERE key = 'schema_version'").fetchall()
    return int(rows[0][0]) if rows else 0


def migrate(con: duckdb.DuckDBPyConnection, *, now: object = None) -> list[Migration]:
    """Apply every migration newer than the database's version, in order; return those applied.

    ``now``: the time recorded for them (naive local time). Raises ``SchemaVersionError`` for a database newer
    than every migration here (opening it with an older OneMap could misread it).
    """
    version = schema_version(con)
    known = migrations()
    if version > len(known):
        raise SchemaVersionError(
            f"the database is at schema version {version}, newer than this OneMap knows ({len(known)}): "
            "use the OneMap release that wrote it, or a newer one"
        )
    applied = []
    for migration in known[version:]:
        con.execute(migration.sql)
        con.execute("INSERT OR REPLACE INTO schema_meta VALUES ('schema_version', $v)", {"v": str(migration.version)})
        applied.append(migration)
    if applied and applied[-1].version >= 2:  # the history exists from 0002 on: record what it lacks
        recorded = {v for (v,) in con.execute("SELECT version FROM schema_migration").fetchall()}
        for migration in known[: applied[-1].version]:
            if migration.version not in recorded:  # applied before the history existed: no time known
                at = now if migration in applied else None
                con.execute(
                    "INSERT INTO schema_migration VALUES ($v, $name, $at)",
                    {"v": migration.version, "name": migration.name, "at": at},
                )
    return applied


def apply_schema(con: duckdb.DuckDBPyConnection, *, now: object = None) -> list[Migration]:
    """Bring the database to the latest schema: the migrations it lacks, then any derived table missing."""
    applied = migrate(con, now=now)
    rollups.create_tables(con)
    return applied
