"""A Jira that misbehaves: ``flowgap pull`` always ends, with one clear error (exit 2), state a
rerun can resume or discard, and no credential in anything it prints."""

from __future__ import annotations

import base64
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flowgap.cli import app
from flowgap.errors import InputError, UsageError
from flowgap.pull import run_pull
from flowgap.pull.client import JiraClient

from .fake_jira import EMAIL, TOKEN, FakeJira, Reply
from .helpers import assert_export_matches

pytestmark = pytest.mark.timeout(120)
BASIC = base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()


def pull(fake: FakeJira, out: Path, **kw: object) -> object:
    return run_pull(
        fake.url, "project = ABC", out, quiet=True, sleep=lambda s: None, page_size=4, **kw
    )


def test_a_repeated_page_token_stops_and_the_pull_can_be_resumed(
    tmp_path: Path, jira_env: None
) -> None:
    out = tmp_path / "a.ndjson"
    with FakeJira("cloud") as fake:
        fake.repeat_token_after = 1  # the second page answers its own token again
        with pytest.raises(UsageError) as err:
            pull(fake, out)
        assert str(err.value) == (
            f"{fake.url}/rest/api/3/search/jql: no progress: Jira answered a page token it "
            "gave before; stopped instead of looping (4 issues saved in a.ndjson.partial; "
            "run the same command with --resume to continue, or delete it and "
            "a.ndjson.state.json to start afresh)"
        )
        assert sorted(p.name for p in tmp_path.iterdir()) == [
            "a.ndjson.partial",
            "a.ndjson.state.json",
        ]
        fake.repeat_token_after = None  # the server mended: the saved state resumes
        pull(fake, out, resume=True)
        assert_export_matches(out, fake)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.ndjson", "a.statuses.json"]


def test_a_changelog_that_never_says_it_is_the_last_page_stops(
    tmp_path: Path, jira_env: None
) -> None:
    with FakeJira("cloud") as fake:
        fake.changelog_goes_round = True
        with pytest.raises(InputError) as err:
            pull(fake, tmp_path / "a.ndjson")
        first_long = next(s for s in fake.issues if len(s.histories) > 3)
    assert str(err.value) == (
        f"{fake.url}/rest/api/3/issue/{first_long.id}/changelog: no progress: Jira answered "
        "the same histories again; stopped instead of looping"
    )
    assert list(tmp_path.iterdir()) == []  # nothing saved: nothing to resume or to delete


@pytest.mark.parametrize(
    ("omit", "problem"),
    [
        (False, "no progress: Jira answered startAt 0 when asked for 4; stopped"),
        (True, "no progress: a page of the search held only issues already pulled; stopped"),
    ],
)
def test_a_datacenter_search_ignoring_start_at_stops(
    tmp_path: Path, jira_env: None, omit: bool, problem: str
) -> None:
    with FakeJira("datacenter") as fake:
        fake.ignore_start_at, fake.omit_start_at = True, omit
        with pytest.raises(UsageError) as err:
            pull(fake, tmp_path / "a.ndjson")
        where = f"{fake.url}/rest/api/2/search" if not omit else fake.url
    assert str(err.value).startswith(f"{where}: {problem}")
    assert "4 issues saved in a.ndjson.partial" in str(err.value)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ([1, 2, 3], "Jira answered with a list where a JSON object was expected"),
        (None, "Jira answered with null where a JSON object was expected"),
        ({"issues": 5}, "Jira answered with 'issues' as a number where a list of objects"),
        ({"issues": [], "names": ["a"]}, "Jira answered with 'names' as a list where an object"),
        ({"issues": ["x"]}, "Jira answered with 'issues' as a list where a list of objects"),
        ({"issues": [{"key": "ABC-1"}]}, "ABC-1: Jira answered an issue without an id"),
    ],
)
def test_json_of_the_wrong_shape_is_one_error_exit_2_leaving_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: object, problem: str
) -> None:
    monkeypatch.setenv("JIRA_USER", EMAIL)
    monkeypatch.setenv("JIRA_TOKEN", TOKEN)
    out = tmp_path / "a.ndjson"
    with FakeJira("cloud") as fake:
        fake.faults["search"] = [Reply(200, body)]
        done = CliRunner().invoke(
            app, ["pull", "--url", fake.url, "--jql", "project = ABC", "-o", str(out)]
        )
        assert done.exit_code == 2
        where = fake.url if "without an id" in problem else f"{fake.url}/rest/api/3/search/jql"
        assert done.stderr.startswith(f"flowgap: error: {where}: {problem}"), done.stderr
        assert done.stderr.count("\n") == 1
        assert list(tmp_path.iterdir()) == []
        # Nothing blocks the next plain run.
        again = CliRunner().invoke(
            app, ["pull", "--url", fake.url, "--jql", "project = ABC", "-o", str(out), "-q"]
        )
        assert again.exit_code == 0, again.stderr
        assert_export_matches(out, fake)


def test_field_catalogue_and_server_info_of_the_wrong_shape(tmp_path: Path, jira_env: None) -> None:
    with FakeJira("cloud") as fake:
        fake.faults["field"] = [Reply(200, {"fields": []})]
        with pytest.raises(InputError) as err:
            pull(fake, tmp_path / "a.ndjson")
        assert str(err.value) == (
            f"{fake.url}/rest/api/3/field: Jira answered with 'fields' as an object where a "
            "list of objects was expected"
        )
        fake.faults["serverInfo"] = [Reply(200, [1])]
        with pytest.raises(InputError) as err:
            pull(fake, tmp_path / "a.ndjson")
        assert str(err.value) == (
            f"{fake.url}/rest/api/2/serverInfo: Jira answered with something other than a "
            "JSON object"
        )
    assert list(tmp_path.iterdir()) == []


