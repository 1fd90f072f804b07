"""Errors a user can act on. Each renders as one line and maps to exit code 2."""

from __future__ import annotations

from collections.abc import Iterable


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


def unknown_name(what: str, name: str, known: Iterable[object]) -> str:
    """The one wording for a name the data does not have (a status, a team, a type...), short
    whatever the data holds: "unknown team 'Nope'; the data's teams are 'Backend', 'QA' and
    2 more"."""
    names = sorted({str(k) for k in known})
    many = what + ("es" if what.endswith("s") else "s")
    if not names:
        return f"unknown {what} {name!r}; the data names no {what}"
    listed = ", ".join(repr(n) for n in names[:NAMES_SHOWN])
    more = f" and {len(names) - NAMES_SHOWN:,} more" if len(names) > NAMES_SHOWN else ""
    return f"unknown {what} {name!r}; the data's {many} are {listed}{more}"
