"""The app's pages, and which a reader's role shows: data pages (with the shared sidebar) and the reader's own
(account, audit, users, settings). Before anyone signs in every page is declared hidden, so a link to a page
(``…/dispatch?period=…``) still opens that page once the reader has signed in."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from views.access import Access
from views.i18n import Translate


@dataclass(frozen=True)
class PageSpec:
    """A page: its script, title key, icon, the permission it needs (None: every reader), whether it shows data
    (the shared sidebar drives it) and whether it is the default."""

    path: str
    title: str
    icon: str
    needs: str | None = None
    data: bool = True
    default: bool = False


PAGES: tuple[PageSpec, ...] = (
    PageSpec("dashboard/pages/map.py", "page.map", ":material/map:", default=True),
    PageSpec("dashboard/pages/overview.py", "page.overview", ":material/dashboard:"),
    # the dispatch page is about single cases: who must act on which
    PageSpec("dashboard/pages/dispatch.py", "page.dispatch", ":material/assignment_ind:", needs="case_details"),
    PageSpec("dashboard/pages/trends.py", "page.trends", ":material/trending_up:"),
    PageSpec("dashboard/pages/area.py", "page.area", ":material/location_city:"),
    PageSpec("dashboard/pages/video.py", "page.video", ":material/videocam:"),
    PageSpec("dashboard/pages/iot.py", "page.iot", ":material/sensors:"),
    PageSpec("dashboard/pages/account.py", "page.account", ":material/person:", data=False),
    PageSpec("dashboard/pages/audit.py", "page.audit", ":material/history:", needs="audit", data=False),
    PageSpec("dashboard/pages/users.py", "page.users", ":material/group:", needs="users", data=False),
    PageSpec("dashboard/pages/settings.py", "page.settings", ":material/settings:", needs="settings", data=False),
)


#: The wall screen (大屏): any role, aggregates only; its own URL (/wall), or ?mode=wall on any page's.
WALL = PageSpec("dashboard/pages/wall.py", "page.wall", ":material/tv:", data=False)


def _page(spec: PageSpec, t: Translate) -> StreamlitPage:
    return st.Page(spec.path, title=t(spec.title), icon=spec.icon, default=spec.default)


def wall_page(t: Translate) -> StreamlitPage:
    return st.Page(WALL.path, title=t(WALL.title), icon=WALL.icon, url_path="wall")


def every_page(t: Translate) -> list[StreamlitPage]:
    """Every page, whoever may see it: declared (hidden) while the login shows, so the URL's page is kept."""
    return [*(_page(spec, t) for spec in PAGES), wall_page(t)]


def reader_pages(t: Translate, access: Access) -> tuple[list[StreamlitPage], list[StreamlitPage]]:
    """The data pages and the own pages ``access`` allows, in menu order."""
    allowed = [spec for spec in PAGES if spec.needs is None or access.can(spec.needs)]
    return (
        [_page(spec, t) for spec in allowed if spec.data],
        [_page(spec, t) for spec in allowed if not spec.data],
    )
