"""The demo city: a deterministic synthetic district (grids, dictionaries, cameras, facilities, cases and their
workflow from four source systems) written as the files a real city hands over, then loaded by the ETL like any
city's files. ``python -m demo`` builds it; the dashboard's first start calls ``build_demo``."""

from .build import DEFAULT_OUT, build_demo

__all__ = ["DEFAULT_OUT", "build_demo"]
