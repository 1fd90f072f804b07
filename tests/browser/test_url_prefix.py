"""The dashboard served under ``[dashboard] url_prefix``, as behind a reverse proxy on a
shared host: every page, asset and callback lives under the prefix."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest

from .conftest import Console, serving
from .test_dashboard import SLOW, expect, goto, new_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def prefixed(exports, tmp_path_factory):
    config = tmp_path_factory.mktemp("prefixed") / "flowgap.toml"
    config.write_text(exports["config"].read_text() + 'url_prefix = "/flowgap/"\n')
    with serving(exports, config, tmp_path_factory.mktemp("sessions"), "/flowgap/") as url:
        yield url


def test_pages_and_navigation_live_under_the_prefix(browser, prefixed, console: Console):
    ex = expect()
    context, page = new_page(browser, console)
    goto(page, prefixed + "/flowgap/")
    ex(page.locator("#page h1")).to_have_text("Overview", timeout=SLOW)
    ex(page.locator("#nav-bottlenecks")).to_have_attribute(
        "href", re.compile(r"^/flowgap/bottlenecks")
    )
    page.click("#nav-bottlenecks")
    ex(page.locator("#page h1")).to_have_text("Bottlenecks", timeout=SLOW)
    assert page.url.startswith(prefixed + "/flowgap/bottlenecks")
    page.click("#nav-upload")
    ex(page.locator("#page h1")).to_have_text("Upload ticket history", timeout=SLOW)
    context.close()
    # Nothing answers outside the prefix.
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(prefixed + "/overview", timeout=10)
    assert err.value.code == 404
