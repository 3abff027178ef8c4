"""The place layers: cameras coloured by rate (flagged ones ringed), IoT sensors by state (capped, the urgent
first, no household ever), and uncovered places drawn with the grid layer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_layers import rendered

from layers import camera_rate_markers, iot_device_markers, shown_devices
from layers.camera_rates import LABELS as CAMERA_LABELS
from layers.iot_devices import LABELS as IOT_LABELS

CAMERA_TEXTS = {key: f"<{key}>" for key in CAMERA_LABELS}
IOT_TEXTS = {key: key for key in IOT_LABELS}


def cameras() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "camera_id": ["K1", "K2", "K3"],
            "name": ["西口<b>", "东口", "东桥"],
            "lon": [117.22, 117.28, 117.281],
            "lat": [31.85, 31.85, 31.85],
            "events": [30, 6, 0],
            "false_positives": [3, 4, 0],
            "alarm_rate": [1.0, 0.2, 0.0],
            "false_positive_rate": [0.1, 4 / 6, np.nan],
        }
    )


def test_cameras_by_false_positive_rate_grey_without_alarms_and_flagged_ringed() -> None:
    layer = camera_rate_markers(
        cameras(), measure="false_positive_rate", name="cams", labels=CAMERA_TEXTS, flagged={"K2"}
    )
    html = rendered(layer)
    assert "西口&lt;b&gt;" in html and "西口<b>" not in html  # names escaped
    assert "&lt;no_events&gt;" in html and "&lt;flagged&gt;" in html  # legend: no alarms, flagged
    assert "66.7%" in html  # K2's rate in its popup
    assert "#1f2d3d" in html  # the ring of the flagged camera
    with pytest.raises(ValueError, match="measure must be one of"):
        camera_rate_markers(cameras(), measure="events", name="x", labels=CAMERA_TEXTS)
    with pytest.raises(ValueError, match="lack"):
        camera_rate_markers(cameras(), measure="alarm_rate", name="x", labels={})
    with pytest.raises(ValueError, match="camera frame lacks columns"):
        camera_rate_markers(cameras().drop(columns="events"), measure="alarm_rate", name="x", labels=CAMERA_TEXTS)


def devices(n: int = 10) -> pd.DataFrame:
    status = ["online"] * (n - 3) + ["alarm", "offline", "fault"]
    return pd.DataFrame(
        {
            "device_id": [f"D{i}" for i in range(n)],
            "kind": ["smoke"] * n,
            "status": status,
            "lon": np.linspace(117.2, 117.3, n),
            "lat": 31.85,
            "grid_code": "340104001",
            "alarms_open": [0] * (n - 3) + [1, 0, 0],
            "household_masked": "王* 139****5678",
        }
    )


def test_sensors_capped_with_the_urgent_first_and_the_rest_spread() -> None:
    frame = devices(10)
    assert len(shown_devices(frame, 20)) == 10
    shown = shown_devices(frame, 5)
    assert set(shown["status"]) >= {"alarm", "offline", "fault"} and len(shown) == 5
    online = shown.loc[shown["status"] == "online", "device_id"].tolist()
    assert online == ["D0", "D6"]  # spread over the online ones, not the first two
    assert shown_devices(frame, 2)["status"].tolist() == ["alarm", "fault"]


def test_sensor_popups_never_hold_the_household() -> None:
    html = rendered(iot_device_markers(devices(4), name="iot", labels=IOT_TEXTS))
    assert "139****5678" not in html and "王*" not in html
    assert "state_alarm" in html and "kind_smoke" in html
    with pytest.raises(ValueError, match="device frame lacks columns"):
        iot_device_markers(devices().drop(columns="status"), name="iot", labels=IOT_TEXTS)
