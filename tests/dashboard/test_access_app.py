"""Who may see what, through the whole app in AppTest: the login page and nothing else without credentials; the
sign-in form, its lockout and the first administrator; each role's pages, layers and downloads; role changes,
disabled accounts and idle sessions at the next page load; a user bound to the west street who tries the URL,
the pick list, a filter, a drill-down, the export and the cache to reach the east street; the audit page; the
single sign-on path."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from signed_in import add_user, signed_in
from streamlit.testing.v1 import AppTest
from test_app import crumbs, located_db, metrics
from tiny_db import EAST, WEST

import queries
from access import AccessStore, set_enabled, set_role
from access.passwords import hash_password
from dashboard.auth import NOTE_KEY, SESSION_KEY
from views.access import AccessDeniedError
from views.calls import QueryCall

ROOT = Path(__file__).resolve().parents[2]
AUDIT, USERS, SETTINGS_PAGE, ACCOUNT = (
    f"dashboard/pages/{name}.py" for name in ("audit", "users", "settings", "account")
)
PASSWORD = "a long enough passphrase"
#: May's cases of each street in the tiny city (t:7 is April's; t:8 lies outside every grid).
WEST_MAY, EAST_MAY = 3, 4


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return located_db(tmp_path / "onemap.duckdb")


@pytest.fixture
def store(db_path: Path) -> AccessStore:
    return AccessStore(db_path.with_name("access.sqlite3"))


@pytest.fixture
def new_app(db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., AppTest]:
    def make(**env: str) -> AppTest:
        monkeypatch.setenv("ONEMAP_DB_PATH", str(db_path))
        monkeypatch.setenv("ONEMAP_CONFIG", str(tmp_path / "no-such.toml"))
        for name, value in env.items():
            monkeypatch.setenv(f"ONEMAP_{name.upper()}", value)
        monkeypatch.chdir(ROOT)
        return AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)

    return make


def login(app: AppTest, username: str, password: str) -> AppTest:
    app.text_input(key="onemap_login_username").input(username)
    app.text_input(key="onemap_login_password").input(password)
    return app.button[0].click().run()


def headers(app: AppTest) -> list[str]:
    return [header.value for header in app.header]


def map_text(app: AppTest) -> str:
    (component,) = app.get("component_instance")
    return "\n".join(v for v in json.loads(component.proto.json_args).values() if isinstance(v, str))


# ---------------------------------------------------------------- no credentials, the form, the first admin
def test_without_credentials_there_is_only_the_login_page(new_app: Callable[..., AppTest], store: AccessStore) -> None:
    add_user(store.path.with_name("onemap.duckdb"), "wang", "analyst", password_hash=hash_password(PASSWORD))
    app = new_app().run()
    assert not app.exception
    assert headers(app) == ["登录"]
    assert app.metric == [] and app.dataframe == [] and app.get("component_instance") == []
    assert app.get("download_button") == [] and app.get("plotly_chart") == []
    assert [box.key for box in app.sidebar.selectbox] == [] and [m.key for m in app.sidebar.multiselect] == []
    for page in ("dashboard/pages/map.py", "dashboard/pages/overview.py", AUDIT, USERS):
        switched = app.switch_page(page).run()  # asking for a page by its path: still the login alone
        assert headers(switched) == ["登录"] and switched.metric == [] and switched.dataframe == [], page


def test_signing_in_through_the_form(new_app: Callable[..., AppTest], store: AccessStore, db_path: Path) -> None:
    add_user(db_path, "wang", "analyst", WEST, password_hash=hash_password(PASSWORD))
    app = login(new_app().run(), "wang", "wrong password here")
    assert [error.value for error in app.error] == ["用户名或密码不正确"] and app.metric == []
    app = login(app, "wang", PASSWORD)
    assert not app.exception and metrics(app)["上报案件"] == str(WEST_MAY)
    assert store.audit(username="wang")["action"].tolist() == ["case_view", "login", "login_failed"]


def test_repeated_failures_lock_the_account(new_app: Callable[..., AppTest], store: AccessStore, db_path: Path) -> None:
    add_user(db_path, "wang", "analyst", password_hash=hash_password(PASSWORD))
    app = new_app(login_max_failures="2").run()
    for _ in range(2):
        app = login(app, "wang", "not the password")
    app = login(app, "wang", PASSWORD)
    assert [error.value for error in app.error] == ["登录失败次数过多，请 15 分钟后再试"] and app.metric == []


def test_the_first_start_creates_an_admin_with_a_password_of_its_own(
    new_app: Callable[..., AppTest], store: AccessStore, capsys: pytest.CaptureFixture[str]
) -> None:
    app = new_app().run()
    assert any("首次启动：已创建管理员账号 admin" in info.value for info in app.info)
    printed = capsys.readouterr().err
    password = printed.split("one-time password ")[1].split(" ")[0]
    app = login(app, "admin", password)
    assert headers(app) == ["修改密码"] and app.metric == []  # a one-time password must be replaced first
    for box, value in zip(app.text_input, (password, PASSWORD, PASSWORD), strict=True):
        box.input(value)
    app = app.button[0].click().run()
    assert not app.exception and metrics(app)["上报案件"] == str(WEST_MAY + EAST_MAY + 1)
    assert not store.user("admin").must_change_password  # type: ignore[union-attr]


# ---------------------------------------------------------------- each role
@pytest.mark.parametrize(
    ("role", "pages", "downloads_shown", "points"),
    [
        ("screen", {ACCOUNT}, False, False),
        ("analyst", {ACCOUNT}, True, True),
        ("supervisor", {ACCOUNT, AUDIT}, True, True),
        ("admin", {ACCOUNT, AUDIT, USERS, SETTINGS_PAGE}, True, True),
    ],
)
def test_each_role_sees_what_it_allows(
    new_app: Callable[..., AppTest], db_path: Path, role: str, pages: set[str], downloads_shown: bool, points: bool
) -> None:
    app = signed_in(new_app(), db_path, role=role).run()
    assert not app.exception
    assert metrics(app)["上报案件"] == str(WEST_MAY + EAST_MAY + 1)  # every role sees the totals
    assert bool(app.get("download_button")) is downloads_shown
    captions = [caption.value for caption in app.caption]
    assert ("大屏账号只显示汇总，不显示单个案件" in captions) is not points
    assert ("2024-05-25 09:00" in map_text(app)) is points  # t:5, a closed case: only in a point's popup
    titles = {AUDIT: "审计日志", USERS: "用户管理", SETTINGS_PAGE: "系统设置", ACCOUNT: "我的账号"}
    for page, title in titles.items():
        if page in pages:
            shown = app.switch_page(page).run()
            assert not shown.exception and title in headers(shown), (role, page)
        else:  # not in this role's navigation at all
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                app.switch_page(page)


def test_a_role_change_applies_at_the_next_page_load(
    new_app: Callable[..., AppTest], db_path: Path, store: AccessStore
) -> None:
    app = signed_in(new_app(), db_path, role="analyst", username="wang").run()
    assert app.get("download_button")
    set_role(store, "wang", "screen", by="root")
    app.run()
    assert not app.exception and app.get("download_button") == []
    set_enabled(store, "wang", False, by="root")
    app.run()
    assert headers(app) == ["登录"] and [w.value for w in app.warning] == ["账号已停用或已删除，已退出"]
    assert store.audit(username="wang", actions=["logout"])["detail"].tolist() == ["account disabled or removed"]


def test_an_idle_session_is_signed_out(new_app: Callable[..., AppTest], db_path: Path, store: AccessStore) -> None:
    app = signed_in(new_app(session_idle_minutes="30"), db_path, role="analyst", username="wang").run()
    assert app.metric
    app.session_state[SESSION_KEY].last_seen -= dt.timedelta(minutes=31)
    app.run()
    assert headers(app) == ["登录"] and app.metric == []
    assert [w.value for w in app.warning] == ["超过 30 分钟未操作，已自动退出，请重新登录"]
    assert store.audit(username="wang", actions=["session_expired"]).shape[0] == 1
    # the wall screen's session has its own limit: none by default
    wall = signed_in(new_app(session_idle_minutes="30"), db_path, role="screen", username="wall").run()
    wall.session_state[SESSION_KEY].last_seen -= dt.timedelta(hours=12)
    wall.run()
    assert wall.metric and NOTE_KEY not in wall.session_state


# ---------------------------------------------------------------- area isolation, every entry point
def test_a_street_bound_user_cannot_reach_the_other_street(
    new_app: Callable[..., AppTest],
    db_path: Path,
    store: AccessStore,
    downloads: dict[str, Callable[[], bytes]],
) -> None:
    def west_user() -> AppTest:
        return signed_in(new_app(), db_path, role="analyst", area=WEST, username="wang")

    # the URL names the east street: the west street is shown, and says why; the URL is rewritten
    app = west_user()
    app.query_params["area"] = EAST
    app.run()
    assert not app.exception
    assert crumbs(app) == ["西街道"] and metrics(app)["上报案件"] == str(WEST_MAY)
    assert "你的账号限于 西街道，已显示该区域" in [c.value for c in app.sidebar.caption]
    assert "area" not in app.query_params
    # the pick list offers the west street's community only; the map draws only it
    assert app.sidebar.selectbox(key="onemap_area_pick").options == ["三社区"]
    assert "东街道" not in map_text(app) and "一社区" not in map_text(app)
    # a drill-down to the east street (a map click or the breadcrumb set the view's area)
    app.session_state["onemap_view"] = app.session_state["onemap_view"].replace(area=EAST)
    app.run()
    assert crumbs(app) == ["西街道"] and metrics(app)["上报案件"] == str(WEST_MAY)
    # a filter that only the east street's cases match: nothing
    app.sidebar.multiselect(key="onemap_channel.zh").set_value(["hotline"]).run()  # the east street's channel
    assert metrics(app)["上报案件"] == "0"
    app.sidebar.multiselect(key="onemap_channel.zh").set_value([]).run()
    # the export: the west street's cases, and the download is audited with its rows and area
    csv_name = next(name for name in downloads if name.endswith("_cases.csv"))
    exported = pd.read_csv(io.BytesIO(downloads[csv_name]()), encoding="utf-8-sig", dtype=str)
    assert set(exported["案件编号"]) == {"t:4", "t:5", "t:6"}
    row = store.audit(actions=["export"]).iloc[0]
    assert (row["username"], row["area"], row["rows"], row["detail"]) == ("wang", WEST, 3, csv_name)
    assert "period=" not in row["view"] or "area=" + WEST in row["view"]
    # the cache: a call for the east street, as a page or a crafted cache key would make it, is refused
    from dashboard import cache
    from settings import Settings

    access = app.session_state["onemap_access"]
    for call in (
        QueryCall.of(queries.case_export, limit=10, area=EAST),
        QueryCall.of(queries.area_tree, at=dt.datetime(2024, 5, 30), within=EAST),
    ):
        with pytest.raises(AccessDeniedError):
            cache.frame(Settings(db_path=db_path), call, access)
    frame = cache.frame(Settings(db_path=db_path), QueryCall.of(queries.case_export, limit=10), access)
    assert set(frame["case_uid"]) == {"t:4", "t:5", "t:6"}


# ---------------------------------------------------------------- the audit page
def test_the_audit_page_lists_a_supervisors_area_only(
    new_app: Callable[..., AppTest], db_path: Path, store: AccessStore
) -> None:
    signed_in(new_app(), db_path, role="analyst", area=WEST, username="wang").run()  # a case view in the west
    signed_in(new_app(), db_path, role="analyst", area=EAST, username="li").run()  # and one in the east
    views = store.audit(actions=["case_view"])
    assert sorted(zip(views["username"], views["area"], views["rows"], strict=True)) == [
        ("li", EAST, 4),
        ("wang", WEST, 3),
    ]
    boss = signed_in(new_app(), db_path, role="supervisor", area=EAST, username="zhou").run().switch_page(AUDIT).run()
    assert not boss.exception
    (table,) = boss.dataframe
    assert set(table.value["area"]) == {EAST} and "li" in set(table.value["username"])
    admin = signed_in(new_app(), db_path, role="admin").run().switch_page(AUDIT).run()
    (table,) = admin.dataframe
    assert {"wang", "li", "zhou"} <= set(table.value["username"])
    assert "审计日志完整（哈希链校验通过）" in [c.value for c in admin.caption]


# ---------------------------------------------------------------- single sign-on
def test_single_sign_on_maps_the_identity_to_a_user(
    new_app: Callable[..., AppTest], db_path: Path, store: AccessStore
) -> None:
    add_user(db_path, "bob@city.gov.cn", "screen")
    app = new_app(auth_provider="oidc")
    app.user = {"is_logged_in": False}
    app.run()
    assert [button.label for button in app.button] == ["通过统一身份认证登录"] and app.metric == []
    app.user = {"is_logged_in": True, "email": "bob@city.gov.cn"}
    app.run()
    assert not app.exception and app.metric and app.get("download_button") == []  # a screen user
    stranger = new_app(auth_provider="oidc")
    stranger.user = {"is_logged_in": True, "email": "eve@elsewhere.example"}
    stranger.run()
    assert stranger.metric == [] and "未在本系统开通" in stranger.error[0].value
    assert store.audit(actions=["login_failed"])["username"].tolist() == ["eve@elsewhere.example"]
