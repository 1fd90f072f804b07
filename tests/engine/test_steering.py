"""Steering touches: each kind, de-duplication per day, the recurring rule, meetings file
errors, meeting cost and the steered/unsteered comparison, on hand-built tables."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowgap.config import Config
from flowgap.engine.schemas import ITEMS, STEERING_MEETINGS, STEERING_TOUCHES, TIMELINE
from flowgap.engine.steering import (
    read_meetings_file,
    steering_comparison,
    steering_meetings,
    steering_touches,
    steering_warnings,
    touches_per_item,
    unknown_meeting_items,
)
from flowgap.engine.steering_touches import MEETINGS_FILE_LIMIT
from flowgap.errors import ConfigError, InputError
from flowgap.model import events_from_rows, items_from_rows

DAY = 86400.0
AS_OF = datetime(2026, 1, 28, 18, 0, tzinfo=UTC)
RULE = "every wednesday: label escalated; or priority Highest"


def t(day: int, hour: int = 0, minute: int = 0, month: int = 1) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def ev(item: str, ts: datetime, field: str, value: str | None, seq: int = 0, prev=None) -> dict:
    return {"item": item, "ts": ts, "seq": seq, "field": field, "value": value, "prev": prev}


def timeline(item: str, segments: list[tuple[str, str, datetime]], as_of: datetime) -> list[dict]:
    rows = []
    for i, (status, cls, start) in enumerate(segments):
        end = segments[i + 1][2] if i + 1 < len(segments) else as_of
        rows.append(
            {
                "item": item,
                "seg": i,
                "status": status,
                "class": cls,
                "flagged": False,
                "blocked": False,
                "start": start,
                "end": end,
                "duration_s": (end - start).total_seconds(),
            }
        )
    return rows


def story_events() -> pa.Table:
    return events_from_rows(
        [
            ev("A-1", t(2, 10), "created", None, 0),
            ev("A-1", t(2, 10), "status", "Backlog", 1),
            ev("A-1", t(5, 9), "status", "Ready", prev="Backlog"),
            ev("A-1", t(6, 9), "status", "In Progress", prev="Ready"),
            ev("A-1", t(8, 10), "status", "Steering Review", prev="In Progress"),
            ev("A-1", t(8, 11), "label", "steerco"),
            ev("A-1", t(8, 15), "status", "In Progress", prev="Steering Review"),
            ev("A-1", t(12, 10), "comment", "Discussed in SteerCo, go ahead"),
            ev("A-1", t(13, 10), "label", None, prev="steerco"),
            ev("A-1", t(20, 12), "status", "Done", prev="In Progress"),
            ev("B-2", t(1, 8), "created", None, 0),
            ev("B-2", t(1, 8), "status", "Backlog", 1),
            ev("B-2", t(13, 12), "status", "In Progress", prev="Backlog"),
            ev("C-3", t(1, 9), "created", None, 0),
            ev("C-3", t(1, 9), "status", "Backlog", 1),
            ev("C-3", t(3, 9), "label", "other"),
            ev("C-3", t(3, 10), "comment", "no steering here"),
        ]
    )


def story_items() -> pa.Table:
    return items_from_rows(
        [
            {"item": "A-1", "type": "Story", "priority": "Highest", "labels": []},
            {"item": "B-2", "type": "Bug", "priority": "Low", "labels": ["escalated", "x"]},
            {"item": "C-3", "type": "Story", "priority": "Highest", "labels": None},
        ]
    )


def story_timeline() -> pa.Table:
    rows = (
        timeline(
            "A-1",
            [
                ("Backlog", "backlog", t(2, 10)),
                ("Ready", "wait", t(5, 9)),
                ("In Progress", "active", t(6, 9)),
                ("Steering Review", "wait", t(8, 10)),
                ("In Progress", "active", t(8, 15)),
                ("Done", "done", t(20, 12)),
            ],
            AS_OF,
        )
        + timeline(
            "B-2", [("Backlog", "backlog", t(1, 8)), ("In Progress", "active", t(13, 12))], AS_OF
        )
        + timeline("C-3", [("Backlog", "backlog", t(1, 9))], AS_OF)
    )
    return pa.Table.from_pylist(rows, schema=TIMELINE)


def story_config(tmp_path: Path, **steering: object) -> Config:
    meetings = tmp_path / "meetings.csv"
    meetings.write_text("date,items\n2026-01-14,A-1 B-2; Z-9\n", encoding="utf-8")
    raw = {
        "statuses": ["^Steering"],
        "labels": ["steerco"],
        "comment_pattern": "(?i)steer(ing)? ?co",
        "meetings_file": str(meetings),
        "recurring": [
            {"weekday": "wednesday", "labels_any": ["escalated"], "priorities": ["Highest"]}
        ],
    }
    raw.update(steering)
    return Config.from_dict({"steering": raw})


def rows(table: pa.Table) -> list[tuple]:
    return [tuple(r.values()) for r in table.to_pylist()]


def test_every_kind_deduplicated_per_day(tmp_path: Path) -> None:
    config = story_config(tmp_path)
    touches = steering_touches(story_events(), story_items(), story_timeline(), config, AS_OF)
    assert touches.schema.remove_metadata() == STEERING_TOUCHES
    assert rows(touches) == [
        # recurring on Wednesday Jan 7 (committed Jan 5, delivered Jan 20)
        ("A-1", t(7), date(2026, 1, 7), "recurring", RULE),
        # status at 10:00 beats the steerco label added at 11:00 the same day
        ("A-1", t(8, 10), date(2026, 1, 8), "status", "Steering Review"),
        ("A-1", t(12, 10), date(2026, 1, 12), "comment", "Discussed in SteerCo, go ahead"),
        # the meetings-file row and the recurring rule fall at the same moment: meeting wins
        ("A-1", t(14), date(2026, 1, 14), "meeting", "meetings.csv:2"),
        ("B-2", t(14), date(2026, 1, 14), "meeting", "meetings.csv:2"),
        # B-2 committed Jan 13, still open: Wednesdays up to and including the as_of day
        ("B-2", t(21), date(2026, 1, 21), "recurring", RULE),
        ("B-2", t(28), date(2026, 1, 28), "recurring", RULE),
    ]
    assert unknown_meeting_items(touches) == ["Z-9"]
    (warning,) = steering_warnings(touches, config)
    assert warning.message == (
        "1 item key(s) of the meetings file are not in the data and were ignored: Z-9"
    )
    assert rows(touches_per_item(touches)) == [("A-1", 4), ("B-2", 3)]


def test_nothing_configured_gives_an_empty_table() -> None:
    touches = steering_touches(story_events(), story_items(), story_timeline(), Config(), AS_OF)
    assert touches.num_rows == 0
    assert touches.schema == STEERING_TOUCHES
    meetings = steering_meetings(touches, Config())
    assert meetings.num_rows == 0 and meetings.schema == STEERING_MEETINGS


def test_label_removal_and_other_labels_are_not_touches(tmp_path: Path) -> None:
    config = Config.from_dict({"steering": {"labels": ["steerco", "other"]}})
    touches = steering_touches(story_events(), story_items(), story_timeline(), config, AS_OF)
    assert rows(touches.select(["item", "kind", "detail"])) == [
        ("A-1", "label", "steerco"),
        ("C-3", "label", "other"),
    ]


def test_status_regex_matches_anywhere_and_all_entries(tmp_path: Path) -> None:
    config = Config.from_dict({"steering": {"statuses": ["Review$", "^Ready"]}})
    touches = steering_touches(story_events(), story_items(), story_timeline(), config, AS_OF)
    assert rows(touches.select(["item", "ts", "detail"])) == [
        ("A-1", t(5, 9), "Ready"),
        ("A-1", t(8, 10), "Steering Review"),
    ]


def test_day_boundary_follows_the_calendar_time_zone() -> None:
    events = events_from_rows(
        [
            ev("A-1", t(12, 3), "comment", "steerco: go"),  # Jan 11, 22:00 in New York
            ev("A-1", t(12, 15), "comment", "steerco: again"),  # Jan 12, 10:00 in New York
        ]
    )
    utc = Config.from_dict({"steering": {"comment_pattern": "steerco"}})
    ny = Config.from_dict(
        {"steering": {"comment_pattern": "steerco"}, "calendar": {"timezone": "America/New_York"}}
    )
    in_utc = steering_touches(events, story_items(), story_timeline(), utc, AS_OF)
    in_ny = steering_touches(events, story_items(), story_timeline(), ny, AS_OF)
    assert rows(in_utc.select(["meeting_date", "detail"])) == [(date(2026, 1, 12), "steerco: go")]
    assert rows(in_ny.select(["meeting_date", "detail"])) == [
        (date(2026, 1, 11), "steerco: go"),
        (date(2026, 1, 12), "steerco: again"),
    ]


def test_recurring_rule_conditions_and_bounds() -> None:
    tl = story_timeline()
    events, items = story_events(), story_items()

    def recurring(rule: dict) -> list[tuple]:
        config = Config.from_dict({"steering": {"recurring": [rule]}})
        touches = steering_touches(events, items, tl, config, AS_OF)
        return rows(touches.select(["item", "meeting_date"]))

    # no condition: every committed, undelivered item; C-3 never committed
    assert recurring({"weekday": "wednesday"}) == [
        ("A-1", date(2026, 1, 7)),
        ("A-1", date(2026, 1, 14)),
        ("B-2", date(2026, 1, 14)),
        ("B-2", date(2026, 1, 21)),
        ("B-2", date(2026, 1, 28)),
    ]
    assert recurring({"weekday": "wednesday", "types": ["Bug"]}) == [
        ("B-2", date(2026, 1, 14)),
        ("B-2", date(2026, 1, 21)),
        ("B-2", date(2026, 1, 28)),
    ]
    assert recurring({"weekday": "wednesday", "labels_any": ["nope"]}) == []
    # committed Monday Jan 5 counts that Monday; delivered Tuesday Jan 20 12:00: not on Jan 20
    assert recurring({"weekday": "monday", "priorities": ["Highest"]}) == [
        ("A-1", date(2026, 1, 5)),
        ("A-1", date(2026, 1, 12)),
        ("A-1", date(2026, 1, 19)),
    ]
    assert recurring({"weekday": "tuesday", "priorities": ["Highest"]}) == [
        ("A-1", date(2026, 1, 6)),
        ("A-1", date(2026, 1, 13)),
    ]
    assert recurring(
        {"weekday": "wednesday", "types": ["Bug"], "start": "2026-01-15", "end": "2026-01-27"}
    ) == [("B-2", date(2026, 1, 21))]


def test_recurring_uses_the_last_entry_into_done_after_a_reopen() -> None:
    tl = pa.Table.from_pylist(
        timeline(
            "A-1",
            [
                ("Backlog", "backlog", t(2)),
                ("In Progress", "active", t(5)),
                ("Done", "done", t(8)),
                ("Closed", "done", t(9)),  # still the same entry into done...
                ("In Progress", "active", t(12)),  # ...until the reopen
                ("Done", "done", t(22, 9)),
                ("Closed", "done", t(23)),
            ],
            AS_OF,
        ),
        schema=TIMELINE,
    )
    events = events_from_rows([ev("A-1", t(1), "created", None)])
    config = Config.from_dict({"steering": {"recurring": [{"weekday": "wednesday"}]}})
    touches = steering_touches(events, story_items(), tl, config, AS_OF)
    # delivered = Jan 22 (last entry into done); the Jan 7..21 Wednesdays are all counted,
    # including Jan 14 while it sat in done before the reopen
    assert touches.column("meeting_date").to_pylist() == [
        date(2026, 1, 7),
        date(2026, 1, 14),
        date(2026, 1, 21),
    ]


def test_recurring_starts_at_the_first_day_of_the_data() -> None:
    tl = pa.Table.from_pylist(
        timeline("A-1", [("In Progress", "active", t(1))], AS_OF), schema=TIMELINE
    )
    # an event log that only starts on Jan 15 (e.g. a pull with --since)
    events = events_from_rows([ev("A-1", t(15, 8), "comment", "hello")])
    config = Config.from_dict({"steering": {"recurring": [{"weekday": "wednesday"}]}})
    touches = steering_touches(events, story_items(), tl, config, AS_OF)
    assert touches.column("meeting_date").to_pylist() == [date(2026, 1, 21), date(2026, 1, 28)]


def test_meeting_cost(tmp_path: Path) -> None:
    config = story_config(tmp_path, minutes_per_item=15, attendees=6)
    touches = steering_touches(story_events(), story_items(), story_timeline(), config, AS_OF)
    meetings = steering_meetings(touches, config)
    assert meetings.schema == STEERING_MEETINGS
    assert rows(meetings) == [
        (date(2026, 1, 7), 1, 1, 90.0),
        (date(2026, 1, 8), 1, 1, 90.0),
        (date(2026, 1, 12), 1, 1, 90.0),
        (date(2026, 1, 14), 2, 2, 180.0),
        (date(2026, 1, 21), 1, 1, 90.0),
        (date(2026, 1, 28), 1, 1, 90.0),
    ]


def test_meetings_file_formats(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text(
        '\ufeffDate,Items\n\n2026-01-07,"A-1, B-2"\n2026-01-14,A-1,B-2;C-3\n'
        "2026-01-21T09:30:00,  A-1  \n",
        encoding="utf-8",
    )
    assert read_meetings_file(path) == [
        (3, date(2026, 1, 7), ["A-1", "B-2"]),
        (4, date(2026, 1, 14), ["A-1", "B-2", "C-3"]),
        (5, date(2026, 1, 21), ["A-1"]),
    ]
    headerless = tmp_path / "h.csv"
    headerless.write_text("2026-01-07;A-1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"h\.csv: line 1: bad date '2026-01-07;A-1'"):
        read_meetings_file(headerless)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("date,items\n2026-01-07,A-1\n2026-13-01,A-1\n", "line 3: bad date '2026-13-01'"),
        ("date,items\n2026-01-07\n", "line 2: no item keys"),
        ("date,items\nyesterday,A-1\n", "line 2: bad date 'yesterday'"),
    ],
)
def test_bad_meetings_rows_name_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "meetings.csv"
    path.write_text(text, encoding="utf-8")
    config = Config.from_dict({"steering": {"meetings_file": str(path)}})
    with pytest.raises(InputError) as err:
        steering_touches(story_events(), story_items(), story_timeline(), config, AS_OF)
    assert str(err.value).startswith(str(path) + ": ")
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_meetings_file_is_a_config_error(tmp_path: Path) -> None:
    config = Config.from_dict({"steering": {"meetings_file": str(tmp_path / "nope.csv")}})
    with pytest.raises(ConfigError, match=r"steering\.meetings_file: file not found"):
        steering_touches(story_events(), story_items(), story_timeline(), config, AS_OF)


def test_a_meetings_file_that_is_no_file_or_too_big_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^/dev/zero: the meetings file is not a regular file$"):
        read_meetings_file(Path("/dev/zero"))
    big = tmp_path / "big.csv"
    with big.open("wb") as out:
        out.truncate(MEETINGS_FILE_LIMIT + 1)  # sparse: no disk used
    with pytest.raises(InputError, match=r"big\.csv: the meetings file is 10,485,761 bytes"):
        read_meetings_file(big)
    long_line = tmp_path / "passwd.csv"
    long_line.write_text("root:x:0:0:root:/root:/bin/bash,A-1\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_meetings_file(long_line)
    # a date takes 10 characters: no more than 20 of a line are echoed (40 were)
    assert "bad date 'root:x:0:0:root:/roo…(31 characters)'" in str(err.value)
    too_long = tmp_path / "long.csv"
    too_long.write_text("x" * 100 + ",A-1\n", encoding="utf-8")
    with pytest.raises(InputError, match="bad date '" + "x" * 20 + "…"):
        read_meetings_file(too_long)
    # a binary file (/proc/self/environ): none of it is echoed (it was, up to 40 characters)
    binary = tmp_path / "environ"
    binary.write_bytes(b"SECRET=hunter2\x00SHELL=/bin/sh\x00")
    with pytest.raises(InputError) as err:
        read_meetings_file(binary)
    assert str(err.value) == (
        f"{binary}: the meetings file is not a text CSV (it holds NUL characters)"
    )


def analysis_item(item: str, type_: str, delivered: datetime | None, lead_d, fe) -> dict:
    return {
        "item": item,
        "type": type_,
        "delivered": delivered,
        "lead_time_s": None if lead_d is None else lead_d * DAY,
        "flow_efficiency": fe,
    }


def test_steered_versus_comparable_unsteered() -> None:
    items = pa.Table.from_pylist(
        [
            analysis_item("S1", "Story", t(10, month=2), 10, 0.1),
            analysis_item("S2", "Story", t(11, month=3), 4, 0.3),
            analysis_item("S3", "Story", t(1, month=1), 6, 0.5),
            analysis_item("B1", "Bug", t(1, month=2), 3, 0.2),  # no steered Bug: no row
            analysis_item("S4", "Story", t(1, month=4), 20, 0.05),
            analysis_item("S5", "Story", None, None, None),  # open: not compared
        ],
        schema=ITEMS,
    )
    touches = pa.Table.from_pylist(
        [
            {"item": "S1", "ts": t(5), "meeting_date": date(2026, 1, 5), "kind": "label"},
            {"item": "S1", "ts": t(6), "meeting_date": date(2026, 1, 6), "kind": "label"},
            {"item": "S4", "ts": t(6), "meeting_date": date(2026, 1, 6), "kind": "label"},
            {"item": "S5", "ts": t(6), "meeting_date": date(2026, 1, 6), "kind": "label"},
        ],
        schema=STEERING_TOUCHES,
    )
    assert rows(steering_comparison(items, touches)) == [
        ("Story", "2026-Q1", 1, 2, 10 * DAY, 5 * DAY, 0.1, 0.4),
        ("Story", "2026-Q2", 1, 0, 20 * DAY, None, 0.05, None),
    ]


def test_vectorised_on_a_large_log(tmp_path: Path) -> None:
    n = 200_000
    start = datetime(2025, 1, 1, tzinfo=UTC)
    events = pa.table(
        {
            "item": pa.array([f"K-{i % 20_000}" for i in range(n)]),
            "ts": pa.array(
                [start + timedelta(minutes=37 * i) for i in range(n)],
                type=pa.timestamp("us", tz="UTC"),
            ),
            "seq": pa.array([0] * n, pa.int64()),
            "field": pa.array(["comment"] * n),
            "value": pa.array(["reviewed by steerco" if i % 10 == 0 else "ok" for i in range(n)]),
            "prev": pa.nulls(n, pa.string()),
            "actor": pa.nulls(n, pa.string()),
            "source": pa.nulls(n, pa.string()),
        }
    )
    config = Config.from_dict({"steering": {"comment_pattern": "steerco"}})
    items = items_from_rows([{"item": f"K-{i}", "created": start} for i in range(20_000)])
    as_of = start + timedelta(minutes=37 * n)
    touches = steering_touches(events, items, story_timeline(), config, as_of)
    # every 10th comment matches: i = 0, 10, ... ; item K-(i % 20000) -> 2000 items, and an item
    # gets one every 20000 * 37 minutes (> 1 day), so none collapse
    assert touches.num_rows == n // 10


def test_chunked_tables_give_the_same_touches(tmp_path: Path) -> None:
    config = story_config(tmp_path)
    events = story_events()
    chunked = pa.concat_tables([events.slice(0, 7), events.slice(7)])
    items = story_items()
    items_chunked = pa.concat_tables([items.slice(0, 1), items.slice(1)])
    tl = story_timeline()
    tl_chunked = pa.concat_tables([tl.slice(0, 4), tl.slice(4)])
    assert chunked.column("item").num_chunks == 2
    want = steering_touches(events, items, tl, config, AS_OF)
    got = steering_touches(chunked, items_chunked, tl_chunked, config, AS_OF)
    assert got.equals(want)
    assert got.num_rows == 7


def test_sample_log_touches_equal_the_ground_truth(sample_logs: Path) -> None:
    """The generated story log: per-item steering touches equal the simulator's truth."""
    import pyarrow.csv as pacsv

    import flowgap

    config = Config.load(sample_logs / "story.jira.flowgap.toml")
    result = flowgap.load([sample_logs / "story.jira.ndjson.gz"], config)
    as_of = pa.compute.max(result.events.column("ts")).as_py()
    touches = steering_touches(result.events, result.items, TIMELINE.empty_table(), config, as_of)
    got = dict(
        zip(
            *(
                touches_per_item(touches).column(n).to_pylist()
                for n in ("item", "steering_touches")
            ),
            strict=True,
        )
    )
    truth = pacsv.read_csv(sample_logs / "story.jira.truth.csv")
    want = {
        key: count
        for key, count in zip(
            truth.column("item").to_pylist(),
            truth.column("steering_touches").to_pylist(),
            strict=True,
        )
        if count
    }
    assert got == want
    assert got["FLOW-1042"] == 16


