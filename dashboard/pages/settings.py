"""系统设置: the settings in force, for an administrator to read (secrets hidden). They are changed in the settings
file or the environment, never from the browser: a web form that rewrites the server's configuration would be one
more way in."""

import dataclasses
import os

import pandas as pd
import streamlit as st

from dashboard import context
from views.i18n import translator

#: Settings whose values are not shown.
SECRETS = {"tile_token"}

settings = context.settings()
t = translator(context.language())

st.header(t("page.settings"))
st.caption(t("settings.intro", file=os.environ.get("ONEMAP_CONFIG", "onemap.toml")))
values = [
    {
        "name": field.name,
        "value": t("settings.hidden")
        if field.name in SECRETS and getattr(settings, field.name)
        else str(getattr(settings, field.name)),
    }
    for field in dataclasses.fields(settings)
]
values.append({"name": "access_path", "value": str(settings.access_path)})
st.dataframe(
    pd.DataFrame(values),
    hide_index=True,
    column_config={"name": t("settings.name"), "value": t("settings.value")},
    height=700,
)
