"""Errors a user can act on. Each renders as one line and maps to exit code 2."""

from __future__ import annotations


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
