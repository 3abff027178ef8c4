"""How a source's files are read: its name, coordinate system, defaults and column overrides.

Declared on the command line or in a TOML profile (``etl/profiles/*.toml``), e.g.::

    source = "hotline12345"
    crs = "GCJ-02"
    channel = "hotline"
    category_system = "hotline"
    encoding = "gb18030"
    [columns]
    source_id = "工单号"
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class SourceOptions:
    source: str
    #: Coordinate system of the file's coordinates (etl/crs.py): None = the file's own, else WGS-84.
    crs: str | None = None
    #: Read the coordinates in ``crs`` even when the file declares another system.
    force_crs: bool = False
    channel: str | None = None
    category_system: str = "gbt"
    encoding: str | None = None
    sheet: str | None = None
    layer: str | None = None
    require_location: bool = True
    as_of: dt.datetime | None = None
    #: camera events: the source name under which the cases they became were loaded
    case_source: str | None = None
    columns: Mapping[str, str] = field(default_factory=dict)
    #: grids: the level of every row whose level cell is empty (a file of one level may have no level column)
    level: str | None = None

    def with_crs(self, crs: str) -> SourceOptions:
        return dataclasses.replace(self, crs=crs)

    def fingerprint(self) -> str:
        """The options that change what a row loads as (part of the unchanged-row hash)."""
        level = f"|{self.level}" if self.level else ""
        return f"{self.crs}|{self.channel}|{self.category_system}|{sorted(self.columns.items())}{level}"

    @classmethod
    def from_profile(cls, path: Path, **overrides: Any) -> SourceOptions:
        with Path(path).open("rb") as f:
            values = tomllib.load(f)
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(values) - known - {"entity"}
        if unknown:
            raise ValueError(f"unknown keys in profile {path}: {sorted(unknown)}; valid keys: {sorted(known)}")
        values.pop("entity", None)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
