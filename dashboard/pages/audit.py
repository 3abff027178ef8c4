"""审计日志: every sign-in, export, report download and case view, newest first; a supervisor sees the rows of their
area (and the areas under it), an administrator every row. The listing can be exported, and that is audited too."""

import datetime as dt

import streamlit as st

from core.access import AUDIT_ACTIONS
from core.clock import local_now
from dashboard import auth, context
from views import audit
from views.i18n import translator

settings, access = context.settings(), context.access()
lang = context.language()
t = translator(lang)
store = auth.store(settings)

st.header(t("page.audit"))
st.caption(t("audit.intro"))
areas = audit.listed_areas(access)
if areas is not None:
    st.info(t("audit.of_area", area=access.area))
today = local_now(settings.timezone).date()
left, middle, right = st.columns([2, 3, 2])
days = left.date_input(t("audit.days"), (today - dt.timedelta(days=6), today), format="YYYY-MM-DD")
actions = middle.multiselect(
    t("audit.actions"), AUDIT_ACTIONS, format_func=lambda a: t(f"action.{a}"), placeholder=t("filter.all")
)
username = right.text_input(t("audit.user")).strip()
start, end = (days[0], days[-1]) if days else (today, today)
rows = store.audit(start=start, end=end, areas=areas, actions=actions or None, username=username or None)

st.caption(t("audit.rows_shown", rows=f"{len(rows):,}"))
st.dataframe(
    audit.audit_table(rows, lang=lang),
    hide_index=True,
    column_config={column: st.column_config.Column(t(f"col.{column}")) for column in audit.AUDIT_COLUMNS},
)
client = auth.client()


def _audit_csv() -> bytes:
    store.record(audit.event("audit_export", access, rows=len(rows), detail=f"{start}..{end}", client=client))
    return audit.audit_csv(rows, lang=lang)


st.download_button(
    t("audit.download"),
    data=_audit_csv,
    file_name=f"onemap_audit_{start:%Y%m%d}-{end:%Y%m%d}.csv",
    mime="text/csv",
    on_click="ignore",
    icon=":material/download:",
)
if access.can("users"):  # the chain covers every row: only an administrator's view is the whole log
    problems = store.verify_chain()
    if problems:
        st.error(t("audit.chain_broken") + "\n\n" + "\n".join(problems[:5]))
    else:
        st.caption(t("audit.chain_ok"))
