"""`flowgap serve` refuses unsafe binds and unreadable inputs with one line and exit code 2."""

from __future__ import annotations

from typer.testing import CliRunner

from flowgap.cli import app

runner = CliRunner()


def test_non_loopback_bind_without_auth_is_refused():
    r = runner.invoke(app, ["serve", "--host", "0.0.0.0", "--port", "1"])
    assert r.exit_code == 2
    assert r.output.strip().splitlines() == [
        "flowgap: error: binding 0.0.0.0 exposes the dashboard beyond this machine: give"
        " --auth-token-env NAME (a token in that environment variable) or --insecure"
    ]


def test_token_variable_must_be_set(monkeypatch):
    monkeypatch.delenv("FLOWGAP_TEST_TOKEN", raising=False)
    r = runner.invoke(app, ["serve", "--host", "0.0.0.0", "--auth-token-env", "FLOWGAP_TEST_TOKEN"])
    assert r.exit_code == 2
    assert "FLOWGAP_TEST_TOKEN: that environment variable is not set or empty" in r.output


def test_missing_demo_input_is_one_line(tmp_path):
    missing = tmp_path / "nope.jira.ndjson"
    r = runner.invoke(app, ["serve", str(missing)])
    assert r.exit_code == 2
    assert r.output.strip() == f"flowgap: error: {missing}: no such file or directory"


def test_corrupt_demo_input_fails_before_serving(tmp_path):
    broken = tmp_path / "broken.jira.ndjson.gz"
    broken.write_bytes(b"\x1f\x8b\x08\x00" + b"not gzip" * 8)
    r = runner.invoke(app, ["serve", str(broken), "--port", "1"])
    assert r.exit_code == 2
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"flowgap: error: {broken}: ")


def test_unusable_session_directory_is_one_line(tmp_path, monkeypatch):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    monkeypatch.setenv("FLOWGAP_SESSION_DIR", str(blocker / "sessions"))
    r = runner.invoke(app, ["serve", "--port", "1"])
    assert r.exit_code == 2
    assert r.output.startswith(f"flowgap: error: session directory {blocker / 'sessions'}: ")
    assert "FLOWGAP_SESSION_DIR" in r.output


def test_a_port_in_use_is_one_line_naming_it_before_any_dashboard_line():
    # Werkzeug printed "Address already in use" after our "flowgap dashboard on ..." line,
    # and exited 1.
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        r = runner.invoke(app, ["serve", "--port", str(port)])
    assert r.exit_code == 2
    assert r.output.strip().splitlines() == [
        f"flowgap: error: port {port} on 127.0.0.1 is in use by another program: stop it or"
        " give another --port"
    ]
