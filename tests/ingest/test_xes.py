"""XES loader: lifecycle overlap, never-started activities, rejects, safety, corrupt XML."""

from __future__ import annotations

import gzip
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flowgap.config import Config
from flowgap.errors import InputError
from flowgap.ingest import xes

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "xes"


def t(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def rows_of(result, item: str) -> list[tuple]:
    return [
        (r["ts"], r["seq"], r["field"], r["value"], r["prev"], r["actor"])
        for r in result.events.to_pylist()
        if r["item"] == item
    ]


@pytest.fixture(scope="module")
def overlap():
    return xes.load(FIXTURES / "lifecycle_overlap.xes", Config())


def test_lifecycle_overlap_exact(overlap) -> None:
    w = "waiting after "
    assert rows_of(overlap, "c1") == [
        (t(2024, 1, 1, 9), 0, "created", None, None, None),
        (t(2024, 1, 1, 9), 1, "status", "queued", None, None),
        (t(2024, 1, 1, 9), 2, "activity", "Review", "SCHEDULE", None),
        (t(2024, 1, 1, 10), 0, "status", "Review", "queued", "ann"),
        (t(2024, 1, 1, 10), 1, "team", "G1", None, "ann"),
        (t(2024, 1, 1, 10), 2, "assignee", "ann", None, "ann"),
        # Fix starts while Review is open: the most recently started instance is the status
        (t(2024, 1, 1, 11), 0, "status", "Fix", "Review", "bob"),
        (t(2024, 1, 1, 11), 1, "team", "G2", "G1", "bob"),
        (t(2024, 1, 1, 11), 2, "assignee", "bob", "ann", "bob"),
        # Review completes while Fix is still open: no status change
        (t(2024, 1, 1, 12), 0, "activity", "Review", "COMPLETE", "ann"),
        (t(2024, 1, 1, 12), 1, "assignee", "ann", "bob", "ann"),
        (t(2024, 1, 1, 13), 0, "status", w + "Fix", "Fix", "bob"),
        (t(2024, 1, 1, 13), 1, "assignee", "bob", "ann", "bob"),
        # Notify is never started anywhere in the log: an instantaneous status change
        (t(2024, 1, 1, 14), 0, "status", "Notify", w + "Fix", None),
        (t(2024, 1, 1, 15), 0, "status", "Review", "Notify", "ann"),
        (t(2024, 1, 1, 15), 1, "assignee", "ann", "bob", "ann"),
        (t(2024, 1, 1, 16), 0, "status", w + "Review", "Review", None),
    ]


def test_activities_only_completed_are_statuses_beside_started_work(tmp_path: Path) -> None:
    # The shape of BPI Challenge 2012: application states and outcomes only COMPLETE, work
    # items SCHEDULE/START/COMPLETE. Left out of the status, no case ever reached an outcome.
    def event(name: str, transition: str, minute: int) -> str:
        return (
            f'<event><string key="concept:name" value="{name}"/>'
            f'<string key="lifecycle:transition" value="{transition}"/>'
            f'<date key="time:timestamp" value="2024-01-01T09:{minute:02d}:00.000+00:00"/>'
            "</event>"
        )

    def trace(case: str, *events: str) -> str:
        return f'<trace><string key="concept:name" value="{case}"/>{"".join(events)}</trace>'

    log = tmp_path / "loans.xes"
    log.write_text(
        '<?xml version="1.0" encoding="UTF-8" ?><log xes.version="1.0">'
        + trace(
            "declined at once",
            event("A_SUBMITTED", "COMPLETE", 0),
            event("A_DECLINED", "COMPLETE", 1),
        )
        + trace(
            "declined while worked on",
            event("A_SUBMITTED", "COMPLETE", 0),
            event("W_Check", "SCHEDULE", 1),
            event("W_Check", "START", 2),
            event("O_SENT", "COMPLETE", 3),
            event("A_DECLINED", "COMPLETE", 4),
            event("W_Check", "COMPLETE", 5),
            # a work item cancelled before anyone started it ends no work
            event("W_Check", "COMPLETE", 6),
        )
        + trace("worked on", event("W_Check", "START", 0), event("W_Check", "COMPLETE", 1))
        + "</log>",
        encoding="utf-8",
    )
    result = xes.load(log, Config())

    def moves(item: str) -> list[tuple]:
        return [(r[0].minute, r[2], r[3], r[4]) for r in rows_of(result, item)]

    assert moves("declined at once") == [
        (0, "created", None, None),
        (0, "status", "A_SUBMITTED", None),  # no "queued" before it
        (1, "status", "A_DECLINED", "A_SUBMITTED"),
    ]
    assert moves("declined while worked on") == [
        (0, "created", None, None),
        (0, "status", "A_SUBMITTED", None),
        (1, "activity", "W_Check", "SCHEDULE"),
        (2, "status", "W_Check", "A_SUBMITTED"),
        # during the work the status stays; where the case stands when it ends is the latest
        (3, "activity", "O_SENT", "COMPLETE"),
        (4, "activity", "A_DECLINED", "COMPLETE"),
        (5, "status", "A_DECLINED", "W_Check"),
        (6, "activity", "W_Check", "COMPLETE"),
    ]
    assert moves("worked on")[-1] == (1, "status", "waiting after W_Check", "W_Check")
    items = result.items.to_pylist()
    current = {r["item"]: r["current_status"] for r in items}
    assert current["declined at once"] == current["declined while worked on"] == "A_DECLINED"


def test_first_start_needs_no_queue_and_names_survive(overlap) -> None:
    name = "W_Beoordelen fraude één"
    assert rows_of(overlap, "c2") == [
        (t(2024, 1, 2, 8), 0, "created", None, None, None),
        (t(2024, 1, 2, 8), 1, "status", name, None, None),
        (t(2024, 1, 2, 8, 30), 0, "status", "waiting after " + name, name, None),
    ]
    assert overlap.status_categories == {
        "Fix": "indeterminate",
        "Review": "indeterminate",
        name: "indeterminate",
    }


def test_rejects_and_counts(overlap) -> None:
    f = "lifecycle_overlap.xes"
    assert [(r.source, r.reason) for r in overlap.rejects] == [
        (f"{f}:c3#1", "event without a valid time:timestamp"),
        (f"{f}:c3#2", "event without a valid time:timestamp"),
        (f"{f}:c3#3", "event without concept:name"),
        (f"{f}:trace 4#1", "trace 4 has no concept:name (case id)"),
    ]
    (summary,) = overlap.inputs
    assert (summary.records_read, summary.records_loaded, summary.records_rejected) == (14, 10, 4)
    items = {r["item"]: r for r in overlap.items.to_pylist()}
    assert sorted(items) == ["c1", "c2"]
    assert items["c1"]["priority"] == "High"
    assert items["c1"]["current_status"] == "waiting after Review"
    assert items["c1"]["created"] == t(2024, 1, 1, 9)


def test_lifecycle_off_makes_every_event_a_status(tmp_path: Path) -> None:
    cfg = Config.from_dict({"input": {"xes": {"lifecycle": False, "team_attribute": None}}})
    result = xes.load(FIXTURES / "lifecycle_overlap.xes", cfg)
    values = [
        r["value"]
        for r in result.events.to_pylist()
        if r["item"] == "c1" and r["field"] == "status"
    ]
    assert values == ["Review", "Review", "Fix", "Review", "Fix", "Notify", "Review", "Review"]
    assert not any(r["field"] == "team" for r in result.events.to_pylist())


def test_instantaneous_log_and_gzip_by_content(tmp_path: Path) -> None:
    # gzip content under a plain .xes name: detected by content, not by name
    target = tmp_path / "helpdesk-like.xes"
    target.write_bytes(gzip.compress((FIXTURES / "instantaneous.xes").read_bytes()))
    result = xes.load(target, Config())
    assert rows_of(result, "Case 1") == [
        (t(2012, 10, 9, 12, 50, 17), 0, "created", None, None, None),
        (t(2012, 10, 9, 12, 50, 17), 1, "status", "Assign seriousness", None, "Value 1"),
        (t(2012, 10, 9, 12, 50, 17), 2, "assignee", "Value 1", None, "Value 1"),
        (
            t(2012, 10, 9, 12, 51, 1),
            0,
            "status",
            "Take in charge ticket",
            "Assign seriousness",
            "Value 2",
        ),
        (t(2012, 10, 9, 12, 51, 1), 1, "assignee", "Value 2", "Value 1", "Value 2"),
        (t(2012, 10, 12, 13, 2, 56), 0, "status", "Closed", "Take in charge ticket", "Value 2"),
    ]
    assert result.status_categories == {}


@pytest.mark.parametrize("name", ["billion_laughs.xes", "external_entity.xes"])
def test_dtd_refused_before_parsing(name: str, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="refused: the XML declares a DOCTYPE"):
        xes.load(FIXTURES / name, Config())
    gz = tmp_path / (name + ".gz")
    gz.write_bytes(gzip.compress((FIXTURES / name).read_bytes()))
    with pytest.raises(InputError, match="DOCTYPE"):
        xes.load(gz, Config())


def test_corrupt_xml_is_one_line_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        xes.load(FIXTURES / "truncated.xes", Config())
    assert str(info.value).startswith(str(FIXTURES / "truncated.xes") + ": corrupt XES/XML:")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        (b"   \n", "only whitespace"),
        (b"case,activity\n1,A\n", "not an XML"),
        (b"\x1f\x8b\x08\x00garbage", "cannot read"),
    ],
)
def test_unreadable_files(tmp_path: Path, content: bytes, message: str) -> None:
    p = tmp_path / "x.xes"
    p.write_bytes(content)
    with pytest.raises(InputError, match=message):
        xes.load(p, Config())


