"""``flowgap pull`` as a user runs it (a subprocess), and the token never leaving the process
except in the Authorization header: not on stdout, stderr, in errors, the export or the state."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flowgap.cli import app
from flowgap.errors import UsageError
from flowgap.pull import run_pull

from .fake_jira import EMAIL, TOKEN, FakeJira, Reply
from .helpers import assert_export_matches

SECRETS = (TOKEN, base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode())


def flowgap(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "JIRA_USER": EMAIL, "JIRA_TOKEN": TOKEN, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "flowgap", "pull", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def flowgap_in_process(*args: str, monkeypatch: pytest.MonkeyPatch) -> object:
    """The same command line, run in this process (no interpreter start-up per case)."""
    monkeypatch.setenv("JIRA_USER", EMAIL)
    monkeypatch.setenv("JIRA_TOKEN", TOKEN)
    return CliRunner().invoke(app, ["pull", *args])


def assert_no_secret(*texts: str | bytes) -> None:
    for text in texts:
        raw = text.encode() if isinstance(text, str) else text
        for secret in SECRETS:
            assert secret.encode() not in raw


def test_cli_pull_writes_the_export(tmp_path: Path) -> None:
    out = tmp_path / "abc.jira.ndjson.gz"
    with FakeJira("cloud") as fake:
        done = flowgap(
            "--url",
            fake.url,
            "--jql",
            "project = ABC",
            "-o",
            str(out),
            "--fields",
            "Story Points,comment",
        )
        assert done.returncode == 0, done.stderr
        assert_export_matches(out, fake)
    assert done.stderr == (
        f"flowgap: wrote 10 issues to {out} (10 fetched) and the status list to"
        " abc.jira.statuses.json\n"
    )
    assert done.stdout == ""
    statuses = (tmp_path / "abc.jira.statuses.json").read_bytes()
    assert_no_secret(done.stdout, done.stderr, out.read_bytes(), statuses)


def test_cli_datacenter_with_custom_env_names_quiet_on_a_terminal(tmp_path: Path) -> None:
    out = tmp_path / "dc.ndjson"
    env = {**os.environ, "MY_PAT": TOKEN, "JIRA_TOKEN": "", "JIRA_USER": ""}
    with FakeJira("datacenter") as fake:
        code, shown = run_on_a_terminal(
            [
                "--url",
                fake.url + "/",
                "--jql",
                "project = ABC",
                "-o",
                str(out),
                "-q",
                "--token-env",
                "MY_PAT",
                "--flavor",
                "datacenter",
            ],
            env,
        )
        assert code == 0, shown
        assert_export_matches(out, fake)
    assert shown == ""  # --quiet: no bar and no summary, even on a terminal


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ("401", "flowgap: error: Jira rejected the credentials (401)"),
        ("jql", "flowgap: error: Jira rejected the request (400): Error in the JQL Query"),
        ("404", "flowgap: error: not found (404): "),
        (
            "403",
            "flowgap: error: Jira refused access (403) to /rest/api/3/search/jql: the "
            "account lacks permission: token *** has no access",
        ),
    ],
)
def test_cli_errors_are_one_line_exit_2_without_secrets(
    tmp_path: Path, fault: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "abc.ndjson"
    with FakeJira("cloud") as fake:
        url, jql = fake.url, "project = ABC"
        if fault == "401":
            fake.faults["field"] = [Reply(401, {"errorMessages": [f"bad token {TOKEN}"]})]
        if fault == "403":
            fake.faults["search"] = [
                Reply(403, {"errorMessages": [f"token {TOKEN} has no access"]})
            ]
        if fault == "jql":
            jql = "project = BAD"
        if fault == "404":
            url += "/wrong"
        done = flowgap_in_process(
            "--url", url, "--jql", jql, "-o", str(out), monkeypatch=monkeypatch
        )
    assert done.exit_code == 2
    assert done.stderr.startswith(expected), done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert_no_secret(done.stdout, done.stderr)
    assert list(tmp_path.iterdir()) == []


def test_interrupted_pull_keeps_no_secret_on_disk(tmp_path: Path, jira_env: None) -> None:
    with FakeJira("cloud") as fake:
        fake.fail_search_after = 2
        with pytest.raises(UsageError) as err:
            run_pull(
                fake.url, "project = ABC", tmp_path / "a.ndjson", quiet=True, sleep=lambda s: None
            )
    files = sorted(tmp_path.iterdir())
    assert [f.name for f in files] == ["a.ndjson.partial", "a.ndjson.state.json"]
    assert_no_secret(str(err.value), *(f.read_bytes() for f in files))


def test_cli_subprocess_401(tmp_path: Path) -> None:
    with FakeJira("datacenter") as fake:
        done = flowgap(
            "--url",
            fake.url,
            "--jql",
            "project = ABC",
            "-o",
            str(tmp_path / "a"),
            env_extra={"JIRA_TOKEN": "not-the-token"},
        )
    assert done.returncode == 2
    assert done.stderr.startswith("flowgap: error: Jira rejected the credentials (401)")
    assert done.stderr.count("\n") == 1 and done.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_credentials_in_url_are_refused_without_echo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    done = flowgap_in_process(
        "--url",
        f"https://ann:{TOKEN}@example.atlassian.net",
        "--jql",
        "x",
        "-o",
        str(tmp_path / "a.ndjson"),
        monkeypatch=monkeypatch,
    )
    assert done.exit_code == 2
    assert done.stderr == (
        "flowgap: error: --url must not contain credentials; put them in the environment "
        "variables named by --user-env and --token-env\n"
    )
    assert_no_secret(done.stderr)


def test_cli_config_brings_team_field_and_comments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toml = tmp_path / "flowgap.toml"
    toml.write_text('[input.jira]\nteam_field = "Team"\n[steering]\ncomment_pattern = "x"\n')
    with FakeJira("cloud") as fake:
        done = flowgap_in_process(
            "--url",
            fake.url,
            "--jql",
            "project = ABC",
            "-o",
            str(tmp_path / "a.ndjson"),
            "-c",
            str(toml),
            "-q",
            monkeypatch=monkeypatch,
        )
        fields = fake.routes("search")[0]["query"]["fields"].split(",")
    assert done.exit_code == 0, done.stderr
    assert {"customfield_10042", "customfield_10021", "comment"} <= set(fields)


def run_on_a_terminal(args: list[str], env: dict) -> tuple[int, str]:
    """Run ``flowgap pull`` with stderr on a pseudo-terminal; return its code and stderr."""
    import pty

    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "flowgap", "pull", *args],
        env={**env, "COLUMNS": "100", "TERM": "xterm"},
        stdout=subprocess.DEVNULL,
        stderr=follower,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=60)
    os.close(leader)
    return proc.returncode, b"".join(chunks).decode(errors="replace")


@pytest.mark.slow
def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    """Attached to a terminal, stderr shows issues fetched of the total."""
    env = {**os.environ, "JIRA_USER": EMAIL, "JIRA_TOKEN": TOKEN}
    with FakeJira("datacenter") as fake:
        fake.page_delay = 0.2
        code, shown = run_on_a_terminal(
            ["--url", fake.url, "--jql", "project = ABC", "-o", str(tmp_path / "a.ndjson")], env
        )
    assert code == 0
    assert "pulling issues" in shown
    assert "4/10" in shown or "8/10" in shown
