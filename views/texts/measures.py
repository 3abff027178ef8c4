"""The names of the measures (``core.measures``: ``Measure.label_key``) and of their picker."""

TEXTS: dict[str, dict[str, str]] = {
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
    "measure.complaints": {"zh": "投诉", "en": "Complaints"},
    "measure.located": {"zh": "有坐标", "en": "Located"},
    "measure.awaiting_closure": {"zh": "待结案", "en": "Awaiting closure"},
    "measure.closed_on_time": {"zh": "按期结案", "en": "Closed on time"},
    "measure.pending": {"zh": "待处置", "en": "Pending"},
}
