"""The checked values of ``flowgap.toml``: durations, time zones, timestamp formats and
patterns. Each check raises ValueError, which the models turn into a config error naming the
file and the key."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator

from ..errors import excerpt, quoted
from ..units import DAY_S

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([dhm])\s*$")


#: The longest duration or window a config may give: the span one analysis can hold
#: (``time_span``: 100 years either side of the data). Beyond it the engine's integer
#: microseconds and Python's dates overflow.
MAX_DAYS = 36_500


def parse_duration(text: str) -> float:
    """``"5d"``, ``"12h"``, ``"30m"`` -> seconds."""
    m = _DURATION.match(text)
    if not m:
        raise ValueError(f"expected a duration like '5d', '12h' or '30m', got {text!r}")
    value, unit = float(m.group(1)), m.group(2)
    seconds = value * {"d": DAY_S, "h": DAY_S / 24, "m": 60.0}[unit]
    if seconds > MAX_DAYS * DAY_S:
        raise ValueError(f"{text.strip()!r} is longer than {MAX_DAYS:,} days")
    return seconds


def check_zone(name: str) -> str:
    """A time zone name the zone database knows (ValueError otherwise)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}, e.g. 'Europe/Berlin'") from None
    return name


#: A time zone setting: checked when the file is read, so the error names the file and key.
Zone = Annotated[str, AfterValidator(check_zone)]


def check_time_format(fmt: str) -> str:
    """A format ``datetime.strptime`` can use (ValueError otherwise): one with a directive
    twice (``%Y%Y``) or a bad one (``%Q``) fails on every value, some with a Python error."""
    try:
        datetime.strptime("", fmt)
    except re.error as exc:  # strptime compiles the format to a regex
        raise ValueError(f"{fmt!r} is not a strptime format: {exc.msg}") from None
    except ValueError as exc:
        if "does not match format" not in str(exc):
            raise ValueError(f"{fmt!r} is not a strptime format: {exc}") from None
    return fmt


#: A timestamp format setting (strptime directives), checked when the file is read.
TimeFormat = Annotated[str, AfterValidator(check_time_format)]


#: Most characters of a pattern in a config.
MAX_PATTERN = 10_000


def check_pattern(pattern: str) -> None:
    """Refuse a pattern RE2 cannot run (ValueError, which names the key in a config error).

    Every pattern from a config (possibly a stranger's, uploaded to a shared dashboard) runs
    in RE2, the engine of DuckDB and Arrow: linear time in the text whatever the pattern, so
    none can stall a server. Python's ``re`` backtracks (``(a+)+$`` on 30 ``a``s and a ``!``
    takes minutes) and never sees a user pattern. RE2 has no look-arounds or back-references.
    """
    import pyarrow as pa  # lazily: pyarrow.compute costs an import most commands skip here
    import pyarrow.compute as pc

    if len(pattern) > MAX_PATTERN:
        # RE2 would compile it (or log its budget overrun to stderr, line after line): no
        # real status, label or comment pattern comes near this length.
        raise ValueError(f"pattern {quoted(pattern)} is longer than {MAX_PATTERN:,} characters")
    try:
        pc.match_substring_regex(pa.array([""], pa.string()), pattern)
    except (pa.ArrowInvalid, NotImplementedError) as exc:
        problem = excerpt(str(exc).split(":", 1)[-1].strip())  # RE2 quotes the pattern
        raise ValueError(
            f"pattern {quoted(pattern)} is not supported ({problem}); patterns run in RE2, which"
            " has no look-arounds or back-references"
        ) from None
