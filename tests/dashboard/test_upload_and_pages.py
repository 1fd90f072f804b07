"""Upload handling, CSV export and page rendering on a real load + analysis (no browser)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dash import dcc, html
from layout_walk import walk

import flowgap
from flowgap.config import Config
from flowgap.dashboard.components import csv_text
from flowgap.dashboard.data import DataService, Dataset, View
from flowgap.dashboard.filters import Filters
from flowgap.dashboard.pages import PAGES, bottlenecks, journey, overview, upload
from flowgap.dashboard.sessions import SessionStore, new_session_id
from flowgap.model import LoadResult, events_from_rows, items_from_rows
from flowgap.sample import generate

EVIL = '<img src=x onerror="alert(1)"> **bold** =HYPERLINK("http://x")'
TRANSITIONS = (
    "item,from,to,timestamp,author,team\n"
    "T-1,,To Do,2026-01-01T09:00:00Z,ann,Dev\n"
    "T-1,To Do,In Progress,2026-01-02T09:00:00Z,ann,Dev\n"
    "T-1,In Progress,Ready for QA,2026-01-03T09:00:00Z,ann,Dev\n"
    "T-1,Ready for QA,In QA,2026-01-05T09:00:00Z,bob,QA\n"
    "T-1,In QA,Done,2026-01-06T09:00:00Z,bob,QA\n"
)


def data_url(data: bytes) -> str:
    return "data:application/octet-stream;base64," + base64.b64encode(data).decode()


@pytest.fixture
def service(tmp_path) -> DataService:
    return DataService(Config(), SessionStore(tmp_path / "sessions"))


def test_upload_loads_and_reports_counts(service):
    sid = new_session_id()
    message = upload.handle_upload(
        service, sid, [data_url(TRANSITIONS.encode())], ["moves.transitions.csv"]
    )
    kind, text = message
    assert kind == "ok", text
    assert text.startswith("Loaded moves.transitions.csv: 1 items, ")
    assert text.endswith(" events, 0 records rejected.")
    view = service.view(sid, Filters())
    assert view.dataset is not None and not view.dataset.demo
    assert view.analysis is not None
    # Window: committed on Jan 2 (In Progress) to Done on Jan 6 = 4 days. Ready for QA is a
    # queue: touch = 1 day In Progress + 1 day In QA.
    assert view.analysis.summary["flow_efficiency"]["median"] == pytest.approx(2 / 4)
    # Classification edits re-run the analysis with the session's config.
    state = service.store.state(sid)
    state.classes["Ready for QA"] = "active"
    service.store.save_state(sid, state)
    again = service.view(sid, Filters())
    assert again.analysis.summary["flow_efficiency"]["median"] == pytest.approx(4 / 4)
    # Another session does not see it.
    assert service.view(new_session_id(), Filters()).dataset is None


def test_upload_over_the_limit_is_refused_with_a_clear_message(tmp_path):
    config = Config.from_dict({"dashboard": {"upload_limit_mb": 0.001}})
    service = DataService(config, SessionStore(tmp_path))
    sid = new_session_id()
    kind, text = upload.handle_upload(service, sid, [data_url(b"x" * 5000)], ["big.csv"])
    assert kind == "error"
    assert text == (
        "Nothing was loaded: big.csv: upload is 0.0 MB, the limit is 0.001 MB"
        " ([dashboard] upload_limit_mb)"
    )
    assert service.store.upload_paths(sid) == []


def test_corrupt_upload_is_a_message_and_nothing_stays(service):
    sid = new_session_id()
    corrupt = b"\x1f\x8b\x08\x00garbage" * 4
    kind, text = upload.handle_upload(service, sid, [data_url(corrupt)], ["x.jira.ndjson.gz"])
    assert kind == "error"
    assert text.startswith("Nothing was loaded: ")
    assert "x.jira.ndjson.gz" in text and "Traceback" not in text
    assert service.store.upload_paths(sid) == []
    assert service.view(sid, Filters()).dataset is None


def test_csv_export_neutralises_formulas():
    rows = [{"item": "A-1", "summary": "=cmd|' /C calc'!A0", "n": -3}, {"item": "@x", "n": 2}]
    columns = [
        {"field": "item", "headerName": "Item"},
        {"field": "summary", "headerName": "Summary"},
        {"field": "n", "headerName": "N"},
    ]
    assert csv_text(rows, columns) == ("Item,Summary,N\nA-1,'=cmd|' /C calc'!A0,-3\n'@x,,2\n")


@pytest.fixture(scope="module")
def evil_view() -> View:
    t0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
    rows = []
    for seq, (field, value, prev, days) in enumerate(
        [
            ("created", None, None, 0),
            ("status", "To Do", None, 0),
            ("status", "In Progress", "To Do", 1),
            ("comment", EVIL, None, 1),
            ("status", "Done", "In Progress", 3),
        ]
    ):
        rows.append(
            {
                "item": "X-1",
                "ts": t0 + timedelta(days=days),
                "seq": seq,
                "field": field,
                "value": value,
                "prev": prev,
                "actor": "<b>mallory</b>",
                "source": "x:1",
            }
        )
    result = LoadResult(
        events=events_from_rows(rows),
        items=items_from_rows(
            [{"item": "X-1", "summary": EVIL, "type": "Bug", "labels": [EVIL], "created": t0}]
        ),
    )
    config = Config()
    analysis = flowgap.analyze(result, config)
    return View(
        sid=None,
        config=config,
        filters=Filters(),
        result=result,
        full=analysis,
        analysis=analysis,
        dataset=None,
    )


def test_ticket_text_is_only_ever_plain_text(evil_view):
    from dataclasses import replace

    from flowgap.dashboard.data import Dataset

    view = replace(evil_view, dataset=Dataset("k", "test", [Path("x")], demo=False))
    page = journey.layout(view, "?item=X-1")
    nodes = list(walk(page))
    assert EVIL in nodes  # the summary is a text child, escaped by React
    for node in nodes:
        assert not isinstance(node, dcc.Markdown)
        assert not getattr(node, "dangerously_allow_html", False)
    summary = next(n for n in nodes if isinstance(n, html.P) and n.children == EVIL)
    assert summary.id == "journey-summary"
    # The comment is in the events grid as a cell value, with AG Grid's text renderer.
    grids = [n for n in nodes if type(n).__name__ == "AgGrid"]
    events = next(g for g in grids if g.id["name"] == "journey-events")
    assert EVIL in [r["value"] for r in events.rowData]
    assert all("cellRenderer" not in c for g in grids for c in g.columnDefs)
    overview.layout(view, "")  # renders without error


def test_no_page_renders_html_or_markdown_from_data():
    # A source-level guard: the dashboard never uses the HTML or Markdown escape hatches.
    root = Path(flowgap.__file__).parent / "dashboard"
    text = "\n".join(p.read_text() for p in root.rglob("*.py"))
    for forbidden in ("dangerously_allow_html", "dcc.Markdown", "cellRenderer", "Iframe"):
        assert forbidden not in text, forbidden
    assert [p.NAME for p in PAGES] == [
        "upload",
        "overview",
        "bottlenecks",
        "flow",
        "journey",
        "steering",
        "decisions",
    ]


def test_config_uploaded_with_the_data_drives_the_mapping(service, sample_logs):
    data = (sample_logs / "sample.events.csv").read_bytes()
    config = (sample_logs / "sample.events.flowgap.toml").read_bytes()
    plain = new_session_id()
    kind, text = upload.handle_upload(service, plain, [data_url(data)], ["sample.events.csv"])
    assert kind == "ok" and not text.endswith(" 0 records rejected.")
    mapped = new_session_id()
    kind, text = upload.handle_upload(
        service,
        mapped,
        [data_url(data), data_url(config)],
        ["sample.events.csv", "sample.events.flowgap.toml"],
    )
    assert kind == "ok", text
    assert " 0 records rejected. Config: sample.events.flowgap.toml." in text
    assert service.store.state(mapped).files == ["sample.events.csv"]  # the config is no data
    # The other session keeps the served config.
    assert service.store.state(plain).config_toml is None


def test_uploaded_config_cannot_reach_server_files_or_limits(service):
    sid = new_session_id()
    upload.handle_upload(service, sid, [data_url(TRANSITIONS.encode())], ["t.transitions.csv"])
    evil = (
        b'[steering]\nmeetings_file = "/etc/passwd"\n'
        b"[dashboard]\nupload_limit_mb = 100000\nsession_ttl_hours = 100000\n"
    )
    kind, text = upload.handle_upload(service, sid, [data_url(evil)], ["flowgap.toml"])
    assert kind == "ok", text
    assert "steering.meetings_file is ignored in uploads" in text
    config = service.config_for(service.store.state(sid))
    assert config.steering.meetings_file is None
    assert config.dashboard == Config().dashboard
    # An invalid config is one line naming the file and key, and the session keeps its data.
    bad = b'[flow]\nflow_window = "sometimes"\n'
    kind, text = upload.handle_upload(service, sid, [data_url(bad)], ["flowgap.toml"])
    assert kind == "error"
    assert text.startswith("Nothing was loaded: flowgap.toml: flow.flow_window: ")
    assert service.store.upload_paths(sid) != []
    assert service.store.state(sid).config_toml == evil.decode()


NO_WORK = "item,from,to,timestamp\n" + "".join(
    f"P-{i},,Queued,2026-01-1{i}T09:00:00Z\n"
    f"P-{i},Queued,Accepted,2026-01-1{i}T12:00:00Z\n"
    f"P-{i},Accepted,Completed,2026-01-1{i + 3}T12:00:00Z\n"
    for i in range(3)
)


def class_warning_texts(component) -> list[str]:
    box = next((n for n in walk(component) if getattr(n, "id", None) == "class-warnings"), None)
    return [] if box is None else [note.children for note in box.children]


def banner_texts(view) -> list[str]:
    """The lines of the status-class banner above the pages ("kind: message")."""
    from flowgap.dashboard.guardrails import guardrail_banner

    banner = guardrail_banner(view, "")
    if banner is None:
        return []
    lines = next(n for n in walk(banner) if isinstance(n, html.Ul)).children
    return ["".join(str(getattr(c, "children", c)) for c in li.children) for li in lines]


def test_class_warnings_stand_on_the_upload_page_and_above_the_other_pages(service):
    sid = new_session_id()
    kind, text = upload.handle_upload(
        service, sid, [data_url(NO_WORK.encode())], ["moves.transitions.csv"]
    )
    assert kind == "ok", text
    view = service.view(sid, Filters())
    expected = [
        "no_active_status: No status is classed active, so flow efficiency is 0 by"
        " construction. Look at 'Accepted' (wait, guessed, 3 visits, 9.0 d in flow windows),"
        " 'Queued' (wait, guessed, 3 visits, 0.4 d in flow windows): class the statuses where"
        " someone works as active (no status classed wait or backlog is named like work), in"
        ' flowgap.toml: [statuses.classes] "<status>" = "active"'
    ]
    assert class_warning_texts(upload.layout(view, "")) == expected
    # Every other page shows them in the banner above it, with the way to fix them.
    assert banner_texts(view)[:1] == expected
    # classed in the editor: the analysis re-runs and the warning goes (3 hours of work in
    # Queued, then 3 days in Accepted: 4% flow efficiency is not extreme)
    state = service.store.state(sid)
    state.classes["Queued"] = "active"
    service.store.save_state(sid, state)
    again = service.view(sid, Filters())
    assert not [t for t in banner_texts(again) if t.startswith("no_active_status")]


def test_bottlenecks_show_variants_conformance_and_team_clusters():
    sample = generate(items=120, seed=4)
    analysis = flowgap.analyze(sample.result, sample.config)
    view = View(
        sid=None,
        config=sample.config,
        filters=Filters(),
        result=sample.result,
        full=analysis,
        analysis=analysis,
        dataset=Dataset("k", "sample", [Path("x")], demo=False),
    )
    page = bottlenecks.layout(view, "")
    nodes = list(walk(page))
    mining = next(n for n in nodes if getattr(n, "id", None) == "mining")
    texts = [n for n in walk(mining) if isinstance(n, str)]
    assert analysis.conformance["finding"] in texts
    assert analysis.team_clusters["finding"] in texts
    grids = {n.id["name"]: n for n in walk(mining) if type(n).__name__ == "AgGrid"}
    assert sorted(grids) == ["deviations", "team-clusters", "variants"]
    top = analysis.variants["top"][0]
    assert grids["variants"].rowData[0]["path"] == " → ".join(top["path"])
    assert grids["variants"].rowData[0]["items"] == top["items"]


def test_an_upload_whose_analysis_fails_falls_back_to_the_previous_data(service):
    """Loading works but the analysis does not (an analysis date out of range): the session
    keeps the data and config it had, and the page says what went wrong."""
    sid = new_session_id()
    kind, _ = upload.handle_upload(
        service, sid, [data_url(TRANSITIONS.encode())], ["moves.transitions.csv"]
    )
    assert kind == "ok"
    breaks = b"[flow]\nas_of = 9999-12-31T23:59:59Z\n"
    other = TRANSITIONS.replace("T-1", "U-1").encode()
    for contents, names in (
        ([data_url(other), data_url(breaks)], ["other.transitions.csv", "flowgap.toml"]),
        ([data_url(breaks)], ["flowgap.toml"]),  # a config alone re-analyses the data
    ):
        kind, text = upload.handle_upload(service, sid, contents, names)
        assert kind == "error"
        assert text.startswith("Nothing was loaded: ")
        view = service.view(sid, Filters())
        assert view.error is None
        assert view.dataset.label == "your upload (moves.transitions.csv)"
        assert view.analysis.items.column("item").to_pylist() == ["T-1"]
        assert service.store.state(sid).config_toml is None
        assert [p.name for p in service.store.upload_paths(sid)] == ["moves.transitions.csv"]
        assert not (service.store.directory(sid) / "uploads.previous").exists()


def test_an_uploaded_catastrophic_pattern_is_refused_naming_the_key(service):
    """The hardening issue's example, uploaded from a browser: refused when the config is
    read, before any comment is matched; the session keeps what it had."""
    sid = new_session_id()
    kind, _ = upload.handle_upload(
        service, sid, [data_url(TRANSITIONS.encode())], ["moves.transitions.csv"]
    )
    assert kind == "ok"
    toml = b'[steering]\ncomment_pattern = "(?=a)(a+)+$"\n'
    kind, text = upload.handle_upload(service, sid, [data_url(toml)], ["flowgap.toml"])
    assert kind == "error"
    assert text.startswith(
        "Nothing was loaded: flowgap.toml: steering.comment_pattern: pattern"
        " '(?=a)(a+)+$' is not supported ("
    )
    assert service.store.state(sid).config_toml is None
    assert service.view(sid, Filters()).analysis is not None
