"""etl.columns: source headers to canonical fields."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from etl import columns
from etl.columns import ENTITY_FIELDS, FieldSpec, MissingColumnsError, map_columns

CASES_MINIMUM = {"source_id": "事件编号", "reported_at": "上报时间"}


@pytest.mark.parametrize(
    ("headers", "overrides", "expected"),
    [
        pytest.param(
            ["事件编号", "上报时间", "经度", "纬度", "事件描述", "处置部门", "结案时间"],
            {},
            {
                "source_id": "事件编号",
                "description": "事件描述",
                "x": "经度",
                "y": "纬度",
                "reported_at": "上报时间",
                "closed_at": "结案时间",
                "dept_name": "处置部门",
            },
            id="chinese",
        ),
        pytest.param(
            ["Case ID", "Report Time", "Longitude", "Latitude", "Status", "Phone"],
            {},
            {
                "source_id": "Case ID",
                "x": "Longitude",
                "y": "Latitude",
                "reported_at": "Report Time",
                "status": "Status",
                "contact_phone": "Phone",
            },
            id="english",
        ),
        pytest.param(
            ["CASE-ID", "reported_at", "LNG", "lat", "Dept_Code", " 上报 人 "],
            {},
            {
                "source_id": "CASE-ID",
                "x": "LNG",
                "y": "lat",
                "reported_at": "reported_at",
                "dept_code": "Dept_Code",
                "contact_name": " 上报 人 ",
            },
            id="case-underscores-hyphens-spaces",
        ),
        pytest.param(
            ["ＩＤ", "上报时间（北京时间）", "经度(WGS84)", "纬度（WGS84）"],
            {},
            {"source_id": "ＩＤ", "x": "经度(WGS84)", "y": "纬度（WGS84）", "reported_at": "上报时间（北京时间）"},
            id="full-width-and-notes-in-parentheses",
        ),
        pytest.param(
            ["编号", "工单编号", "上报时间"],
            {},
            {"source_id": "工单编号", "reported_at": "上报时间"},
            id="earlier-alias-wins",
        ),
        pytest.param(
            ["经度", "经 度", "事件编号", "上报时间"],
            {},
            {"source_id": "事件编号", "x": "经度", "reported_at": "上报时间"},
            id="header-used-once",
        ),
        pytest.param(
            ["工单流水号", "编号", "上报时间", "发现时间"],
            {"source_id": "工单流水号", "reported_at": "发现时间"},
            {"source_id": "工单流水号", "reported_at": "发现时间"},
            id="overrides-win",
        ),
        pytest.param(
            ["事件编号", "Report_Time", "地址", "详细地址"],
            {"reported_at": "report time", "description": "地址"},
            {"source_id": "事件编号", "description": "地址", "address": "详细地址", "reported_at": "Report_Time"},
            id="override-folded-and-taken-from-aliases",
        ),
    ],
)
def test_map_cases_columns(headers: list[str], overrides: Mapping[str, str], expected: dict[str, str]) -> None:
    mapping = map_columns(headers, "cases", overrides)
    assert mapping == expected
    order = [spec.name for spec in ENTITY_FIELDS["cases"]]
    assert list(mapping) == sorted(mapping, key=order.index)


@pytest.mark.parametrize(
    ("entity", "headers", "overrides", "message", "missing"),
    [
        pytest.param(
            "cases",
            ["a", "b", "c"],
            {},
            "cases file is missing required column(s) source_id (事件编号), reported_at (上报时间); "
            "found columns: a, b, c",
            ("source_id", "reported_at"),
            id="required",
        ),
        pytest.param(
            "cases",
            ["事件编号", "经度"],
            {"reported_at": "上报日期"},
            "cases file has no column(s) '上报日期' (mapped to reported_at); found columns: 事件编号, 经度",
            ("reported_at",),
            id="override-to-absent-header",
        ),
        pytest.param(
            "grids",
            ["网格编码"],
            {"parent_code": "上级"},
            "grids file is missing required column(s) name (网格名称), level (层级); has no column(s) '上级' "
            "(mapped to parent_code); found columns: 网格编码",
            ("name", "level", "parent_code"),
            id="both",
        ),
        pytest.param(
            "flow",
            [],
            {},
            "flow file is missing required column(s) case_id (事件编号), to_state (新状态), "
            "at (时间); found columns: (none)",
            ("case_id", "to_state", "at"),
            id="no-headers",
        ),
    ],
)
def test_missing_columns(
    entity: str, headers: list[str], overrides: Mapping[str, str], message: str, missing: tuple[str, ...]
) -> None:
    with pytest.raises(MissingColumnsError) as err:
        map_columns(headers, entity, overrides)
    assert str(err.value) == message
    assert (err.value.missing, err.value.found) == (missing, tuple(headers))
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize(
    ("entity", "overrides", "message"),
    [
        (
            "incidents",
            {},
            "Unknown entity 'incidents'; valid entities: cases, flow, grids, cameras, camera_events, "
            "facilities, departments, category_map, hotline_topics",
        ),
        ("cases", {"lng": "经度"}, "Column override(s) for unknown cases field(s) 'lng'; valid fields: source_id, "),
        ("cases", {"x": "经度", "y": "经度"}, "Column overrides map header '经度' to both x and y"),
    ],
)
def test_bad_arguments_are_value_errors(entity: str, overrides: Mapping[str, str], message: str) -> None:
    with pytest.raises(ValueError) as err:
        map_columns(["事件编号", "上报时间", "经度"], entity, overrides)
    assert not isinstance(err.value, MissingColumnsError)
    assert str(err.value).startswith(message)


def test_a_header_fitting_two_fields_goes_to_the_first(monkeypatch: pytest.MonkeyPatch) -> None:
    fields = (FieldSpec("first", ("编号",)), FieldSpec("second", ("编号",)))
    monkeypatch.setattr(columns, "ENTITY_FIELDS", {"things": fields})
    assert map_columns(["编号"], "things") == {"first": "编号"}


def test_other_entities_map_their_contract_headers() -> None:
    assert map_columns(["网格编码", "网格名称", "层级", "上级编码", "常住人口"], "grids") == {
        "code": "网格编码",
        "name": "网格名称",
        "level": "层级",
        "parent_code": "上级编码",
        "population": "常住人口",
    }
    assert map_columns(["编号", "类型", "名称", "服务半径（米）", "lng", "lat"], "facilities") == {
        "facility_id": "编号",
        "kind": "类型",
        "name": "名称",
        "x": "lng",
        "y": "lat",
        "service_radius_m": "服务半径（米）",
    }
    assert map_columns(["告警编号", "设备编码", "抓拍时间", "关联工单"], "camera_events") == {
        "event_id": "告警编号",
        "camera_id": "设备编码",
        "captured_at": "抓拍时间",
        "case_id": "关联工单",
    }
    assert map_columns(["事件编号", "状态", "操作时间"], "flow") == {
        "case_id": "事件编号",
        "to_state": "状态",
        "at": "操作时间",
    }


# The contract's table of case aliases (docs/contracts.md): each must still map to its field.
CONTRACT_CASE_ALIASES = {
    "source_id": "事件编号 案件编号 工单编号 工单号 编号 case_id id",
    "channel": "来源渠道 渠道 事件来源 来源",
    "category_code": "类别编码 事件类别编码 小类编码 分类编码 问题类别编码 场景编码",
    "category_name": "类别名称 事件类别 小类名称 问题类别",
    "topic_code": "诉求分类编码 诉求类别编码",
    "request_nature": "诉求性质 诉求类型",
    "description": "事件描述 问题描述 诉求内容 内容 描述",
    "address": "地址 事发地址 事件地址 详细地址",
    "x": "经度 lng lon longitude x 横坐标",
    "y": "纬度 lat latitude y 纵坐标",
    "reported_at": "上报时间 来电时间 发现时间 发生时间",
    "accepted_at": "受理时间",
    "registered_at": "立案时间",
    "dispatched_at": "派遣时间 派单时间",
    "signed_at": "签收时间",
    "handled_at": "处置时间 处置完成时间 办理完成时间",
    "checked_at": "核查时间",
    "closed_at": "结案时间 办结时间",
    "evaluated_at": "评价时间 回访时间",
    "dept_code": "处置部门编码 责任部门编码 承办单位编码",
    "dept_name": "处置部门 责任部门 承办单位",
    "status": "状态 当前状态 案件状态 办理状态",
    "is_urgent": "是否紧急 紧急",
    "is_supervised": "是否督办 督办",
    "extension_days": "延期天数 延期工作日",
    "dispatch_count": "派遣次数",
    "return_count": "退回次数 回退次数",
    "rework_count": "返工次数",
    "satisfaction": "满意度 回访满意度 回访结果",
    "contact_name": "联系人 上报人 来电人 姓名",
    "contact_phone": "联系电话 手机号 电话 来电号码",
}


@pytest.mark.parametrize(
    ("field", "alias"),
    [(field, alias) for field, aliases in CONTRACT_CASE_ALIASES.items() for alias in aliases.split()],
)
def test_contract_case_aliases(field: str, alias: str) -> None:
    others = {name: header for name, header in CASES_MINIMUM.items() if name != field}
    assert map_columns([alias, *others.values()], "cases")[field] == alias


def test_every_entity_of_the_contract_is_defined_with_unique_aliases() -> None:
    assert set(ENTITY_FIELDS) >= {  # other entities may join (routing)
        "cases",
        "flow",
        "grids",
        "cameras",
        "camera_events",
        "facilities",
        "departments",
        "category_map",
        "hotline_topics",
    }
    for entity, fields in ENTITY_FIELDS.items():
        per_field = [{columns._normalise(a) for a in (spec.name, *spec.aliases)} for spec in fields]
        keys = [key for field_keys in per_field for key in field_keys]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        assert duplicates == [], f"{entity}: aliases used by two fields: {duplicates}"
