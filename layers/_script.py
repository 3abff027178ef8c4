"""Writing data into the map's <script>: compact, safe JSON, and a fast path for large payloads.

branca turns every rendered script into an ``Element``, whose constructor compiles the text as a Jinja
template: for a megabyte of coordinates that lexing alone takes ~0.3 s. Elements that carry bulk data
render through ``render_script`` instead, which adds the text as is.
"""

from __future__ import annotations

import json
from typing import Any

from branca.element import Element, Figure, MacroElement


def script_json(value: Any) -> str:
    """``value`` as JSON that is safe inside a <script> element.

    Non-ASCII stays as is (a third of the size of ``\\uXXXX``). Only the sequences that could end or confuse
    the script element are escaped ("</", "<!--"), and the two line separators old JavaScript rejects.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return script_safe(text)


def script_safe(text: str) -> str:
    """JSON text made safe inside a <script> element (see ``script_json``)."""
    return (
        text.replace("</", "<\\/")
        .replace("<!--", "<\\u0021--")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


class RawText(Element):
    """Text put into the page as it is (not compiled as a template)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


def figure(element: Element) -> Figure:
    """The figure ``element`` renders into (branca types ``get_root`` as a plain Element)."""
    root = element.get_root()
    if not isinstance(root, Figure):
        raise TypeError(f"{element.get_name()} is not in a figure: add it to a map before rendering")
    return root


def render_script(element: MacroElement, **kwargs: Any) -> None:
    """Render ``element``'s ``script`` macro into its figure without branca's template compilation, then
    its children: ``MacroElement.render`` for an element with a script and nothing else.
    """
    script = element._template.module.__dict__["script"]
    figure(element).script.add_child(RawText(script(element, kwargs)), name=element.get_name())
    for child in element._children.values():
        child.render(**kwargs)
