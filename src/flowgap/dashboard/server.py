"""``flowgap serve``: check the bind is safe, preload the demo inputs, run the app.

Served by Flask's threaded server (one process, a thread per request): enough for one person
or a small group on loopback. A team deployment runs ``dashboards/wsgi.py`` under gunicorn
behind a reverse proxy (see ``dashboards/README.md``).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from ..config import Config
from ..errors import FlowgapError, InputError
from .auth import is_loopback, resolve_token


def serve(
    inputs: list[Path],
    config: Config,
    host: str = "127.0.0.1",
    port: int = 8050,
    auth_token_env: str | None = None,
    insecure: bool = False,
) -> None:
    """Run the dashboard until interrupted. Raises a FlowgapError for an unsafe bind or an
    unreadable demo input (the CLI turns it into one line and exit code 2)."""
    from . import create_app
    from .data import use_the_system_allocator
    from .filters import Filters

    token = resolve_token(host, auth_token_env, insecure)
    for path in inputs:
        if not Path(path).exists():
            raise InputError(path, "no such file or directory")
    use_the_system_allocator()  # this process is the server: memory goes back when freed
    app = create_app(config, inputs, token=token)
    service = app._flowgap_service  # type: ignore[attr-defined]
    if service.demo is not None:
        # Load and analyse now: a bad input fails here with one line, not in the first page.
        service.load(service.demo, config)
        view = service.view(None, Filters())
        if view.error:
            raise FlowgapError(view.error)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    where = host if ":" not in host else f"[{host}]"
    note = "" if token or is_loopback(host) else " (no authentication: --insecure)"
    prefix = config.dashboard.url_prefix
    print(f"flowgap dashboard on http://{where}:{port}{prefix}{note}", file=sys.stderr, flush=True)
    app.run(host=host, port=port, debug=False, threaded=True, use_reloader=False)
