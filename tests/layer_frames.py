"""Frames and calls the layer and map tests share: areas in a row, cases, rendering, and each layer called with
the Chinese texts of the one label table (``views.i18n``), as the map composes them."""

from __future__ import annotations

import json
import re
from typing import Any

import folium
import pandas as pd
import shapely
from shapely.geometry import box

import layers
from layers import blank_map, use_local_assets
from views.i18n import labels

BASE = "/app/static/vendor"
URL = re.compile(r"""https?://[^\s"'<>)]+""")
XSS = "<script>alert(1)</script>"
CONTACT = ("张*", "138****5678", "13812345678")


def texts(layer: str, lang: str = "zh") -> dict[str, str]:
    """The texts layer module ``layer`` needs, from the label table."""
    return labels(lang, f"layer.{layer}", getattr(layers, layer).LABELS)


def grid_boundaries(frame: pd.DataFrame, **options: Any) -> layers.AreaLayer:
    return layers.grid_boundaries(
        frame, **{"name": "网格边界", "level_label": "网格", "labels": texts("grids"), **options}
    )


def area_choropleth(frame: pd.DataFrame, **options: Any) -> folium.FeatureGroup:
    defaults = {"name": "专题图", "level_label": "网格", "no_data_label": "无数据"}
    return layers.area_choropleth(frame, **{**defaults, **options})


def case_markers(frame: pd.DataFrame, **options: Any) -> folium.FeatureGroup:
    return layers.case_markers(frame, **{"name": "案件点位", "labels": texts("cases"), **options})


def camera_markers(cameras: pd.DataFrame, events: pd.DataFrame, **options: Any) -> folium.FeatureGroup:
    return layers.camera_markers(cameras, events, **{"name": "视频监控", "labels": texts("cameras"), **options})


def facility_markers(frame: pd.DataFrame, **options: Any) -> folium.FeatureGroup:
    from views.i18n import prefixed

    defaults = {
        "name": "服务设施",
        "labels": texts("facilities"),
        "kind_labels": prefixed("zh", "layer.facility_kinds"),
    }
    return layers.facility_markers(frame, **{**defaults, **options})


def alert_markers(frame: pd.DataFrame, **options: Any) -> folium.FeatureGroup:
    return layers.alert_markers(frame, **{"name": "超期预警", "labels": texts("alerts"), **options})


def hex_bin_layer(frame: pd.DataFrame, **options: Any) -> folium.FeatureGroup:
    return layers.hex_bin_layer(frame, **{"name": "蜂窝聚合", "title": "案件数", **options})


def rendered(*elements: folium.Element) -> str:
    m = blank_map()
    for element in elements:
        element.add_to(m)
    use_local_assets(m, base_url=BASE)
    return m.get_root().render()


def area_frame(values: list[float], names: list[str] | None = None) -> pd.DataFrame:
    """Areas side by side along a row of 0.1° squares from (117.0, 31.0)."""
    n = len(values)
    boxes = [box(117.0 + 0.1 * i, 31.0, 117.1 + 0.1 * i, 31.1) for i in range(n)]
    return pd.DataFrame(
        {
            "code": [f"34010200{i + 1}" for i in range(n)],
            "name": names or [f"街道{i + 1}" for i in range(n)],
            "geom_wkb": [bytearray(shapely.to_wkb(b)) for b in boxes],
            "population": [10000] * n,
            "cases": values,
        }
    )


def case_frame(n: int = 3, **columns: list) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "case_uid": [f"t:{i}" for i in range(n)],
            "lon": [117.05 + 0.001 * i for i in range(n)],
            "lat": [31.05 + 0.001 * i for i in range(n)],
            "category_name": ["暴露垃圾"] * n,
            "major_name": ["市容环境"] * (n - 1) + ["街面秩序"],
            "status_name": ["处置中"] * n,
            "reported_at": [pd.Timestamp("2024-05-01 09:30")] * n,
            "address": ["长江西路1号"] * n,
            "description": ["路边垃圾堆放"] * n,
            "dept_name": ["城管局"] * n,
            "contact_masked": ["张*"] * n,  # a frame may carry it; no layer may show it
            "contact_phone": ["138****5678"] * n,
        }
    )
    for name, values in columns.items():
        frame[name] = values
    return frame


def rows_of(html: str) -> list:
    """The data rows of the (first) point layer in ``html``."""
    return json.loads(re.search(r"var rows = (\[\[-?[\d.]+,.*?\]);\n", html).group(1))