class Drip(BaseHTTPRequestHandler):
    """One byte every 0.2 s: of a header that never ends (path ``/headers``; this test's
    timeout ends a client without a deadline), or of a 100-byte body. Each read is quick."""

    def do_GET(self) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n"
        endless = self.path.startswith("/headers")
        self.wfile.write(head + (b"X-Pad: " if endless else b"\r\n"))
        try:
            for _ in range(100_000 if endless else 100):
                self.wfile.write(b"x" if endless else b" ")
                self.wfile.flush()
                time.sleep(0.2)
        except OSError:
            pass  # the client gave up, as it should

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("path", ["/headers", "/body"])
def test_a_server_dripping_its_answer_is_bounded_by_the_request_deadline(path: str) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Drip)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with (
            JiraClient(url, None, max_attempts=2, deadline=1.0, sleep=lambda s: None) as client,
            pytest.raises(InputError) as err,
        ):
            client.get(path)
    finally:
        server.shutdown()
        server.server_close()
    assert str(err.value) == (
        f"{url}: cannot reach Jira after 2 attempts: no complete answer within 1 s"
    )


@pytest.mark.parametrize(
    ("location", "shown"),
    [
        (f"http://HOST/login?auth=Basic%20{BASIC}", "http://HOST/login"),
        (f"http://HOST/cb/{BASIC}/x", "http://HOST"),
        (f"http://ann:{TOKEN}@HOST/x#{TOKEN}", "http://HOST/x"),
        ("/login?next=%2F", "SELF/login"),
    ],
)
def test_a_redirect_is_not_followed_and_prints_no_credential(
    tmp_path: Path, jira_env: None, location: str, shown: str
) -> None:
    with FakeJira("cloud") as other, FakeJira("cloud") as fake:
        host = other.url.removeprefix("http://")
        fake.faults["field"] = [Reply(302, None, {"Location": location.replace("HOST", host)})]
        with pytest.raises(UsageError) as err:
            pull(fake, tmp_path / "a.ndjson")
        expected = shown.replace("HOST", host).replace("SELF", fake.url)
        assert other.requests == []  # another host is never asked
    message = str(err.value)
    assert message.startswith(f"Jira redirected /rest/api/3/field (302) to {expected}: give")
    assert TOKEN not in message and BASIC not in message
    assert BASIC.rstrip("=") not in message


@pytest.mark.parametrize("flavor", ["cloud", "datacenter"])
def test_a_non_ascii_token_is_a_401_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flavor: str
) -> None:
    monkeypatch.setenv("JIRA_USER", EMAIL)
    monkeypatch.setenv("JIRA_TOKEN", "tök€n-with-ünïcode")
    with FakeJira(flavor) as fake:
        args = ["--url", fake.url, "--jql", "x", "-o", str(tmp_path / "a"), "--flavor"]
        done = CliRunner().invoke(app, ["pull", *args, flavor])
    assert done.exit_code == 2
    api = "3" if flavor == "cloud" else "2"
    assert done.stderr.startswith(
        f"flowgap: error: Jira rejected the credentials (401) for /rest/api/{api}/field"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            f"ftp://ann:{TOKEN}@example.atlassian.net",
            "--url must not contain credentials; put them in the environment variables named "
            "by --user-env and --token-env",
        ),
        (
            f"example.atlassian.net?token={TOKEN}",
            "--url must be an http(s) address of a Jira site, got 'example.atlassian.net'",
        ),
        ("https://example.atlassian.net:port/", "--url is not a valid address of a Jira site"),
    ],
)
def test_a_bad_url_is_refused_without_echoing_a_credential(
    tmp_path: Path, jira_env: None, url: str, message: str
) -> None:
    with pytest.raises(UsageError) as err:
        run_pull(url, "x", tmp_path / "a.ndjson", quiet=True)
    assert str(err.value) == message


def test_a_comment_page_answered_again_stops(tmp_path: Path, jira_env: None) -> None:
    page = {
        "startAt": 0,
        "total": 9,
        "comments": [{"id": "1", "body": "a"}, {"id": "2", "body": "b"}],
    }
    with FakeJira("datacenter") as fake:
        fake.faults["comment"] = [Reply(200, page), Reply(200, page)]
        with pytest.raises(InputError) as err:
            pull(fake, tmp_path / "a.ndjson", fields=["comment"])
        path = fake.routes("comment")[0]["path"]
    assert str(err.value) == (
        f"{fake.url}{path}: no progress: Jira answered the same comments again; stopped "
        "instead of looping"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("path", ["/headers", "/body"])
def test_the_deadline_also_ends_a_tls_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    """Over TLS the TCP socket is detached from its stream: the deadline must reach the TLS
    socket that replaced it."""
    import ssl

    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))  # httpx trusts it
    server = ThreadingHTTPServer(("127.0.0.1", 0), Drip)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"https://127.0.0.1:{server.server_address[1]}"
    try:
        with (
            JiraClient(url, None, max_attempts=2, deadline=1.0, sleep=lambda s: None) as client,
            pytest.raises(InputError) as err,
        ):
            client.get(path)
    finally:
        server.shutdown()
        server.server_close()
    assert str(err.value) == (
        f"{url}: cannot reach Jira after 2 attempts: no complete answer within 1 s"
    )
