"""The frame and the sidebar: pages, period, filters, drill-down."""

TEXTS: dict[str, dict[str, str]] = {
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
}
