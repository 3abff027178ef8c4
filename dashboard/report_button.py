"""The weekly report's download buttons: the week the page's period ends in, over the page's area, for a user
who may export. Built when pressed (outside the script run: what it needs is captured here), confined to the
user's area, and written to the audit log."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from dashboard import auth, cache
from reports import files, weekly
from reports.chromium import ChromiumMissingError, executable
from reports.week import Week
from settings import Settings
from views import audit
from views.calls import QueryCall
from views.i18n import translator
from views.scope import Scope


def _builder(settings: Settings, scope: Scope, week: Week, kind: str) -> Callable[[], bytes]:
    access, client = scope.access, auth.client()

    def run(call: QueryCall) -> pd.DataFrame:
        return cache.fresh_frame(settings, call, access=access)

    def built() -> bytes:
        report = weekly.build(week, run, settings=settings, area=scope.area, lang=scope.lang, access=access)
        html = files.html_bytes(report)
        data = html if kind == "html" else files.pdf_bytes(html, lang=scope.lang)
        event = audit.event(
            "report_download",
            access,
            scope=scope,
            default_lang=settings.language,
            detail=f"weekly {week} {kind}",
            client=client,
        )
        auth.store(settings).record(event)
        return data

    return built


def show_report_buttons(scope: Scope, *, settings: Settings) -> None:
    """Download buttons of the weekly report (HTML, and PDF where Chromium is installed)."""
    if not scope.access.can("export"):
        return
    t = translator(scope.lang)
    week = Week.of(scope.end)
    area = scope.chain[-1].name if scope.area is not None and scope.chain else t("report.whole")
    help_text = t("report.download_help", week=week.label, area=area)
    try:
        executable()
        printable = True
    except ChromiumMissingError:
        printable = False
    kinds = (("html", "text/html", ":material/summarize:"), ("pdf", "application/pdf", ":material/picture_as_pdf:"))
    with st.container(horizontal=True, gap="small"):
        for kind, mime, icon in kinds:
            usable = kind == "html" or printable
            st.download_button(
                t(f"report.download_{kind}"),
                data=_builder(settings, scope, week, kind),
                file_name=f"onemap_weekly_{week}.{kind}",
                mime=mime,
                key=f"onemap_report_{kind}",
                help=help_text if usable else t("report.no_pdf"),
                on_click="ignore",
                icon=icon,
                disabled=not usable,
            )
