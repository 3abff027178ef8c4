"""OneMap dashboard: database access, cached queries, charts, maps and pages (Streamlit)."""
