"""The weekly report as one self-contained HTML page (styles and SVG figures inline, no script, no link to fetch),
laid out for A4: the same bytes for the same report, which ``reports.pdf`` prints."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from core.measures import measure
from views.formats import measure_text
from views.i18n import Translate, labels, translator
from views.trend_maps import CLASS_COLOURS

from . import figures
from .weekly import WeeklyReport

TEMPLATES = Path(__file__).resolve().parent / "templates"
_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=jinja2.select_autoescape(("html", "j2")),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def _count(value: float) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{int(value):,}"


def _signed(value: float) -> str:
    return "—" if math.isnan(value) else f"{int(value):+,}"


def _change(name: str, change: float, t: Translate) -> str:
    if math.isnan(change):
        return "—"
    if measure(name).kind == "rate":
        points = round(change * 100, 1)
        return t("report.points", value=f"{points:+.1f}" if points else "±0.0")
    return f"{change:+,.0f}"


def _kpis(report: WeeklyReport, t: Translate) -> list[dict[str, Any]]:
    rows = []
    for kpi in report.kpis:
        rows.append(
            {
                "name": t(f"measure.{kpi.name}"),
                "this": measure_text(kpi.name, kpi.this),
                "last": measure_text(kpi.name, kpi.last),
                "change": _change(kpi.name, kpi.change, t),
                "tone": {True: "better", False: "worse", None: ""}[kpi.better],
                "verdict": {True: t("report.better"), False: t("report.worse"), None: ""}[kpi.better],
            }
        )
    return rows


def _compared(table: pd.DataFrame, unnamed: str) -> list[dict[str, str]]:
    """Rows of a this-week/last-week table; ``unnamed``: what a row without a name (no class) is called."""
    return [
        {
            "name": unnamed if pd.isna(r["name"]) else str(r["name"]),
            "this": _count(r["this"]),
            "last": _count(r["last"]),
            "change": _signed(r["change"]),
        }
        for r in table.to_dict("records")
    ]


def _version(report: WeeklyReport, t: Translate) -> str:
    v = report.version
    if pd.isna(v["run_id"]):
        return t("report.no_version")
    stamp = lambda value: "—" if pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d %H:%M}"  # noqa: E731
    return t("report.version", run=int(v["run_id"]), finished=stamp(v["finished_at"]), latest=stamp(v["last_report"]))


def _frame_rows(frame: pd.DataFrame | None, columns: dict[str, str]) -> list[dict[str, str]] | None:
    """``frame``'s ``columns`` (column → how to show it: count, rate, text, time, score) as rows of text."""
    if frame is None:
        return None
    shown = {
        "count": _count,
        "rate": lambda v: "—" if pd.isna(v) else f"{v:.1%}",
        "score": lambda v: "—" if pd.isna(v) else f"{v:.1f}",
        "time": lambda v: "—" if pd.isna(v) else f"{pd.Timestamp(v):%m-%d %H:%M}",
        "text": lambda v: "—" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v),
    }
    return [{name: shown[kind](row[name]) for name, kind in columns.items()} for row in frame.to_dict("records")]


def _cameras(report: WeeklyReport, t: Translate) -> tuple[str | None, list[dict[str, str]]]:
    scenes = report.cameras
    if scenes.empty or int(scenes["events"].sum()) == 0:
        return None, []
    total = scenes[["events", "pushed", "dispatched", "handled", "closed", "false_positives"]].sum()
    fp = total["false_positives"] / total["events"] if total["events"] else float("nan")
    summary = t(
        "report.camera_summary",
        **{k: f"{int(total[k]):,}" for k in ("events", "pushed", "dispatched", "handled", "closed")},
        fp="—" if math.isnan(fp) else f"{fp:.1%}",
    )
    rows = _frame_rows(
        scenes.head(8),
        {"label": "text", "events": "count", "dispatched": "count", "closed": "count", "false_positive_rate": "rate"},
    )
    return summary, rows or []


def _channel_bars(report: WeeklyReport, names: tuple[str, str]) -> str:
    channels = report.channels
    if channels.empty:
        return ""
    return figures.week_bars(list(channels["name"]), channels["this"], channels["last"], names=names, horizontal=True)


def _hotspot_map(report: WeeklyReport, classes: dict[str, str]) -> str:
    if report.hotspots is None:
        return ""
    legend = labels(report.lang, "trends.class", tuple(CLASS_COLOURS))
    return figures.area_map(report.polygons, classes, CLASS_COLOURS, legend)


def context(report: WeeklyReport) -> dict[str, Any]:
    """What the template shows, every value already text (or SVG)."""
    lang = report.lang
    t = translator(lang)
    week = report.week
    names = (t("report.this_week"), t("report.last_week"))
    days = [t(f"weekday.{d}") for d in report.daily["weekday"]]
    spots = report.hotspots
    classes = {} if spots is None else dict(zip(spots["code"], spots["class"], strict=True))
    summary = report.handoffs
    overdue_cols = {"case_uid": "text", "category_name": "text", "dept_name": "text", "handle_deadline": "time"}
    rank_cols = {"rank": "count", "name": "text", "score": "score", "due": "count"}
    camera_summary, camera_rows = _cameras(report, t)
    return {
        "t": t,
        "lang": lang,
        "title": t("report.title"),
        "area": report.area_name or t("report.whole"),
        "week": t("report.week", week=week.label, start=week.start, end=week.end),
        "version": _version(report, t),
        "as_of": t("report.as_of", as_of=f"{report.as_of:%Y-%m-%d %H:%M}"),
        "warnings": [
            (t(f"warning.level.{int(r['level'])}"), f"{int(r['warnings']):,}")
            for r in report.warnings.to_dict("records")
        ],
        "kpis": _kpis(report, t),
        "daily_svg": figures.week_bars(days, report.daily["this"], report.daily["last"], names=names, horizontal=False),
        "channels": _compared(report.channels, t("report.unnamed")),
        "channels_svg": _channel_bars(report, names),
        "categories": _compared(report.categories, t("report.unclassified")),
        "category_title": t("report.by_category", n=len(report.categories)),
        "rising": _frame_rows(
            report.rising, {"name": "text", "category": "text", "cases": "count", "last": "count", "slope": "score"}
        ),
        "hotspot_title": t("report.hotspots", level=report.hotspot_level),
        "hotspot_svg": _hotspot_map(report, classes),
        "overdue": _frame_rows(report.overdue, overdue_cols),
        "overdue_note": t(
            "report.overdue_note",
            as_of=f"{report.as_of:%Y-%m-%d %H:%M}",
            n=0 if report.overdue is None else len(report.overdue),
        ),
        "red": _frame_rows(report.red, rank_cols),
        "black": _frame_rows(report.black, rank_cols),
        "handoff_summary": t(
            "report.handoff_summary",
            dispatched=_count(summary["dispatched"]),
            returns=_count(summary["returns"]),
            redispatched=_count(summary["redispatched"]),
            ping_pong=_count(summary["ping_pong"]),
            rate=measure_text("accurate_dispatch_rate", summary["accurate_dispatch_rate"]),
        ),
        "chains": _frame_rows(report.chains, {"chain": "text", "cases": "count", "returns": "count"}),
        "camera_summary": camera_summary,
        "cameras": camera_rows,
        "links": report.links,
    }


def html(report: WeeklyReport) -> str:
    """The report as one HTML page."""
    return _ENV.get_template("weekly.html.j2").render(**context(report))
