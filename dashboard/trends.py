"""The tabs of the trend page (研判): widgets around the analyses of ``views.trends``, each tab one function."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import queries
from settings import Settings
from views import charts, trend_maps
from views import trends as analyses
from views.calls import QueryCall, Runner
from views.formats import measure_text
from views.i18n import Translate, name_column, translator
from views.scope import Scope

from .map_widget import show_map


def _names(run: Runner, lang: str) -> dict[str, str]:
    frame = run(QueryCall.of(queries.category_names))
    return dict(zip(frame["code"], frame["code"] + " " + frame[name_column(lang)], strict=True))


def _polygons(scope: Scope, run: Runner, depth: int) -> pd.DataFrame:
    return run(QueryCall.of(queries.grid_polygons, depth=depth, at=scope.at))


def series(scope: Scope, run: Runner) -> None:
    t = translator(scope.lang)
    changes = analyses.changes(scope, run)
    for column, row in zip(st.columns(len(changes)), changes.to_dict("records"), strict=True):
        delta = None if pd.isna(row["change"]) else f"{row['change']:+.1%}"
        help_text = t(
            "trends.change.help", start=row["start"], end=row["end"], cases=row["cases"], previous=row["previous"]
        )
        column.metric(
            t(f"trends.change.{row['kind']}"), f"{row['cases']:,}", delta, delta_color="inverse", help=help_text
        )
    left, right = st.columns(2)
    grain = left.segmented_control(
        t("trends.grain"),
        ["day", "week", "month"],
        default="day",
        format_func=lambda g: t(f"trends.grain.{g}"),
        key="trends_grain",
    )
    split = right.segmented_control(
        t("trends.split"),
        ["none", "category_major", "channel", "area"],
        default="none",
        format_func=lambda s: t(f"trends.split.{s}"),
        key="trends_split",
    )
    frame = analyses.series(scope, run, grain=grain or "day", split=split or "none")
    names = _series_names(run, split or "none", scope, scope.lang)
    st.plotly_chart(charts.series_chart(frame, names=names, lang=scope.lang), width="stretch")
    hours = run(QueryCall.of(queries.hour_weekday, **scope.case_filters()))
    st.plotly_chart(charts.hour_weekday_chart(hours, lang=scope.lang), width="stretch")


def _series_names(run: Runner, split: str, scope: Scope, lang: str) -> dict[str, str]:
    if split == "channel":
        frame = run(QueryCall.of(queries.channel_names))
        return dict(zip(frame["channel"], frame[name_column(lang)], strict=True))
    if split == "category_major":
        frame = run(QueryCall.of(queries.category_names)).drop_duplicates("major_code")
        return dict(zip(frame["major_code"], frame[name_column(lang, "major_name")], strict=True))
    if split == "area":
        frame = run(QueryCall.of(queries.area_tree, at=scope.at))
        return dict(zip(frame["code"], frame["name"], strict=True))
    return {}


def rising(scope: Scope, run: Runner, *, depth: int) -> None:
    t = translator(scope.lang)
    left, right = st.columns(2)
    weeks = int(left.number_input(t("trends.weeks"), min_value=4, max_value=104, value=12, key="trends_rising_weeks"))
    least = int(right.number_input(t("trends.min_cases"), min_value=1, value=10, key="trends_rising_min"))
    table, thin = analyses.rising_table(scope, run, depth=depth, weeks=weeks, min_cases=least)
    st.caption(t("trends.rising_note", tested=f"{len(table):,}", thin=f"{thin:,}"))
    if table.empty:
        st.info(t("trends.none"))
        return
    shown = table.assign(
        category_code=table["category_code"].map(_names(run, scope.lang)).fillna(table["category_code"]),
        direction=table["direction"].map(lambda d: t(f"trends.direction.{d}")),
    )
    st.dataframe(
        shown[["name", "category_code", "cases", "first", "last", "slope", "p_fdr", "direction"]],
        hide_index=True,
        column_config=_columns(t),
    )


def spikes(scope: Scope, run: Runner, *, depth: int) -> None:
    t = translator(scope.lang)
    unit = st.segmented_control(
        t("trends.spike_unit"),
        ["day", "week"],
        default="day",
        format_func=lambda u: t(f"trends.spike_unit.{u}"),
        key="trends_spike_unit",
    )
    found = analyses.spike_table(scope, run, depth=depth, unit=unit or "day")
    st.caption(t("trends.spike_note", day=scope.end, weeks=8))
    if found.empty:
        st.info(t("trends.none"))
        return
    shown = found.head(100).assign(
        category_code=lambda f: f["category_code"].map(_names(run, scope.lang)).fillna(f["category_code"])
    )
    st.dataframe(
        shown[["name", "category_code", "observed", "expected", "p_value", "p_fdr"]],
        hide_index=True,
        column_config=_columns(t),
    )


def hotspots(scope: Scope, run: Runner, settings: Settings, *, depth: int, level_label: str) -> None:
    t = translator(scope.lang)
    value = st.segmented_control(
        t("trends.value"),
        list(analyses.VALUES),
        default="cases",
        format_func=lambda v: t(f"trends.value.{v}"),
        key="trends_value",
    )
    found = analyses.hotspots(scope, run, depth=depth, value=value or "cases")
    moran = found.moran
    st.caption(t("trends.gi_note"))
    if moran.i == moran.i:  # NaN: too few areas, or nothing varies
        st.markdown(
            t(
                "trends.moran",
                i=f"{moran.i:.3f}",
                expected=f"{moran.expected:.3f}",
                z=f"{moran.z:.2f}",
                p=f"{moran.p_sim:.3f}",
            )
        )
    if found.islands:
        st.caption(t("trends.islands", count=len(found.islands), names="、".join(found.islands[:10])))
    polygons = _polygons(scope, run, depth)
    left, right = st.columns(2)
    with left:
        show_map(
            trend_maps.class_map(
                found.table, polygons, kind="gi", level_label=level_label, lang=scope.lang, settings=settings
            ),
            settings=settings,
            key="trends_gi",
        )
    with right:
        show_map(
            trend_maps.class_map(
                found.table, polygons, kind="moran", level_label=level_label, lang=scope.lang, settings=settings
            ),
            settings=settings,
            key="trends_moran",
        )
    table = found.table.assign(
        **{
            "class": found.table["class"].map(lambda c: t(f"trends.class.{c}")),
            "cluster": found.table["cluster"].map(lambda c: t(f"trends.cluster.{c}")),
        }
    )
    st.dataframe(
        table[["code", "name", "cases", "value", "z", "p_fdr", "class", "cluster"]],
        hide_index=True,
        column_config=_columns(t),
    )
    st.download_button(
        "CSV",
        analyses.table_csv(found.table, analyses.HOTSPOT_COLUMNS),
        file_name=f"hotspots_{scope.start:%Y%m%d}-{scope.end:%Y%m%d}.csv",
        mime="text/csv",
        on_click="ignore",
        key="trends_hotspots_csv",
    )


def emerging(scope: Scope, run: Runner, settings: Settings, *, depth: int, level_label: str) -> None:
    t = translator(scope.lang)
    weeks = int(st.number_input(t("trends.weeks"), min_value=6, max_value=104, value=26, key="trends_emerging_weeks"))
    found = analyses.emerging(scope, run, depth=depth, weeks=weeks)
    st.caption(t("trends.emerging_note", weeks=weeks))
    show_map(
        trend_maps.class_map(
            found,
            _polygons(scope, run, depth),
            kind="emerging",
            level_label=level_label,
            lang=scope.lang,
            settings=settings,
        ),
        settings=settings,
        key="trends_emerging",
    )
    counts = found["pattern"].value_counts()
    st.dataframe(
        pd.DataFrame(
            {
                t("trends.col.pattern"): [t(f"trends.pattern.{p}") for p in counts.index],
                t("trends.col.areas"): counts.to_numpy(),
            }
        ),
        hide_index=True,
    )


def recurrence(scope: Scope, run: Runner, settings: Settings) -> None:
    t = translator(scope.lang)
    left, middle, right = st.columns(3)
    place = left.segmented_control(
        t("trends.chronic"),
        ["grid_code", "address"],
        default="grid_code",
        format_func=lambda p: t(f"trends.place.{p}"),
        key="trends_place",
    )
    least = int(middle.number_input(t("trends.min_cases"), min_value=2, value=3, key="trends_chronic_min"))
    days = int(
        right.number_input(
            "days", min_value=1, max_value=365, value=30, key="trends_chronic_days", label_visibility="hidden"
        )
    )
    found = analyses.chronic_places(scope, run, place=place or "grid_code", min_cases=least, days=days, limit=500)
    st.caption(t("trends.chronic_note", place=t(f"trends.place.{place or 'grid_code'}"), days=days, count=least))
    shown = found.assign(
        category_code=found["category_code"].map(_names(run, scope.lang)).fillna(found["category_code"])
    )
    st.dataframe(shown, hide_index=True, column_config=_columns(t))
    top = run(QueryCall.of(queries.top_categories, limit=20, **scope.case_filters()))
    classes = [code for code in top["category_code"] if isinstance(code, str)]
    if classes:
        names = _names(run, scope.lang)
        category = st.selectbox(
            t("trends.repeat_class"), classes, format_func=lambda c: names.get(c, c), key="trends_repeat_class"
        )
        found = analyses.repeats(scope, run, category=category, max_reports=settings.repeat_max_reports)
        if not found.tested:
            st.info(t("trends.repeats_too_many", reports=f"{found.reports:,}", most=f"{settings.repeat_max_reports:,}"))
        else:
            knox = found.knox
            st.caption(
                t(
                    "trends.near_repeats",
                    metres=100,
                    days=7,
                    pairs=f"{int(knox['pairs']):,}",
                    expected=f"{knox['expected']:,.1f}",
                    ratio=measure_text("per_km2", knox["ratio"]),
                    p=f"{knox['p_sim']:.2f}",
                )
            )
        if not found.pairs.empty:
            with st.expander(f"{len(found.pairs):,}"):
                st.dataframe(found.pairs.head(500), hide_index=True)
    st.markdown(f"**{t('trends.reworked')}**")
    sent_back = analyses.reworked(scope, run, limit=200)
    total = int(sent_back["total"].iloc[0]) if len(sent_back) else 0
    if len(sent_back) < total:
        st.caption(t("trends.reworked_first", shown=f"{len(sent_back):,}", total=f"{total:,}"))
    st.dataframe(sent_back.drop(columns="total"), hide_index=True)


def playback(scope: Scope, run: Runner, settings: Settings, *, depth: int, level_label: str) -> None:
    t = translator(scope.lang)
    grain = st.segmented_control(
        t("trends.grain"),
        ["day", "week"],
        default="day",
        format_func=lambda g: t(f"trends.grain.{g}"),
        key="trends_playback_grain",
    )
    counts = run(
        QueryCall.of(queries.time_series, grain=grain or "day", split="area", depth=depth, **scope.case_filters())
    )
    counts = counts.rename(columns={"key": "code"})
    step = pd.Timedelta(days=7 if grain == "week" else 1)
    first = pd.Timestamp(scope.start) - pd.Timedelta(days=scope.start.weekday() if grain == "week" else 0)
    steps = list(pd.date_range(first, pd.Timestamp(scope.end), freq=step))
    polygons = run(QueryCall.of(queries.level_areas, depth=depth, at=scope.at, area=scope.area)).merge(
        _polygons(scope, run, depth)[["code", "geom_wkb"]], on="code"
    )
    names = [f"{s:%Y-%m-%d}" for s in steps]
    show_map(
        trend_maps.playback_map(
            counts, polygons, steps=steps, step_names=names, level_label=level_label, lang=scope.lang, settings=settings
        ),
        settings=settings,
        key="trends_playback",
    )


def _columns(t: Translate) -> dict[str, object]:
    return {
        name: st.column_config.Column(t(f"trends.col.{label}"))
        for name, label in {
            "name": "name",
            "code": "code",
            "category_code": "category",
            "cases": "cases",
            "value": "value",
            "slope": "slope",
            "direction": "direction",
            "observed": "observed",
            "expected": "expected",
            "class": "class",
            "cluster": "cluster",
            "first": "first",
            "last": "last",
            "total": "total",
        }.items()
    }
