"""Texts a layer writes on the map come in by argument, in the interface's language (``views.i18n`` holds them):
each layer names the keys it needs (``LABELS``) and refuses a mapping that lacks one."""

from __future__ import annotations

from collections.abc import Mapping


def required(labels: Mapping[str, str], keys: tuple[str, ...], *, layer: str) -> dict[str, str]:
    """``labels`` restricted to ``keys``; a ValueError naming the missing keys when it lacks any."""
    missing = [key for key in keys if key not in labels]
    if missing:
        raise ValueError(f"{layer} labels lack {missing}; the layer needs {list(keys)}")
    return {key: str(labels[key]) for key in keys}
