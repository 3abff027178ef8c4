"""Map layers: data in, one folium element out. No SQL and no Streamlit here.

Coordinates are lon/lat in the display system (WGS-84 unless ``display.shift_frame`` converted them for the
basemap). Every text that reaches the map is HTML-escaped by the layer that puts it there, and comes in by
argument: a layer with texts of its own names the keys it needs (``<module>.LABELS``).
"""

from . import alerts, camera_rates, cameras, cases, facilities, grids, iot_devices, playback
from ._areas import AreaFeatures, AreaLayer
from ._classes import ZERO_COLOUR, number_text
from .alerts import alert_markers
from .basemap import BASEMAPS, blank_map, display_crs, layer_control, tile_layers
from .bins import hex_bin_layer
from .camera_rates import camera_rate_markers
from .cameras import camera_markers
from .cases import case_markers
from .categories import area_categories
from .choropleth import area_choropleth
from .display import shift_frame, simplify_frame
from .facilities import facility_markers
from .grids import grid_boundaries
from .heat import heat_layer
from .iot_devices import iot_device_markers, shown_devices
from .offline import VENDOR_DIR, VENDORED, use_local_assets
from .playback import area_playback
from .status_points import status_markers

__all__ = [
    "BASEMAPS",
    "VENDORED",
    "VENDOR_DIR",
    "ZERO_COLOUR",
    "AreaFeatures",
    "AreaLayer",
    "alert_markers",
    "alerts",
    "area_categories",
    "area_choropleth",
    "area_playback",
    "blank_map",
    "camera_markers",
    "camera_rate_markers",
    "camera_rates",
    "cameras",
    "case_markers",
    "cases",
    "display_crs",
    "facilities",
    "facility_markers",
    "grid_boundaries",
    "grids",
    "heat_layer",
    "hex_bin_layer",
    "iot_device_markers",
    "iot_devices",
    "layer_control",
    "number_text",
    "playback",
    "shift_frame",
    "shown_devices",
    "simplify_frame",
    "status_markers",
    "tile_layers",
    "use_local_assets",
]