def test_bom_prolog_accepted(tmp_path: Path) -> None:
    p = tmp_path / "bom.xes"
    p.write_bytes(b"\xef\xbb\xbf" + (FIXTURES / "instantaneous.xes").read_bytes())
    assert xes.load(p, Config()).inputs[0].records_loaded == 3


def test_copy_with_gz_name_of_plain_file(tmp_path: Path) -> None:
    p = tmp_path / "plain.xes.gz"
    shutil.copyfile(FIXTURES / "instantaneous.xes", p)
    assert xes.load(p, Config()).inputs[0].records_loaded == 3


def test_a_sub_state_in_the_lifecycle_is_said_and_can_compose_the_status() -> None:
    plain = xes.load(FIXTURES / "substates.xes", Config())
    assert [(w.kind, w.message) for w in plain.warnings] == [
        (
            "nonstandard_lifecycle",
            "5 event(s) carry a lifecycle:transition outside the XES standard model"
            " (In Progress 2, Awaiting Assignment 1, Wait - User 1, Closed 1): it is not part"
            " of the status; if it is a sub-status, set [input.xes] status_attribute ="
            ' ["concept:name", "lifecycle:transition"]',
        )
    ]
    cfg = Config.from_dict(
        {
            "input": {
                "xes": {
                    "status_attribute": ["concept:name", "lifecycle:transition"],
                    "team_attribute": "organization involved",
                }
            }
        }
    )
    result = xes.load(FIXTURES / "substates.xes", cfg)
    assert result.warnings == []
    assert [(r.source, r.reason) for r in result.rejects] == [
        ("substates.xes:P-1#6", "event without lifecycle:transition")
    ]
    changes = [(r[0], r[2], r[3], r[4]) for r in rows_of(result, "P-1") if r[2] != "assignee"]
    assert changes == [
        (t(2012, 5, 1, 7), "created", None, None),
        (t(2012, 5, 1, 7), "status", "Queued / Awaiting Assignment", None),
        (t(2012, 5, 1, 7), "team", "G97 2nd", None),
        (t(2012, 5, 1, 8), "status", "Accepted / In Progress", "Queued / Awaiting Assignment"),
        (t(2012, 5, 2, 8), "status", "Accepted / Wait - User", "Accepted / In Progress"),
        (t(2012, 5, 4, 8), "status", "Accepted / In Progress", "Accepted / Wait - User"),
        (t(2012, 5, 4, 8), "team", "V5 3rd", "G97 2nd"),
        (t(2012, 5, 4, 10), "status", "Completed / Closed", "Accepted / In Progress"),
    ]
    assert result.status_categories == {}