raw_touches = st.lists(
    st.tuples(
        st.sampled_from(["A-1", "B-2", "C-3", "Ä-4"]),
        st.integers(min_value=0, max_value=6 * 86400),  # seconds after 2026-01-05 20:00 UTC
        st.sampled_from(["status", "label", "comment", "meeting", "recurring"]),
        st.sampled_from(["x", "m.csv:10", "m.csv:9", "Steering Review"]),
    ),
    max_size=40,
)


@settings(max_examples=80, deadline=None)
@given(raw=raw_touches, zone=st.sampled_from(["UTC", "Europe/Berlin", "America/New_York"]))
def test_dedup_keeps_the_first_signal_of_each_item_and_local_day(raw: list, zone: str) -> None:
    from zoneinfo import ZoneInfo

    from flowgap.engine.steering_touches import KINDS, _dedupe_per_day

    base = datetime(2026, 1, 5, 20, tzinfo=UTC)
    rows = [(k, base + timedelta(seconds=s), kind, d) for k, s, kind, d in raw]
    table = pa.table(
        {
            "item": pa.array([r[0] for r in rows], pa.string()),
            "ts": pa.array([r[1] for r in rows], pa.timestamp("us", tz="UTC")),
            "kind": pa.array([r[2] for r in rows], pa.string()),
            "detail": pa.array([r[3] for r in rows], pa.string()),
        }
    )
    got = [tuple(r.values()) for r in _dedupe_per_day(table, zone).to_pylist()]
    best: dict[tuple, tuple] = {}
    for key, ts, kind, detail in rows:
        day = ts.astimezone(ZoneInfo(zone)).date()
        rank = (ts, KINDS.index(kind), detail)
        if (key, day) not in best or rank < best[(key, day)][0]:
            best[(key, day)] = (rank, (key, ts, day, kind, detail))
    want = sorted((v[1] for v in best.values()), key=lambda r: (r[0], r[1]))
    assert [(k, ts.astimezone(UTC), day, kind, d) for k, ts, day, kind, d in got] == want


