"""Widgets of the place pages (区域画像, 物联感知): the six elements as cards, tables headed in the interface's
language with shares as percentages, and the incidents reported more than once with every report of one."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

import queries
from views.area import ELEMENTS, AreaPage, Figure, figure_label, figure_text, percent_columns
from views.calls import QueryCall, Runner
from views.i18n import translator
from views.tables import headed, header


def show_elements(elements: dict[str, list[Figure]], *, lang: str) -> None:
    """The six elements in two rows of three cards; an absent figure reads 未接入 with why."""
    t = translator(lang)
    for row in (ELEMENTS[:3], ELEMENTS[3:]):
        for column, element in zip(st.columns(3), row, strict=True):
            with column.container(border=True):
                st.markdown(f"#### {t(f'element.{element}')}")
                for figure in elements[element]:
                    help_text = t("area.absent_help") if figure.absent else (figure.note or None)
                    if figure.kind == "text":
                        st.markdown(f"**{figure_label(figure, lang)}**：{figure_text(figure, lang)}", help=help_text)
                    else:
                        st.metric(figure_label(figure, lang), figure_text(figure, lang), help=help_text)


def show_table(where: Any, frame: pd.DataFrame, *, lang: str) -> None:
    """``frame`` as a table in ``where`` (a column, or ``st``): headed in ``lang``, shares as percentages."""
    shares = {header(c, lang): st.column_config.NumberColumn(format="percent") for c in percent_columns(frame)}
    where.dataframe(headed(frame, lang=lang), hide_index=True, column_config=shares)


def show_incidents(page: AreaPage, run: Runner, *, lang: str) -> None:
    """How many reports merged into how many incidents, the incidents reported more than once, and every report
    (its source kept) of the one chosen."""
    t = translator(lang)
    st.subheader(t("incident.title"))
    s = page.incident_summary
    if not s.empty:
        st.caption(t("incident.summary", reports=f"{int(s['reports']):,}", incidents=f"{int(s['incidents']):,}",
                     repeated=f"{int(s['repeated']):,}", further=f"{int(s['further']):,}",
                     cross=f"{int(s['cross_channel']):,}"))  # fmt: skip
    if page.incidents.empty:
        st.caption(t("incident.none"))
        return
    show_table(st, page.incidents.drop(columns=["lon", "lat"]), lang=lang)
    labels = {row["incident_id"]: f"{row['reported_at']:%m-%d %H:%M} {row['category_name']} ×{row['reports']}"
              for row in page.incidents.to_dict("records")}  # fmt: skip
    chosen = st.selectbox(t("incident.pick"), list(labels), index=None, format_func=labels.get,
                          placeholder=t("incident.pick_hint"), key="area_incident")  # fmt: skip
    if chosen is not None:
        reports = run(QueryCall.of(queries.incident_reports, incident_id=chosen, lang=lang))
        show_table(st, reports, lang=lang)
