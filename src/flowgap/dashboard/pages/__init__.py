"""The dashboard's pages. Each module has ``NAME``, ``PATH``, ``TITLE``, ``layout(view, search)``
and optionally ``register(app, service)`` for its callbacks."""

from __future__ import annotations

from . import bottlenecks, decisions, flow, journey, overview, steering, upload

PAGES = (upload, overview, bottlenecks, flow, journey, steering, decisions)