def test_nothing_after_as_of_counts(tmp_path: Path) -> None:
    """Signals after as_of, and items created after it, are outside the analysis."""
    meetings = tmp_path / "meetings.csv"
    # B is created on day 20: the meeting of day 12 cannot have discussed it as of day 15.
    meetings.write_text("date,items\n2026-01-12,A B\n2026-01-19,A\n", encoding="utf-8")
    config = Config.from_dict(
        {"steering": {"comment_pattern": "(?i)steerco", "meetings_file": str(meetings)}}
    )
    events = events_from_rows(
        [
            ev("A", t(5, 9), "comment", "SteerCo: go"),
            ev("A", t(14, 9), "comment", "SteerCo: still waiting"),
            ev("A", t(16, 9), "comment", "SteerCo: after as_of"),
            ev("B", t(20, 9), "created", None),
        ]
    )
    items = items_from_rows([{"item": "A", "created": t(1)}, {"item": "B", "created": t(20, 9)}])
    as_of = t(15)
    got = steering_touches(events, items, timeline("A", [], as_of), config, as_of)
    # A: comments on days 5 and 14, the meeting of day 12; not the comment of day 16 nor the
    # meeting of day 19. B: nothing.
    assert [(r["item"], r["meeting_date"].day) for r in got.to_pylist()] == [
        ("A", 5),
        ("A", 12),
        ("A", 14),
    ]


