"""The dashboard's cache: bounded by entries and by memory, per-session entries for a
session's own input, and an expired session's entries released."""

from __future__ import annotations

import base64
import time

import pyarrow as pa

from flowgap.config import Config
from flowgap.dashboard.data import DataService, LRUCache
from flowgap.dashboard.filters import Filters
from flowgap.dashboard.pages import upload
from flowgap.dashboard.sessions import SessionStore, new_session_id

MB = 1_000_000
MOVES = (
    "item,from,to,timestamp\n"
    "T-1,,To Do,2026-01-01T09:00:00Z\n"
    "T-1,To Do,In Progress,2026-01-02T09:00:00Z\n"
    "T-1,In Progress,Done,2026-01-04T09:00:00Z\n"
)


def table(megabytes: int) -> pa.Table:
    """A table of exactly ``megabytes`` MB of Arrow buffers."""
    return pa.table({"x": pa.array(range(megabytes * MB // 8), pa.int64())})


def url(data: bytes) -> str:
    return "data:application/octet-stream;base64," + base64.b64encode(data).decode()


def test_the_least_recently_used_go_past_the_memory_budget():
    cache = LRUCache(maxsize=10, budget_bytes=int(2.5 * MB))
    for key in "abc":
        cache.get_or_compute((key,), lambda: table(1))
    assert list(cache._data) == [("b",), ("c",)]
    cache.get_or_compute(("b",), lambda: table(1))  # b is now the most recent
    cache.get_or_compute(("d",), lambda: table(1))
    assert list(cache._data) == [("b",), ("d",)]
    assert cache.nbytes == 2 * MB
    cache.get_or_compute(("huge",), lambda: table(5))  # alone over the budget: kept alone
    assert list(cache._data) == [("huge",)]
    assert cache.evicted == 4


def test_a_sessions_own_config_is_its_own_cache_entry(tmp_path, sample_logs):
    demo = sample_logs / "sample.jira.json"
    service = DataService(Config(), SessionStore(tmp_path), [demo])
    toml = b'[steering]\ncomment_pattern = "(?i)steer"\n'
    a, b = new_session_id(), new_session_id()
    for sid in (a, b):
        kind, text = upload.handle_upload(service, sid, [url(toml)], ["flowgap.toml"])
        assert kind == "ok", text
    plain = service.view(new_session_id(), Filters())
    assert plain.error is None
    owners = sorted({key[-1] for key in service.cache._data})
    assert owners == sorted(["", a, b])


def test_an_expired_sessions_entries_are_released(tmp_path):
    store = SessionStore(tmp_path, ttl_hours=1)
    service = DataService(Config(), store)
    sids = [new_session_id() for _ in range(3)]
    for sid in sids:
        kind, text = upload.handle_upload(service, sid, [url(MOVES.encode())], ["m.csv"])
        assert kind == "ok", text
        assert service.view(sid, Filters()).analysis is not None
    assert len(service.cache) == 6  # a load result and an analysis per session
    store.touch(sids[0])
    removed = store.cleanup(now=time.time() + 3000)  # the two others are idle for 50 min
    assert removed == []
    removed = store.cleanup(now=time.time() + 3700)
    assert sorted(removed) == sorted(sids)
    assert len(service.cache) == 0 and service.cache.nbytes == 0


def test_a_replaced_upload_is_released_at_once(tmp_path):
    service = DataService(Config(), SessionStore(tmp_path))
    sid = new_session_id()
    for data in (MOVES, MOVES.replace("T-1", "U-1")):
        kind, text = upload.handle_upload(service, sid, [url(data.encode())], ["m.csv"])
        assert kind == "ok", text
    assert len(service.cache) == 2
    assert service.view(sid, Filters()).analysis.items.column("item").to_pylist() == ["U-1"]


def test_pages_of_the_served_data_are_drawn_once_per_query(tmp_path, sample_logs):
    """Pages of the served data under the served config are shared; a session's own
    config (or upload) is drawn for each request."""
    service = DataService(Config(), SessionStore(tmp_path), [sample_logs / "sample.jira.json"])
    drawn = []

    def draw(view, search):
        drawn.append(search)
        return f"page of {view.analysis.items.num_rows} items"

    for search in ("", "?type=Bug", "", "?type=Bug"):
        view = service.view(new_session_id(), Filters())  # a new browser each time
        page = service.page(view, "overview", search, lambda v=view, s=search: draw(v, s))
        assert page == f"page of {view.analysis.items.num_rows} items"
    assert drawn == ["", "?type=Bug"]
    sid = new_session_id()
    state = service.store.state(sid)
    state.classes["In Progress"] = "wait"  # the session's own config: drawn every time
    service.store.save_state(sid, state)
    for _ in range(2):
        view = service.view(sid, Filters())
        service.page(view, "overview", "", lambda v=view: draw(v, "own"))
    assert drawn == ["", "?type=Bug", "own", "own"]
    assert len(service.pages) == 2
