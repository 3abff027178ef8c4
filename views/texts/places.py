"""The place views besides the 视频 page: counting by report or by incident, incidents of several reports, the six
elements of an area, IoT alarms of the elderly living alone, life circles, a grid's ledger, deliberation items."""

TEXTS: dict[str, dict[str, str]] = {
    # by report or by incident (ViewState.count_by): the sidebar's switch and the statement every page shows
    "count.label": {"zh": "计数口径", "en": "Count"},
    "count.report": {"zh": "按上报", "en": "By report"},
    "count.incident": {"zh": "按事件", "en": "By incident"},
    "count.statement.report": {
        "zh": "计数口径：按上报（同一事件的每次上报都计）",
        "en": "Counted by report (every report of an incident counts)",
    },
    "count.statement.incident": {
        "zh": "计数口径：按事件（同一事件的多次上报只计首报一次）",
        "en": "Counted by incident (an incident reported several times counts once, by its first report)",
    },
    "count.help": {
        "zh": "同类、{radius} 米内、{window} 小时内的多次上报视为同一事件（各类别的距离与时限见融合规则表）",
        "en": "Reports of one class family within {radius} m and {window} h are one incident (distances and windows "
        "per family in the fusion rules)",
    },
}
