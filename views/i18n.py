"""The one label table: every text OneMap shows, in Chinese (the default) and English.

``translator(lang)("key", **values)`` for a page; ``labels(lang, prefix, keys)`` for a map layer, which names the
keys it needs (``layers.<layer>.LABELS``) and gets exactly those (``layer.<layer>.<key>``); measures are named
``measure.<name>`` (``core.measures.Measure.label_key``). A test checks that every key exists in both languages
and that every key a layer or measure needs is here. Dictionary names (channels, states, categories, grid
levels) come from the database in both languages (``name_zh``/``name_en``: ``name_column``); place names and
departments are Chinese in both modes, as the city writes them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import texts

#: Interface languages, the default first.
LANGUAGES: tuple[str, ...] = ("zh", "en")
#: How each language names itself in the switch.
LANGUAGE_NAMES: dict[str, str] = {"zh": "中文", "en": "English"}

#: key → {language → text} (joined from ``views/texts``); ``{name}`` fields are filled by ``str.format``.
STRINGS = texts.STRINGS

Translate = Callable[..., str]


def _check_language(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; choose one of {list(LANGUAGES)}")


def t(key: str, lang: str, /, **values: Any) -> str:
    """The text for ``key`` in ``lang``, with ``{name}`` fields filled from ``values``."""
    _check_language(lang)
    try:
        text = STRINGS[key][lang]
    except KeyError:
        raise KeyError(f"no interface string {key!r}; add it to a module of views/texts") from None
    return text.format(**values) if values else text


def translator(lang: str) -> Translate:
    """``t`` bound to ``lang``: pages write ``t = translator(filters.lang)`` and then ``t("key")``."""
    _check_language(lang)

    def bound(key: str, /, **values: Any) -> str:
        return t(key, lang, **values)

    return bound


def labels(lang: str, prefix: str, keys: tuple[str, ...]) -> dict[str, str]:
    """The texts of ``<prefix>.<key>`` for each of ``keys`` in ``lang``, keyed by ``key``: what a map layer takes
    as its ``labels`` (e.g. ``labels(lang, "layer.cases", layers.cases.LABELS)``)."""
    return {key: t(f"{prefix}.{key}", lang) for key in keys}


def prefixed(lang: str, prefix: str) -> dict[str, str]:
    """Every text under ``<prefix>.`` in ``lang``, keyed by the rest of its key: for open-ended sets whose keys
    are data (facility kinds: a kind the table lacks is shown by its code)."""
    _check_language(lang)
    start = f"{prefix}."
    return {key.removeprefix(start): texts[lang] for key, texts in STRINGS.items() if key.startswith(start)}


def name_column(lang: str, prefix: str = "name") -> str:
    """The dictionary column holding names in ``lang``: ``name_zh``/``name_en`` (or ``<prefix>_zh`` …)."""
    _check_language(lang)
    return f"{prefix}_{lang}"