def test_status_attribute_names_at_least_one_attribute() -> None:
    from flowgap.errors import ConfigError

    with pytest.raises(ConfigError, match=r"input\.xes\.status_attribute"):
        Config.from_dict({"input": {"xes": {"status_attribute": []}}})
    one = Config.from_dict({"input": {"xes": {"status_attribute": "activity"}}})
    assert one.input.xes.status_attribute == ["activity"]


def test_typed_and_mixed_attributes_and_offsets_without_colon(tmp_path: Path) -> None:
    p = tmp_path / "typed.xes"
    p.write_text(
        '<?xml version="1.0" encoding="UTF-8" ?>\n<log xes.version="1.0">\n'
        '<trace><string key="concept:name" value="c1"/><int key="priority" value="3"/>\n'
        '<event><string key="concept:name" value="A"/><int key="org:group" value="7"/>'
        '<date key="time:timestamp" value="2024-01-01T10:00:00.000+0100"/></event>\n'
        '<event><int key="concept:name" value="5"/><string key="org:group" value="G"/>'
        '<date key="time:timestamp" value="2024-01-01T12:00:00Z"/></event>\n'
        "</trace></log>\n",
        encoding="utf-8",
    )
    result = xes.load(p, Config())
    assert [r[:5] for r in rows_of(result, "c1")] == [
        (t(2024, 1, 1, 9), 0, "created", None, None),
        (t(2024, 1, 1, 9), 1, "status", "A", None),
        (t(2024, 1, 1, 9), 2, "team", "7", None),
        (t(2024, 1, 1, 12), 0, "status", "5", "A"),
        (t(2024, 1, 1, 12), 1, "team", "G", "7"),
    ]
    assert result.items.column("priority").to_pylist() == ["3"]


