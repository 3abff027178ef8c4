"""IoT sensors of elderly people living alone: an ``iot_devices`` frame in, one FeatureGroup of markers out,
coloured by state (an alarm open, online, offline, fault).

At most ``cap`` markers are drawn: devices that need attention (alarm, fault, offline) first, so at the scale of a
city the map shows what matters and the caller states how many are shown. Popups hold the kind, the state and the
grid only: never the household or its address.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import folium
import numpy as np
import pandas as pd

from ._labels import required
from ._legend import Legend
from ._points import PointMarkers

#: States in order of urgency, and their colours.
STATES: tuple[str, ...] = ("alarm", "fault", "offline", "online")
STATE_COLOURS: dict[str, str] = {"alarm": "#d7191c", "fault": "#fdae61", "offline": "#9e9e9e", "online": "#1a9641"}
KINDS: tuple[str, ...] = ("smoke", "gas", "water", "door")
REQUIRED_COLUMNS: tuple[str, ...] = ("device_id", "kind", "status", "lon", "lat")
#: The texts the layer needs: popup fields, the legend title, each state's and each kind's name.
LABELS: tuple[str, ...] = (
    "kind",
    "status",
    "grid",
    "alarms_open",
    "legend",
    *(f"state_{state}" for state in STATES),
    *(f"kind_{kind}" for kind in KINDS),
)


def shown_devices(devices: pd.DataFrame, cap: int) -> pd.DataFrame:
    """The located devices a map shows: all when at most ``cap``; else every device needing attention (alarm,
    fault, offline: the most urgent first, up to ``cap``) and, in the room left, online devices evenly spread over
    the frame's order, so the map still shows where the sensors are."""
    located = devices[devices["lon"].notna() & devices["lat"].notna()]
    if len(located) <= cap:
        return located
    online = (located["status"] == "online").to_numpy()
    rank = located["status"].map({state: i for i, state in enumerate(STATES)}).fillna(len(STATES)).to_numpy()
    urgent = np.flatnonzero(~online)
    urgent = urgent[np.argsort(rank[urgent], kind="stable")][:cap]
    room = cap - len(urgent)
    calm = np.flatnonzero(online)
    spread = calm[np.linspace(0, len(calm) - 1, room).round().astype(int)] if room > 0 and len(calm) else calm[:0]
    return located.iloc[np.sort(np.r_[urgent, spread])]


def iot_device_markers(
    devices: pd.DataFrame, *, name: str, labels: Mapping[str, str], show: bool = True
) -> folium.FeatureGroup:
    """The devices of ``devices`` (``shown_devices`` of an ``iot_devices`` frame) coloured by state."""
    missing = [column for column in REQUIRED_COLUMNS if column not in devices.columns]
    if missing:
        raise ValueError(f"device frame lacks columns {missing}; it has {list(devices.columns)}")
    raw = required(labels, LABELS, layer="iot_devices")
    text = {key: html.escape(value) for key, value in raw.items()}
    located = devices[devices["lon"].notna() & devices["lat"].notna()]
    index = {state: i for i, state in enumerate(STATES)}
    colour = located["status"].map(index).fillna(index["online"]).astype(int).to_numpy()

    def named(prefix: str, value: object) -> str:
        return text.get(f"{prefix}_{value}", html.escape(str(value)))

    popups = [
        [named("kind", kind), named("state", status), html.escape(str(grid or "")), str(int(n)) if n else ""]
        for kind, status, grid, n in zip(
            located["kind"],
            located["status"],
            located.get("grid_code", pd.Series("", located.index)),
            located.get("alarms_open", pd.Series(0, located.index)),
            strict=True,
        )
    ]
    group = folium.FeatureGroup(name=name, show=show)
    PointMarkers(
        located["lat"].to_numpy(np.float64),
        located["lon"].to_numpy(np.float64),
        colour=colour,
        palette=[STATE_COLOURS[state] for state in STATES],
        popups=popups,
        fields=[raw["kind"], raw["status"], raw["grid"], raw["alarms_open"]],  # escaped by PointMarkers
        radius=4,
    ).add_to(group)
    present = [state for state in STATES if (located["status"] == state).any()]
    Legend(raw["legend"], [(STATE_COLOURS[state], raw[f"state_{state}"]) for state in present], dots=True).add_to(group)
    return group
