"""Make a folium map load its JavaScript and CSS from OneMap's own copies instead of public CDNs.

Government intranets cannot reach jsdelivr, cdnjs or code.jquery.com, and a map whose Leaflet fails to
load draws nothing. The files folium needs are vendored under ``static/vendor`` (versions and licences
in ``static/vendor/README.md``); ``use_local_assets`` rewrites every element's links to them. A link with
no local copy is an error rather than a silent CDN request, so a new plugin cannot bring one back.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import branca.colormap
import branca.element
import folium
from folium.elements import JSCSSMixin

#: The vendored files, relative to ``VENDOR_DIR``.
VENDOR_DIR = Path(__file__).resolve().parents[1] / "static" / "vendor"

#: folium's name for an asset → its vendored copy.
VENDORED: dict[str, str] = {
    "leaflet": "leaflet-1.9.3/leaflet.js",
    "leaflet_css": "leaflet-1.9.3/leaflet.css",
    "jquery": "jquery-3.7.1/jquery.min.js",
    "markerclusterjs": "leaflet.markercluster-1.1.0/leaflet.markercluster.js",
    "markerclustercss": "leaflet.markercluster-1.1.0/MarkerCluster.css",
    "markerclusterdefaultcss": "leaflet.markercluster-1.1.0/MarkerCluster.Default.css",
    "leaflet-heat.js": "leaflet.heat-0.2.0/leaflet-heat.min.js",
}

#: folium.Map defaults that OneMap leaves out, and why. They serve folium.Icon's icon-font markers, which
#: ``use_local_assets`` refuses; Bootstrap is not used by any folium template OneMap renders.
NOT_NEEDED: dict[str, str] = {
    "bootstrap": "Bootstrap JS, unused by folium's templates",
    "bootstrap_css": "Bootstrap CSS, only styles folium.Icon markers",
    "glyphicons_css": "icon font for folium.Icon",
    "awesome_markers": "folium.Icon markers",
    "awesome_markers_css": "folium.Icon markers",
    "awesome_markers_font_css": "icon font for folium.Icon",
    "awesome_rotate_css": "folium.Icon rotation",
}


def _walk(element: branca.element.Element) -> Iterator[branca.element.Element]:
    yield element
    for child in element._children.values():
        yield from _walk(child)


def _local_links(element: JSCSSMixin, links: list[tuple[str, str]], base_url: str) -> list[tuple[str, str]]:
    local = []
    for name, url in links:
        if name in NOT_NEEDED:
            continue
        if name not in VENDORED:
            raise ValueError(
                f"{type(element).__name__} needs {name!r} from {url}, which is not vendored; vendored assets:"
                f" {sorted(VENDORED)} (add it under static/vendor and to VENDORED)"
            )
        local.append((name, f"{base_url.rstrip('/')}/{VENDORED[name]}"))
    return local


def use_local_assets(m: folium.Map, *, base_url: str) -> folium.Map:
    """Point the JS/CSS links of ``m`` and everything on it at ``base_url`` (where ``static/vendor`` is served).

    Call it after the last layer is added. Raises ``ValueError`` for elements that would still need the
    internet: folium.Icon (icon fonts) and branca colormaps (streamlit-folium loads d3 from a CDN for them).
    """
    for element in _walk(m.get_root()):
        if isinstance(element, folium.Icon):
            raise ValueError("folium.Icon needs icon fonts from a CDN; draw points with CircleMarker or DivIcon")
        if isinstance(element, branca.colormap.ColorMap):
            raise ValueError("branca colormaps make streamlit-folium load d3 from a CDN; draw the legend in Streamlit")
        if isinstance(element, JSCSSMixin):
            # Instance attributes: folium's defaults are class-level lists shared by every map.
            element.default_js = _local_links(element, element.default_js, base_url)
            element.default_css = _local_links(element, element.default_css, base_url)
    return m
