"""Map layers: data in, one folium element out. No SQL and no Streamlit here; coordinates are WGS-84."""

from .basemap import BASEMAPS, blank_map, tile_layer
from .grids import grid_boundaries
from .offline import VENDOR_DIR, VENDORED, use_local_assets

__all__ = ["BASEMAPS", "VENDORED", "VENDOR_DIR", "blank_map", "grid_boundaries", "tile_layer", "use_local_assets"]
