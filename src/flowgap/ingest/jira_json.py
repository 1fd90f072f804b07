"""Jira REST JSON with changelog: the one loader, whatever the shape of the export.

``jira_shapes`` turns search pages, lists of pages, NDJSON, directories and gzip into one
stream of issues; this module applies Jira's rules to each issue, once:

- an issue needs a non-empty ``key``, a ``fields`` object and a timestamp in
  ``fields.created``, and must not repeat an issue already loaded;
- histories arrive newest first on Jira Cloud: they are ordered by ``created``, then by id as an
  integer (``jira_order``); one history may change several fields;
- initial values at ``fields.created``: ``created`` (seq 0), then the status, team, assignee,
  flag and labels, each the ``fromString`` of its first change, else the current value;
- each changelog item becomes one event (labels: one per label added or removed); the Flagged
  custom field (``input.jira.flagged_field``) becomes ``flag``, cleared = null;
- comments (plain text in API v2, Atlassian Document Format in v3, see ``jira_adf``; beside
  the fields in ``comments_data`` as Perceval collects them) become ``comment`` events,
  ordered like histories;
- ``changelog.total`` above the histories present means a truncated history: a warning per
  item; issues without any changelog are counted in one warning per file;
- custom fields (team, flag, story points) are found by name through each page's or line's
  ``names``; a later page may rename an id;
- a person is named by their display name everywhere (events, actors): a user value's
  ``displayName`` first, and a value that is only a login (Jira Server's ``name``) is mapped to
  the display name the changelog's user fields give it (``from``/``to`` hold the login,
  ``fromString``/``toString`` the display name), across the whole load.

**Record unit.** A record is an issue, a changelog history entry of a loaded issue, or a comment
of a loaded issue; an unparseable NDJSON line (or a top-level value that is not an issue) is one
record too. So ``records_read == records_loaded + records_rejected`` with:

- an issue without ``key`` or ``fields``, without a valid ``fields.created``, or a duplicate of
  an issue already loaded: rejected as one record (what it contains is not counted);
- a history whose ``created`` is not a timestamp or whose ``items`` is not a list of objects
  with text in ``fromString``/``toString``: rejected, source ``file:KEY#history-id``;
- a comment without a valid ``created``: rejected, source ``file:KEY#comment-id``.

Speed (the budget: at least half the throughput of merely parsing the bytes with orjson): the
walk touches each parsed value once, right after orjson built it, and appends to one Python
list per column (``jira_columns``), in one tight loop per changelog history; values constant
over a run of events are stored once per run; timestamps are validated by Python and ordered
as text, and become instants in one Arrow cast; gzip is inflated on a thread of its own. The
rules applied column at a time over a batch of parsed issues (numpy and Arrow on lists
pulled out by comprehensions) measured twice as slow: a dozen passes where this loop makes
one, each re-reading objects that have left the CPU caches (docs/performance.md, "Jira JSON
ingest: where the one loader's time goes"). On the bench log, whose issues are lean (260 bytes
per event), the load costs about six times orjson's parse; on real Jira Cloud issues (Apache
DevLake's fixtures, 1.3 KB per event) about twice.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from types import NoneType
from typing import Any

from ..config import Config
from ..errors import excerpt, quoted
from ..model import (
    Finding,
    InputSummary,
    LoadResult,
    Reject,
    settle_categories,
)
from .jira_columns import Columns
from .jira_comments import comment_rows
from .jira_fields import (
    USER_FIELDS,
    People,
    display,
    field_id_in_histories,
    field_value,
    label_set,
)
from .jira_items import STORY_POINT_FIELDS, item_row
from .jira_order import ordered, timestamp
from .jira_shapes import Broken, Issue, JiraFile, Names, is_json_file, json_files

__all__ = ["FORMAT", "STORY_POINT_FIELDS", "field_map", "is_json_file", "load"]

FORMAT = "jira-json"
_TEXT = frozenset({str, NoneType})
_FIELD_ID = re.compile(r"^customfield_\d+$")
#: Records held back while the team field's id is unknown: the memory of a load stays bounded.
WAIT_RECORDS = 10_000


class _NotText(Exception):
    """A changelog item's fromString/toString is neither text nor null."""


