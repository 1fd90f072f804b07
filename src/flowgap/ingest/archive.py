"""Zip archives of exports (the dashboard accepts ``.zip`` uploads).

Everything is checked from the central directory before a byte is extracted: the number of
members, the total uncompressed size, each member's compression ratio (zip bombs), names that
escape the extraction directory (absolute, ``..``, drive letters, backslashes), symlinks,
encryption and nested archives. Extraction then streams each member with a hard cap at its
declared size, so a lying header cannot inflate past the checks, and counts it against the
decompression limits of the load (``inflate``), which a ``.gz`` member then shares: the total
over every member and layer is what is limited. Each member is loaded with the
loader its content calls for and the results are combined; sources read
``archive.zip!member:line``.
"""

from __future__ import annotations

import importlib
import re
import stat
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from ..config import Config
from ..config.models import MAX_INFLATED_KEY
from ..errors import InputError
from ..model import Finding, LoadResult, relabelled
from . import inflate

FORMAT = "zip"
MAX_MEMBERS = 10_000
MAX_TOTAL_BYTES = 2 << 30  # 2 GiB uncompressed: [input] max_inflated_mb's default
MAX_RATIO = 200.0  # [input] max_compression_ratio's default
#: Members smaller than this are not ratio-checked one by one (tiny files compress absurdly
#: well); their total is.
RATIO_FLOOR_BYTES = 1 << 20
_JUNK = re.compile(r"(^|/)(__MACOSX/|\.DS_Store$|Thumbs\.db$|\._)")
_NESTED = (b"PK\x03\x04", b"PK\x05\x06", b"Rar!", b"7z\xbc\xaf")
_ARCHIVE_NAMES = (".zip", ".jar", ".rar", ".7z", ".tar", ".tgz", ".tar.gz", ".tar.bz2", ".tar.xz")


def check_members(
    zf: zipfile.ZipFile,
    path: Path,
    *,
    max_members: int = MAX_MEMBERS,
    max_total: int = MAX_TOTAL_BYTES,
    max_ratio: float = MAX_RATIO,
    ratio_floor: int = RATIO_FLOOR_BYTES,
    total_cap: str = MAX_INFLATED_KEY,
) -> tuple[list[zipfile.ZipInfo], list[str]]:
    """The members to load and the junk names skipped; InputError on anything unsafe."""
    infos = zf.infolist()
    if len(infos) > max_members:
        raise InputError(path, f"archive has {len(infos)} members, more than {max_members}")
    total = packed = 0
    members: list[zipfile.ZipInfo] = []
    skipped: list[str] = []
    for info in infos:
        name = info.filename
        where = f"member {name!r}"
        if _unsafe_name(name):
            raise InputError(
                path, "unsafe member path (absolute or escaping the archive)", record=where
            )
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise InputError(path, "symbolic links are not allowed in archives", record=where)
        if info.is_dir():
            continue
        if info.flag_bits & 0x1:
            raise InputError(path, "encrypted members are not supported", record=where)
        if name.lower().endswith(_ARCHIVE_NAMES):
            raise InputError(path, "nested archives are not supported", record=where)
        total += info.file_size
        packed += info.compress_size
        if total > max_total:
            raise InputError(
                path,
                f"uncompressed size exceeds {max_total} bytes ({total_cap}; zip bomb?)",
                record=where,
            )
        if info.file_size >= ratio_floor:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > max_ratio:
                raise InputError(
                    path,
                    f"compression ratio {ratio:.0f}x exceeds {max_ratio:.0f}x (zip bomb?)",
                    record=where,
                )
        if _JUNK.search(name):
            skipped.append(name)
            continue
        members.append(info)
    # Thousands of members under the floor each can still be a bomb together.
    if total >= ratio_floor and total / max(packed, 1) > max_ratio:
        raise InputError(
            path,
            f"compression ratio {total / max(packed, 1):.0f}x over all members exceeds"
            f" {max_ratio:.0f}x (zip bomb?)",
        )
    return members, skipped


def _unsafe_name(name: str) -> bool:
    if not name or "\x00" in name or "\\" in name:
        return True
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return True
    return any(part == ".." for part in PurePosixPath(name).parts)


def _extract(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, root: Path, path: Path, budget: inflate.Budget
) -> Path:
    target = root.joinpath(*PurePosixPath(info.filename).parts)
    if not target.resolve().is_relative_to(root.resolve()):  # belt and braces
        raise InputError(path, "unsafe member path", record=f"member {info.filename!r}")
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    budget.read_packed(info.compress_size)
    with zf.open(info) as src, target.open("wb") as dst:
        while chunk := src.read(inflate.CHUNK):
            written += len(chunk)
            if written > info.file_size:
                raise InputError(
                    path,
                    "member larger than declared (zip bomb?)",
                    record=f"member {info.filename!r}",
                )
            budget.spend(len(chunk), path, record=f"member {info.filename!r}")
            dst.write(chunk)
    return target


def load(path: Path, config: Config) -> LoadResult:
    from .detect import detect_format

    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise InputError(path, f"not a readable zip archive: {exc}") from None
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
    with (
        zf,
        tempfile.TemporaryDirectory(prefix="flowgap-zip-") as tmp,
        inflate.limits(config) as budget,
    ):
        members, skipped = check_members(
            zf,
            path,
            max_total=int(budget.max_bytes),
            max_ratio=budget.max_ratio,
            total_cap=budget.cap,
        )
        if not members:
            raise InputError(path, "archive holds no files to load")
        results: list[LoadResult] = []
        for info in members:
            where = f"member {info.filename!r}"
            try:
                target = _extract(zf, info, Path(tmp), path, budget)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
                raise InputError(path, f"corrupt member: {exc}", record=where) from None
            with target.open("rb") as fh:
                head = fh.read(8)
            if head.startswith(_NESTED):
                raise InputError(path, "nested archives are not supported", record=where)
            try:
                fmt = detect_format(target, config)
                if fmt == FORMAT:
                    raise InputError(target, "nested archives are not supported")
                module = importlib.import_module(_loader(fmt))
                with budget.inside_archive():  # a .gz member inflates against this zip's bytes
                    result = module.load(target, config)
            except InputError as err:
                # name the member inside the archive, not the temporary file
                raise InputError(path, err.problem, record=_member_record(info, err)) from None
            results.append(
                # sources and input paths of a member, as seen from the archive
                relabelled(
                    result, target.name, f"{path.name}!{info.filename}", f"{path}!{info.filename}"
                )
            )
        combined = LoadResult.combine(results)
        if skipped:
            combined.warnings.append(
                Finding("archive_skipped", f"skipped system files: {', '.join(skipped)}")
            )
        return combined


def _loader(fmt: str) -> str:
    from . import LOADERS

    return LOADERS[fmt]


def _member_record(info: zipfile.ZipInfo, err: InputError) -> str:
    return f"member {info.filename!r}" + (f" {err.record}" if err.record else "")
