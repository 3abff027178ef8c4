"""Reports a leader can hold: the weekly review of an area as a self-contained HTML page and an A4 PDF, built from
the same views the dashboard shows (``views``), with static figures (SVG, rendered offline) and no JavaScript.
``python -m reports weekly`` writes them; the dashboard offers the same for its current area and week."""