def load(path: Path, config: Config) -> LoadResult:
    """Load one Jira JSON file, or a directory of them (in name order)."""
    acc = _Accumulator(config)
    for file in json_files(path):
        acc.load_file(file)
    return acc.result()


def field_map(config: Config) -> dict[Any, str]:
    """Jira changelog field name -> canonical field name ("labels" is expanded per label)."""
    jira = config.input.jira
    fmap: dict[Any, str] = {
        "status": "status",
        "assignee": "assignee",
        "resolution": "resolution",
        "Link": "link",
        "labels": "labels",
        None: "unknown",
        jira.flagged_field: "flag",
    }
    if jira.team_field is not None:
        fmap[jira.team_field] = "team"
    return fmap


# --------------------------------------------------------------------------- accumulation


class _Accumulator(Columns):
    """The walk: every file of one load, issue by issue, into the columns."""

    def __init__(self, config: Config) -> None:
        super().__init__()
        jira = config.input.jira
        self.team_field = jira.team_field
        self.flag_field = jira.flagged_field
        self.field_map = field_map(config)
        self.rejects: list[Reject] = []
        self.warnings: list[Finding] = []
        self.inputs: list[InputSummary] = []
        self.category_votes: dict[str, dict[str, int]] = {}
        self.seen: dict[str, str] = {}
        # per file
        self.fname = ""
        self.read = 0
        self.loaded = 0
        self.names: dict[str, str] = {}
        self._ids_cache: dict[str, list[str]] | None = None
        # the team field's id learned from a history item (``field`` + ``fieldId``), for the
        # whole load: a field id is the instance's
        self.learned_ids: dict[str, str] = {}
        # the team field given as an id ("customfield_11500") needs no ``names``
        self.team_is_id = self.team_field is not None and _FIELD_ID.match(self.team_field)
        self.by_id: dict[str, str] = {self.team_field: "team"} if self.team_is_id else {}
        self.team_unread = 0
        self.people = People()

    # ------------------------------------------------------------------ per file

    def load_file(self, path: Path) -> None:
        self.fname = path.name
        self.read = self.loaded = 0
        self.names = {}
        self._ids_cache = None
        self.team_unread = 0
        rejected_before = len(self.rejects)
        no_changelog = 0
        source = JiraFile(path)
        # While the team field's id is unknown, records wait (in file order, at most
        # WAIT_RECORDS of them) for an issue whose history names it: then every issue before
        # it reads its current team too.
        pending: list[Issue | Names | Broken] = []
        for record in source:
            pending.append(record)
            if len(pending) < WAIT_RECORDS and self._team_id_unknown(record):
                continue
            for r in pending:
                no_changelog += self._record(r)
            pending.clear()
        for r in pending:
            no_changelog += self._record(r)
        if self.team_unread:
            self.warnings.append(Finding("team_unresolved", self._unresolved(), source=self.fname))
        if source.latin:
            self.warnings.append(
                Finding(
                    "encoding",
                    f"{self.fname}: not valid UTF-8; {source.latin} JSON value(s) read as latin-1",
                    source=self.fname,
                )
            )
        if no_changelog:
            self.warnings.append(
                Finding(
                    "no_changelog",
                    f"{self.fname}: {no_changelog} issue(s) have no changelog (export"
                    " made without expand=changelog): only their current state is known; use"
                    " `flowgap pull` for full histories",
                    source=self.fname,
                )
            )
        summary = InputSummary(
            path=str(path),
            format=FORMAT,
            records_read=self.read,
            records_loaded=self.loaded,
            records_rejected=len(self.rejects) - rejected_before,
            record_unit="issue, history entry or comment",
        )
        if not summary.reconciles:  # a loader bug, never the user's fault
            raise AssertionError(f"{path}: {summary}")
        self.inputs.append(summary)

    def _unresolved(self) -> str:
        team, n = self.team_field, self.team_unread
        fid = self.learned_ids.get(team) if team is not None else None
        if fid is not None:  # found, but after more issues than may wait for it
            return (
                f"{self.fname}: the id of the team field {team!r} ({fid}, from a history) was"
                f" found too late for {n} issue(s): their current team is unknown; set"
                f' [input.jira] team_field = "{fid}"'
            )
        return (
            f"{self.fname}: the team field {team!r} has no field id in this export (no `names`"
            f" map, no history of it): the current team of {n} issue(s) is unknown; set"
            ' [input.jira] team_field to the field\'s id (such as "customfield_10001") or'
            " export with expand=names"
        )

    def _record(self, record: Issue | Names | Broken) -> int:
        """Load one record of the stream; 1 for an issue without a changelog."""
        if record.__class__ is Issue:
            return self._issue(*record)
        if record.__class__ is Names:
            self._add_names(record.names)
            return 0
        assert isinstance(record, Broken)
        self.read += 1
        self.rejects.append(Reject(f"{self.fname}:{record.line}", record.reason))
        return 0

    def _team_id_unknown(self, record: Issue | Names | Broken) -> bool:
        """True while a team field named in the config has no known id and this record does
        not tell it (a ``names`` map, an issue's own fields or names, or a history item)."""
        team = self.team_field
        if team is None or self.team_is_id or team in self.learned_ids:
            return False
        if team in self._field_ids():
            return False
        if record.__class__ is Names:
            return not self._learn_from_names(record.names)
        value = record[0] if record.__class__ is Issue else None
        if value.__class__ is not dict:
            return True
        names, fields = value.get("names"), value.get("fields")
        if isinstance(names, dict) and self._learn_from_names(names):
            return False
        if isinstance(fields, dict) and team in fields:
            return False
        return not self._learn_from_histories(value.get("changelog"))

    def _learn_from_names(self, names: dict) -> bool:
        """Whether ``names`` gives the team field an id (kept per page: ids can be renamed)."""
        return self.team_field in names.values()

    def _learn_from_histories(self, changelog: Any) -> bool:
        fid = field_id_in_histories(changelog, self.team_field)
        if fid is not None:
            self._learn(fid)
        return fid is not None

    def _learn(self, fid: str) -> None:
        assert self.team_field is not None
        self.learned_ids[self.team_field] = fid
        self._ids_cache = None

    def _reject(self, where: str, reason: str) -> None:
        self.rejects.append(Reject(f"{self.fname}:{where}", reason))

    def _field_ids(self) -> dict[str, list[str]]:
        """Field ids per configured name (team, flag, story points), from ``names``."""
        if self._ids_cache is not None:
            return self._ids_cache
        wanted = {self.team_field, self.flag_field, *STORY_POINT_FIELDS} - {None}
        ids: dict[str, list[str]] = {}
        for fid, name in self.names.items():
            if isinstance(name, str) and name in wanted:
                ids.setdefault(name, []).append(fid)
        for name, fid in self.learned_ids.items():
            if fid not in ids.get(name, ()):
                ids.setdefault(name, []).append(fid)
        self._ids_cache = ids
        return ids

    def _add_names(self, names: dict) -> None:
        """Field names of a later page or line; a change (not only a new id) drops the cache."""
        if not names.items() <= self.names.items():
            self.names.update(names)
            self._ids_cache = None

    # ------------------------------------------------------------------ per issue

    def _issue(self, issue: Any, line: int | None, path: str) -> int:
        """Returns 1 when the issue has no changelog at all (for the file's warning)."""
        self.read += 1
        where = str(line) if line is not None else path
        if not isinstance(issue, dict):
            self._reject(where, f"not a Jira issue: a JSON {type(issue).__name__}")
            return 0
        key = issue.get("key")
        if not isinstance(key, str) or not key:
            self._reject(where, 'not a Jira issue: no "key"')
            return 0
        if line is None:
            where = key
        fields = issue.get("fields")
        if not isinstance(fields, dict):
            self._reject(where, f'{excerpt(key)}: issue has no "fields" object')
            return 0
        created_s = fields.get("created")
        try:
            timestamp(created_s)
        except (TypeError, ValueError):
            self._reject(
                where, f"{excerpt(key)}: fields.created is not a timestamp: {quoted(created_s)}"
            )
            return 0
        if key in self.seen:
            self._reject(where, f"{excerpt(key)}: duplicate issue (first at {self.seen[key]})")
            return 0
        names = issue.get("names")
        if isinstance(names, dict):
            self._add_names(names)
        self.seen[key] = f"{self.fname}:{where}"
        self.loaded += 1

        changelog = issue.get("changelog")
        histories = self._histories(key, changelog) if isinstance(changelog, dict) else ()
        self._check_changelog_shape(key, changelog, where)
        first_from, n_hist = self._emit_histories(key, histories)

        ids = self._field_ids()
        status = fields.get("status")
        current_status = display(status)
        if isinstance(status, dict) and current_status:
            cat = status.get("statusCategory")
            if isinstance(cat, dict) and isinstance(cat.get("key"), str):
                votes = self.category_votes.setdefault(current_status, {})
                votes[cat["key"]] = votes.get(cat["key"], 0) + 1

        # Initial values at creation: fromString of the first change, else the current value.
        initial: list[tuple[str, str | None]] = [("created", None)]
        st0 = first_from.get("status", current_status)
        if st0:
            initial.append(("status", st0))
        team_field = self.team_field
        if team_field is not None:
            if "team" in first_from:
                team0 = first_from["team"]
            else:
                if team_field not in ids and team_field not in fields:
                    self.team_unread += 1
                team0 = display(field_value(fields, team_field, ids))
            if team0:
                initial.append(("team", team0))
        asg0 = (
            first_from["assignee"] if "assignee" in first_from else display(fields.get("assignee"))
        )
        if asg0:
            initial.append(("assignee", asg0))
        flag0 = (
            first_from["flag"]
            if "flag" in first_from
            else display(field_value(fields, self.flag_field, ids))
        )
        if flag0:
            initial.append(("flag", flag0))
        labels_now = fields.get("labels")
        labels_now = (
            [x for x in labels_now if isinstance(x, str)] if isinstance(labels_now, list) else []
        )
        labels0 = label_set(first_from["labels"]) if "labels" in first_from else labels_now
        initial.extend(("label", lab) for lab in labels0)

        # Perceval fetches comments apart and keeps them beside the fields
        comment_block = fields.get("comment", issue.get("comments_data"))
        comments, rejected, read = comment_rows(self.fname, key, comment_block)
        self.read += read
        self.loaded += len(comments)
        self.rejects.extend(rejected)
        k = len(initial)
        n = k + n_hist + len(comments)
        src0 = f"{self.fname}:{key}"
        # Column positions: history events were appended first, then initial, then comments.
        self.r_item.append(key)
        self.r_item_n.append(n)
        self.r_hist_n.append(n_hist)
        self.r_init_n.append(k)
        self.g_ts.append(created_s)
        self.g_actor.append(None)
        self.g_source.append(src0)
        self.g_n.append(k)
        self.e_field.extend([f for f, _ in initial])
        self.e_value.extend([v for _, v in initial])
        self.e_prev.extend([None] * k)
        if comments:
            ts, text, actor, source = zip(*comments, strict=True)
            c = len(comments)
            self.g_ts.extend(ts)
            self.g_actor.extend(actor)
            self.g_source.extend(source)
            self.g_n.extend([1] * c)
            self.e_field.extend(["comment"] * c)
            self.e_value.extend(text)
            self.e_prev.extend([None] * c)

        if isinstance(changelog, dict):
            total = changelog.get("total")
            raw = changelog.get("histories")
            got = len(raw) if isinstance(raw, list) else 0
            if isinstance(total, int) and total > got:
                self.warnings.append(
                    Finding(
                        "truncated_history",
                        f"{key}: changelog truncated ({got} of {total} histories in the export);"
                        " run `flowgap pull` to fetch the full history",
                        item=key,
                        source=src0,
                    )
                )
        item_row(self.items, key, fields, current_status, labels_now, ids)
        if len(self.e_field) >= self.flush_every:
            self.flush()
        return 0 if changelog is not None else 1

    def _check_changelog_shape(self, key: str, changelog: Any, where: str) -> None:
        """A changelog, or its histories, of a JSON type Jira never writes holds a history
        that cannot be read: say so, rather than load the issue as if it had none."""
        if changelog is None:
            return
        if isinstance(changelog, dict):
            raw = changelog.get("histories")
            if raw is None or isinstance(raw, list):
                return
            what = f"changelog.histories is a JSON {type(raw).__name__}, not a list"
        else:
            what = f"changelog is a JSON {type(changelog).__name__}, not an object"
        self.warnings.append(
            Finding(
                "unreadable_changelog",
                f"{key}: {what}: its history is unknown, only its current state is loaded",
                item=key,
                source=f"{self.fname}:{where}",
            )
        )

    def _histories(self, key: str, changelog: dict) -> list[tuple]:
        """Valid histories as (created, id, author, items), ordered by (created, id as int).

        Broken ones are rejected."""
        raw = changelog.get("histories")
        if raw.__class__ is not list:
            return []
        self.read += len(raw)
        good: list[tuple] = []
        fromiso = datetime.fromisoformat
        for i, h in enumerate(raw):
            try:
                created = h["created"]
                fromiso(created)  # validates; ordering works on the text (jira_order)
                items = h["items"]
                if items.__class__ is not list:
                    raise TypeError
            except (TypeError, ValueError, KeyError, AttributeError):
                self._reject_history(key, i, h)
                continue
            good.append((created, h.get("id"), h.get("author"), items))
        self.loaded += len(good)
        return ordered(good)

    def _reject_history(self, key: str, i: int, h: Any) -> None:
        if not isinstance(h, dict):
            self._reject(f"{key}#[{i}]", "history entry is not an object")
            return
        hid = h.get("id", f"[{i}]")
        created = h.get("created")
        try:
            timestamp(created)
        except (TypeError, ValueError):
            self._reject(f"{key}#{hid}", f"history created is not a timestamp: {quoted(created)}")
            return
        self._reject(f"{key}#{hid}", "history items is not a list of objects")

    def _emit_histories(self, key: str, histories: list[tuple]) -> tuple[dict, int]:
        """Append every changelog event to the columns; the first fromString per field."""
        first_from: dict[Any, Any] = {}
        if not histories:
            return first_from, 0
        fmap = self.field_map
        by_id = self.by_id
        fname = self.fname
        field_col, value_col, prev_col = self.e_field, self.e_value, self.e_prev
        g_ts, g_actor, g_source, g_n = self.g_ts, self.g_actor, self.g_source, self.g_n
        f_app, v_app, p_app = field_col.append, value_col.append, prev_col.append
        start = len(field_col)
        for i, (created, hid, author, items) in enumerate(histories):
            before = len(field_col)
            try:
                for it in items:
                    name = it.get("field")
                    canon = fmap.get(name)
                    if canon is None:
                        # the team field configured by its id: its items name it by fieldId
                        canon = by_id.get(it.get("fieldId"), name) if by_id else name
                    from_s = it.get("fromString") or None
                    to_s = it.get("toString") or None
                    if from_s.__class__ not in _TEXT or to_s.__class__ not in _TEXT:
                        raise _NotText
                    if canon not in first_from:
                        first_from[canon] = from_s
                    if canon in USER_FIELDS:
                        self.people.learn(it)
                    if canon == "labels":
                        self._labels(from_s, to_s)
                        continue
                    f_app(canon)
                    v_app(to_s)
                    p_app(from_s)
            except (AttributeError, TypeError, _NotText) as exc:  # reject the whole history
                del field_col[before:], value_col[before:], prev_col[before:]
                self.loaded -= 1
                self._reject(
                    f"{key}#{hid if hid is not None else f'[{i}]'}",
                    "history item fromString/toString is not text"
                    if isinstance(exc, _NotText)
                    else "history items is not a list of objects",
                )
                continue
            m = len(field_col) - before
            if m:
                g_ts.append(created)
                actor = author.get("displayName") if author.__class__ is dict else None
                g_actor.append(actor if actor.__class__ is str else None)
                g_source.append(f"{fname}:{key}#{hid}")
                g_n.append(m)
        return first_from, len(field_col) - start

    def _labels(self, from_s: str | None, to_s: str | None) -> None:
        """Labels arrive as space-separated sets: one event per label added or removed."""
        old = label_set(from_s)
        new = label_set(to_s)
        for lab in new:
            if lab not in old:
                self.e_field.append("label")
                self.e_value.append(lab)
                self.e_prev.append(None)
        for lab in old:
            if lab not in new:
                self.e_field.append("label")
                self.e_value.append(None)
                self.e_prev.append(lab)

    # ------------------------------------------------------------------ result

    def result(self) -> LoadResult:
        # every issue votes for its current status' category: the majority wins
        categories, conflicts = settle_categories(self.category_votes)
        return LoadResult(
            events=self.people.named(self.events_table()),
            items=self.items_table(),
            rejects=self.rejects,
            warnings=self.warnings + conflicts,
            inputs=self.inputs,
            status_categories=categories,
            has_history=True,
            category_votes=self.category_votes,
        )
