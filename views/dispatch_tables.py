"""The dispatch page's tables as shown: codes given their names (departments, classes, areas, states) and their
labels in the view's language (kinds, lights, levels, lists), a warning's figures as a sentence, and the column
headers. The CSV downloads are these tables (``views.exports.csv_bytes``: UTF-8 with a BOM, headers translated,
figures to the registry's decimals).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from core.measures import REGISTRY
from core.warning_rules import KINDS

from .exports import csv_bytes
from .i18n import STRINGS, name_column, t


def column_label(column: str, lang: str) -> str:
    """A column's header: its measure's name, else ``col.<column>``."""
    return t(REGISTRY[column].label_key if column in REGISTRY else f"col.{column}", lang)


def labelled(values: pd.Series, prefix: str, lang: str) -> pd.Series:
    """Codes as their labels ``<prefix>.<code>`` (a code without one stays as it is)."""
    table = {code: t(f"{prefix}.{code}", lang) for code in values.dropna().unique() if f"{prefix}.{code}" in STRINGS}
    return values.map(lambda code: table.get(code, code))


def names_of(codes: pd.Series, dictionary: pd.DataFrame, code: str, name: str) -> pd.Series:
    """``codes`` as the names ``dictionary`` gives them (codes it lacks stay codes)."""
    mapping = dict(zip(dictionary[code], dictionary[name], strict=True))
    return codes.map(lambda value: mapping.get(value, value))


def csv(table: pd.DataFrame, *, lang: str) -> bytes:
    """``table`` as the page's CSV download (``views.exports.csv_bytes``), figures to the registry's decimals."""
    decimals = {c: REGISTRY[c].decimals for c in table.columns if c in REGISTRY and REGISTRY[c].kind != "count"}
    return csv_bytes(table.round(decimals), lang=lang)


# ---------------------------------------------------------------- tables
def board_table(board: pd.DataFrame, *, lang: str) -> pd.DataFrame:
    """The department board with each department's kind as a label."""
    return board.assign(kind=labelled(board["kind"], "dept_kind", lang)).rename(columns={"name": "dept_name"})


def ranking_table(table: pd.DataFrame, *, lang: str) -> pd.DataFrame:
    """The red/black list with its lists as labels (红榜/黑榜)."""
    return table.assign(list=labelled(table["list"], "ranking.list", lang)).rename(columns={"name": "unit_name"})


def lights_table(lit: pd.DataFrame, *, lang: str, categories: pd.DataFrame, departments: pd.DataFrame) -> pd.DataFrame:
    """Open cases with their lights, named: ``case_uid``, ``category_name``, ``dept_name``, ``step`` (label),
    ``step_light`` (label), ``step_fraction``, ``handle_light`` (label), ``hours_left``, ``handle_deadline``,
    ``reported_at``."""
    return pd.DataFrame(
        {
            "case_uid": lit["case_uid"],
            "category_name": names_of(lit["category_code"], categories, "code", name_column(lang)),
            "dept_name": names_of(lit["dept_code"], departments, "dept_code", "label"),
            "step": labelled(lit["step"], "step", lang),
            "step_light": labelled(lit["step_light"], "light", lang),
            "step_fraction": lit["step_fraction"],
            "handle_light": labelled(lit["handle_light"], "handle", lang),
            "hours_left": lit["hours_left"],
            "handle_deadline": lit["handle_deadline"],
            "reported_at": lit["reported_at"],
        }
    )


def _number(value: object, places: int = 1) -> str:
    """A figure as text: whole numbers without decimals, others to ``places``; "—" when missing."""
    if not isinstance(value, int | float) or (isinstance(value, float) and math.isnan(value)):
        return "—"
    number = float(value)
    return (
        f"{number:,.0f}"
        if number.is_integer()
        else f"{number:,.{places}g}"
        if number < 0.01
        else f"{number:,.{places}f}"
    )


def figures_text(row: Mapping[str, object], rules: pd.DataFrame, lang: str) -> str:
    """The sentence of a warning's figures: what fired against which threshold (``warning.figures.<kind>``)."""
    return figure_texts(pd.DataFrame([dict(row)]), rules, lang)[0]


def figure_texts(found: pd.DataFrame, rules: pd.DataFrame, lang: str) -> list[str]:
    """``figures_text`` of every warning of ``found`` (the rules' parameters looked up once)."""
    params = rules.set_index("rule_id")[["window_hours", "baseline_weeks"]].to_dict("index")
    texts = []
    for row in found[["rule_id", "kind", "value", "threshold", "expected", "p_fdr"]].itertuples(index=False):
        if row.kind not in KINDS:
            texts.append(str(row.kind))
            continue
        rule = params.get(row.rule_id, {})
        values = {
            "value": _number(row.value),
            "threshold": _number(row.threshold, 2),
            "expected": _number(row.expected, 2),
            "p": _number(row.p_fdr, 3),
            "window": _number(rule.get("window_hours")),
            "weeks": _number(rule.get("baseline_weeks")),
        }
        texts.append(t(f"warning.figures.{row.kind}", lang, **values))
    return texts


