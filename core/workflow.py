"""The workflow steps a time limit applies to, and how a step's limit is found for a case (pure vocabulary).

The seven steps of the closed loop that have a time limit (受理, 立案, 派遣, 签收, 处置, 核查, 结案), each as the
interval between two of a case's step times, and the key of table ``time_limit`` that limits it. The limits
themselves are data (``time_limit``: per category and step, in one of the four clocks of ``core.workcal``); a
step whose own key the table lacks uses the next one listed (立案 uses ``accept``'s limit, as the domain's
"accept/register 1 working hour" has it; 结案 uses ``check``'s).

The handling step is the ETL's: it runs from dispatch (else registration, acceptance, report) to handling, and
its deadline is the case's ``handle_deadline`` (the category's limit, urgent cases the ``urgent_handle`` one,
extensions added), so every figure that says "overdue" agrees.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "LIGHTS",
    "STATE_STEP",
    "STEPS",
    "Step",
    "limit_keys",
    "step",
    "warn_fraction",
]


@dataclass(frozen=True)
class Step:
    """A step with a limit: it starts at the first present of ``start`` (columns of ``cases``) and ends at
    ``end``; ``limits`` are the ``time_limit.step`` keys that limit it, the first the table has wins."""

    key: str
    start: tuple[str, ...]
    end: str
    limits: tuple[str, ...]

    @property
    def label_key(self) -> str:
        """Its name's key in the label table (``views.i18n``)."""
        return f"step.{self.key}"


STEPS: tuple[Step, ...] = (
    Step("accept", ("reported_at",), "accepted_at", ("accept",)),
    Step("register", ("accepted_at", "reported_at"), "registered_at", ("register", "accept")),
    Step("dispatch", ("registered_at", "accepted_at", "reported_at"), "dispatched_at", ("dispatch",)),
    Step("sign", ("dispatched_at",), "signed_at", ("sign",)),
    Step("handle", ("dispatched_at", "registered_at", "accepted_at", "reported_at"), "handled_at", ("handle",)),
    Step("check", ("handled_at",), "checked_at", ("check",)),
    Step("close", ("checked_at", "handled_at"), "closed_at", ("close", "check")),
)
_BY_KEY = {s.key: s for s in STEPS}

#: The step an open case is waiting on, by its current state (``case_state``). A returned case waits for its
#: re-dispatch (改派), which runs from the return; a case sent back for rework (返工) is handled again, from the
#: check that failed. States not listed (closed, rejected …) wait on no limited step.
STATE_STEP: dict[str, str] = {
    "reported": "accept",
    "verifying": "accept",
    "accepted": "register",
    "registered": "dispatch",
    "returned": "dispatch",
    "dispatched": "sign",
    "handling": "handle",
    "extension": "handle",
    "parked": "handle",
    "rework": "handle",
    "handled": "check",
    "checking": "close",
}

#: A step's light: green below the warning share of its limit, yellow from it up to the limit, red past it;
#: "none" when no limit applies (no rule in ``time_limit``, or no start time).
LIGHTS: tuple[str, ...] = ("red", "yellow", "green", "none")


def step(key: str) -> Step:
    """The step ``key``; a ValueError listing the valid keys otherwise."""
    try:
        return _BY_KEY[key]
    except KeyError:
        raise ValueError(f"unknown workflow step {key!r}; valid steps: {list(_BY_KEY)}") from None


def limit_keys(channel: str | None, category: str | None) -> list[str]:
    """The ``time_limit.category_code`` keys that may hold a case's limit, most specific first: 'channel:class',
    'channel:major', 'channel:*', 'class', 'major', '*' (e.g. 'hotline:*' gives 12345 cases limits of their
    own). Keys needing a missing channel or class are left out."""
    keys: list[str] = []
    if channel and category:
        keys += [f"{channel}:{category}", f"{channel}:{category[:2]}"]
    if channel:
        keys.append(f"{channel}:*")
    if category:
        keys += [category, category[:2]]
    keys.append("*")
    return keys


def warn_fraction(step_key: str, default: float, per_step: Mapping[str, float]) -> float:
    """The warning share of ``step_key``'s limit (its light turns yellow from it): ``per_step``'s, else
    ``default``; a ValueError unless every step ``per_step`` names exists and the share is in (0, 1]."""
    unknown = sorted(set(per_step) - set(_BY_KEY))
    if unknown:
        raise ValueError(f"step_warn_fractions names unknown steps {unknown}; steps: {list(_BY_KEY)}")
    value = float(per_step.get(step_key, default))
    if not 0 < value <= 1:
        raise ValueError(f"the warning share of step {step_key!r} must be in (0, 1], got {value!r}")
    return value
