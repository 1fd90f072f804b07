"""``flowgap serve``: check the bind is safe, preload the demo inputs, run the app.

Served by Flask's threaded server (one process, a thread per request): enough for one person
or a small group on loopback. A team deployment runs ``dashboards/wsgi.py`` under gunicorn
behind a reverse proxy (see ``dashboards/README.md``).
"""

from __future__ import annotations

import errno
import logging
import socket
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
    from werkzeug.serving import make_server

    from . import create_app
    from .data import use_the_system_allocator
    from .filters import Filters

    token = resolve_token(host, auth_token_env, insecure)
    for path in inputs:
        if not Path(path).exists():
            raise InputError(path, "no such file or directory")
    # Bound first: a port in use fails now, in one line, not after the demo's load.
    listening = _listen(host, port)
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
    app.enable_dev_tools(debug=False)  # what Dash's own run() sets up before serving
    server = make_server(host, port, app.server, threaded=True, fd=listening.fileno())
    print(f"flowgap dashboard on http://{where}:{port}{prefix}{note}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()  # returns on Ctrl+C
    finally:
        listening.close()


def _listen(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port``, bound as Werkzeug binds; a FlowgapError naming the
    port when that fails (Werkzeug prints two lines and exits 1 by itself)."""
    from werkzeug.serving import LISTEN_QUEUE, get_sockaddr, select_address_family

    family = select_address_family(host, port)
    sock = socket.socket(family, socket.SOCK_STREAM)
    # A restart may reuse a port whose old connections are still closing (TIME_WAIT).
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(get_sockaddr(host, port, family))
        sock.listen(LISTEN_QUEUE)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            problem = "is in use by another program: stop it or give another --port"
        else:
            problem = f"cannot be bound: {exc.strerror or exc}"
        raise FlowgapError(f"port {port} on {host} {problem}") from None
    return sock
