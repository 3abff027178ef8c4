"""The audit log as the views write and show it, without Streamlit: the event of an action on a view (who, their
role, the area, the view's URL form, the rows), the rows a reader may list (a supervisor: their area), and the
table and CSV of the audit page (``views.exports``' CSV: defused, since usernames typed into a failed sign-in
are anyone's text)."""

from __future__ import annotations

import urllib.parse

import pandas as pd

from access.store import AuditEvent

from .access import Access
from .exports import csv_bytes
from .i18n import t
from .scope import Scope

#: Columns of the audit table, in order.
AUDIT_COLUMNS: tuple[str, ...] = ("at", "username", "role", "area", "action", "view", "rows", "detail", "client")


def view_query(scope: Scope, *, default_lang: str) -> str:
    """The view of ``scope`` as its URL query (``ViewState.to_query``; ``default_lang``: ``settings.language``),
    with the area the reader really saw: a bound reader at the top of their world sees their own area."""
    query = scope.state.to_query(lang=default_lang)
    area = scope.area or scope.access.area
    if area is not None:
        query["area"] = area
    return urllib.parse.urlencode(query, safe=",")


def event(
    action: str,
    access: Access,
    *,
    scope: Scope | None = None,
    default_lang: str = "zh",
    rows: int | None = None,
    detail: str | None = None,
    client: str | None = None,
) -> AuditEvent:
    """The audit event of ``action`` by ``access``'s user on ``scope`` (its view and area; else the user's area)."""
    if access.username is None:
        raise ValueError("only a signed-in reader's actions are audited; this access has no username")
    area = (scope.area if scope is not None else None) or access.area
    return AuditEvent(
        action,
        username=access.username,
        role=access.role,
        area=area,
        view=None if scope is None else view_query(scope, default_lang=default_lang),
        rows=rows,
        detail=detail,
        client=client,
    )


def listed_areas(access: Access) -> tuple[str, ...] | None:
    """The areas whose audit rows ``access`` may list: a bound reader's area and everything under it; ``None``
    (every row) for an unbound one."""
    return tuple(sorted(access.codes)) if access.bound else None


def audit_table(frame: pd.DataFrame, *, lang: str) -> pd.DataFrame:
    """An ``AccessStore.audit`` frame as the page shows it: the columns of ``AUDIT_COLUMNS``, actions and roles
    named in ``lang``."""
    table = frame.loc[:, list(AUDIT_COLUMNS)].copy()
    table["action"] = table["action"].map(lambda a: t(f"action.{a}", lang))
    table["role"] = table["role"].map(lambda r: t(f"role.{r}", lang) if isinstance(r, str) else r)
    return table


def audit_csv(frame: pd.DataFrame, *, lang: str) -> bytes:
    """The audit table as CSV for Excel (headers in ``lang``, every cell defused against formulas)."""
    return csv_bytes(audit_table(frame, lang=lang), lang=lang)
