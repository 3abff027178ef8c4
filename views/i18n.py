"""The one label table: every text OneMap shows, in Chinese (the default) and English.

``translator(lang)("key", **values)`` for a page; ``labels(lang, prefix, keys)`` for a map layer, which names the
keys it needs (``layers.<layer>.LABELS``) and gets exactly those (``layer.<layer>.<key>``); measures are named
``measure.<name>`` (``core.measures.Measure.label_key``). A test checks that every key exists in both languages
and that every key a layer or measure needs is here. Dictionary names (channels, states, categories, grid
levels) come from the database in both languages (``name_zh``/``name_en``: ``name_column``); place names and
departments are Chinese in both modes, as the city writes them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: Interface languages, the default first.
LANGUAGES: tuple[str, ...] = ("zh", "en")
#: How each language names itself in the switch.
LANGUAGE_NAMES: dict[str, str] = {"zh": "中文", "en": "English"}

#: key → {language → text}; ``{name}`` fields are filled by ``str.format``.
STRINGS: dict[str, dict[str, str]] = {
    # frame and pages
    "app.title": {"zh": "智慧一张图", "en": "OneMap"},
    "page.map": {"zh": "一张图", "en": "Map"},
    "page.overview": {"zh": "总览", "en": "Overview"},
    "app.first_start": {"zh": "首次启动，正在生成演示数据…", "en": "First start: generating the demo city…"},
    # sidebar: language and period
    "sidebar.filters": {"zh": "筛选", "en": "Filters"},
    "period.label": {"zh": "时间范围", "en": "Period"},
    "period.today": {"zh": "今天", "en": "Today"},
    "period.last_7_days": {"zh": "近7天", "en": "Last 7 days"},
    "period.last_n_days": {"zh": "近{days}天", "en": "Last {days} days"},
    "period.this_week": {"zh": "本周", "en": "This week"},
    "period.last_week": {"zh": "上周", "en": "Last week"},
    "period.this_month": {"zh": "本月", "en": "This month"},
    "period.last_month": {"zh": "上月", "en": "Last month"},
    "period.custom": {"zh": "自定义", "en": "Custom"},
    "period.dates": {"zh": "上报日期", "en": "Report dates"},
    "period.range": {"zh": "上报日期 {start} 至 {end}", "en": "Reported {start} to {end}"},
    "period.anchored": {
        "zh": "数据截至 {last}（早于今天 {today}），时间范围从数据的最后一天起算",
        "en": "The data end on {last}, before today ({today}): periods count back from that day",
    },
    "extent.cases": {
        "zh": "数据覆盖 {first} 至 {last}，共 {cases} 件案件",
        "en": "Data cover {first} to {last}: {cases} cases",
    },
    "extent.none": {"zh": "数据库中还没有案件", "en": "No cases in the database yet"},
    # sidebar: filters
    "filter.channel": {"zh": "来源渠道", "en": "Channel"},
    "filter.category_major": {"zh": "事件大类", "en": "Category"},
    "filter.category": {"zh": "事件小类", "en": "Sub-category"},
    "filter.category_hint": {"zh": "先选择大类", "en": "Choose a category first"},
    "filter.status": {"zh": "当前状态", "en": "Status"},
    "filter.dept": {"zh": "责任部门", "en": "Department"},
    "filter.all": {"zh": "全部", "en": "All"},
    # sidebar: drill-down
    "area.label": {"zh": "区域", "en": "Area"},
    "area.all": {"zh": "全部区域", "en": "All areas"},
    "area.pick": {"zh": "下钻到{level}", "en": "Zoom in: {level}"},
    "area.pick_hint": {"zh": "选择，或点击地图", "en": "Choose, or click the map"},
    "area.reset": {
        "zh": "所选区域在 {day} 时不存在，已回到全部区域",
        "en": "The chosen area did not exist on {day}; showing all areas",
    },
    "area.no_grids": {"zh": "{day} 时没有有效的网格", "en": "No grids were valid on {day}"},
    "level.fallback": {"zh": "第 {depth} 级", "en": "level {depth}"},
    "level.default": {"zh": "网格", "en": "Grid"},
    # measures (choropleth and area table)
    "measure.label": {"zh": "分级设色指标", "en": "Shade areas by"},
    "measure.cases": {"zh": "案件数", "en": "Cases"},
    "measure.per_1000": {"zh": "每千人案件数", "en": "Cases per 1,000 residents"},
    "measure.per_km2": {"zh": "每平方公里案件数", "en": "Cases per km²"},
    "measure.closed": {"zh": "结案数", "en": "Closed cases"},
    "measure.closure_rate": {"zh": "结案率", "en": "Closure rate"},
    "measure.on_time_closure_rate": {"zh": "按期结案率", "en": "On-time closure rate"},
    "measure.overdue": {"zh": "超期待处置", "en": "Overdue pending"},
    "measure.satisfaction_rate": {"zh": "满意率", "en": "Satisfaction rate"},
    "measure.handled": {"zh": "已处置", "en": "Handled"},
    "measure.handled_on_time": {"zh": "按期处置", "en": "Handled on time"},
    "measure.overdue_flagged": {"zh": "超期（入库时判定）", "en": "Overdue (as loaded)"},
    "measure.urgent": {"zh": "紧急", "en": "Urgent"},
    "measure.returned": {"zh": "有回退", "en": "Returned"},
    "measure.reworked": {"zh": "有返工", "en": "Reworked"},
    "measure.followups": {"zh": "已回访", "en": "Follow-ups"},
    "measure.satisfied": {"zh": "满意及基本满意", "en": "Satisfied"},
    "measure.located": {"zh": "有坐标", "en": "Located"},
    "measure.awaiting_closure": {"zh": "待结案", "en": "Awaiting closure"},
    "measure.closed_on_time": {"zh": "按期结案", "en": "Closed on time"},
    "measure.pending": {"zh": "待处置", "en": "Pending"},
    # the map page
    "map.points_shown": {
        "zh": "显示 {shown} / 共 {total} 件（有坐标的案件）",
        "en": "Showing {shown} of {total} cases (those with a location)",
    },
    "map.points_over": {
        "zh": "有坐标的案件共 {total} 件，超过 {cap} 件上限：地图只显示汇总（分级设色；蜂窝、热力图层可在右上角打开），"
        "不显示单个案件",
        "en": "{total} located cases, more than the {cap} limit: the map shows aggregates (choropleth; hexagon and "
        "heat layers in the layer control), not single cases",
    },
    # map layers: names in the layer control, legends (views.maps)
    "layer.boundaries": {"zh": "{level}边界", "en": "{level} boundaries"},
    "layer.choropleth": {"zh": "专题图", "en": "Thematic map"},
    "layer.no_data": {"zh": "无数据", "en": "No data"},
    "layer.points": {"zh": "案件点位", "en": "Cases"},
    "layer.points_of": {"zh": "案件点位（{shown:,} / {total:,}）", "en": "Cases ({shown:,} of {total:,})"},
    "layer.bins": {"zh": "蜂窝聚合", "en": "Hexagon bins"},
    "layer.heat": {"zh": "热力图", "en": "Heat map"},
    "layer.cameras": {"zh": "视频监控", "en": "Cameras"},
    "layer.facilities": {"zh": "服务设施", "en": "Facilities"},
    "layer.alerts": {"zh": "超期预警", "en": "Deadline alerts"},
    # popups and legends inside each layer (``layer.<layer>.<key>`` for the keys of layers.<layer>.LABELS)
    "layer.cases.category": {"zh": "类别", "en": "Category"},
    "layer.cases.status": {"zh": "状态", "en": "Status"},
    "layer.cases.reported_at": {"zh": "上报时间", "en": "Reported"},
    "layer.cases.address": {"zh": "地址", "en": "Address"},
    "layer.cases.description": {"zh": "描述", "en": "Description"},
    "layer.cases.dept": {"zh": "处置部门", "en": "Department"},
    "layer.cases.legend_category": {"zh": "案件大类", "en": "Case category"},
    "layer.cases.legend_status": {"zh": "案件状态", "en": "Case status"},
    "layer.cases.other": {"zh": "其他", "en": "Other"},
    "layer.alerts.overdue": {"zh": "已超期", "en": "Overdue"},
    "layer.alerts.warning": {"zh": "即将超期", "en": "Due soon"},
    "layer.alerts.legend": {"zh": "处置时限预警", "en": "Handling deadlines"},
    "layer.alerts.category": {"zh": "类别", "en": "Category"},
    "layer.alerts.status": {"zh": "状态", "en": "Status"},
    "layer.alerts.dept": {"zh": "处置部门", "en": "Department"},
    "layer.alerts.deadline": {"zh": "处置时限", "en": "Deadline"},
    "layer.alerts.elapsed": {"zh": "已用时限", "en": "Time used"},
    "layer.cameras.events": {"zh": "告警数", "en": "Alarms"},
    "layer.cameras.false_positives": {"zh": "误报", "en": "False alarms"},
    "layer.cameras.pushed": {"zh": "推送立案", "en": "Pushed as cases"},
    "layer.cameras.address": {"zh": "地址", "en": "Address"},
    "layer.cameras.vendor": {"zh": "厂商", "en": "Vendor"},
    "layer.cameras.status": {"zh": "状态", "en": "Status"},
    "layer.cameras.scenes": {"zh": "告警场景", "en": "Scenes"},
    "layer.cameras.legend": {"zh": "摄像头告警数", "en": "Camera alarms"},
    "layer.cameras.no_events": {"zh": "无告警", "en": "No alarms"},
    "layer.grids.code": {"zh": "编码", "en": "Code"},
    "layer.grids.population": {"zh": "人口", "en": "Population"},
    "layer.grids.households": {"zh": "户数", "en": "Households"},
    "layer.grids.area_km2": {"zh": "面积（km²）", "en": "Area (km²)"},
    "layer.facilities.kind": {"zh": "类型", "en": "Kind"},
    "layer.facilities.address": {"zh": "地址", "en": "Address"},
    "layer.facilities.radius": {"zh": "服务半径（米）", "en": "Service radius (m)"},
    "layer.facilities.legend": {"zh": "设施类型", "en": "Facility kind"},
    "layer.facilities.other": {"zh": "其他", "en": "Other"},
    "layer.facility_kinds.service_station": {"zh": "党群服务中心", "en": "Service station"},
    "layer.facility_kinds.police_post": {"zh": "警务室", "en": "Police post"},
    "layer.facility_kinds.school": {"zh": "学校", "en": "School"},
    "layer.facility_kinds.market": {"zh": "农贸市场", "en": "Market"},
    "layer.facility_kinds.hospital": {"zh": "医院", "en": "Hospital"},
    # the panel beside the map
    "panel.cases": {"zh": "上报案件", "en": "Cases"},
    "panel.closure_rate": {"zh": "结案率", "en": "Closure rate"},
    "panel.on_time_closure_rate": {"zh": "按期结案率", "en": "On-time closure"},
    "panel.overdue": {"zh": "超期待处置", "en": "Overdue pending"},
    "panel.closure_help": {
        "zh": "已结案 {closed} ÷（已结案 + 待结案 {awaiting}）",
        "en": "Closed {closed} ÷ (closed + awaiting closure {awaiting})",
    },
    "panel.on_time_help": {
        "zh": "按期结案 {on_time} ÷（已结案 + 待结案）",
        "en": "Closed on time {on_time} ÷ (closed + awaiting closure)",
    },
    "panel.overdue_help": {
        "zh": "所选案件中截至 {as_of} 仍未处置且已过处置时限的",
        "en": "Of the chosen cases, still unhandled and past the handling deadline at {as_of}",
    },
    "panel.top": {"zh": "高发类别 Top 5", "en": "Top 5 categories"},
    "panel.trend": {"zh": "每日上报", "en": "Reported per day"},
    "panel.trend_note": {
        "zh": "日均 {mean} 件，最多 {peak} 件（{day}）",
        "en": "{mean} a day on average, at most {peak} ({day})",
    },
    "panel.unmapped": {"zh": "未归入国标类别", "en": "No GB/T class"},
    "panel.none": {"zh": "所选范围内没有案件", "en": "No cases in the chosen range"},
    # exports
    "export.title": {"zh": "导出", "en": "Export"},
    "export.cases_csv": {"zh": "案件 CSV", "en": "Cases CSV"},
    "export.cases_geojson": {"zh": "案件 GeoJSON", "en": "Cases GeoJSON"},
    "export.areas_csv": {"zh": "区域汇总 CSV", "en": "Areas CSV"},
    "export.areas_geojson": {"zh": "区域汇总 GeoJSON", "en": "Areas GeoJSON"},
    "export.help": {
        "zh": "当前筛选和区域下的全部 {rows} 件案件（不只地图上的点），联系人已脱敏",
        "en": "All {rows} cases of the current filters and area (not only the points on the map); contacts masked",
    },
    "export.capped": {
        "zh": "共 {total} 件，超过导出上限：只导出最早的 {cap} 件，请缩小时间范围或区域",
        "en": "{total} cases, more than the export limit: only the first {cap} are exported; narrow the period or area",
    },
    # overview
    "overview.cases_help": {"zh": "所选范围内上报的案件数", "en": "Cases reported in the chosen range"},
    "overview.closed": {"zh": "已结案", "en": "Closed"},
    "overview.closed_help": {"zh": "其中当前状态为已结案或已评价的案件", "en": "Of those, now closed or evaluated"},
    "overview.closure_help": {
        "zh": "已结案 ÷（已结案 + 待结案 {awaiting} 件）；不予受理、作废、自行处置的案件不计入",
        "en": "Closed ÷ (closed + {awaiting} awaiting closure); rejected, voided and self-handled cases are left out",
    },
    "overview.overdue": {"zh": "当前超期待处置", "en": "Overdue pending now"},
    "overview.overdue_help": {
        "zh": "截至 {as_of} 仍未处置且已过处置时限的案件，不限上报日期（待处置共 {pending} 件）",
        "en": "Cases unhandled and past their deadline at {as_of}, whenever reported ({pending} pending in all)",
    },
    "overview.levels": {"zh": "网格体系", "en": "Grid levels"},
    "overview.boundaries": {"zh": "{level}边界", "en": "{level} boundaries"},
    "chart.by_channel": {"zh": "按来源渠道", "en": "By channel"},
    "chart.by_status": {"zh": "按当前状态（橙色：仍需办理）", "en": "By status (orange: still needs work)"},
    "chart.cases": {"zh": "案件数", "en": "Cases"},
    "chart.empty": {"zh": "所选日期内没有案件", "en": "No cases in the chosen days"},
    # export cells and columns
    "bool.yes": {"zh": "是", "en": "yes"},
    "bool.no": {"zh": "否", "en": "no"},
    "col.case_uid": {"zh": "案件编号", "en": "Case ID"},
    "col.source": {"zh": "来源系统", "en": "Source system"},
    "col.source_id": {"zh": "原始编号", "en": "Source ID"},
    "col.channel_name": {"zh": "来源渠道", "en": "Channel"},
    "col.category_code": {"zh": "类别编码", "en": "Category code"},
    "col.category_name": {"zh": "事件类别", "en": "Category"},
    "col.request_nature": {"zh": "诉求性质", "en": "Request nature"},
    "col.status_name": {"zh": "当前状态", "en": "Status"},
    "col.dept_name": {"zh": "责任部门", "en": "Department"},
    "col.description": {"zh": "事件描述", "en": "Description"},
    "col.address": {"zh": "地址", "en": "Address"},
    "col.lon": {"zh": "经度（WGS-84）", "en": "Longitude (WGS-84)"},
    "col.lat": {"zh": "纬度（WGS-84）", "en": "Latitude (WGS-84)"},
    "col.grid_code": {"zh": "所属网格编码", "en": "Grid code"},
    "col.reported_at": {"zh": "上报时间", "en": "Reported at"},
    "col.dispatched_at": {"zh": "派遣时间", "en": "Dispatched at"},
    "col.handled_at": {"zh": "处置时间", "en": "Handled at"},
    "col.closed_at": {"zh": "结案时间", "en": "Closed at"},
    "col.handle_deadline": {"zh": "处置时限", "en": "Handling deadline"},
    "col.is_urgent": {"zh": "紧急", "en": "Urgent"},
    "col.is_supervised": {"zh": "督办", "en": "Supervised"},
    "col.is_overdue": {"zh": "超期", "en": "Overdue"},
    "col.satisfaction": {"zh": "满意度", "en": "Satisfaction"},
    "col.contact_masked": {"zh": "联系人（已脱敏）", "en": "Contact (masked)"},
    "col.code": {"zh": "区域编码", "en": "Area code"},
    "col.name": {"zh": "区域名称", "en": "Area"},
    "col.parent_code": {"zh": "上级编码", "en": "Parent code"},
    "col.population": {"zh": "人口", "en": "Population"},
    "col.area_km2": {"zh": "面积（km²）", "en": "Area (km²)"},
}

Translate = Callable[..., str]


def _check_language(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; choose one of {list(LANGUAGES)}")


def t(key: str, lang: str, /, **values: Any) -> str:
    """The text for ``key`` in ``lang``, with ``{name}`` fields filled from ``values``."""
    _check_language(lang)
    try:
        text = STRINGS[key][lang]
    except KeyError:
        raise KeyError(f"no interface string {key!r}; add it to dashboard.i18n.STRINGS") from None
    return text.format(**values) if values else text


def translator(lang: str) -> Translate:
    """``t`` bound to ``lang``: pages write ``t = translator(filters.lang)`` and then ``t("key")``."""
    _check_language(lang)

    def bound(key: str, /, **values: Any) -> str:
        return t(key, lang, **values)

    return bound


def labels(lang: str, prefix: str, keys: tuple[str, ...]) -> dict[str, str]:
    """The texts of ``<prefix>.<key>`` for each of ``keys`` in ``lang``, keyed by ``key``: what a map layer takes
    as its ``labels`` (e.g. ``labels(lang, "layer.cases", layers.cases.LABELS)``)."""
    return {key: t(f"{prefix}.{key}", lang) for key in keys}


def prefixed(lang: str, prefix: str) -> dict[str, str]:
    """Every text under ``<prefix>.`` in ``lang``, keyed by the rest of its key: for open-ended sets whose keys
    are data (facility kinds: a kind the table lacks is shown by its code)."""
    _check_language(lang)
    start = f"{prefix}."
    return {key.removeprefix(start): texts[lang] for key, texts in STRINGS.items() if key.startswith(start)}


def name_column(lang: str, prefix: str = "name") -> str:
    """The dictionary column holding names in ``lang``: ``name_zh``/``name_en`` (or ``<prefix>_zh`` …)."""
    _check_language(lang)
    return f"{prefix}_{lang}"
