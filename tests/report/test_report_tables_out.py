"""``--tables-out``: a location that cannot be written is one usage error, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowgap.errors import UsageError
from flowgap.report.tables_out import check_location, write_tables


def test_a_uri_of_no_known_file_system_is_a_usage_error_when_written() -> None:
    # The file system used to be resolved outside the guarded block: a raw ArrowInvalid.
    with pytest.raises(UsageError, match=r"^--tables-out: cannot write into foo://x: "):
        write_tables(None, "foo://x")


def test_a_location_is_checked_without_creating_anything(tmp_path: Path) -> None:
    check_location(str(tmp_path / "new" / "tables"))
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "file").write_text("")
    with pytest.raises(UsageError, match="is not a folder"):
        check_location(str(tmp_path / "file" / "tables"))
    with pytest.raises(UsageError, match="Unrecognized filesystem"):
        check_location("foo://bucket/tables")
