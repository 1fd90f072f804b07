"""``flowgap pull``: export a Jira project's full history (issues with complete changelogs) as
NDJSON that the Jira JSON loader reads unchanged.

Flow: detect the flavour (``/rest/api/2/serverInfo``), resolve field names to ids, page through
the search (Cloud: ``/rest/api/3/search/jql`` by token; Data Center: ``/rest/api/2/search`` by
offset), complete truncated changelogs and comments, append each page to ``<out>.partial`` and
record the cursor in ``<out>.state.json``; at the end merge with a previous export (incremental)
and rename into place. See docs/jira.md.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from ..config import Config
from ..errors import FlowgapError, InputError, UsageError
from ..progress import Steps, enabled
from .client import JiraClient, JiraError, auth_header, normalize_base_url
from .cloud import CloudSource
from .datacenter import DataCenterSource
from .export import (
    PartialWriter,
    PullState,
    encode_issue,
    finalize,
    newest_update,
    partial_path,
    refuse_stale_partial,
    state_path,
    write_statuses,
)
from .pages import expect_list
from .query import (
    DEFAULT_FIELDS,
    STORY_POINT_NAMES,
    effective_jql,
    parse_since,
    resolve_fields,
    since_from_updated,
)

__all__ = ["PullSummary", "detect_flavor", "run_pull"]

FLAVORS = ("cloud", "datacenter")
SERVER_INFO = "/rest/api/2/serverInfo"


class StartAfresh(UsageError):
    """The saved progress cannot be continued; resuming again would fail the same way."""


@dataclass
class PullSummary:
    out: Path
    flavor: str
    issues: int  # lines in the final export
    fetched: int  # issues fetched by this run (resumed runs count the earlier part too)
    kept_from_existing: int
    jql: str  # as sent to Jira
    #: Jira's status list saved beside the export (None when Jira would not give it).
    statuses: Path | None = None


def run_pull(
    url: str,
    jql: str,
    out: Path,
    user_env: str = "JIRA_USER",
    token_env: str = "JIRA_TOKEN",
    since: str | None = None,
    fields: Sequence[str] = (),
    max_issues: int | None = None,
    flavor: str | None = None,
    resume: bool = False,
    quiet: bool = False,
    *,
    config: Config | None = None,
    page_size: int = 100,
    sleep: Callable[[float], None] = time.sleep,
    max_sleep: float = 120.0,
    transport: httpx.BaseTransport | None = None,
    request_deadline: float = 180.0,
) -> PullSummary:
    """Pull every issue matching ``jql`` with its full history into ``out`` (NDJSON, .gz ok).

    ``sleep``, ``max_sleep`` and ``transport`` exist so tests keep real HTTP but skip waiting;
    ``request_deadline`` bounds each request as a whole (seconds).
    """
    base = normalize_base_url(url)
    out = Path(out)
    if flavor is not None and flavor not in FLAVORS:
        raise UsageError(f"--flavor must be cloud or datacenter, got {flavor!r}")
    if max_issues is not None and max_issues < 1:
        raise UsageError("--max-issues must be at least 1")
    if since is not None:
        parse_since(since)  # a typo should fail before any request
    config = config or Config()

    def make_client(authorization: str | None) -> JiraClient:
        return JiraClient(
            base,
            authorization,
            sleep=sleep,
            max_sleep=max_sleep,
            transport=transport,
            deadline=request_deadline,
        )

    if resume:
        if not state_path(out).exists():
            raise UsageError(f"nothing to resume: {state_path(out).name} does not exist")
        state = PullState.load(state_path(out))
        _check_same_pull(state, base, jql, since, fields, max_issues, flavor)
    else:
        refuse_stale_partial(out)
        state = None

    chosen_flavor = state.flavor if state else flavor
    if chosen_flavor is None:
        chosen_flavor = detect_flavor(base, user_env, token_env, make_client)
    client = make_client(auth_header(chosen_flavor, user_env, token_env))
    with client:
        if state is None:
            state = _new_state(
                client, base, jql, since, fields, max_issues, chosen_flavor, config, out, quiet
            )
        source_cls = CloudSource if chosen_flavor == "cloud" else DataCenterSource
        source = source_cls(client, state.effective_jql, state.fields, page_size)
        writer = PartialWriter(out, state, resume=resume)
        try:
            if not state.done:
                _fetch(source, writer, state, quiet)
        except StartAfresh:
            writer.close()
            raise
        except FlowgapError as err:
            if not state.ids:
                writer.discard()  # nothing saved: a rerun starts afresh anyway
                raise
            writer.close()
            raise UsageError(
                f"{err} ({len(state.ids)} issues saved in {partial_path(out).name}; "
                "run the same command with --resume to continue, or delete it and "
                f"{state_path(out).name} to start afresh)"
            ) from None
        except KeyboardInterrupt:
            writer.close()
            _say(f"interrupted: {len(state.ids)} issues saved; rerun with --resume", quiet)
            raise
        writer.close()
        status_list = _status_list(client, quiet)
    result = finalize(out, state.merge_existing)
    saved = write_statuses(out, status_list) if status_list is not None else None
    summary = PullSummary(
        out=out,
        flavor=chosen_flavor,
        issues=result.issues,
        fetched=result.fetched,
        kept_from_existing=result.kept_from_existing,
        jql=state.effective_jql,
        statuses=saved,
    )
    kept = (
        f", {result.kept_from_existing} kept from the previous export"
        if (state.merge_existing)
        else ""
    )
    beside = f" and the status list to {saved.name}" if saved is not None else ""
    _say(f"wrote {result.issues} issues to {out} ({result.fetched} fetched{kept}){beside}", quiet)
    return summary


def _status_list(client: JiraClient, quiet: bool) -> list | None:
    """Jira's status list with each status' category (``/rest/api/2/status``, which Cloud and
    Data Center both serve): issues carry the category of their current status only. Without
    it the export still stands: a warning, and None."""
    try:
        statuses = client.get("/rest/api/2/status")
    except FlowgapError as err:
        _say(f"warning: the status list was not saved: {err}", quiet)
        return None
    if not isinstance(statuses, list):
        _say("warning: the status list was not saved: Jira's answer is not a list", quiet)
        return None
    return statuses


def detect_flavor(
    base: str,
    user_env: str,
    token_env: str,
    make_client: Callable[[str | None], JiraClient],
) -> str:
    """Cloud or Data Center, from ``/rest/api/2/serverInfo`` (anonymous first, then signed)."""
    with make_client(None) as anonymous:
        try:
            info = anonymous.get(SERVER_INFO)
        except JiraError as err:
            if err.status not in (401, 403):
                raise
            info = None
    if info is None:
        # Signed in: basic when an e-mail is configured (Cloud), else a bearer PAT.
        guess = "cloud" if os.environ.get(user_env) else "datacenter"
        with make_client(auth_header(guess, user_env, token_env)) as signed:
            info = signed.get(SERVER_INFO)
    if info is not None and not isinstance(info, dict):
        raise InputError(
            base + SERVER_INFO, "Jira answered with something other than a JSON object"
        )
    deployment = str((info or {}).get("deploymentType", "")).casefold()
    if not deployment:
        raise UsageError(
            f"{base} did not say whether it is Jira Cloud or Data Center; pass --flavor"
        )
    return "cloud" if deployment == "cloud" else "datacenter"


def _new_state(
    client: JiraClient,
    base: str,
    jql: str,
    since: str | None,
    fields: Sequence[str],
    max_issues: int | None,
    flavor: str,
    config: Config,
    out: Path,
    quiet: bool,
) -> PullState:
    merge = out.exists()
    bound = parse_since(since) if since else None
    if bound is None and merge:
        newest = newest_update(out)
        if newest is not None:
            bound = since_from_updated(newest)
    api = "3" if flavor == "cloud" else "2"
    path = f"/rest/api/{api}/field"
    available = expect_list(client, path, {"fields": client.get(path)}, "fields")
    optional = [config.input.jira.flagged_field]
    if config.input.jira.team_field:
        optional.append(config.input.jira.team_field)
    ids, warnings = resolve_fields(available, fields, optional, STORY_POINT_NAMES)
    for warning in warnings:
        _say(f"warning: {warning}", quiet)
    wanted = list(DEFAULT_FIELDS) + [i for i in ids if i not in DEFAULT_FIELDS]
    if config.steering.comment_pattern and "comment" not in wanted:
        wanted.append("comment")
    return PullState(
        url=base,
        jql=jql,
        since=since,
        effective_jql=effective_jql(jql, bound),
        flavor=flavor,
        fields=wanted,
        max_issues=max_issues,
        merge_existing=merge,
        requested_fields=list(fields),
    )


def _check_same_pull(
    state: PullState,
    base: str,
    jql: str,
    since: str | None,
    fields: Sequence[str],
    max_issues: int | None,
    flavor: str | None,
) -> None:
    differs = [
        name
        for name, given, saved in (
            ("--url", base, state.url),
            ("--jql", jql, state.jql),
            ("--since", since, state.since),
            ("--max-issues", max_issues, state.max_issues),
            ("--fields", list(fields), state.requested_fields),
        )
        if given != saved
    ]
    if flavor is not None and flavor != state.flavor:
        differs.append("--flavor")
    if differs:
        raise UsageError(
            f"--resume continues the interrupted pull with the same options, but "
            f"{', '.join(differs)} differ; rerun it as it was, or delete the .partial and "
            ".state.json files to start afresh"
        )


def _fetch(
    source: CloudSource | DataCenterSource, writer: PartialWriter, state: PullState, quiet: bool
) -> None:
    cursor = state.cursor if state.ids or state.cursor is not None else source.first_cursor()
    resumed_token = cursor if state.ids else None
    limit = state.max_issues
    total = source.total() if not state.ids else None
    with (
        Steps(enabled(quiet)) as steps,
        steps.task(
            "pulling issues",
            total if limit is None or total is None else min(total, limit),
            completed=len(state.ids),
        ) as progress,
    ):
        while True:
            remaining = None if limit is None else limit - len(state.ids)
            if remaining is not None and remaining <= 0:
                writer.append_page([], cursor, done=True)
                return
            try:
                page = source.page(cursor, remaining or source.page_size)
            except JiraError as err:
                if err.status == 400 and isinstance(cursor, str) and resumed_token == cursor:
                    raise StartAfresh(
                        "Jira no longer accepts the saved page token (Cloud tokens expire after "
                        "7 days): delete the .partial and .state.json files and pull again"
                    ) from None
                raise
            if page.total is not None:
                progress.set_total(page.total if limit is None else min(page.total, limit))
            lines: list[tuple[str, bytes]] = []
            for issue in page.issues:
                issue_id = str(issue.get("id") or "")
                if not issue_id:
                    raise InputError(
                        source.client.base_url,
                        "Jira answered an issue without an id in a page of the search",
                        record=str(issue.get("key") or f"issue {len(lines) + 1} of the page"),
                    )
                if writer.seen(issue_id) or any(issue_id == i for i, _ in lines):
                    continue  # pages shifted under us: already written
                if remaining is not None and len(lines) >= remaining:
                    break
                source.complete(issue)
                lines.append((issue_id, encode_issue(issue, page.names)))
            if (
                page.issues
                and not lines
                and not page.last
                and not (remaining is not None and remaining <= 0)
            ):
                # A search that ignores its cursor answers the same issues for ever.
                raise InputError(
                    source.client.base_url,
                    "no progress: a page of the search held only issues already pulled; "
                    "stopped instead of looping",
                )
            reached = remaining is not None and len(lines) >= remaining
            # An empty page that claims more would loop forever; treat it as the end.
            done = page.last or reached or not page.issues
            writer.append_page(lines, page.next_cursor, done=done)
            progress.advance(len(lines))
            if done:
                return
            cursor = page.next_cursor


def _say(message: str, quiet: bool) -> None:
    if not quiet:
        print(f"flowgap: {message}", file=sys.stderr)
