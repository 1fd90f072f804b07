"""Neutralise spreadsheet formula injection in CSV cells (also used by the dashboard's export).

A cell that a spreadsheet would evaluate (starting with ``= + - @``, or with a tab or carriage
return that some spreadsheets strip before evaluating) gets a leading apostrophe, which makes
it text. Numbers are never passed through here, so negative numbers stay numbers.
"""

from __future__ import annotations

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """``'=1+1'`` -> ``"'=1+1"``; anything that is not a string is returned unchanged."""
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return "'" + value
    return value
