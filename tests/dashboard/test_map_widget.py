"""The map widget: a click on an area is reported once."""

from __future__ import annotations

import pytest

from dashboard import map_widget


def test_show_map_returns_each_clicked_area_once(monkeypatch: pytest.MonkeyPatch) -> None:
    state: dict = {}
    monkeypatch.setattr(map_widget.st, "session_state", state)
    click = {"last_active_drawing": {"properties": {"code": "A&amp;1"}}, "last_object_clicked": {"lat": 1, "lng": 2}}
    assert map_widget._clicked_code(click, key="m") == "A&1"  # unescaped back to the code
    assert map_widget._clicked_code(click, key="m") is None  # the same click, seen on a later run
    again = {**click, "last_object_clicked": {"lat": 1, "lng": 3}}
    assert map_widget._clicked_code(again, key="m") == "A&1"
    point = {"last_active_drawing": {"type": "Feature", "properties": {}}, "last_object_clicked": {"lat": 5}}
    assert map_widget._clicked_code(point, key="m") is None and map_widget._clicked_code(None, key="m") is None
