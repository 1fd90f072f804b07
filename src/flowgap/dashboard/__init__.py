"""The flowgap dashboard: a multi-page Dash app over the same ``flowgap.analyze`` as the CLI.

``create_app`` builds the app; ``server.serve`` runs it for ``flowgap serve`` and
``dashboards/wsgi.py`` for gunicorn. Pages live in ``pages/`` (upload, overview, bottlenecks,
flow, journey, steering); the router and the global filters are in ``shell.py``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import dash

from ..config import Config
from ..errors import FlowgapError

__all__ = ["create_app", "default_session_root"]


def default_session_root() -> Path:
    """``$FLOWGAP_SESSION_DIR``, else a per-user directory under the system temp dir."""
    configured = os.environ.get("FLOWGAP_SESSION_DIR")
    if configured:
        return Path(configured)
    return Path(tempfile.gettempdir()) / f"flowgap-sessions-{os.getuid()}"


def create_app(
    config: Config | None = None,
    inputs: Sequence[str | Path] = (),
    *,
    session_root: str | Path | None = None,
    token: str | None = None,
) -> dash.Dash:
    """Build the Dash app.

    ``inputs`` become the shared read-only demo dataset every session sees until it uploads
    its own. ``session_root`` is where per-session directories go (default: a private
    directory under the system temp dir). With ``token``, every request must carry it (see
    ``auth.py``).
    """
    from . import auth, shell
    from .data import DataService
    from .sessions import SessionStore

    _import_pil_before_serving()
    config = config or Config()
    root = Path(session_root) if session_root else default_session_root()
    try:
        store = SessionStore(root, ttl_hours=config.dashboard.session_ttl_hours)
        store.cleanup()
    except OSError as exc:
        raise FlowgapError(
            f"session directory {root}: cannot use it ({exc.strerror or exc});"
            " set FLOWGAP_SESSION_DIR to a directory of your own"
        ) from None
    service = DataService(config, store, [Path(p) for p in inputs])

    app = dash.Dash(
        __name__,
        title="flowgap",
        suppress_callback_exceptions=True,
        assets_folder=str(Path(__file__).parent / "assets"),
        update_title=None,
        url_base_pathname=config.dashboard.url_prefix,
    )
    server = app.server
    # The request cap is a backstop for the size check in the upload callback, which gives the
    # readable message: uploads arrive base64-encoded (4/3 of the bytes) inside JSON.
    limit = int(config.dashboard.upload_limit_mb * 1_000_000)
    server.config["MAX_CONTENT_LENGTH"] = limit * 2 + 5_000_000
    if token:
        auth.install(server, token)
    shell.install_sessions(server, store)
    app.layout = shell.layout(service)
    shell.register(app, service)
    app._flowgap_service = service  # type: ignore[attr-defined]  # tests and wsgi reach it
    return app


def _import_pil_before_serving() -> None:
    """Import ``PIL.Image`` now, before any request thread runs.

    plotly's JSON encoder checks every value against ``sys.modules["PIL.Image"]`` once that
    module is present. pm4py's import, which ``flowgap.analyze`` starts in a background
    thread (``mining.pm4py_frames.preload``), imports Pillow: a response encoded during that
    import met a half-initialised module and failed with a 500 ("partially initialized module
    'PIL.Image' has no attribute 'Image'"), seen twice in one run of the test suite."""
    with contextlib.suppress(ImportError):  # without Pillow, plotly never looks for it
        import PIL.Image  # noqa: F401
