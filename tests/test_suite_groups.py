"""`make test` runs two pytest-xdist workers with ``--dist loadgroup``: each test file on one
worker (its module fixtures built once) and every Spark test on one (one cluster). The groups
take effect only when xdist renames each test with its group; that broke silently twice (a
conftest hook that ran after xdist's, then pytest 9.2's new node ids)."""

from __future__ import annotations

import pytest


def test_this_test_runs_in_its_files_group(request: pytest.FixtureRequest) -> None:
    if not getattr(request.config.option, "loadgroup", False):  # set in each xdist worker
        pytest.skip("not run with pytest-xdist --dist loadgroup (make test does)")
    assert request.node.nodeid.endswith("@test_suite_groups.py"), request.node.nodeid