def test_the_item_and_the_time_can_be_other_attributes(tmp_path: Path) -> None:
    """A log whose traces are named by an incident number and whose events carry their time
    in another date attribute: [input.xes] case_attribute and timestamp_attribute."""
    log = tmp_path / "incidents.xes"
    log.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0">\n'
        '<trace><string key="IncidentID" value="IM-7"/>'
        '<event><string key="concept:name" value="Queued"/>'
        '<date key="logged" value="2024-01-02T10:00:00.000+00:00"/></event>'
        '<event><string key="concept:name" value="Solved"/>'
        '<date key="logged" value="2024-01-03T12:00:00.000+00:00"/></event></trace>\n'
        '<trace><string key="IncidentID" value="IM-8"/>'
        '<event><string key="concept:name" value="Queued"/></event></trace>\n'
        "</log>\n"
    )
    # The standard names find neither the item nor the time: every event is rejected.
    plain = xes.load(log, Config.from_dict({"input": {"xes": {"lifecycle": False}}}))
    assert plain.events.num_rows == 0
    # (two traces without a case id in a row read as one run: "trace 1")
    assert [r.reason for r in plain.rejects] == ["trace 1 has no concept:name (case id)"] * 3
    cfg = Config.from_dict(
        {
            "input": {
                "xes": {
                    "lifecycle": False,
                    "case_attribute": "IncidentID",
                    "timestamp_attribute": "logged",
                }
            }
        }
    )
    result = xes.load(log, cfg)
    statuses = [
        (r["item"], r["ts"], r["value"])
        for r in result.events.to_pylist()
        if r["field"] == "status"
    ]
    assert statuses == [
        ("IM-7", t(2024, 1, 2, 10), "Queued"),
        ("IM-7", t(2024, 1, 3, 12), "Solved"),
    ]
    assert [r.reason for r in result.rejects] == ["event without a valid logged"]
    assert result.inputs[0].records_read == 3 and result.inputs[0].reconciles


