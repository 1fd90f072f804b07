"""``--tables-out``: a location that cannot be written is one usage error, never a crash."""

from __future__ import annotations

import http.server
import socket
import threading
import time
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


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_s3_endpoint_nobody_answers_fails_the_check_fast() -> None:
    # It passed the check (nothing asked the endpoint) and failed after the analysis; without
    # a region, the region lookup took 6.5 s of retries to fail.
    where = f"s3://bucket/x?endpoint_override=127.0.0.1:{_closed_port()}&scheme=http"
    started = time.monotonic()
    with pytest.raises(UsageError) as err:
        check_location(where)
    assert time.monotonic() - started < 5
    message = str(err.value)
    assert message.startswith(f"--tables-out: cannot write into {where}: ")
    assert "NETWORK_CONNECTION" in message and "\n" not in message


class _S3(http.server.BaseHTTPRequestHandler):
    """An endpoint that answers every request with the status of its server."""

    def do_HEAD(self) -> None:
        self.send_response(self.server.status)  # type: ignore[attr-defined]
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("status", [200, 403, 301])
def test_an_s3_endpoint_that_answers_passes_the_check(status: int) -> None:
    # Any answer (a bucket there, access denied, a bucket in another region) is S3 reached:
    # what comes next decides, as before the probe.
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _S3)
    server.status = status  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        check_location(f"s3a://bucket/x?endpoint_override=127.0.0.1:{port}&scheme=http")
    finally:
        server.shutdown()
        server.server_close()
