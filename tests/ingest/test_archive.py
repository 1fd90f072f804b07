"""Zip archives: members loaded by content, sources named archive!member, and every unsafe
archive (bomb, traversal, symlink, nesting, encryption) refused before extraction."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from flowgap import load
from flowgap.config import Config
from flowgap.errors import InputError
from flowgap.ingest import archive

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def make_zip(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_members_loaded_and_sources_renamed(tmp_path: Path) -> None:
    z = make_zip(
        tmp_path / "exports.zip",
        {
            "csv/transitions.csv": (FIXTURES / "csv" / "transitions.csv").read_bytes(),
            "logs/overlap.xes": (FIXTURES / "xes" / "lifecycle_overlap.xes").read_bytes(),
            "__MACOSX/._overlap.xes": b"\x00\x05\x16\x07",
        },
    )
    result = load(z, Config())  # detection picks the zip loader by content
    assert [(s.path, s.format, s.records_read) for s in result.inputs] == [
        (f"{z}!csv/transitions.csv", "transition-csv", 6),
        (f"{z}!logs/overlap.xes", "xes", 14),
    ]
    sources = set(result.events.column("source").to_pylist())
    assert "exports.zip!csv/transitions.csv:2" in sources
    assert "exports.zip!logs/overlap.xes:c1#1" in sources
    assert all(s.startswith("exports.zip!") for s in sources)
    assert result.rejects[0].source == "exports.zip!logs/overlap.xes:c3#1"
    assert sorted(result.items.column("item").to_pylist()) == ["ABC-1", "ABC-2", "c1", "c2"]
    assert [w.kind for w in result.warnings] == ["archive_skipped"]
    assert all(s.reconciles for s in result.inputs)


def test_zip_bomb_ratio_refused(tmp_path: Path) -> None:
    z = make_zip(tmp_path / "bomb.zip", {"a.csv": b"0" * (5 << 20)})  # ~5 MiB -> ~5 KiB
    with pytest.raises(InputError, match=r"compression ratio \d+x exceeds 200x"):
        archive.load(z, Config())


def test_total_size_and_member_count_limits(tmp_path: Path) -> None:
    z = make_zip(tmp_path / "many.zip", {f"m{i}.csv": b"x,y\n1,2\n" for i in range(5)})
    with zipfile.ZipFile(z) as zf:
        with pytest.raises(InputError, match="5 members, more than 4"):
            archive.check_members(zf, z, max_members=4)
        with pytest.raises(InputError, match="uncompressed size exceeds 30 bytes"):
            archive.check_members(zf, z, max_total=30)
        members, skipped = archive.check_members(zf, z)
        assert [m.filename for m in members] == [f"m{i}.csv" for i in range(5)]
        assert skipped == []


@pytest.mark.parametrize(
    "name", ["../evil.csv", "/etc/evil.csv", "a/../../evil.csv", "C:/evil.csv", "a\\..\\evil.csv"]
)
def test_path_traversal_refused(tmp_path: Path, name: str) -> None:
    z = tmp_path / "t.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr(zipfile.ZipInfo(name), b"item,from,to,timestamp\n")
    with pytest.raises(InputError, match="unsafe member path"):
        archive.load(z, Config())
    assert not (tmp_path / "evil.csv").exists()


def test_symlink_refused(tmp_path: Path) -> None:
    z = tmp_path / "link.zip"
    info = zipfile.ZipInfo("passwd.csv")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr(info, b"/etc/passwd")
    with pytest.raises(InputError, match="symbolic links are not allowed"):
        archive.load(z, Config())


def test_nested_archive_refused(tmp_path: Path) -> None:
    inner = make_zip(tmp_path / "inner.zip", {"a.csv": b"case,activity,timestamp\n"})
    by_name = make_zip(tmp_path / "outer.zip", {"inner.zip": inner.read_bytes()})
    with pytest.raises(InputError, match=r"member 'inner\.zip': nested archives"):
        archive.load(by_name, Config())
    by_content = make_zip(tmp_path / "outer2.zip", {"data.bin": inner.read_bytes()})
    with pytest.raises(InputError, match="nested archives"):
        archive.load(by_content, Config())


def test_bad_member_names_the_member(tmp_path: Path) -> None:
    z = make_zip(tmp_path / "bad.zip", {"logs/broken.xes": b'<?xml version="1.0"?><log><trace>'})
    with pytest.raises(InputError) as info:
        archive.load(z, Config())
    msg = str(info.value)
    assert msg.startswith(f"{z}: member 'logs/broken.xes'")
    assert "corrupt XES/XML" in msg
    assert "flowgap-zip-" not in msg  # the temporary directory never shows


def test_not_a_zip_and_empty(tmp_path: Path) -> None:
    p = tmp_path / "x.zip"
    p.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(InputError, match="not a readable zip archive"):
        archive.load(p, Config())
    empty = make_zip(tmp_path / "empty.zip", {})
    with pytest.raises(InputError, match="no files to load"):
        archive.load(empty, Config())


def test_encrypted_member_refused(tmp_path: Path) -> None:
    z = make_zip(tmp_path / "enc.zip", {"a.csv": b"case,activity,timestamp\n"})
    data = bytearray(z.read_bytes())
    # set the encryption bit as a password-protected export has it (zipfile cannot write one)
    data[data.index(b"PK\x03\x04") + 6] |= 0x1
    data[data.index(b"PK\x01\x02") + 8] |= 0x1
    z.write_bytes(bytes(data))
    with pytest.raises(InputError, match="encrypted members are not supported"):
        archive.load(z, Config())