def _status_touches(values: list[str | None], pattern: list[str]) -> list[str]:
    """The statuses whose entry is a touch, one item per value (so none collapse per day)."""
    events = events_from_rows([ev(f"K-{i}", t(5, 9), "status", v) for i, v in enumerate(values)])
    items = items_from_rows([{"item": f"K-{i}", "created": t(1)} for i in range(len(values))])
    config = Config.from_dict({"steering": {"statuses": pattern}})
    got = steering_touches(events, items, TIMELINE.empty_table(), config, AS_OF)
    return [values[int(r["item"][2:])] for r in got.to_pylist()]


def _comment_touches(values: list[str | None], pattern: str) -> list[str]:
    events = events_from_rows([ev(f"K-{i}", t(5, 9), "comment", v) for i, v in enumerate(values)])
    items = items_from_rows([{"item": f"K-{i}", "created": t(1)} for i in range(len(values))])
    config = Config.from_dict({"steering": {"comment_pattern": pattern}})
    got = steering_touches(events, items, TIMELINE.empty_table(), config, AS_OF)
    return [values[int(r["item"][2:])] for r in got.to_pylist()]


def test_patterns_match_repeated_and_distinct_values() -> None:
    # Repeated values (statuses); nulls never match; any of several patterns.
    values = ["Steering Review", "Ready", None, "Steering Board"] * 3
    assert _status_touches(values, ["Review$"]) == ["Steering Review"] * 3
    got = _status_touches(values, ["Steering R", "^Rea"])
    assert got == ["Steering Review", "Ready"] * 3
    # Distinct values (comments) are matched directly.
    distinct = ["steer now", "steering here", None]
    assert _comment_touches(distinct, "here") == ["steering here"]
    assert _comment_touches(distinct, "(?i)STEER NOW") == ["steer now"]


