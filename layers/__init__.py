"""Map layers: data in, one folium element out. No SQL and no Streamlit here.

Coordinates are lon/lat in the display system (WGS-84 unless ``display.shift_frame`` converted them for the
basemap). Every text that reaches the map is HTML-escaped by the layer that puts it there, and comes in by
argument: a layer with texts of its own names the keys it needs (``<module>.LABELS``).
"""

from . import alerts, cameras, cases, facilities, grids
from ._areas import AreaFeatures, AreaLayer
from ._classes import number_text
from .alerts import alert_markers
from .basemap import BASEMAPS, blank_map, display_crs, layer_control, tile_layers
from .bins import hex_bin_layer
from .cameras import camera_markers
from .cases import case_markers
from .choropleth import area_choropleth
from .display import shift_frame, simplify_frame
from .facilities import facility_markers
from .grids import grid_boundaries
from .heat import heat_layer
from .offline import VENDOR_DIR, VENDORED, use_local_assets
from .status_points import status_markers

__all__ = [
    "BASEMAPS",
    "VENDORED",
    "VENDOR_DIR",
    "AreaFeatures",
    "AreaLayer",
    "alert_markers",
    "alerts",
    "area_choropleth",
    "blank_map",
    "camera_markers",
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
    "layer_control",
    "number_text",
    "shift_frame",
    "simplify_frame",
    "status_markers",
    "tile_layers",
    "use_local_assets",
]
