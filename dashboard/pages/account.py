"""我的账号: who is signed in, their role and area, and changing one's own password."""

import streamlit as st

from dashboard import auth, context
from views.i18n import translator

settings, principal = context.settings(), context.principal()
t = translator(context.language())

st.header(t("page.account"))
st.markdown(f"**{principal.display_name or principal.username}** · {t(f'role.{principal.role}')}")
st.caption(t("account.area", area=principal.area or t("account.everywhere")))
st.subheader(t("account.change_title"))
auth.password_change_form(settings, principal, t)
