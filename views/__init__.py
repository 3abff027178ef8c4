"""Views without Streamlit: what a page, the wall screen or a report shows, as values and pure functions.

``state`` (``ViewState``: the view as a value, and its URL form), ``periods`` and ``drill`` (the period presets
and the area tree), ``scope`` (a state made concrete on the data), ``calls`` (queries as values), ``pages`` (the
calls a page runs and what they compose into), ``maps`` (map composition), ``charts``, ``exports``, ``formats``
and ``i18n`` (the one label table).
"""
