"""Pure statistics over frames (trends, hotspots, spatial autocorrelation): frames in, frames out, no database and
no Streamlit (checked in CI: ``.importlinter`` contracts in ``pyproject.toml``). Its command line ``python -m
analytics`` is the one place allowed to wire ``queries`` to it."""
