"""WSGI entry of the flowgap dashboard for a team deployment (gunicorn behind a reverse proxy).

    gunicorn -c dashboards/gunicorn.conf.py dashboards.wsgi:server

Settings come from the environment (never from the command line, so secrets stay out of
``ps``):

- ``FLOWGAP_TOKEN``: the shared access token every request must carry (header, cookie, or
  ``?token=`` once). Required unless ``FLOWGAP_AUTH=proxy`` says the reverse proxy
  authenticates users itself.
- ``FLOWGAP_CONFIG``: path of the ``flowgap.toml`` to use (optional).
- ``FLOWGAP_INPUTS``: exports shared read-only as the demo dataset, separated by ``:``
  (optional).
- ``FLOWGAP_SESSION_DIR``: where per-session upload directories live; every worker must see
  the same directory (default: a per-user directory under the system temp dir).
- ``FLOWGAP_PROXIES``: how many reverse proxies sit in front (default 1); their
  ``X-Forwarded-*`` headers are trusted so cookies get the ``Secure`` flag behind HTTPS.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from werkzeug.middleware.proxy_fix import ProxyFix

from flowgap.config import Config
from flowgap.dashboard import create_app
from flowgap.dashboard.data import use_the_system_allocator
from flowgap.errors import FlowgapError


def build():
    token = os.environ.get("FLOWGAP_TOKEN") or None
    if token is None and os.environ.get("FLOWGAP_AUTH") != "proxy":
        raise FlowgapError(
            "set FLOWGAP_TOKEN (a shared access token) or FLOWGAP_AUTH=proxy when the reverse"
            " proxy authenticates users"
        )
    if token is not None and len(token) < 16:
        raise FlowgapError("FLOWGAP_TOKEN is too short (16 characters at least)")
    config_path = os.environ.get("FLOWGAP_CONFIG")
    config = Config.load(config_path) if config_path else Config()
    inputs = [Path(p) for p in os.environ.get("FLOWGAP_INPUTS", "").split(os.pathsep) if p]
    use_the_system_allocator()  # a worker is a server: memory goes back when freed
    app = create_app(
        config, inputs, session_root=os.environ.get("FLOWGAP_SESSION_DIR") or None, token=token
    )
    proxies = int(os.environ.get("FLOWGAP_PROXIES", "1"))
    if proxies > 0:
        app.server.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.server.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    return app


try:
    app = build()
except FlowgapError as err:  # one line in the gunicorn log instead of a traceback
    print(f"flowgap: error: {err}", file=sys.stderr, flush=True)
    # 4 is gunicorn's "application failed to load": the master stops instead of respawning.
    raise SystemExit(4) from None
server = app.server
