"""The vocabulary of OneMap, pure: no database, no files, no Streamlit. Everything else speaks it.

``states`` (closed, satisfied, pending), ``measures`` (the one registry of figures), ``catalog`` (the derived
tables: the contract between the ETL that writes them and the queries that read them), ``coords`` (WGS-84,
CGCS2000, GCJ-02, BD-09), ``bins`` (the hexagon and square bins, as SQL), ``workcal`` (the Chinese working
calendar, in Python and as SQL), ``privacy`` (the one masking rule) and ``clock`` (the data's "now").
"""
