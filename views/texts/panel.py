"""The panel beside the map."""

TEXTS: dict[str, dict[str, str]] = {
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
    "panel.overdue_now_help": {
        "zh": "截至 {as_of} 仍未处置且已过处置时限的案件，不限上报日期（其他筛选和区域照用）："
        "与地图上“处置时限预警”的已超期是同一批",
        "en": "Cases still unhandled and past the handling deadline at {as_of}, whenever reported (the other filters "
        "and the area apply): the same cases as Overdue in the map's Handling deadlines",
    },
    "panel.top": {"zh": "高发类别 Top 5", "en": "Top 5 categories"},
    "panel.trend": {"zh": "每日上报", "en": "Reported per day"},
    "panel.trend_note": {
        "zh": "日均 {mean} 件，最多 {peak} 件（{day}）",
        "en": "{mean} a day on average, at most {peak} ({day})",
    },
    "panel.unmapped": {"zh": "未归入国标类别", "en": "No GB/T class"},
    "panel.unclassified": {
        "zh": "未归入国标类别 {cases} 件（{share}）：编码对照表缺少的编码，或国标之外的热线诉求",
        "en": "No GB/T class: {cases} cases ({share}), codes the mapping table lacks or hotline topics outside it",
    },
    "panel.none": {"zh": "所选范围内没有案件", "en": "No cases in the chosen range"},
}
