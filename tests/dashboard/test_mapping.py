"""An upload flowgap cannot map by itself: kept aside, previewed under a picked mapping, analysed
with it, written to flowgap.toml as the CLI reads it; the team maps' edits; the browser's
refusal of an upload over the limit (no browser here: the page's functions directly)."""

from __future__ import annotations

import base64
import io
import zipfile

import pytest

import flowgap
from flowgap.config import Config
from flowgap.dashboard.data import DataService
from flowgap.dashboard.filters import Filters
from flowgap.dashboard.pages import class_editor, mapping, upload
from flowgap.dashboard.sessions import SessionStore, new_session_id
from flowgap.ingest import preview

ODD = (
    "ticket;state;sub;changed;grp;who;n\n"
    "A-1;Open;new;03/04/2026 10:00;Dev;ann;1\n"
    "A-1;Open;work;04/04/2026 11:00;Dev;ann;2\n"
    "A-1;Done;done;13/04/2026 12:00;QA;bob;3\n"
    "A-2;Open;new;05/04/2026 10:00;Dev;ann;1\n"
    "A-2;Open;work;xx;Dev;ann;2\n"
)
PICKED = {
    "item": "ticket",
    "status": ["state", "sub"],
    "timestamp": "changed",
    "dayfirst": True,
    "team": "grp",
    "resource": "who",
    "order_by": "n",
    "timezone": "Europe/Berlin",
}


def data_url(data: bytes) -> str:
    return "data:application/octet-stream;base64," + base64.b64encode(data).decode()


@pytest.fixture
def service(tmp_path) -> DataService:
    return DataService(Config(), SessionStore(tmp_path / "sessions"))


def controls(values: dict) -> tuple[list[dict], list]:
    """The mapping controls' ids and values as the browser sends them."""
    ids, raw = [], []
    for key in mapping.CSV_KEYS:
        value = values.get(key.name)
        if key.kind == "flag":
            value = ["on"] if value else []
        ids.append({"type": "map-key", "key": key.name})
        raw.append(value)
    return ids, raw


def _text(components) -> str:
    out = []

    def walk(c):
        if isinstance(c, list | tuple):
            for x in c:
                walk(x)
        elif isinstance(c, str):
            out.append(c)
        elif c is not None and hasattr(c, "to_plotly_json"):
            walk(getattr(c, "children", None))
            for row in getattr(c, "rowData", None) or []:
                out.extend(str(v) for v in row.values())

    walk(components)
    return "\n".join(out)


def test_a_csv_of_no_known_shape_is_kept_aside_for_its_mapping(service):
    sid = new_session_id()
    kind, text = upload.handle_upload(service, sid, [data_url(ODD.encode())], ["odd.csv"])
    assert kind == "mapping"
    assert text.startswith("odd.csv needs a column mapping: missing column 'case'")
    state = service.store.state(sid)
    assert state.pending["format"] == "csv" and state.pending["name"] == "odd.csv"
    # The session shows what it had (nothing), and nothing half-loaded stays in its uploads.
    assert service.store.upload_paths(sid) == []
    assert service.view(sid, Filters()).dataset is None
    assert service.store.pending_path(sid, head=True).read_text() == ODD


def test_the_panel_starts_from_the_guesses_and_the_preview_reads_the_picks(service):
    sid = new_session_id()
    upload.handle_upload(service, sid, [data_url(ODD.encode())], ["odd.csv"])
    panel = mapping.panel(service, sid)
    shown = _text(panel)
    assert "Map the columns of odd.csv" in shown and "03/04/2026 10:00" in shown
    ids, raw = controls(PICKED)
    out = _text(mapping.read_preview(service, sid, ids, raw))
    assert "Of the whole file: 5 rows read, 4 loaded, 1 rejected; 2 items" in out
    assert "odd.csv:6" in out and "bad timestamp" in out
    assert "Open / work" in out  # the composed status, as the loader reads it
    # A column the file lacks is one line naming the file as the user named it.
    ids, raw = controls({**PICKED, "item": "nope"})
    out = _text(mapping.read_preview(service, sid, ids, raw))
    assert out.startswith("odd.csv: missing column 'nope' (config key input.csv.item)")
    assert "pending" not in out and "head" not in out