def warnings_table(
    found: pd.DataFrame,
    *,
    lang: str,
    rules: pd.DataFrame,
    categories: pd.DataFrame,
    departments: pd.DataFrame,
    areas: pd.DataFrame,
) -> pd.DataFrame:
    """The warnings as shown: ``level`` (label), ``rule_id``, ``rule_name``, ``subject`` (label), ``case_uid``,
    ``area_name``, ``category_name``, ``dept_name``, ``fired_at``, ``figures`` (the sentence), ``also``, and
    the raw ``value``, ``threshold``, ``expected``, ``p_fdr``."""
    if found.empty:
        return pd.DataFrame(columns=["level", "rule_id", "rule_name", "subject", "case_uid", "figures"])
    return pd.DataFrame(
        {
            "level": labelled(found["level"], "warning.level", lang),
            "rule_id": found["rule_id"],
            "rule_name": found[name_column(lang)],
            "subject": labelled(found["subject"], "warning.subject", lang),
            "case_uid": found["case_uid"],
            "area_name": names_of(found["area"], areas, "code", "name"),
            "category_name": names_of(found["category_code"], categories, "code", name_column(lang)),
            "dept_name": names_of(found["dept_code"], departments, "dept_code", "label"),
            "fired_at": found["fired_at"],
            "figures": figure_texts(found, rules, lang),
            "also": found["also"],
            "value": found["value"],
            "threshold": found["threshold"],
            "expected": found["expected"],
            "p_fdr": found["p_fdr"],
        }
    )


def chain_names(chains: pd.Series, departments: pd.DataFrame) -> pd.Series:
    """Chains of department codes ('A>B>A') as names ('城管局 → 住建局 → 城管局')."""
    names = dict(zip(departments["dept_code"], departments["label"], strict=True))
    return chains.map(lambda chain: " → ".join(names.get(code, code) for code in str(chain).split(">")))


def whistle_table(listed: pd.DataFrame, *, lang: str, departments: pd.DataFrame) -> pd.DataFrame:
    """The whistles as shown: kinds as labels, the initiating street or community by name."""
    return pd.DataFrame(
        {
            "whistle_id": listed["whistle_id"],
            "initiator": names_of(listed["initiator_code"], departments, "dept_code", "label"),
            "whistle_kind": labelled(listed["kind"], "whistle.kind", lang),
            "blown_at": listed["blown_at"],
            "required_minutes": listed["required_minutes"],
            "summoned": listed["summoned"],
            "arrived_on_time": listed["arrived_on_time"],
            "arrived_late": listed["arrived_late"],
            "not_arrived": listed["not_arrived"],
            "resolved_at": listed["resolved_at"],
            "score_mean": listed["score_mean"],
            "case_uid": listed["case_uid"],
        }
    )


def flow_table(flow: pd.DataFrame, *, lang: str, states: pd.DataFrame, departments: pd.DataFrame) -> pd.DataFrame:
    """A case's transitions as shown: states and departments by name."""
    state = name_column(lang)
    return pd.DataFrame(
        {
            "seq": flow["seq"],
            "from_state": names_of(flow["from_state"], states, "state", state),
            "to_state": names_of(flow["to_state"], states, "state", state),
            "at_time": flow["at_time"],
            "dept_name": names_of(flow["dept_code"], departments, "dept_code", "label"),
            "operator": flow["operator"],
            "note": flow["note"],
            "hours": flow["hours"],
        }
    )


def steps_table(steps: pd.DataFrame, *, lang: str) -> pd.DataFrame:
    """Each step of a case against its limit: names, the limit with its clock's unit, lights as labels."""
    unit = labelled(steps["clock"], "timeline.clock", lang)
    running = t("timeline.running", lang)
    return pd.DataFrame(
        {
            "step": labelled(steps["step"], "step", lang),
            "started": steps["started"],
            "ended": steps["ended"],
            "limit": [
                f"{_number(v, 2)} {u}" if pd.notna(v) else "—" for v, u in zip(steps["limit"], unit, strict=True)
            ],
            "elapsed": [
                f"{_number(v, 2)} {u}" + (f" ({running})" if r else "") if pd.notna(v) else "—"
                for v, u, r in zip(steps["elapsed"], unit, steps["running"], strict=True)
            ],
            "fraction": steps["fraction"],
            "light": labelled(steps["light"], "light", lang),
        }
    )
