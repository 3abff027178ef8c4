"""Source headers to canonical fields.

Every entity the ETL loads has a fixed list of canonical fields (`ENTITY_FIELDS`); a source file names them in
its own words. `map_columns` finds, for each field, the header that holds it: an explicit override first, then
the field's aliases in order. Headers are compared after folding case and width (NFKC) and dropping spaces,
underscores, hyphens and parentheses, so ``Case ID``, ``case_id`` and ``CASE-ID`` are one name, as are
``经度（WGS84）`` and ``经度(WGS84)``. A header whose parenthesised part is a unit or note (``服务半径（米）``)
also matches the bare alias (``服务半径``), but only after every exact match has been made.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class FieldSpec:
    """One canonical field: its name, the headers sources use for it, and whether a file must have it."""

    name: str
    aliases: tuple[str, ...]
    required: bool = False


def _f(name: str, aliases: str, *, required: bool = False) -> FieldSpec:
    return FieldSpec(name, tuple(aliases.split()), required)


# Aliases are listed most specific first: when a file holds two headers that fit one field, the earlier alias
# wins. The same alias never appears under two fields of one entity (tests/test_columns.py checks it).
_X = "经度 lng lon longitude x 横坐标 x坐标 坐标x gps经度 经度坐标 long easting"
_Y = "纬度 lat latitude y 纵坐标 y坐标 坐标y gps纬度 纬度坐标 northing"
_ADDRESS = (
    "地址 事发地址 事件地址 详细地址 事发地点 发生地址 问题地址 案件地址 诉求地址 问题位置 位置描述 地址描述 事发位置 "
    "事件位置 问题发生地 发生地点 案卷地址 地点 位置 addr street_address place"
)

_CASES = (
    _f(
        "source_id",
        "事件编号 案件编号 工单编号 工单号 案卷编号 案卷号 任务号 受理编号 工单流水号 事件单号 编号 事件号 案件号 "
        "事件ID 工单ID 流水号 case_id case_no case_number ticket_id ticket_no event_id record_id id",
        required=True,
    ),
    _f(
        "channel",
        "来源渠道 渠道 事件来源 来源 上报渠道 案件来源 信息来源 来源方式 问题来源 工单来源 诉求来源 受理渠道 来电渠道 "
        "上报方式 source_channel source origin",
    ),
    _f(
        "category_code",
        "类别编码 事件类别编码 小类编码 分类编码 问题类别编码 场景编码 案件类别编码 类别代码 小类代码 "
        "分类代码 事件类型编码 事件类型代码 事项编码 问题分类编码 class_code type_code",
    ),
    _f(
        "category_name",
        "类别名称 事件类别 小类名称 问题类别 案件类别 事件小类 小类 问题分类 分类名称 事件类型 事件分类 事项分类 "
        "诉求分类 诉求类别 问题小类 案件小类 事项名称 分类 类别 category class_name event_type",
    ),
    _f("topic_code", "诉求分类编码 诉求类别编码 诉求分类代码 热线分类编码 topic topic_id"),
    _f("request_nature", "诉求性质 诉求类型 性质 来电类型 来电类别 工单类型 nature request_type"),
    _f(
        "description",
        "事件描述 问题描述 诉求内容 内容 描述 案件描述 情况描述 事件内容 详细描述 来电内容 事件详情 案卷描述 工单内容 "
        "诉求详情 主要内容 情况说明 desc content details",
    ),
    _f("address", _ADDRESS),
    _f("x", _X),
    _f("y", _Y),
    _f(
        "reported_at",
        "上报时间 来电时间 发现时间 发生时间 报案时间 反映时间 投诉时间 创建时间 上报日期 事发时间 案卷上报时间 "
        "问题上报时间 工单创建时间 创建日期 report_time reported_time report_date created_at created_time "
        "create_time occurred_at event_time",
        required=True,
    ),
    _f("accepted_at", "受理时间 接单时间 accept_time accepted_time"),
    _f("registered_at", "立案时间 register_time registration_time"),
    _f(
        "dispatched_at",
        "派遣时间 派单时间 分派时间 转派时间 交办时间 转办时间 dispatch_time dispatched_time assigned_at assign_time",
    ),
    _f("signed_at", "签收时间 接收时间 sign_time signed_time"),
    _f(
        "handled_at",
        "处置时间 处置完成时间 办理完成时间 处理时间 处理完成时间 完成时间 处置反馈时间 反馈时间 handle_time "
        "handled_time resolved_at completed_at finish_time",
    ),
    _f("checked_at", "核查时间 核实时间 核查完成时间 核查结束时间 check_time checked_time verified_at verify_time"),
    _f("closed_at", "结案时间 办结时间 关闭时间 归档时间 close_time closed_time"),
    _f("evaluated_at", "评价时间 回访时间 evaluate_time evaluation_time feedback_time"),
    _f(
        "dept_code",
        "处置部门编码 责任部门编码 承办单位编码 处置单位编码 责任单位编码 主办单位编码 部门编码 "
        "department_code department_id dept_id org_code unit_code",
    ),
    _f(
        "dept_name",
        "处置部门 责任部门 承办单位 处置单位 责任单位 主办单位 承办部门 专业部门 办理单位 处置部门名称 "
        "责任部门名称 部门名称 部门 department department_name dept org_name unit",
    ),
    _f(
        "status",
        "状态 当前状态 案件状态 办理状态 事件状态 工单状态 处理状态 案卷状态 当前阶段 当前环节 state case_status",
    ),
    _f("is_urgent", "是否紧急 紧急 紧急标志 紧急程度 urgent is_emergency emergency"),
    _f("is_supervised", "是否督办 督办 督办标志 supervised supervision"),
    _f("extension_days", "延期天数 延期工作日 延期时长 extended_days extension"),
    _f("dispatch_count", "派遣次数 派单次数 转派次数 dispatch_times dispatches"),
    _f("return_count", "退回次数 回退次数 退单次数 return_times returns"),
    _f("rework_count", "返工次数 重办次数 返工 rework_times reworks reopen_count"),
    _f("satisfaction", "满意度 回访满意度 回访结果 评价结果 满意情况 回访评价 满意程度 评价 satisfaction_level"),
    _f(
        "contact_name",
        "联系人 上报人 来电人 姓名 诉求人 反映人 投诉人 联系人姓名 上报人姓名 来电人姓名 反映人姓名 举报人 "
        "contact reporter reporter_name caller",
    ),
    _f(
        "contact_phone",
        "联系电话 手机号 电话 来电号码 手机 手机号码 联系方式 电话号码 联系人电话 联系号码 回访电话 phone mobile "
        "tel telephone phone_number",
    ),
)

_FLOW = (
    _f("case_id", "事件编号 案件编号 工单编号 工单号 编号 source_id case_no ticket_id", required=True),
    _f("seq", "序号 步骤序号 环节序号 顺序 step step_no sequence"),
    _f("from_state", "原状态 前状态 上一状态 原环节 previous_state from_status old_state old_status"),
    _f("to_state", "新状态 状态 当前状态 目标状态 环节 state status new_state new_status to_status", required=True),
    _f(
        "at",
        "时间 操作时间 处理时间 发生时间 操作日期 time timestamp datetime operated_at operate_time action_time",
        required=True,
    ),
    _f("dept_code", "部门编码 处置部门编码 操作部门编码 单位编码 department_code dept_id org_code"),
    _f("operator", "操作人 操作员 经办人 处理人 办理人 operator_name handler user user_name"),
    _f("note", "备注 意见 处理意见 办理意见 说明 批示 comment comments remark remarks opinion memo"),
)

_GRIDS = (
    _f("code", "网格编码 编码 code 网格代码 网格编号 区划代码 区划编码 行政区划代码 grid_code grid_id", required=True),
    _f("name", "网格名称 名称 网格名 区划名称 grid_name", required=True),
    _f("level", "层级 级别 level 网格层级 网格级别 等级 depth grid_level level_key", required=True),
    _f("parent_code", "上级编码 父级编码 上级网格编码 所属网格编码 上级代码 父编码 parent parent_id parent_grid_code"),
    _f("population", "人口 常住人口 人口数 总人口 pop"),
    _f("households", "户数 住户数 household household_count"),
    _f("grid_worker", "网格员 网格员姓名 网格长 grid_manager worker"),
    _f("party_branch", "党支部 所属党支部 党组织 party_org"),
    _f("valid_from", "生效日期 生效时间 启用日期 开始日期 valid_start effective_from effective_date start_date"),
    _f("valid_to", "失效日期 失效时间 停用日期 结束日期 valid_end effective_to end_date expiry_date"),
)

_CAMERAS = (
    _f(
        "camera_id",
        "设备编码 摄像头编码 点位编号 设备编号 设备ID 摄像机编码 摄像头编号 点位编码 国标编码 device_id "
        "device_code camera_code",
        required=True,
    ),
    _f("name", "设备名称 点位名称 摄像头名称 摄像机名称 名称 点位 device_name camera_name", required=True),
    _f("x", _X),
    _f("y", _Y),
    _f("address", "安装地址 安装位置 点位地址 " + _ADDRESS),
    _f("vendor", "厂商 设备厂商 品牌 制造商 manufacturer brand vendor_name"),
    _f("scenes", "算法场景 场景 算法 智能算法 scene algorithms"),
    _f("installed_at", "安装时间 安装日期 建设时间 install_date install_time installed_date"),
    _f("status", "状态 设备状态 在线状态 运行状态 state device_status"),
)

_CAMERA_EVENTS = (
    _f(
        "event_id",
        "告警编号 事件编号 告警ID 报警编号 事件ID 记录编号 alarm_id alert_id event_no record_id",
        required=True,
    ),
    _f("camera_id", "设备编码 设备编号 摄像头编码 点位编号 设备ID device_id device_code camera_code", required=True),
    _f("scene_code", "场景编码 场景 算法场景 scene scene_id"),
    _f(
        "vendor_algo_code",
        "算法编码 算法代码 厂商算法编码 算法类型 算法ID algo_code algorithm_code algorithm_id algo_id",
    ),
    _f("confidence", "置信度 可信度 score probability"),
    _f(
        "captured_at",
        "抓拍时间 告警时间 报警时间 识别时间 事件时间 发现时间 capture_time alarm_time alert_time "
        "event_time detected_at",
        required=True,
    ),
    _f("pushed", "是否推送 推送 是否上报 推送状态 is_pushed"),
    _f("case_id", "案件编号 关联工单 关联案件编号 关联工单编号 工单编号 案件号 case_no ticket_id"),
    _f("is_false_positive", "是否误报 误报 误报标志 false_positive is_false_alarm"),
)

_FACILITIES = (
    _f("facility_id", "编号 设施编号 设施编码 编码 点位编号 facility_code code id", required=True),
    _f("kind", "类型 设施类型 类别 种类 type category facility_type", required=True),
    _f("name", "名称 设施名称 站点名称 facility_name", required=True),
    _f("address", _ADDRESS),
    _f("x", _X),
    _f("y", _Y),
    _f("service_radius_m", "服务半径 服务半径(米) 覆盖半径 service_radius radius radius_m"),
)

_DEPARTMENTS = (
    _f(
        "dept_code",
        "部门编码 部门代码 部门编号 单位编码 单位代码 机构编码 组织机构代码 dept_id department_code "
        "department_id org_code code",
        required=True,
    ),
    _f("name", "部门名称 单位名称 机构名称 部门 名称 department_name dept_name org_name", required=True),
    _f("short_name", "简称 部门简称 单位简称 abbreviation short"),
    _f("kind", "类型 部门类型 单位类型 机构类型 type"),
    _f("parent_code", "上级部门编码 上级单位编码 上级部门代码 上级编码 父级编码 parent parent_id parent_dept_code"),
    _f("area_code", "辖区编码 辖区代码 辖区网格编码 管辖区域编码 区域编码 area area_id jurisdiction_code"),
)

_CATEGORY_MAP = (
    _f(
        "source_code",
        "原编码 来源编码 原代码 源编码 原类别编码 原分类编码 来源代码 本地编码 src_code original_code "
        "legacy_code from_code",
        required=True,
    ),
    _f("source_name", "原名称 原类别名称 原分类名称 来源名称 src_name original_name"),
    _f(
        "category_code",
        "标准编码 国标编码 国标类别编码 标准类别编码 国标代码 标准代码 gb_code standard_code target_code to_code",
        required=True,
    ),
    _f("scheme", "体系 编码体系 分类体系"),
)

_HOTLINE_TOPICS = (
    _f("topic_code", "诉求分类编码 编码 分类编码 诉求类别编码 小类编码 事项编码 code topic_id", required=True),
    _f("major_code", "大类编码 大类代码 一级分类编码 一级编码 major major_id level1_code", required=True),
    _f("major_name", "大类名称 大类 一级分类名称 一级分类 major_category level1_name", required=True),
    _f(
        "name",
        "小类名称 名称 小类 诉求分类名称 分类名称 二级分类名称 二级分类 topic_name topic level2_name",
        required=True,
    ),
    _f("category_code", "国标编码 国标类别编码 标准编码 国标代码 gb_code standard_code"),
)

_CHANNELS = (
    _f("channel", "渠道编码 渠道代码 来源编码 channel_code code", required=True),
    _f("name_zh", "渠道名称 中文名称 名称 来源名称 name", required=True),
    _f("name_en", "英文名称 英文名 name_en english_name"),
)

_CHANNEL_ALIASES = (
    _f("alias", "别名 渠道别名 来源名称 来源 名称 alias name", required=True),
    _f("channel", "渠道编码 渠道 渠道代码 channel_code channel code", required=True),
)

# ---------------------------------------------------------------- the place views (人·地·事·物·情·组织)
_GRID_CODE = "网格编码 所属网格编码 所属网格 网格代码 负责网格编码 grid_code grid_id"
_PHONE = "联系电话 手机号 手机号码 电话 联系方式 phone mobile tel"

_IOT_DEVICES = (
    _f("device_id", "设备编号 设备编码 设备ID 终端编号 设备号 device_code sensor_id", required=True),
    _f("kind", "设备类型 类型 传感器类型 设备种类 device_type type", required=True),
    _f("name", "设备名称 名称 device_name"),
    _f("household_name", "服务对象 老人姓名 户主 住户 户主姓名 resident household"),
    _f("household_phone", "服务对象电话 老人电话 户主电话 " + _PHONE),
    _f("address", "安装地址 安装位置 住址 " + _ADDRESS),
    _f("x", _X),
    _f("y", _Y),
    _f("installed_at", "安装时间 安装日期 install_time installed_date"),
    _f("status", "设备状态 状态 在线状态 运行状态 state device_status"),
)

_IOT_ALARMS = (
    _f("alarm_id", "告警编号 报警编号 告警ID 报警ID 事件编号 alarm_no event_id", required=True),
    _f("device_id", "设备编号 设备编码 设备ID 终端编号 device_code sensor_id", required=True),
    _f("alarm_type", "告警类型 报警类型 告警内容 报警内容 type"),
    _f("alarmed_at", "告警时间 报警时间 触发时间 alarm_time alert_time event_time", required=True),
    _f("acknowledged_at", "响应时间 确认时间 接警时间 受理时间 ack_time acknowledge_time"),
    _f("arrived_at", "到场时间 到达时间 上门时间 现场到达时间 arrive_time arrival_time"),
    _f("closed_at", "处置完成时间 关闭时间 结束时间 办结时间 close_time closed_time"),
    _f("outcome", "处置结果 告警结果 核实结果 结果 result"),
    _f("handler", "处置人 响应人 到场人员 handler_name"),
    _f("case_id", "关联工单 关联工单编号 关联案件编号 工单编号 case_no ticket_id"),
)

_GRID_ATTRIBUTES = (
    _f("code", _GRID_CODE + " 编码 区划代码 code", required=True),
    _f("population", "人口 常住人口 总人口 人口数 实有人口 population pop"),
    _f("households", "户数 住户数 总户数 households"),
    _f("elderly", "60岁以上老人 老年人口 老年人 老人数 elderly"),
    _f("elderly_alone", "独居老人 独居老人数 空巢独居老人 elderly_alone"),
    _f("party_members", "党员 党员人数 党员数 party_members"),
    _f("disabled", "残疾人 残疾人数 disabled"),
    _f("low_income", "低保 低保户 低保人数 低保对象 low_income"),
    _f("left_behind_children", "留守儿童 留守儿童数 left_behind_children"),
    _f("buildings", "楼栋数 楼栋 建筑数 buildings"),
    _f("compounds", "小区数 小区 住宅小区 compounds"),
    _f("land_use", "用地性质 主要用地性质 土地利用 用地类型 land_use"),
    _f("as_of", "统计日期 统计时间 更新日期 数据日期 as_of"),
)

_GRID_WORKERS = (
    _f("worker_id", "工号 网格员编号 人员编号 网格员编码 编号 worker_code staff_id", required=True),
    _f("grid_code", _GRID_CODE, required=True),
    _f("name", "姓名 网格员姓名 网格员 人员姓名 name", required=True),
    _f("role", "岗位 职务 角色 人员类型 类型 role"),
    _f("phone", _PHONE),
)

_GRID_VISITS = (
    _f("visit_id", "走访编号 记录编号 台账编号 日志编号 编号 visit_no record_id", required=True),
    _f("worker_id", "工号 网格员编号 人员编号 网格员编码 worker_code staff_id", required=True),
    _f("grid_code", _GRID_CODE, required=True),
    _f("visited_at", "走访时间 巡查时间 日志时间 记录时间 时间 日期 visit_time visited_time", required=True),
    _f("kind", "走访类型 类型 事项类型 工作类型 kind type", required=True),
    _f("household_name", "走访对象 户主 住户 对象姓名 household"),
    _f("household_phone", "对象电话 " + _PHONE),
    _f("note", "走访情况 情况记录 工作内容 内容 备注 note remark"),
    _f("case_id", "上报案件编号 关联工单 关联案件编号 案件编号 case_no ticket_id"),
)

_ORGANISATIONS = (
    _f("org_id", "组织编码 组织编号 统一社会信用代码 组织机构代码 编号 org_code", required=True),
    _f("name", "组织名称 名称 单位名称 org_name", required=True),
    _f("kind", "组织类型 类型 类别 org_type type", required=True),
    _f("area_code", "服务网格编码 所属网格编码 所属区域编码 网格编码 辖区编码 area_code grid_code", required=True),
    _f("address", _ADDRESS),
    _f("x", _X),
    _f("y", _Y),
    _f("members", "成员数 人数 党员数 成员人数 members"),
    _f("contact_name", "负责人 联系人 书记 contact"),
    _f("contact_phone", _PHONE),
)

_COMPONENTS = (
    _f("component_id", "部件编号 部件编码 部件标识码 标识码 编号 component_code object_id", required=True),
    _f("class_code", "部件类别编码 部件小类编码 小类编码 类别编码 class_code", required=True),
    _f("status", "部件状态 状态 完好情况 status"),
    _f("x", _X),
    _f("y", _Y),
    _f("surveyed_at", "普查时间 调查日期 采集时间 更新时间 survey_date"),
)

_DELIBERATION_OUTCOMES = (
    _f("case_id", "议题编号 事项编号 案件编号 工单编号 编号 item_no case_no", required=True),
    _f("meeting_at", "议事时间 会议时间 议事日期 meeting_time"),
    _f("outcome", "议事结果 办理结果 处理结果 结果 outcome result", required=True),
    _f("decided_at", "结果时间 办结时间 答复时间 决定时间 decided_time", required=True),
    _f("referred_dept", "转办部门编码 承办部门编码 转办单位编码 referred_dept"),
    _f("referred_case_id", "转办工单号 转办工单编号 转办案件编号 referred_case"),
    _f("note", "备注 说明 意见 note remark"),
)

#: Canonical fields of every entity, in the order they are matched (and listed in errors).
_ROUTING = (
    _f("category_code", "类别编码 事项编码 国标编码 标准编码 category category_code", required=True),
    _f("area_code", "辖区编码 区域编码 网格编码 area area_code"),
    _f("dept_code", "部门编码 责任部门编码 处置部门编码 承办单位编码 department dept", required=True),
)

_WHISTLES = (
    _f("whistle_id", "吹哨编号 吹哨单号 吹哨事项编号 编号 whistle_id whistle_no id", required=True),
    _f(
        "initiator",
        "发起单位编码 吹哨单位编码 发起单位 吹哨单位 发起街道 发起社区 吹哨街道 吹哨社区 initiator initiator_code",
        required=True,
    ),
    _f("area_code", "辖区编码 区域编码 网格编码 area area_code"),
    _f("case_id", "关联案件编号 关联工单编号 关联工单 关联案件 案件编号 工单编号 case_id case_no ticket_id"),
    _f("kind", "吹哨类型 事项类型 类型 类别 whistle_type type kind", required=True),
    _f("blown_at", "吹哨时间 发起时间 创建时间 blown_at whistle_time created_at", required=True),
    _f("required_minutes", "要求到场时限 到场时限 报到时限 限时 required_minutes arrival_minutes"),
    _f("resolved_at", "解决时间 问题解决时间 办结时间 resolved_at solved_at"),
    _f("description", "事由 问题描述 吹哨事由 描述 内容 description"),
)

_WHISTLE_RESPONSES = (
    _f("whistle_id", "吹哨编号 吹哨单号 吹哨事项编号 whistle_id whistle_no", required=True),
    _f("dept", "报到部门编码 报到部门 部门编码 单位编码 部门名称 部门 单位 dept_code department dept", required=True),
    _f("arrived_at", "到场时间 报到时间 到达时间 arrived_at arrival_time"),
    _f("action", "处置措施 处置情况 措施 办理情况 action"),
    _f("finished_at", "完成时间 办结时间 处置完成时间 finished_at finish_time"),
    _f("score", "街道评分 评分 得分 score rating"),
)

_WARNING_RULES = (
    _f("rule_id", "规则编号 规则编码 编号 rule_id id", required=True),
    _f("level", "预警级别 级别 等级 level", required=True),
    _f("kind", "规则类型 类型 kind type", required=True),
    _f("threshold", "阈值 门限 threshold"),
    _f("window_hours", "时间窗小时 时间窗 统计时长 window_hours window"),
    _f("depth", "网格层级 层级 depth grid_level"),
    _f("baseline_weeks", "基线周数 对比周数 baseline_weeks weeks"),
    _f("min_cases", "最少案件数 最少件数 min_cases"),
    _f("channel", "来源渠道 渠道 channel"),
    _f("category_code", "类别编码 事件类别编码 category_code category"),
    _f("enabled", "是否启用 启用 enabled active"),
    _f("name_zh", "规则名称 名称 name_zh name", required=True),
    _f("name_en", "英文名称 name_en english_name"),
    _f("note", "说明 备注 note remark"),
)


ENTITY_FIELDS: Mapping[str, tuple[FieldSpec, ...]] = MappingProxyType(
    {
        "cases": _CASES,
        "flow": _FLOW,
        "grids": _GRIDS,
        "cameras": _CAMERAS,
        "camera_events": _CAMERA_EVENTS,
        "facilities": _FACILITIES,
        "departments": _DEPARTMENTS,
        "category_map": _CATEGORY_MAP,
        "hotline_topics": _HOTLINE_TOPICS,
        "routing": _ROUTING,
        "channels": _CHANNELS,
        "channel_aliases": _CHANNEL_ALIASES,
        "iot_devices": _IOT_DEVICES,
        "iot_alarms": _IOT_ALARMS,
        "grid_attributes": _GRID_ATTRIBUTES,
        "grid_workers": _GRID_WORKERS,
        "grid_visits": _GRID_VISITS,
        "organisations": _ORGANISATIONS,
        "components": _COMPONENTS,
        "deliberation_outcomes": _DELIBERATION_OUTCOMES,
        "whistles": _WHISTLES,
        "whistle_responses": _WHISTLE_RESPONSES,
        "warning_rules": _WARNING_RULES,
    }
)


class MissingColumnsError(ValueError):
    """A source file lacks required fields, or an override names a header the file does not have.

    ``missing`` holds the canonical names of the fields that could not be mapped, ``found`` the file's headers.
    """

    def __init__(self, message: str, *, missing: Sequence[str], found: Sequence[str]) -> None:
        super().__init__(message)
        self.missing = tuple(missing)
        self.found = tuple(found)


_IGNORED = re.compile(r"[\s_\-()]+")
_PARENTHESISED = re.compile(r"\([^()]*\)")


def _normalise(name: str) -> str:
    # NFKC turns full-width letters, digits and parentheses into their ASCII forms before they are dropped.
    return _IGNORED.sub("", unicodedata.normalize("NFKC", name).casefold())


def _without_notes(name: str) -> str:
    return _normalise(_PARENTHESISED.sub("", unicodedata.normalize("NFKC", name)))


def _fields_of(entity: str) -> tuple[FieldSpec, ...]:
    try:
        return ENTITY_FIELDS[entity]
    except KeyError:
        raise ValueError(f"Unknown entity {entity!r}; valid entities: {', '.join(ENTITY_FIELDS)}") from None


def map_columns(
    headers: Iterable[str],
    entity: str,
    overrides: Mapping[str, str] = MappingProxyType({}),
    *,
    optional: Iterable[str] = (),
    require: bool = True,
) -> dict[str, str]:
    """Map the canonical fields of ``entity`` to the headers that hold them, as ``{field: header}``.

    ``overrides`` (``{field: header}``, from a profile or ``--map field=header``) win over aliases; their
    header is matched exactly, else by the same folding as aliases. Fields with no matching header are left
    out unless required. A header serves at most one field; when it fits several, the field listed first in
    `ENTITY_FIELDS` takes it. ``optional``: required fields a load option stands in for (a grid file's level
    when ``--level`` is given).

    Raises `MissingColumnsError` when a required field has no header or an override names a header the file
    lacks (``require=False``: the fields found are returned instead), and `ValueError` for an unknown entity or an
    override naming an unknown field.
    """
    fields = _fields_of(entity)
    found = [str(h) for h in headers]
    field_names = [spec.name for spec in fields]
    unknown = [name for name in overrides if name not in field_names]
    if unknown:
        raise ValueError(
            f"Column override(s) for unknown {entity} field(s) {', '.join(map(repr, unknown))}; "
            f"valid fields: {', '.join(field_names)}"
        )

    mapping: dict[str, str] = {}
    used: set[str] = set()
    absent: list[tuple[str, str]] = []  # (field, header named by an override that the file lacks)
    for name, header in overrides.items():
        match = header if header in found else _first_match(found, _normalise(header), _normalise, set())
        if match is None:
            absent.append((name, header))
            continue
        if match in used:
            other = next(field for field, taken in mapping.items() if taken == match)
            raise ValueError(f"Column overrides map header {match!r} to both {other} and {name}")
        mapping[name] = match
        used.add(match)

    # Exact (folded) matches for every field first, then matches that ignore a parenthesised note.
    overridden = set(overrides)
    for fold in (_normalise, _without_notes):
        for spec in fields:
            if spec.name in mapping or spec.name in overridden:
                continue
            for alias in (spec.name, *spec.aliases):
                match = _first_match(found, _normalise(alias), fold, used)
                if match is not None:
                    mapping[spec.name] = match
                    used.add(match)
                    break

    absent_names = {name for name, _ in absent} | set(optional)
    required = [s for s in fields if s.required and s.name not in mapping and s.name not in absent_names]
    if require and (absent or required):
        raise MissingColumnsError(
            _missing_message(entity, required, absent, found),
            missing=[s.name for s in required] + [name for name, _ in absent],
            found=found,
        )
    return {spec.name: mapping[spec.name] for spec in fields if spec.name in mapping}


def _first_match(headers: Sequence[str], key: str, fold: Callable[[str], str], used: set[str]) -> str | None:
    for header in headers:
        if header not in used and fold(header) == key:
            return header
    return None


def _missing_message(
    entity: str, required: Sequence[FieldSpec], absent: Sequence[tuple[str, str]], found: Sequence[str]
) -> str:
    parts = []
    if required:
        names = ", ".join(f"{s.name} ({s.aliases[0]})" if s.aliases else s.name for s in required)
        parts.append(f"is missing required column(s) {names}")
    if absent:
        names = ", ".join(f"{header!r} (mapped to {name})" for name, header in absent)
        parts.append(f"has no column(s) {names}")
    return f"{entity} file {'; '.join(parts)}; found columns: {', '.join(found) or '(none)'}"
