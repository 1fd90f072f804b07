"""How big a flowgap.toml may be: its text, and the entries of each of its tables and arrays.

A real config is a few KB: a Jira site has hundreds of statuses and thousands of people, so
``[statuses] classes`` and ``[teams] assignee_map`` hold that many entries at most. A config
uploaded to the dashboard by a stranger may hold a million (25 MB of text, well under the
upload limit): parsing it took 8 s of CPU (``tomllib``, in pure Python, about 0.3 s per MB
of key lines and 0.5 s per MB of an inline array), validating it 0.5 s (7 s for a million
``[[steering.recurring]]`` meetings), and the dashboard parses an uploaded config twice and
copies it per analysis: about 50 s of CPU for one upload.

So the text is cut off before it is parsed (:data:`MAX_CHARS`: at most about 1 s of parsing)
and every table and array is counted before it is validated (:data:`MAX_ENTRIES`). Both are
far above any real config; each excess is one :class:`~flowgap.errors.ConfigError` naming the
file, the key and the limit.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError

#: Most characters of a flowgap.toml: 20,000 people in an assignee map take about 1 MB.
MAX_CHARS = 2 << 20
#: Most entries of one table or array (statuses, people, meetings, labels, patterns...).
MAX_ENTRIES = 100_000


def check_text(text: str, path: str | Path) -> None:
    """A ConfigError when ``text`` is longer than :data:`MAX_CHARS`."""
    if len(text) > MAX_CHARS:
        raise ConfigError(
            path, "-", f"more than {MAX_CHARS:,} characters, the most a flowgap.toml may hold"
        )


def check_entries(raw: dict, path: str | Path) -> None:
    """A ConfigError naming the first table or array of ``raw`` (parsed TOML) that holds more
    than :data:`MAX_ENTRIES` entries, by its key as validation errors name it
    (``statuses.classes``, ``steering.recurring.3.labels_any``). Iterative: TOML nests as
    deep as the parser allows."""
    stack: list[tuple[str, object]] = [("", raw)]
    while stack:
        key, value = stack.pop()
        if isinstance(value, dict):
            children = [(str(k), v) for k, v in value.items()]
        elif isinstance(value, list):
            children = [(str(i), v) for i, v in enumerate(value)]
        else:
            continue
        if len(children) > MAX_ENTRIES:
            raise ConfigError(
                path,
                key or "-",
                f"{len(children):,} entries, more than the {MAX_ENTRIES:,} a table or array"
                " may hold",
            )
        stack.extend((f"{key}.{k}" if key else k, v) for k, v in reversed(children))
