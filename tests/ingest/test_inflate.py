"""Decompression bombs: gzip and zip layers inflate in chunks against one budget per input
(``[input] max_inflated_mb``, ``max_compression_ratio``), stop early with one line, and keep
the process' peak memory near that of a small file."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from flowgap import load
from flowgap.config import Config
from flowgap.errors import InputError
from flowgap.ingest import archive, inflate

MIB = 1 << 20
RATIO = (
    "inflates more than 200 times its compressed size ([input] max_compression_ratio);"
    " a decompression bomb?"
)


def gzip_bomb(path: Path, head: bytes, mib: int, fill: bytes = b" ") -> Path:
    """``head`` then ``mib`` MiB of ``fill``, as gzip members (one compressed MiB repeated):
    a 2 GiB bomb is a 2 MB file, written at once."""
    block = gzip.compress(fill * MIB, compresslevel=9, mtime=0)
    with path.open("wb") as out:
        out.write(gzip.compress(head, mtime=0))
        for _ in range(mib):
            out.write(block)
    return path


def peak_rss_mb(*args: str, cwd: Path) -> tuple[int, str, float]:
    """Run ``python -m flowgap ARGS``: exit code, stderr and the child's own peak RSS."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "flowgap", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    stderr = proc.stderr.read().decode()  # type: ignore[union-attr]
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, stderr, usage.ru_maxrss / 1024  # kB on Linux


def test_a_2_gib_gzip_bomb_stops_early_with_one_line_and_little_memory(tmp_path: Path) -> None:
    header = b"item,from,to,timestamp\nT-1,,To Do,2026-01-01T09:00:00Z\n"
    small = tmp_path / "small.csv.gz"
    small.write_bytes(gzip.compress(header))
    bomb = gzip_bomb(tmp_path / "bomb.csv.gz", header, 2048)
    assert bomb.stat().st_size < 5 * MIB
    code, err, small_peak = peak_rss_mb("inspect", str(small), cwd=tmp_path)
    assert code == 0, err
    code, err, bomb_peak = peak_rss_mb("inspect", str(bomb), cwd=tmp_path)
    assert code == 2
    assert err == f"flowgap: error: {bomb}: {RATIO}\n"
    # It used to inflate the whole 2 GiB in memory (4.4 to 5.6 GB peak).
    assert bomb_peak < small_peak + 100, (small_peak, bomb_peak)


def test_jira_json_and_xes_bombs_are_stopped_too(tmp_path: Path) -> None:
    issue = json.dumps({"key": "A-1", "fields": {"created": "2026-01-01T00:00:00.000+0000"}})
    ndjson = gzip_bomb(tmp_path / "bomb.jira.ndjson.gz", issue.encode() + b"\n", 300, b"\n")
    with pytest.raises(InputError) as err:
        load(ndjson, Config())
    assert str(err.value) == f"{ndjson}: {RATIO}"
    xes = gzip_bomb(tmp_path / "bomb.xes.gz", b'<?xml version="1.0"?>\n<log>', 300)
    with pytest.raises(InputError) as err:
        load(xes, Config())
    assert str(err.value) == f"{xes}: {RATIO}"


def test_a_gzip_inside_a_zip_inflates_against_the_zip(tmp_path: Path) -> None:
    """The zip stores the gzip as is (ratio 1:1, which passed the member check); the gzip's
    inflation now counts against the zip's compressed bytes."""
    bomb = gzip_bomb(tmp_path / "inner.csv.gz", b"item,from,to,timestamp\n", 300)
    z = tmp_path / "exports.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_STORED) as zf:
        zf.write(bomb, "inner.csv.gz")
    with pytest.raises(InputError) as err:
        load(z, Config())
    assert str(err.value) == f"{z}: member 'inner.csv.gz': {RATIO}"


def test_many_small_members_are_checked_in_total(tmp_path: Path) -> None:
    """Members under 1 MiB are not ratio-checked one by one; their total is."""
    z = tmp_path / "many.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(40):
            zf.writestr(f"m{i}.csv", b"x,y\n" + b" " * (MIB - 100))
    with pytest.raises(InputError, match=r"^.*many\.zip: compression ratio \d+x over all members"):
        archive.load(z, Config())


def test_limits_are_configurable(tmp_path: Path) -> None:
    rows = "".join(f"T-{i},To Do,Done,2026-01-{1 + i % 28:02d}T09:00:00Z\n" for i in range(150_000))
    plain = ("item,from,to,timestamp\n" + rows).encode()
    path = tmp_path / "moves.csv.gz"
    path.write_bytes(gzip.compress(plain))
    ratio = len(plain) / path.stat().st_size
    assert 10 < ratio < 200
    assert load(path, Config()).items.num_rows == 150_000
    tight = Config.from_dict({"input": {"max_inflated_mb": 1}})
    with pytest.raises(InputError) as err:
        load(path, tight)
    assert str(err.value) == (
        f"{path}: inflates to more than 1 MB ([input] max_inflated_mb); a decompression bomb?"
    )
    strict = Config.from_dict({"input": {"max_compression_ratio": 5}})
    with pytest.raises(InputError, match=r"inflates more than 5 times its compressed size"):
        load(path, strict)


def test_the_budget_is_the_inputs_and_not_left_behind(tmp_path: Path) -> None:
    """A load's budget lives while it runs: the next load starts from nothing."""
    path = tmp_path / "a.csv.gz"
    path.write_bytes(gzip.compress(b"item,from,to,timestamp\nT-1,,A,2026-01-01T00:00:00Z\n"))
    config = Config.from_dict({"input": {"max_inflated_mb": 0.0001}})  # 104 bytes
    for _ in range(3):
        assert load(path, config).items.num_rows == 1
    assert inflate.current().inflated == 0


def test_the_error_names_the_cap_that_applied(tmp_path: Path) -> None:
    # The dashboard caps an upload at 10 x its upload limit, below [input] max_inflated_mb:
    # the error named the key, a setting that would have changed nothing.
    rows = "".join(f"T-{i},To Do,Done,2026-01-{1 + i % 28:02d}T09:00:00Z\n" for i in range(50_000))
    path = tmp_path / "moves.csv.gz"
    path.write_bytes(gzip.compress(("item,from,to,timestamp\n" + rows).encode()))
    config = Config.from_dict({"input": {"max_inflated_mb": 4}})
    config.input.cap_inflated(8, "10 x the upload limit")  # higher: the key's stays the cap
    assert config.input.max_inflated_mb == 4
    config.input.cap_inflated(1, "10 x the upload limit")
    config = config.with_input("csv", {"delimiter": ","}, "column mapping")  # kept through it
    with pytest.raises(InputError) as err:
        load(path, config)
    assert str(err.value) == (
        f"{path}: inflates to more than 1 MB (10 x the upload limit); a decompression bomb?"
    )
    zipped = tmp_path / "moves.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("moves.csv", "item,from,to,timestamp\n" + rows)
    with pytest.raises(InputError) as err:
        load(zipped, config)
    assert str(err.value) == (
        f"{zipped}: member 'moves.csv': uncompressed size exceeds 1048576 bytes"
        " (10 x the upload limit; zip bomb?)"
    )