def test_a_catastrophic_pattern_is_refused_when_the_config_is_read() -> None:
    """The hardening issue's example: a look-ahead over a nested quantifier. It is refused by
    the config itself (naming the file and the key), before any text is matched; so is a
    pattern that does not even compile (Python's ``re.error`` used to escape as a crash)."""
    raw = {"steering": {"comment_pattern": "(?=a)(a+)+$"}}
    with pytest.raises(ConfigError) as err:
        Config.from_dict(raw, "uploaded.toml")
    assert str(err.value).startswith(
        "uploaded.toml: steering.comment_pattern: pattern '(?=a)(a+)+$' is not supported ("
    )
    assert str(err.value).endswith(
        "); patterns run in RE2, which has no look-arounds or back-references"
    )
    with pytest.raises(ConfigError, match=r"^<config>: steering\.statuses: .*'\(' is not supp"):
        Config.from_dict({"steering": {"statuses": ["Review", "("]}})


def test_nested_quantifiers_run_in_linear_time_on_hostile_comments() -> None:
    """``(a+)+$`` is valid RE2: on 28 ``a``s and a ``!`` Python's backtracking ``re`` needs
    about 18 s, and four times longer per two more characters; RE2 answers at once even for
    thousands of them."""
    hostile = ["a" * 28 + "!", "a" * 5000 + "!", "a" * 40]
    assert _comment_touches(hostile, "(a+)+$") == ["a" * 40]


def test_a_pattern_re2_cannot_run_is_a_config_error_naming_the_key() -> None:
    """Patterns run in RE2 (linear time): look-arounds and back-references are refused
    (they used to fall back to Python's backtracking ``re``, which a stranger's pattern can
    stall for minutes)."""
    with pytest.raises(ConfigError, match=r"steering\.comment_pattern.*not supported"):
        _comment_touches(["steer now"], r"(?i)steer(?!ing here)")
    with pytest.raises(ConfigError, match=r"steering\.statuses.*look-arounds"):
        _status_touches(["Steering Review"], [r"Steering (?!Board)"])
    with pytest.raises(ConfigError, match=r"steering\.comment_pattern"):
        _comment_touches(["steer now"], r"(a)\1")
