"""What flowgap never shows or writes out: the credentials a location or a Spark setting holds.

A URI may carry them (``s3://KEY:SECRET@bucket/x``, ``sc://host:15002/;token=...``,
``abfss://...?sig=...``), and so may a Spark setting (``spark.hadoop.fs.s3a.secret.key``,
``spark.hadoop.fs.azure.sas...``). Error lines, report.json (and the Markdown and HTML
reports made from it) and the dashboard's flowgap.toml download show ``***`` in their place:
a CI log, a report passed around the organisation or a stranger on a shared dashboard must
not receive them.

Only URIs are touched in free text (a local path or a status name such as ``Wait;key=x`` is
shown as it is), and in them a parameter only when its name is, or ends in, a word for a
credential (``sig``, ``X-Amz-Signature``, ``secret_key``; not ``keyword`` or ``design``).
"""

from __future__ import annotations

import re
from typing import Any

MASK = "***"
#: A URI in a text, to the next blank or quote; ``s3:/`` too, as a ``Path`` folds ``s3://``.
_URI = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*:/{1,2}[^\s'\"]*")
# scheme://user:password@host -> scheme://user:***@host. The password runs to the token's
# last "@" (a secret may hold "/" or "@"), unless it is a port and a path ("host:8020/a@b").
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*:/{1,2}[^/:@]*):(?!\d+(?:/|$))[^\s'\"]*@")
_CREDENTIAL = r"secret|token|passw(?:or)?d|pwd|pass|sig|signature|credentials?|key|sas"
# ?sig=..., &token=..., ;token=... (Spark Connect), X-Amz-Signature=...: the name kept
_PARAM = re.compile(rf"([;?&](?:[^=;&?]*[_.-])?(?:{_CREDENTIAL})=)[^;&]*", re.I)
# -Dfs.azure.sas=..., password=... inside a Spark setting's value
_ASSIGNED = re.compile(rf"((?:^|[\s;&?])(?:[^=\s;&?]*[_.-])?(?:{_CREDENTIAL})=)[^\s;&]*", re.I)
#: A Spark setting whose name says it holds a credential (its whole value is masked).
_SECRET_SETTING = re.compile(_CREDENTIAL, re.I)


def redacted(text: str) -> str:
    """``text`` (a location, or a message naming one) with the credentials of every URI in it
    replaced by ``***``."""
    return _URI.sub(lambda m: _uri(m.group()), text)


def _uri(uri: str) -> str:
    return _PARAM.sub(rf"\g<1>{MASK}", _USERINFO.sub(rf"\g<1>:{MASK}@", uri))


def shareable_config(raw: dict[str, Any]) -> dict[str, Any]:
    """A config as ``Config.to_toml_dict`` gives it, fit to be shown: every text with its
    URIs redacted; of the Spark settings, the whole value of one named for a credential, and
    any ``name=value`` credential inside the others (``-Dfs.azure.sas=...``), masked."""
    out = _redact_texts(raw)
    conf = out.get("engine", {}).get("spark", {}).get("conf")
    if isinstance(conf, dict):
        for name, value in conf.items():
            if _SECRET_SETTING.search(name):
                conf[name] = MASK
            elif isinstance(value, str):
                conf[name] = _ASSIGNED.sub(rf"\g<1>{MASK}", value)
    return out


def _redact_texts(value: Any) -> Any:
    if isinstance(value, str):
        return redacted(value)
    if isinstance(value, dict):
        return {key: _redact_texts(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact_texts(item) for item in value]
    return value
