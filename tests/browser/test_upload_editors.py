"""The upload page's editors on a real log, in a real browser.

``flowgap serve`` runs on BPI Challenge 2013 (closed problems, Volvo IT): 585 people
(``org:resource``), the support team in ``organization involved``, and the person -> team map
tried before it. The page keeps a normal height (each list scrolls in its own box), typing part
of a name finds a person far below the 200 listed first, and the team typed for them is in the
analysis: the Team filter offers it. Any browser console error fails the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import Console, serving
from .test_dashboard import expect, goto, new_page, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SLOW = 120_000  # ms: the first analysis imports pm4py in the server
LOG = "BPI_Challenge_2013_closed_problems.xes.gz"
CONFIG = """\
[input.xes]
status_attribute = ["concept:name", "lifecycle:transition"]
team_attribute = "organization involved"

[teams]
source = ["assignee_map", "field"]
"""
#: Assigned once in the whole log: the 401st of 585 people by assignments.
PERSON = "Debashish"


@pytest.fixture(scope="module")
def bpi_server(shared_data: Path, tmp_path_factory) -> Iterator[str]:
    d = tmp_path_factory.mktemp("bpi2013-editors")
    config = d / "flowgap.toml"
    config.write_text(CONFIG)
    with serving({"demo": shared_data / LOG}, config, d / "sessions") as url:
        yield url


def test_a_person_is_found_by_part_of_the_name_and_their_team_is_analysed(
    browser, bpi_server, console: Console, img_dir
) -> None:
    ex = expect()
    context, page = new_page(browser, console)
    goto(page, bpi_server + "/upload")
    count = page.locator("#people-count")
    ex(count).to_have_text(
        "The 200 most assigned of 585 people are listed; type part of a name to find the others.",
        timeout=SLOW,
    )
    ex(page.locator(".person-row")).to_have_count(200)
    ex(page.locator(".person-row", has_text=PERSON)).to_have_count(0)
    # The lists scroll in their boxes: the page is not as tall as its 200 people.
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 3000, f"the upload page is {height} px tall"

    page.fill("#people-search", "debash")
    ex(count).to_have_text("1 of 585 people match \u201cdebash\u201d.", timeout=SLOW)
    row = page.locator(".person-row", has_text=PERSON)
    ex(row).to_have_count(1)
    ex(page.locator(".person-row")).to_have_count(1)
    shot(page, img_dir, "upload-editors")

    row.locator(".map-input input").fill("Night shift")
    row.locator(".map-input input").press("Enter")
    # The page is drawn again with the session's map (the reset button appears): the search
    # is kept, the team shown.
    ex(page.locator("#reset-config")).to_be_visible(timeout=SLOW)
    ex(count).to_have_text("1 of 585 people match \u201cdebash\u201d.", timeout=SLOW)
    ex(page.locator(".person-row", has_text=PERSON).locator(".map-input input")).to_have_value(
        "Night shift"
    )

    # The analysis follows: the team is one of the data's teams.
    goto(page, bpi_server + "/bottlenecks")
    page.click("#f-team")
    page.keyboard.type("night")
    ex(page.get_by_role("option", name="Night shift", exact=True)).to_have_count(1, timeout=SLOW)
    page.keyboard.press("Escape")

    # The class editor searches the same way.
    goto(page, bpi_server + "/upload")
    page.fill("#status-search", "WAIT")
    ex(page.locator("#status-count")).to_have_text(
        "2 of 7 statuses match \u201cWAIT\u201d.", timeout=SLOW
    )
    ex(page.locator(".status-row")).to_have_count(2)
    context.close()