def _log(body: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<log>{body}</log>\n'.encode()


_EVENT = (
    '<event><string key="concept:name" value="A"/><date key="time:timestamp" value="{}"/></event>'
)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        # nested 10,000 deep, the Rust reader overflowed its stack: the process crashed
        (
            "<trace><event>" + '<list key="l">' * 10_000 + "</list>" * 10_000 + "</event></trace>",
            "elements nested more than 64 deep at line 2",
        ),
        # a panic of the Rust reader, with its backtrace on stderr
        ("<trace><trace></trace></trace>", "a trace inside a trace, not in the log at line 2"),
        (
            "<trace>" + _EVENT.format("1500-01-01T00:00:00Z") + "</trace>",
            "date '1500-01-01T00:00:00Z' of 'time:timestamp' is outside",
        ),
        ("<trace>" + _EVENT.format("0000-01-01T00:00:00") + "</trace>", "years 1678-2261"),
        # a signed or three-digit year: a panic of the Rust reader on stderr
        ("<trace>" + _EVENT.format("+12345-01-02T10:00:00.000+01:00") + "</trace>", "years"),
        ("<trace>" + _EVENT.format("-5000-01-02T10:00:00.000+01:00") + "</trace>", "years"),
        ("<trace>" + _EVENT.format("999-01-02T10:00:00.000+01:00") + "</trace>", "years"),
        ("<trace><event><event></event></event></trace>", "an event inside an event at line 2"),
        # "not yet implemented: Empty event not handled?!", a panic of the Rust reader
        ("<trace><event/></trace>", "an event without any attribute at line 2"),
        ("<trace><event>\n </event></trace>", "an event without any attribute at line 3"),
        # read as 0 by the Rust reader: two such case ids merged into one case "0"
        (
            '<trace><int key="concept:name" value="99999999999999999999999"/>'
            + _EVENT.format("2024-01-01T00:00:00Z")
            + "</trace>",
            "int '99999999999999999999999' of 'concept:name' is not a 64-bit integer at line 2",
        ),
        (
            '<trace><string key="concept:name" value="c"/><event><int key="n" value="1_000"/>'
            + '<date key="time:timestamp" value="2024-01-01T00:00:00Z"/></event></trace>',
            "int '1_000' of 'n' is not a 64-bit integer",
        ),
    ],
)
def test_what_the_rust_reader_cannot_take_is_one_line(
    tmp_path: Path, body: str, message: str
) -> None:
    p = tmp_path / "x.xes"
    p.write_bytes(_log(body))
    with pytest.raises(InputError) as info:
        xes.load(p, Config())
    assert message in str(info.value)
    assert str(info.value).startswith(f"{p}: corrupt XES/XML: ")


def test_an_event_outside_any_trace_is_rejected_not_dropped(tmp_path: Path) -> None:
    p = tmp_path / "x.xes"
    inside = '<string key="concept:name" value="C1"/>' + _EVENT.format("2024-01-01T10:00:00Z")
    p.write_bytes(_log(_EVENT.format("2024-01-01T09:00:00Z") + "\n<trace>" + inside + "</trace>"))
    result = xes.load(p, Config())
    summary = result.inputs[0]
    assert (summary.records_read, summary.records_loaded, summary.records_rejected) == (2, 1, 1)
    assert [(r.source, r.reason) for r in result.rejects] == [
        ("x.xes:line 2", "event outside any trace: it names no case")
    ]


def test_attribute_keys_and_cells_are_bounded(tmp_path: Path, monkeypatch) -> None:
    # a key per event: 20,000 events asked the reader for 400 million cells (abort past 4 GB)
    p = tmp_path / "x.xes"
    events = "".join(
        f'<event><string key="k{i}" value="v"/></event>' for i in range(xes.MAX_KEYS + 1)
    )
    p.write_bytes(_log("<trace>" + events + "</trace>"))
    with pytest.raises(InputError, match="too large to read: more than 1,000 distinct attribute"):
        xes.load(p, Config())
    monkeypatch.setattr(xes, "MAX_CELLS", 5)
    p.write_bytes(_log("<trace>" + _EVENT.format("2024-01-01T10:00:00Z") * 3 + "</trace>"))
    with pytest.raises(InputError) as info:
        xes.load(p, Config())
    assert str(info.value) == (
        f"{p}: too large to read: 3 events x 2 attribute keys, more than 5 cells at line 2,"
        " column 233"
    )
