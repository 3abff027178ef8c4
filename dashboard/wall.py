"""The wall screen's drawing: its dark full-screen style (no Streamlit chrome: toolbar, header, sidebar, menu),
its panels as HTML (every text escaped), and a runner that retries a read while a load swaps the database file.

Sizes are in ``vh``/``vw`` so the same layout fills 1920×1080 and 3840×2160: the KPI numerals are 6.2vh (67 px at
1080p). The composition is ``views.wall``; the page (``dashboard/pages/wall.py``) only puts them together.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from html import escape

import pandas as pd
import streamlit as st

from queries.db import READ_ERRORS
from views.calls import QueryCall, Runner
from views.wall import Kpi, Line, Wall

#: Reads tried before a refresh gives up (and the wall keeps showing its last result).
READ_ATTEMPTS = 4
#: Seconds between them: a load's rename is instant, but its reopen may meet the file mid-swap.
READ_PAUSE = 0.5

STYLE = """
<style>
  header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stSidebar"], [data-testid="stDecoration"],
  [data-testid="stSidebarCollapsedControl"], [data-testid="stSidebarNav"], footer, #MainMenu {
    display: none !important; }
  html, body, .stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"] {
    background: #0b1220 !important; color: #e6edf3; overflow: hidden !important; }
  [data-testid="stMainBlockContainer"], .block-container {
    padding: 1vh 1vw 0 1vw !important; max-width: 100% !important; }
  [data-testid="stVerticalBlock"] { gap: 0.8vh !important; }
  [data-testid="stHorizontalBlock"] { gap: 0.8vw !important; flex-wrap: nowrap !important; }
  [data-testid="stColumn"] { min-width: 0 !important; overflow: hidden; }
  [data-testid="stElementContainer"]:has(> .stMarkdown style) { display: none; }
  .stMarkdown p { margin: 0; }
  iframe.stCustomComponentV1 { height: 69vh !important; width: 100% !important;
    border: 1px solid #1f2c3d; border-radius: 0.6vh; display: block; }
  .wall { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; color: #e6edf3; }
  .wall-head { display: flex; align-items: baseline; gap: 2vw; height: 5vh; overflow: hidden; }
  .wall-head .title { font-size: 3.4vh; margin: 0; padding: 0; color: #ffffff; font-weight: 700; flex: 1;
    line-height: 5vh; white-space: nowrap; }
  .wall-head span { font-size: 1.8vh; color: #9fb3c8; white-space: nowrap; }
  .wall-head .stale { color: #ffb020; font-weight: 700; }
  .wall-kpis { display: flex; gap: 0.8vw; height: 14vh; }
  .wall-kpi { flex: 1; background: #121c2b; border: 1px solid #1f2c3d; border-radius: 0.6vh; padding: 0.8vh 1vw;
    overflow: hidden; }
  .wall-kpi .label { font-size: 1.9vh; color: #9fb3c8; white-space: nowrap; }
  .wall-kpi .value { font-size: 6.2vh; font-weight: 700; line-height: 1.1; color: #4fd1ff; white-space: nowrap;
    font-variant-numeric: tabular-nums; }
  .wall-kpi .note { font-size: 1.6vh; color: #9fb3c8; white-space: nowrap; }
  .wall-kpi.alarm .value { color: #ff5a5a; } .wall-kpi.up .value { color: #ffb020; }
  .wall-kpi.down .value { color: #5ad18a; }
  .wall-kpi.level1 .value { color: #ff5a5a; } .wall-kpi.level2 .value { color: #ff9f40; }
  .wall-kpi.level3 .value { color: #ffd84d; }
  .wall-panel { background: #121c2b; border: 1px solid #1f2c3d; border-radius: 0.6vh; padding: 0.8vh 0.8vw;
    overflow: hidden; }
  .wall-panel .title { font-size: 2.2vh; margin: 0 0 0.6vh 0; padding: 0; color: #cfe3f7; font-weight: 600; }
  .wall-line { display: flex; gap: 0.6vw; font-size: 1.9vh; line-height: 3.1vh; white-space: nowrap; }
  .wall-line .lead { color: #9fb3c8; min-width: 2vw; font-variant-numeric: tabular-nums; }
  .wall-line .text { flex: 1; min-width: 0; overflow: hidden; text-overflow: ellipsis; }
  .wall-line .value { color: #4fd1ff; font-weight: 700; font-variant-numeric: tabular-nums; }
  .wall-line.level1 .lead { color: #ff5a5a; } .wall-line.level2 .lead { color: #ff9f40; }
  .wall-line.level3 .lead { color: #ffd84d; }
  .wall-tiles { display: grid; grid-template-columns: 1fr 1fr; gap: 0.8vh 0.6vw; }
  .wall-tiles .wall-kpi { padding: 0.4vh 0.8vw; height: 12vh; }
  .wall-tiles .wall-kpi .value { font-size: 5.4vh; }
  .wall-lists { display: flex; gap: 0.8vw; } .wall-lists > div { flex: 1; min-width: 0; }
  .wall-lists .wall-line { gap: 0.4vw; } .wall-lists .wall-line .lead { min-width: 1vw; }
  .wall-red .title { color: #ff7b7b; } .wall-black .title { color: #b7c2cf; }
  .wall-empty { color: #6f8296; font-size: 1.8vh; }
  .wall-map-title { font-size: 2.1vh; color: #cfe3f7; height: 3vh; line-height: 3vh; white-space: nowrap;
    overflow: hidden; }
  .wall-ticker { display: flex; gap: 2.4vw; height: 5vh; align-items: center; overflow: hidden; white-space: nowrap;
    background: #121c2b; border: 1px solid #1f2c3d; border-radius: 0.6vh; padding: 0 1vw; font-size: 2vh; }
  .wall-ticker b { color: #cfe3f7; margin-right: 1vw; }
  .wall-ticker .lead { color: #9fb3c8; margin-right: 0.5vw; font-variant-numeric: tabular-nums; }
</style>
"""


def retrying(run: Runner, *, attempts: int = READ_ATTEMPTS, pause: float = READ_PAUSE) -> Runner:
    """``run`` tried again (``attempts`` in all, ``pause`` seconds apart) when a read fails for the file's sake
    (``queries.db.READ_ERRORS``: a load was swapping it); the last failure is raised."""

    def attempt(call: QueryCall) -> pd.DataFrame:
        for tried in range(1, attempts + 1):
            try:
                return run(call)
            except READ_ERRORS:
                if tried == attempts:
                    raise
                time.sleep(pause)
        raise AssertionError("unreachable")

    return attempt


def _html(markup: str) -> None:
    st.markdown(markup, unsafe_allow_html=True)


def style() -> None:
    """The wall's style: dark, full screen, no Streamlit chrome."""
    _html(STYLE)


def _kpi(kpi: Kpi) -> str:
    note = f'<div class="note">{escape(kpi.note)}</div>' if kpi.note else ""
    return (
        f'<div class="wall-kpi {escape(kpi.tone)}"><div class="label">{escape(kpi.label)}</div>'
        f'<div class="value" data-kpi="{escape(kpi.label)}">{escape(kpi.value)}</div>{note}</div>'
    )


def _lines(lines: Iterable[Line], empty: str) -> str:
    rows = [
        f'<div class="wall-line {escape(line.tone)}"><span class="lead">{escape(line.lead)}</span>'
        f'<span class="text">{escape(line.text)}</span><span class="value">{escape(line.value)}</span></div>'
        for line in lines
    ]
    return "".join(rows) or f'<div class="wall-empty">{escape(empty)}</div>'


def head(wall: Wall, *, clock: str, failed: str | None, demo: str) -> None:
    notes = (demo if wall.demo else None, wall.stale, failed)
    warnings = "".join(f'<span class="stale">{escape(text)}</span>' for text in notes if text)
    _html(
        f'<div class="wall wall-head"><span class="title">{escape(wall.title)}</span>{warnings}'
        f'<span class="as-of">{escape(wall.as_of)}</span><span class="clock">{escape(clock)}</span></div>'
    )


def kpis(wall: Wall) -> None:
    _html(f'<div class="wall wall-kpis">{"".join(_kpi(kpi) for kpi in (*wall.kpis, *wall.warning_levels))}</div>')


def panel(title: str, body: str, *, height: float, extra: str = "") -> None:
    """A panel of ``height`` vh with a ``title`` and ``body`` (HTML already escaped)."""
    _html(
        f'<div class="wall wall-panel {extra}" style="height:{height}vh">'
        f'<div class="title">{escape(title)}</div>{body}</div>'
    )


def lines_panel(title: str, lines: Iterable[Line], *, empty: str, height: float) -> None:
    panel(title, _lines(lines, empty), height=height)


def tiles(title: str, figures: Iterable[Kpi], *, height: float) -> None:
    panel(title, f'<div class="wall-tiles">{"".join(_kpi(kpi) for kpi in figures)}</div>', height=height)


def ranking(wall: Wall, *, titles: tuple[str, str], empty: str, height: float) -> None:
    red, black = (_lines(lines, empty) for lines in (wall.red, wall.black))
    body = (
        f'<div class="wall-lists"><div class="wall-red"><div class="title">{escape(titles[0])}</div>{red}</div>'
        f'<div class="wall-black"><div class="title">{escape(titles[1])}</div>{black}</div></div>'
    )
    _html(f'<div class="wall wall-panel" style="height:{height}vh">{body}</div>')


def map_title(text: str) -> None:
    _html(f'<div class="wall wall-map-title">{escape(text)}</div>')


def ticker(title: str, lines: Iterable[Line], *, empty: str) -> None:
    items = "".join(
        f'<span><span class="lead">{escape(line.lead)}</span>{escape(line.text)} · {escape(line.value)}</span>'
        for line in lines
    )
    _html(f'<div class="wall wall-ticker"><b>{escape(title)}</b>{items or escape(empty)}</div>')