def test_the_mapping_is_analysed_and_written_as_the_cli_reads_it(service, tmp_path):
    sid = new_session_id()
    upload.handle_upload(service, sid, [data_url(ODD.encode())], ["odd.csv"])
    ids, raw = controls(PICKED)
    values = mapping.values_of("csv", ids, raw)
    data = service.store.pending_path(sid).read_bytes()
    kind, text = upload.handle_files(service, sid, [("odd.csv", data)], {"csv": values})
    assert kind == "ok", text
    assert text.endswith("1 records rejected. Column mapping: [input.csv].")
    assert service.store.state(sid).pending is None
    view = service.view(sid, Filters())
    assert view.result is not None and view.analysis is not None
    saved = tmp_path / "flowgap.toml"
    saved.write_text(class_editor.toml_for(view))
    config = Config.load(saved)
    assert config.input.csv == Config().with_input("csv", values, "test").input.csv
    assert (config.input.csv.item, config.input.csv.status) == ("ticket", ["state", "sub"])
    (tmp_path / "odd.csv").write_text(ODD)
    cli = flowgap.load([tmp_path / "odd.csv"], config)
    page = view.result
    assert cli.events.drop_columns(["source"]).equals(page.events.drop_columns(["source"]))
    assert [r.reason for r in cli.rejects] == [r.reason for r in page.rejects]

    # A plain upload afterwards is read by the config's own mapping, not this file's.
    transitions = b"item,from,to,timestamp\nT-1,,To Do,2026-01-01T09:00:00Z\n"
    kind, _ = upload.handle_upload(service, sid, [data_url(transitions)], ["t.transitions.csv"])
    assert kind == "ok"
    assert service.store.state(sid).input_map is None


def test_an_xes_whose_events_carry_no_concept_name_asks_for_its_attributes(service):
    xes = (
        b'<?xml version="1.0"?><log xes.version="1.0">'
        b'<trace><string key="concept:name" value="C-1"/>'
        b'<event><string key="Schritt" value="Auf"/>'
        b'<date key="time:timestamp" value="2026-01-02T10:00:00.000+00:00"/></event>'
        b'<event><string key="Schritt" value="Zu"/>'
        b'<date key="time:timestamp" value="2026-01-03T10:00:00.000+00:00"/></event>'
        b"</trace></log>"
    )
    sid = new_session_id()
    kind, text = upload.handle_upload(service, sid, [data_url(xes)], ["v.xes"])
    assert kind == "mapping", text
    assert "event without concept:name" in text
    ids = [{"type": "map-key", "key": k.name} for k in mapping.XES_KEYS]
    raw = ["concept:name", "time:timestamp", ["Schritt"], None, None, ["on"], " / "]
    values = mapping.values_of("xes", ids, raw)
    assert values["status_attribute"] == ["Schritt"] and values["lifecycle"] is True
    data = service.store.pending_path(sid).read_bytes()
    kind, text = upload.handle_files(service, sid, [("v.xes", data)], {"xes": values})
    assert kind == "ok", text
    assert service.view(sid, Filters()).result.events.num_rows > 0


def test_a_large_pending_file_is_previewed_from_its_head_only(service):
    rows = "".join(f"A-{k % 50};Open;new;03/04/2026 10:00;Dev;ann;{k}\n" for k in range(40_000))
    data = (ODD.splitlines(keepends=True)[0] + rows).encode()
    sid = new_session_id()
    kind, _ = upload.handle_upload(service, sid, [data_url(data)], ["big.csv"])
    assert kind == "mapping"
    head = service.store.pending_path(sid, head=True)
    assert head.stat().st_size <= preview.PREVIEW_BYTES["csv"] < len(data)
    ids, raw = controls(PICKED)
    out = _text(mapping.read_preview(service, sid, ids, raw))
    assert out.startswith("Of the first 256 KB of the file: ")


def test_team_map_edits_apply_over_the_served_config(tmp_path):
    served = Config.from_dict(
        {"teams": {"status_map": {"In QA": "QA", "Deploy": "Ops"}, "assignee_map": {"ann": "A"}}}
    )
    service = DataService(served, SessionStore(tmp_path))
    sid = new_session_id()
    state = service.store.state(sid)
    assert service.owner(sid, state) == ""
    state.status_map = {"Deploy": "", "Review": "Dev"}  # "" takes the served entry away
    state.assignee_map = {"bob": "B"}
    config = service.config_for(state)
    assert config.teams.status_map == {"In QA": "QA", "Review": "Dev"}
    assert config.teams.assignee_map == {"ann": "A", "bob": "B"}
    assert service.owner(sid, state) == sid  # the session's own config: its own cache entries


def test_an_upload_the_browser_refused_gets_the_servers_words():
    assert upload.refused_in_browser(["huge.ndjson"], 1_500_000, 1_000_000) == [
        "error",
        "Nothing was loaded: huge.ndjson: upload is 1.5 MB, the limit is 1 MB"
        " ([dashboard] upload_limit_mb)",
    ]


def test_an_archive_of_an_unmapped_csv_is_not_kept_for_a_mapping(service):
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("odd.csv", ODD)
    sid = new_session_id()
    kind, text = upload.handle_upload(service, sid, [data_url(packed.getvalue())], ["odd.zip"])
    assert kind == "error" and "missing column 'case'" in text
    assert service.store.state(sid).pending is None
