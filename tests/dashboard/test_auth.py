"""Binding rules and the token check, on a real Flask app."""

from __future__ import annotations

import pytest
from flask import Flask

from flowgap.dashboard.auth import AUTH_COOKIE, install, is_loopback, resolve_token
from flowgap.errors import UsageError

TOKEN = "s3cret-token-0123456789"


def test_loopback_detection():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert is_loopback("127.8.9.10")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    assert not is_loopback("example.org")


def test_non_loopback_bind_needs_token_or_insecure(monkeypatch):
    assert resolve_token("127.0.0.1", None, False) is None
    with pytest.raises(UsageError, match=r"--auth-token-env NAME .* or --insecure"):
        resolve_token("0.0.0.0", None, False)
    assert resolve_token("0.0.0.0", None, True) is None
    monkeypatch.delenv("FG_TOKEN", raising=False)
    with pytest.raises(UsageError, match="FG_TOKEN: that environment variable is not set"):
        resolve_token("0.0.0.0", "FG_TOKEN", False)
    monkeypatch.setenv("FG_TOKEN", "short")
    with pytest.raises(UsageError, match="too short"):
        resolve_token("0.0.0.0", "FG_TOKEN", False)
    monkeypatch.setenv("FG_TOKEN", TOKEN)
    assert resolve_token("0.0.0.0", "FG_TOKEN", False) == TOKEN


@pytest.fixture
def client():
    app = Flask("t")

    @app.route("/page")
    def page():
        return "ok"

    install(app, TOKEN)
    return app.test_client()


def test_requests_without_token_are_refused(client):
    r = client.get("/page")
    assert r.status_code == 401
    assert b"access token required" in r.data
    assert client.get("/page?token=wrong").status_code == 401
    assert client.get("/page", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_header_token_is_accepted(client):
    assert client.get("/page", headers={"Authorization": f"Bearer {TOKEN}"}).data == b"ok"
    assert client.get("/page", headers={"X-Flowgap-Token": TOKEN}).data == b"ok"


def test_query_token_becomes_a_cookie_and_leaves_the_url(client):
    r = client.get(f"/page?token={TOKEN}&from=2026-01-01")
    assert r.status_code == 303
    assert r.headers["Location"] == "/page?from=2026-01-01"
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith(f"{AUTH_COOKIE}=") and "HttpOnly" in cookie
    assert TOKEN not in cookie  # a digest, never the token itself
    assert client.get("/page").data == b"ok"  # the test client keeps the cookie


def test_token_redirect_never_leaves_the_host(client):
    r = client.get(
        "/", query_string={"token": TOKEN}, environ_overrides={"PATH_INFO": "//evil.example/page"}
    )
    assert r.status_code == 303
    assert r.headers["Location"] == "/evil.example/page"


def test_a_non_ascii_token_is_refused_with_401_not_a_server_error(client):
    """compare_digest raises TypeError on str with non-ASCII characters: a 500 before."""
    assert client.get("/page?token=t%C3%B6k%E2%82%AC").status_code == 401
    header = {"X-Flowgap-Token": "tök".encode().decode("latin-1")}
    assert client.get("/page", headers=header).status_code == 401
    assert client.get("/page", headers={"Authorization": "Bearer ünï"}).status_code == 401
    client.set_cookie(AUTH_COOKIE, "ç")
    assert client.get("/page").status_code == 401
