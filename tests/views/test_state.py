"""``ViewState`` and its URL form: defaults left out, codes sorted, hand-typed mistakes fall back and are named."""

from __future__ import annotations

import datetime as dt
import urllib.parse

import pytest

from views.periods import PRESETS
from views.state import DEFAULT_LAYERS, ViewState


def test_the_default_view_has_an_empty_query() -> None:
    assert ViewState().to_query() == {}
    assert ViewState.from_query({}) == ViewState()
    assert ViewState(lang="en").to_query(lang="en") == {}  # the configured language is the default
    assert ViewState.from_query({}, lang="en").lang == "en"


@pytest.mark.parametrize("preset", PRESETS)
def test_every_preset_round_trips(preset: str) -> None:
    dates = {"start": dt.date(2024, 5, 3), "end": dt.date(2024, 5, 20)} if preset == "custom" else {}
    state = ViewState(preset=preset, area="340102001", measure="overdue", lang="en", **dates)
    assert ViewState.from_query(state.to_query()) == state


def test_a_full_query_parses_like_a_browser_sends_it() -> None:
    url = "period=custom&start=2024-05-03&end=2024-05-20&channel=patrol,hotline&status=handling&area=340102001"
    url += "&measure=closure_rate&layers=points,heat&lang=en"
    state = ViewState.from_query(urllib.parse.parse_qs(url))
    assert state == ViewState(
        preset="custom",
        start=dt.date(2024, 5, 3),
        end=dt.date(2024, 5, 20),
        channel=("hotline", "patrol"),
        status=("handling",),
        area="340102001",
        measure="closure_rate",
        layers=("heat", "points"),  # the drawing order, whatever the URL's
        lang="en",
    )
    assert state.to_query()["channel"] == "hotline,patrol"
    assert state.filters == {"channel": ("hotline", "patrol"), "status": ("handling",)}


def test_hand_typed_mistakes_fall_back_to_the_defaults_and_are_named() -> None:
    query = {"period": "yesterday", "measure": "rate", "start": "2024-13-01", "layers": "points,x", "zoom": "3"}
    state = ViewState.from_query(query)
    assert (state.preset, state.measure, state.layers) == ("last_n_days", "cases", DEFAULT_LAYERS)
    problems = ViewState.problems(query)
    assert len(problems) == 5
    assert problems[0].startswith("unknown parameter 'zoom'")
    assert "start: cannot read '2024-13-01'" in problems
    # dates belong to a custom period, and only as a whole range in order
    assert ViewState.from_query({"start": "2024-05-01", "end": "2024-05-02"}).start is None
    assert ViewState.from_query({"period": "custom", "start": "2024-05-09", "end": "2024-05-02"}).start is None


def test_a_state_checks_its_values_and_replace_sorts_codes() -> None:
    with pytest.raises(ValueError, match=r"measure must be one of \['cases'"):
        ViewState(measure="rate")
    with pytest.raises(ValueError, match="layers must be among"):
        ViewState().replace(layers=("points", "roads"))
    assert ViewState().replace(dept=["B", "A", "B", " "]).dept == ("A", "B")
    assert ViewState().replace(layers=[]).to_query() == {"layers": ""}
    assert ViewState.from_query({"layers": ""}).layers == ()


def test_counting_by_incident_is_part_of_the_view_and_its_url() -> None:
    state = ViewState(count_by="incident", area="340102001")
    assert state.to_query() == {"area": "340102001", "count": "incident"}
    assert ViewState.from_query({"count": "incident"}).count_by == "incident"
    assert ViewState.from_query(state.to_query()) == state
    assert ViewState.from_query({"count": "cases"}).count_by == "report"  # a typo falls back, and is named
    assert ViewState.problems({"count": "cases"}) == ["count must be one of ['report', 'incident'], got 'cases'"]
    with pytest.raises(ValueError, match="count must be one of"):
        ViewState(count_by="incidents")
