"""The case workflow's vocabulary that code relies on: which states count as closed, which follow-up answers as
satisfied, and what "pending" means. The states themselves, their names and whether each is open are data
(table ``case_state``, shipped from ``data/reference/case_states.csv``); these are the few rules on top of them.
"""

from __future__ import annotations

#: Current states that count as closed (结案, or evaluated after closing).
CLOSED_STATES: tuple[str, ...] = ("closed", "evaluated")
#: Current states of a report cancelled as invalid: rejected on verification (不予受理) or voided (作废). Such cases
#: are not due to be handled, and a camera alarm whose case ended so counts as a false positive.
INVALID_STATES: tuple[str, ...] = ("rejected", "voided")
#: Current states of cases that are not due to be handled (the dispatch figures' word for ``INVALID_STATES``).
NOT_DUE_STATES: tuple[str, ...] = INVALID_STATES
#: Follow-up answers that count as satisfied (满意, 基本满意).
SATISFIED: tuple[str, ...] = ("满意", "基本满意")
#: Pending: open (``case_state.is_open``) and not yet handled. An SQL condition over ``cases`` aliased ``c``.
PENDING_SQL = "c.handled_at IS NULL AND c.status IN (SELECT state FROM case_state WHERE is_open)"
#: Levels of a deadline alert: past the handling deadline (red), or past the warning share of its limit (yellow).
ALERT_LEVELS: tuple[str, ...] = ("overdue", "warning")
