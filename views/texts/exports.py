"""Downloads: buttons, cells and column headers."""

TEXTS: dict[str, dict[str, str]] = {
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
    "export.without_coordinates": {
        "zh": "{n} 件案件没有坐标，不在本文件中（CSV 导出包含全部案件）",
        "en": "{n} cases without coordinates are not in this file (the CSV export holds every case)",
    },
    "export.geojson_help": {
        "zh": "当前筛选和区域下有坐标的案件（共 {rows} 件中，无坐标的不在文件中，文件内注明件数），联系人已脱敏",
        "en": "The located cases of the current filters and area ({rows} in all; those without coordinates are "
        "left out and counted in the file); contacts masked",
    },
    "export.capped": {
        "zh": "共 {total} 件，超过导出上限：只导出最早的 {cap} 件，请缩小时间范围或区域",
        "en": "{total} cases, more than the export limit: only the first {cap} are exported; narrow the period or area",
    },
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
