"""OneMap ETL: city files → validated, grid-assigned rows in DuckDB. The API is ``etl.api``, the command line
``python -m etl``."""
