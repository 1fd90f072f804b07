"""Errors a user can act on. Each renders as one line and maps to exit code 2."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence

#: Most characters of a value a message quotes (a key, a date, a pattern, a line of a file).
EXCERPT = 80
#: Most characters of a whole reject reason: a backstop for values quoted without ``excerpt``.
MAX_REASON = 400
#: Most characters of an error line the command line prints (a path alone may take 4,096).
MAX_MESSAGE = 5000
# C0 and C1 control characters and DEL: a newline in a value would forge a second message
# line, an escape sequence would drive the terminal.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with its control characters escaped as Python writes them (``\\n``)."""
    return _CONTROLS.sub(lambda m: repr(m.group())[1:-1], text)


def excerpt(value: object, limit: int = EXCERPT) -> str:
    """``value`` as a message quotes it: control characters escaped, at most ``limit``
    characters, then how long it was (``AAAA…(20,971,520 characters)``). A stranger's file
    can hold a 20 MB field: a message that copies it whole is 20 MB, and wrapping it for the
    terminal took minutes."""
    text = str(value)
    if len(text) <= limit:
        return printable(text)
    return f"{printable(text[:limit])}…({len(text):,} characters)"


def quoted(value: object, limit: int = EXCERPT) -> str:
    """``value`` in quotes, shortened by :func:`excerpt`. Only text is quoted: a value of
    another type (a JSON ``null`` or number where text belongs) shows bare, so it cannot pass
    for the text it would print as; bytes show as the text they decode to."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return excerpt(value, limit)
    return f"'{excerpt(value, limit)}'"


class FlowgapError(Exception):
    """Base: bad usage, bad input or bad config. The CLI prints ``str(err)`` and exits 2."""

    exit_code = 2


class InputError(FlowgapError):
    """An input cannot be read at all (missing, unreadable, undetectable, corrupt)."""

    def __init__(self, path: object, problem: str, record: str | None = None) -> None:
        self.path = str(path)
        self.problem = problem
        self.record = record
        where = f"{self.path}: {record}" if record else self.path
        super().__init__(f"{where}: {problem}")


class ConfigError(FlowgapError):
    """The configuration is invalid. Names the file and the key."""

    def __init__(self, path: object, key: str, problem: str) -> None:
        self.path = str(path)
        self.key = key
        self.problem = problem
        # "-" stands for the file as a whole (not found, not TOML): no key to name.
        where = self.path if key == "-" else f"{self.path}: {key}"
        super().__init__(f"{where}: {problem}")


class UsageError(FlowgapError):
    """The command line asks for something that does not exist (unknown metric, format...)."""


#: How many of the data's names an error about an unknown one lists.
NAMES_SHOWN = 12
#: How many close matches of an unknown name an error suggests.
CLOSE_SHOWN = 3


def unknown_name(
    what: str, name: str, known: Iterable[object], listed_in: str | None = None
) -> str:
    """The one wording for a name that does not exist (a status, a team, a metric...), short
    whatever the names: "unknown team 'Bakend' (did you mean 'Backend'?); the data's teams are
    'Backend', 'QA' and 2 more". With ``listed_in`` (where every name is documented: a fixed
    vocabulary such as the metrics) it points there instead of listing them: listing every
    metric took 900 characters."""
    names = sorted({str(k) for k in known})
    many = what + ("es" if what.endswith("s") else "s")
    if not names:
        return f"unknown {what} {quoted(name)}; the data names no {what}"
    close = close_names(name, names)
    guess = f" (did you mean {_one_of([quoted(c) for c in close])}?)" if close else ""
    if listed_in is not None:
        return f"unknown {what} {quoted(name)}{guess}; all {len(names):,} {many} are in {listed_in}"
    return (
        f"unknown {what} {quoted(name)}{guess}; the data's {many} are {a_few(map(quoted, names))}"
    )


def close_names(name: str, names: Sequence[str]) -> list[str]:
    """The names most like ``name`` (what a typo meant), the closest first."""
    return difflib.get_close_matches(name, names, n=CLOSE_SHOWN)


def a_few(texts: Iterable[str]) -> str:
    """At most :data:`NAMES_SHOWN` of ``texts`` and how many more: "a, b and 9,988 more". A
    list of every name of a stranger's file (10,000 columns) made a 69 KB message."""
    texts = list(texts)
    listed = ", ".join(texts[:NAMES_SHOWN])
    more = len(texts) - NAMES_SHOWN
    return f"{listed} and {more:,} more" if more > 0 else listed


def _one_of(texts: list[str]) -> str:
    return texts[0] if len(texts) == 1 else f"{', '.join(texts[:-1])} or {texts[-1]}"
