"""What flowgap never shows or writes out: the credentials a location or a Spark setting holds.

A URI may carry them (``s3://KEY:SECRET@bucket/x``, ``sc://host:15002/;token=...``,
``abfss://...?sig=...``), and so may a Spark setting (``spark.hadoop.fs.s3a.secret.key``).
Error lines, report.json (and the Markdown and HTML reports made from it) and the
dashboard's flowgap.toml download show ``***`` in their place: a CI log, a report passed
around the organisation or a stranger on a shared dashboard must not receive them.
"""

from __future__ import annotations

import re
from typing import Any

MASK = "***"
_SECRET_WORDS = r"secret|token|passw(?:or)?d|pwd|sig|signature|credential|key"
# scheme://user:password@host -> scheme://user:***@host
_USERINFO = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*):[^@\s/]*@")
# ?sig=..., &token=..., ;token=... (Spark Connect) -> the name kept, the value masked
_PARAM = re.compile(rf"([;?&][^=;&?\s]*(?:{_SECRET_WORDS})[^=;&?\s]*=)[^;&\s'\"]*", re.I)
_SECRET_SETTING = re.compile(_SECRET_WORDS, re.I)


def redacted(text: str) -> str:
    """``text`` (a location, or a message naming one) with the credentials of any URI in it
    replaced by ``***``."""
    return _PARAM.sub(rf"\g<1>{MASK}", _USERINFO.sub(rf"\g<1>:{MASK}@", text))


def shareable_config(raw: dict[str, Any]) -> dict[str, Any]:
    """A config as ``Config.to_toml_dict`` gives it, fit to be shown: every text with its
    URIs redacted, and the value of every Spark setting named for a secret masked."""
    out = _redact_texts(raw)
    conf = out.get("engine", {}).get("spark", {}).get("conf")
    if isinstance(conf, dict):
        for name in conf:
            if _SECRET_SETTING.search(name):
                conf[name] = MASK
    return out


def _redact_texts(value: Any) -> Any:
    if isinstance(value, str):
        return redacted(value)
    if isinstance(value, dict):
        return {key: _redact_texts(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact_texts(item) for item in value]
    return value
