"""``[dashboard] url_prefix``: validated, and the app answers only under it."""

from __future__ import annotations

import pytest

from flowgap.config import Config
from flowgap.dashboard import create_app
from flowgap.errors import ConfigError


@pytest.mark.parametrize("bad", ["flowgap/", "/flowgap", "/a//b/", "/x?y/"])
def test_bad_prefixes_name_the_key(bad: str) -> None:
    with pytest.raises(ConfigError, match="url_prefix"):
        Config.from_dict({"dashboard": {"url_prefix": bad}})


def test_app_answers_under_the_prefix_only(tmp_path) -> None:
    config = Config.from_dict({"dashboard": {"url_prefix": "/tools/flowgap/"}})
    client = create_app(config, session_root=tmp_path).server.test_client()
    page = client.get("/tools/flowgap/")
    assert page.status_code == 200
    # Dash writes its config as JSON with "/" escaped.
    html = page.data.decode().replace("\\u002f", "/")
    assert '"requests_pathname_prefix":"/tools/flowgap/"' in html
    assert client.get("/tools/flowgap/_dash-layout").status_code == 200
    assert client.get("/").status_code == 404


def test_paths_inside_and_outside_the_prefix(tmp_path) -> None:
    config = Config.from_dict({"dashboard": {"url_prefix": "/tools/flowgap/"}})
    app = create_app(config, session_root=tmp_path)
    with app.server.test_request_context("/tools/flowgap/"):
        from flowgap.dashboard.pages import overview
        from flowgap.dashboard.shell import page_href, page_path

        assert page_href(overview) == "/tools/flowgap/overview"
        assert page_path("/tools/flowgap/overview") == "/overview"
        assert page_path("/tools/flowgap/") == page_path("/tools/flowgap") == "/"
        # A hand-made request outside the prefix gets "no page", not an error.
        assert page_path("/overview") == "/outside-the-prefix"
