"""用户管理 (administrators): the users, adding one (a one-time password shown once, or single sign-on only),
changing a user's role, area or state, and resetting a password. Every change is audited and applies at the
user's next page load; ``python -m access`` does the same from a shell."""

import pandas as pd
import streamlit as st

import access as accounts
import queries
from core.access import ROLES
from core.clock import local_minute
from dashboard import auth, cache, context
from views.calls import QueryCall
from views.i18n import translator

settings, me = context.settings(), context.principal()
t = translator(context.language())
store = auth.store(settings)
tree = cache.runner(settings)(QueryCall.of(queries.area_tree, at=local_minute(settings.timezone)))
areas = {None: t("account.everywhere"), **dict(zip(tree["code"], tree["code"] + " " + tree["name"], strict=True))}
role_name = {role: t(f"role.{role}") for role in ROLES}

st.header(t("page.users"))
st.caption(t("users.cli"))
users = store.users()
st.dataframe(
    pd.DataFrame(
        {
            t("login.username"): [u.username for u in users],
            t("users.display_name"): [u.display_name for u in users],
            t("users.role"): [role_name[u.role] for u in users],
            t("users.area"): [areas.get(u.area, u.area) for u in users],
            t("users.col_status"): [
                t("users.active" if u.enabled else "users.disabled")
                + (f" · {t('users.must_change')}" if u.must_change_password else "")
                for u in users
            ],
        }
    ),
    hide_index=True,
)

add, edit = st.columns(2)
with add.form("onemap_add_user", clear_on_submit=True):
    st.subheader(t("users.add"))
    username = st.text_input(t("login.username"))
    display_name = st.text_input(t("users.display_name"))
    role = st.selectbox(t("users.role"), ROLES, index=1, format_func=role_name.__getitem__)
    area = st.selectbox(t("users.area"), list(areas), format_func=areas.__getitem__)
    sso = st.checkbox(t("users.sso"))
    if st.form_submit_button(t("users.add"), type="primary"):
        try:
            user, password = accounts.add_user(
                store, username, role=role, area=area, display_name=display_name, sso=sso, by=me.username,
                min_length=settings.password_min_length,
            )  # fmt: skip
            st.success(
                t("users.added", name=user.username, password=password)
                if password
                else t("users.added_sso", name=user.username)
            )
        except (ValueError, accounts.UserExistsError) as exc:
            st.error(str(exc))

with edit:
    st.subheader(t("users.edit"))
    chosen = st.selectbox(t("users.pick"), [u.username for u in users], key="onemap_edit_user")
    user = store.user(chosen) if chosen else None
    if user is not None:
        with st.form("onemap_edit_user_form"):
            role = st.selectbox(t("users.role"), ROLES, index=ROLES.index(user.role), format_func=role_name.__getitem__)
            codes = list(areas)
            area = st.selectbox(
                t("users.area"),
                codes,
                index=codes.index(user.area) if user.area in areas else 0,
                format_func=areas.__getitem__,
            )
            enabled = st.checkbox(t("users.enabled"), value=user.enabled)
            if st.form_submit_button(t("users.save"), type="primary"):
                if user.username == me.username and (role != user.role or not enabled):
                    st.error(t("users.self"))
                else:
                    if role != user.role:
                        accounts.set_role(store, user.username, role, by=me.username)
                    if area != user.area:
                        accounts.set_area(store, user.username, area, by=me.username)
                    if enabled != user.enabled:
                        accounts.set_enabled(store, user.username, enabled, by=me.username)
                    st.success(t("users.saved", name=user.username))
        if user.has_password and st.button(t("users.reset"), key="onemap_reset_password"):
            st.success(
                t(
                    "users.reset_done",
                    name=user.username,
                    password=accounts.reset_password(store, user.username, by=me.username),
                )
            )
