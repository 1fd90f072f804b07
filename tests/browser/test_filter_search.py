"""A filter dropdown of a log with 2,000 teams, in a real browser: it lists the busiest 300,
and typing finds any other, which can then be picked (it goes into the address)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .conftest import serving
from .test_dashboard import new_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SLOW = 120_000  # ms: the first analysis imports pm4py in the server


@pytest.fixture(scope="module")
def many_teams(tmp_path_factory) -> Iterator[str]:
    d = tmp_path_factory.mktemp("teams")
    lines = ["case,activity,timestamp,team"]
    for i in range(2_000):
        lines += [
            f"I-{i},Open,2026-01-05T09:00:00,T{i:04}",
            f"I-{i},Done,2026-01-06T09:00:00,T{i:04}",
        ]
    (d / "log.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = d / "flowgap.toml"
    config.write_text('[input.csv]\nteam = "team"\n[teams]\nsource = ["field"]\n')
    (d / "sessions").mkdir()
    with serving({"demo": d / "log.csv"}, config, d / "sessions") as url:
        yield url


def test_typing_finds_a_team_beyond_the_listed_ones(browser, console, many_teams) -> None:
    from playwright.sync_api import expect

    context, page = new_page(browser, console)
    page.goto(many_teams + "/overview")
    expect(page.locator("#dataset-label")).to_contain_text("2000 items", timeout=SLOW)
    page.click("#f-team")
    options = page.get_by_role("option")
    expect(options.first).to_have_text("T0000", timeout=SLOW)  # the list is virtual
    page.keyboard.type("t1777")
    expect(options).to_have_count(1, timeout=SLOW)
    expect(options.first).to_have_text("T1777")
    options.first.click()
    page.keyboard.press("Escape")
    page.wait_for_url("**team=T1777*", timeout=SLOW)
    expect(page.locator("#dataset-label")).to_contain_text("1 selected", timeout=SLOW)
    context.close()
