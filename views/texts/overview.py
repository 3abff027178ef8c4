"""The overview page and its charts."""

TEXTS: dict[str, dict[str, str]] = {
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
}
