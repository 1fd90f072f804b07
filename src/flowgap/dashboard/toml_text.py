"""Write a config as ``flowgap.toml`` text (the stdlib reads TOML but does not write it).

Covers what ``Config.to_toml_dict()`` produces: tables, arrays of tables, strings, numbers,
booleans, dates/times as ISO strings, and lists of scalars.
"""

from __future__ import annotations

import json
import re

from ..config import Config

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(name: str) -> str:
    return name if _BARE.match(name) else _string(name)


def _string(value: str) -> str:
    # JSON string escaping is valid TOML basic-string escaping for everything JSON emits.
    return json.dumps(value, ensure_ascii=False)


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_scalar(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _is_table_list(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _emit(table: dict, path: list[str], out: list[str]) -> None:
    scalars = {k: v for k, v in table.items() if not isinstance(v, dict) and not _is_table_list(v)}
    if scalars or not path:
        for key, value in scalars.items():
            out.append(f"{_key(key)} = {_scalar(value)}")
    for key, value in table.items():
        if isinstance(value, dict):
            sub = [*path, _key(key)]
            # Maps of plain values (status -> class) are tables of their own.
            out.append("")
            out.append(f"[{'.'.join(sub)}]")
            _emit(value, sub, out)
        elif _is_table_list(value):
            sub = [*path, _key(key)]
            for entry in value:
                out.append("")
                out.append(f"[[{'.'.join(sub)}]]")
                _emit(entry, sub, out)


def config_to_toml(config: Config, header: str = "") -> str:
    lines: list[str] = [f"# {line}" if line else "#" for line in header.splitlines()]
    body: list[str] = []
    _emit(config.to_toml_dict(), [], body)
    lines.extend(body)
    text = "\n".join(lines).strip("\n") + "\n"
    return re.sub(r"\n{3,}", "\n\n", text)
