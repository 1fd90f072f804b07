"""Per-session storage: private files, unguessable ids, zip checks, TTL cleanup."""

from __future__ import annotations

import io
import os
import stat
import time
import zipfile

import pytest

from flowgap.dashboard.sessions import (
    SessionStore,
    new_session_id,
    safe_filename,
    valid_session_id,
)
from flowgap.errors import InputError

MB = 1_000_000


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_ids_are_random_and_validated():
    ids = {new_session_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(valid_session_id(i) for i in ids)
    assert not valid_session_id("../../etc")
    assert not valid_session_id("a" * 42)
    assert not valid_session_id(None)
    store = SessionStore.__new__(SessionStore)
    with pytest.raises(ValueError):
        SessionStore.directory(store, "../x" + "a" * 39)


def test_upload_files_are_private_and_replace_the_previous(tmp_path):
    store = SessionStore(tmp_path / "root")
    sid = new_session_id()
    state = store.replace_uploads(sid, [("a.csv", b"x,y\n1,2\n"), ("../../evil.csv", b"1")], MB)
    assert state.files == ["a.csv", "evil.csv"]
    assert _mode(tmp_path / "root") == 0o700
    assert _mode(store.directory(sid)) == 0o700
    for path in store.upload_paths(sid):
        assert _mode(path) == 0o600
        assert path.parent == store.directory(sid) / "uploads"
    assert _mode(store.directory(sid) / "state.json") == 0o600
    first_key = state.upload_key
    state = store.replace_uploads(sid, [("b.csv", b"other")], MB)
    assert [p.name for p in store.upload_paths(sid)] == ["b.csv"]
    assert state.upload_key != first_key
    # Another session sees nothing of it.
    other = new_session_id()
    assert store.upload_paths(other) == []
    assert store.state(other).files == []


def test_upload_limit_gives_a_clear_message(tmp_path):
    store = SessionStore(tmp_path)
    with pytest.raises(InputError, match=r"upload is 2\.0 MB, the limit is 1 MB"):
        store.replace_uploads(new_session_id(), [("big.json", b"x" * 2 * MB)], MB)


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_zip_is_unpacked_and_checked(tmp_path):
    store = SessionStore(tmp_path)
    sid = new_session_id()
    state = store.replace_uploads(
        sid, [("export.zip", _zip({"dir/a.xes": b"<log/>", "b.csv": b"1,2"}))], MB
    )
    assert sorted(state.files) == ["a.xes", "b.csv"]
    with pytest.raises(InputError, match="points outside the archive"):
        store.replace_uploads(sid, [("evil.zip", _zip({"../up.csv": b"1"}))], MB)
    with pytest.raises(InputError, match=r"suspiciously compressed|expands to"):
        store.replace_uploads(sid, [("bomb.zip", _zip({"zeros.csv": b"\0" * 9 * MB}))], MB)


def test_safe_filename():
    assert safe_filename("C:\\Users\\me\\export.jira.ndjson.gz") == "export.jira.ndjson.gz"
    assert safe_filename("../../.bashrc") == "bashrc"
    assert safe_filename("a b;c.csv") == "a_b_c.csv"
    assert safe_filename("...") == "upload"


def test_cleanup_removes_only_idle_sessions(tmp_path):
    store = SessionStore(tmp_path, ttl_hours=1)
    old, fresh = new_session_id(), new_session_id()
    store.replace_uploads(old, [("a.csv", b"1")], MB)
    store.replace_uploads(fresh, [("a.csv", b"1")], MB)
    two_hours_ago = time.time() - 7200
    os.utime(store.directory(old), (two_hours_ago, two_hours_ago))
    (tmp_path / "not-a-session").mkdir()
    assert store.cleanup() == [old]
    assert not (tmp_path / old).exists()
    assert (tmp_path / fresh).exists()
    assert (tmp_path / "not-a-session").exists()


def test_redact_keeps_file_names_and_drops_server_directories_and_the_id(tmp_path):
    import json
    import tempfile

    from dash._utils import to_json

    store = SessionStore(tmp_path / "root")
    sid = new_session_id()
    temp = tempfile.gettempdir()
    text = (
        f"{store.root}/{sid}/uploads/broken.gz: corrupt; {temp}/flowgap-zip-x1/a/b.csv:3;"
        f" a summary naming /srv/data/z.csv; cookie {sid}"
    )
    expected = "broken.gz: corrupt; b.csv:3; a summary naming /srv/data/z.csv; cookie <session>"
    assert store.redact(text, sid) == expected
    # As Dash's JSON writes it ("/" as \u002f).
    assert json.loads(store.redact(to_json({"m": text}), sid)) == {"m": expected}


def test_edits_of_one_session_at_the_same_time_are_all_kept(tmp_path):
    """Each read-change-save holds the session's lock: twenty edits at once, none lost (the
    threads open the lock file each, as requests of two server processes would)."""
    import threading

    store = SessionStore(tmp_path)
    sid = new_session_id()
    start = threading.Barrier(20)

    def pick(i: int) -> None:
        start.wait()
        with store.edit(sid) as state:
            seen = dict(state.classes)
            time.sleep(0.01)  # a slow request: without the lock the others read the same
            state.classes = {**seen, f"status {i}": "wait"}

    threads = [threading.Thread(target=pick, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(store.state(sid).classes) == sorted(f"status {i}" for i in range(20))
    assert _mode(store.directory(sid) / "state.lock") == 0o600


def test_an_edit_that_fails_saves_nothing(tmp_path):
    store = SessionStore(tmp_path)
    sid = new_session_id()
    with pytest.raises(RuntimeError), store.edit(sid) as state:
        state.classes["Review"] = "wait"
        raise RuntimeError("the request failed half-way")
    assert store.state(sid).classes == {}
