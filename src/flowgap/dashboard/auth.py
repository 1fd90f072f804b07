"""Who may reach the dashboard: loopback by default, a shared token for anything wider.

Binding a non-loopback address needs ``--auth-token-env NAME`` (the token is read from that
environment variable, never from the command line) or an explicit ``--insecure``. With a token,
every request must carry it once, in the ``Authorization: Bearer`` header, the
``X-Flowgap-Token`` header, the ``flowgap_auth`` cookie or a ``?token=`` query parameter; a
query token is turned into an HttpOnly cookie and removed from the URL by a redirect so it does
not linger in the address bar or the history.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
from urllib.parse import urlencode

from flask import Flask, Response, redirect, request

from ..errors import UsageError

AUTH_COOKIE = "flowgap_auth"


def is_loopback(host: str) -> bool:
    if host in {"localhost", "localhost.localdomain"}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def resolve_token(host: str, auth_token_env: str | None, insecure: bool) -> str | None:
    """The token requests must carry, or None when none is required. Refuses unsafe binds."""
    if auth_token_env:
        token = os.environ.get(auth_token_env, "")
        if not token:
            raise UsageError(
                f"--auth-token-env {auth_token_env}: that environment variable is not set or empty"
            )
        if len(token) < 16:
            raise UsageError(
                f"--auth-token-env {auth_token_env}: the token is too short"
                " (16 characters at least)"
            )
        return token
    if not is_loopback(host) and not insecure:
        raise UsageError(
            f"binding {host} exposes the dashboard beyond this machine: give --auth-token-env NAME"
            " (a token in that environment variable) or --insecure"
        )
    return None


def _cookie_value(token: str) -> str:
    # The cookie holds a digest, not the token itself, so a leaked cookie jar does not leak
    # the token people paste into URLs.
    return hashlib.sha256(b"flowgap-auth:" + token.encode()).hexdigest()


def _same(offered: str, expected: str) -> bool:
    """A constant-time comparison of bytes: ``compare_digest`` refuses str with non-ASCII
    characters (a TypeError, an HTTP 500) where a wrong token deserves a 401."""
    return hmac.compare_digest(
        offered.encode("utf-8", "surrogateescape"), expected.encode("utf-8", "surrogateescape")
    )


def install(server: Flask, token: str) -> None:
    """Require ``token`` on every request of ``server``."""
    expected_cookie = _cookie_value(token)

    @server.before_request
    def _require_token() -> Response | None:
        header = request.headers.get("Authorization", "")
        offered = request.headers.get("X-Flowgap-Token") or (
            header[7:] if header.lower().startswith("bearer ") else None
        )
        if offered is not None and _same(offered, token):
            return None
        cookie = request.cookies.get(AUTH_COOKIE)
        if cookie is not None and _same(cookie, expected_cookie):
            return None
        query = request.args.get("token")
        if query is not None and _same(query, token):
            rest = [(k, v) for k, v in request.args.items(multi=True) if k != "token"]
            # One leading slash: "//evil.example/" would be a redirect to another host.
            path = "/" + request.path.lstrip("/\\")
            target = path + (f"?{urlencode(rest)}" if rest else "")
            response = redirect(target, code=303)
            response.set_cookie(
                AUTH_COOKIE,
                expected_cookie,
                httponly=True,
                samesite="Strict",
                secure=request.is_secure,
            )
            return response
        return Response(
            "flowgap: access token required (open the link you were given, with ?token=...)\n",
            status=401,
            mimetype="text/plain",
        )
