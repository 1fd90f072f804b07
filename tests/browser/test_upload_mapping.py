"""Uploads in a real browser: a CSV and an XES flowgap cannot map by itself are mapped in the
page (the preview re-read as columns are picked), analysed and downloaded as flowgap.toml that
``flowgap.load`` reads the same way; the team maps' editors; the way back to the served
configuration; progress while a file is read, sent and analysed; the size limit checked before
the browser reads a file.

The served config (conftest) has a 1 MB upload limit.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from flowgap import load
from flowgap.config import Config

from .conftest import Console
from .test_dashboard import SLOW, expect, goto, new_page, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: An export of a ticket system with its own column names (German), day-first dates with
#: dots, a status and a sub-status, and one row whose time is broken.
CSV_HEADER = "Vorgang;Zustand;Unterzustand;Zeit;Gruppe;Bearbeiter;Angelegt;Nr\n"
CSV_ROWS = [
    "K-1;Neu;offen;02.03.2026 09:00;Annahme;Uta;01.03.2026 08:00;1",
    "K-1;In Arbeit;Analyse;03.03.2026 10:00;Technik;Jan;01.03.2026 08:00;2",
    "K-1;Wartend;Kunde;05.03.2026 11:00;Technik;Jan;01.03.2026 08:00;3",
    "K-1;In Arbeit;Umsetzung;05.03.2026 11:00;Technik;Jan;01.03.2026 08:00;4",
    "K-1;Erledigt;fertig;09.03.2026 12:00;Technik;Jan;01.03.2026 08:00;5",
    "K-2;Neu;offen;04.03.2026 09:30;Annahme;Uta;04.03.2026 09:00;1",
    "K-2;In Arbeit;Analyse;13.03.2026 14:00;Betrieb;Ole;04.03.2026 09:00;2",
    "K-2;Erledigt;fertig;16.03.2026 15:00;Betrieb;Ole;04.03.2026 09:00;3",
    "K-3;Neu;offen;06.03.2026 10:00;Annahme;Uta;06.03.2026 10:00;1",
    "K-3;In Arbeit;Analyse;kaputt;Technik;Jan;06.03.2026 10:00;2",
]

XES = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0">
{traces}
</log>
"""
TRACE = """  <trace>
    <string key="concept:name" value="{case}"/>
{events}  </trace>
"""
EVENT = """    <event>
      <string key="Schritt" value="{step}"/>
      <string key="Abteilung" value="{team}"/>
      <string key="Wer" value="{who}"/>
      <date key="time:timestamp" value="2026-03-{day:02d}T{hour:02d}:00:00.000+01:00"/>
    </event>
"""


def map_key(key: str) -> str:
    """The selector of a mapping control (Dash writes a dict id as JSON, keys sorted)."""
    cid = json.dumps({"key": key, "type": "map-key"}, separators=(",", ":"))
    return f"[id='{cid}']"


def pick(page, key: str, *values: str) -> None:
    """Choose ``values`` in the mapping dropdown of ``key``, in order."""
    for value in values:
        page.click(map_key(key))
        page.get_by_role("option", name=value, exact=True).click()
        page.keyboard.press("Escape")


def counts(page) -> str:
    return page.locator("#mapping-counts").inner_text()


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("mapping")
    csv = d / "kundendienst.csv"
    csv.write_text(CSV_HEADER + "\n".join(CSV_ROWS) + "\n", encoding="utf-8")
    traces = []
    steps = [
        ("Eingang", "Annahme", "Uta"),
        ("Bearbeitung", "Technik", "Jan"),
        ("Ende", "Technik", "Jan"),
    ]
    for n in range(1, 4):
        events = "".join(
            EVENT.format(step=step, team=team, who=who, day=n + k, hour=9 + k)
            for k, (step, team, who) in enumerate(steps)
        )
        traces.append(TRACE.format(case=f"V-{n}", events=events))
    xes = d / "vorgaenge.xes"
    xes.write_text(XES.format(traces="".join(traces)), encoding="utf-8")
    # Under the 1 MB limit, big enough to see it read and sent: the CSV's rows many times.
    big = d / "gross.csv"
    rows = [r.replace("K-", f"K{n}-") for n in range(1100) for r in CSV_ROWS[:8]]
    big.write_text(CSV_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    assert 600_000 < big.stat().st_size < 1_000_000
    return {"csv": csv, "xes": xes, "big": big}


def test_a_csv_of_no_known_shape_is_mapped_in_the_page(
    browser, server, files, console: Console, img_dir, tmp_path
):
    ex = expect()
    context, page = new_page(browser, console)
    goto(page, server + "/upload")
    page.set_input_files("#upload input[type=file]", str(files["csv"]))
    message = page.locator("#upload-message")
    ex(message).to_contain_text("kundendienst.csv needs a column mapping", timeout=SLOW)
    ex(message).to_contain_text("missing column 'case'")
    # The data shown is unchanged: the demo data.
    ex(page.locator("#dataset-label")).to_contain_text("demo data")
    ex(page.locator("#mapping-title")).to_have_text(
        "Map the columns of kundendienst.csv", timeout=SLOW
    )
    sample = page.locator('[id=\'{"name":"mapping-sample","type":"grid"}\']')
    ex(sample).to_contain_text("Unterzustand")
    ex(sample).to_contain_text("K-1")

    pick(page, "item", "Vorgang")
    pick(page, "status", "Zustand", "Unterzustand")
    pick(page, "timestamp", "Zeit")
    # Read with this mapping as soon as it is picked: the dates do not parse as ISO yet.
    ex(page.locator("#mapping-counts")).to_contain_text("10 rows read", timeout=SLOW)
    before = counts(page)
    page.fill(map_key("timestamp_format"), "%d.%m.%Y %H:%M")
    page.press(map_key("timestamp_format"), "Enter")
    ex(page.locator("#mapping-counts")).not_to_have_text(before, timeout=SLOW)
    # One broken time: every other row is loaded, the broken one listed with its reason.
    ex(page.locator("#mapping-counts")).to_contain_text("9 loaded, 1 rejected")
    rejects = page.locator('[id=\'{"name":"mapping-rejects","type":"grid"}\']')
    ex(rejects).to_contain_text("kundendienst.csv:11")
    ex(rejects).to_contain_text("bad timestamp")
    pick(page, "team", "Gruppe")
    pick(page, "resource", "Bearbeiter")
    pick(page, "created", "Angelegt")
    pick(page, "order_by", "Nr")
    page.fill(map_key("timezone"), "Europe/Berlin")
    page.press(map_key("timezone"), "Enter")
    events = page.locator('[id=\'{"name":"mapping-events","type":"grid"}\']')
    ex(events).to_contain_text("Technik", timeout=SLOW)
    ex(events).to_contain_text("In Arbeit / Analyse")
    shot(page, img_dir, "upload-mapping")

    page.click("#mapping-apply")
    ex(message).to_contain_text("Loaded kundendienst.csv: 3 items", timeout=SLOW)
    ex(message).to_contain_text("1 records rejected. Column mapping: [input.csv].")
    ex(page.locator("#dataset-label")).to_contain_text("your upload (kundendienst.csv)")
    ex(page.locator("#mapping")).to_have_count(0)
    ex(page.locator(".status-row", has_text="Wartend / Kunde")).to_have_count(1)

    with page.expect_download() as download:
        page.click("#download-toml")
    saved = tmp_path / "flowgap.toml"
    download.value.save_as(saved)
    mapped = tomllib.loads(saved.read_text())["input"]["csv"]
    assert mapped["item"] == "Vorgang"
    assert mapped["status"] == ["Zustand", "Unterzustand"]
    assert mapped["timestamp"] == "Zeit"
    assert mapped["timestamp_format"] == "%d.%m.%Y %H:%M"
    assert mapped["timezone"] == "Europe/Berlin"
    assert (mapped["team"], mapped["resource"]) == ("Gruppe", "Bearbeiter")
    assert (mapped["created"], mapped["order_by"]) == ("Angelegt", "Nr")
    # The downloaded file reads the export as the page did.
    result = load([files["csv"]], Config.load(saved))
    detected = page.locator("#detected-counts").inner_text()
    assert detected.startswith(f"{result.items.num_rows} items, {result.events.num_rows} events")
    assert len(result.rejects) == 1 and "bad timestamp" in result.rejects[0].reason

    # The mapping can be opened again, with the columns picked.
    page.click("#mapping-edit")
    ex(page.locator("#mapping-title")).to_be_visible(timeout=SLOW)
    ex(page.locator(map_key("item"))).to_contain_text("Vorgang")
    ex(page.locator(map_key("timestamp_format"))).to_have_value("%d.%m.%Y %H:%M")
    page.click("#mapping-cancel")
    ex(page.locator("#mapping")).to_have_count(0, timeout=SLOW)
    context.close()


def test_team_maps_have_editors_and_reset_goes_back(browser, server, files, console, tmp_path):
    ex = expect()
    context, page = new_page(browser, console)
    goto(page, server + "/upload")
    # A flowgap.toml with the mapping, dropped with the data: analysed at once.
    config = tmp_path / "flowgap.toml"
    config.write_text(
        "[input.csv]\n"
        'item = "Vorgang"\nstatus = ["Zustand", "Unterzustand"]\ntimestamp = "Zeit"\n'
        'timestamp_format = "%d.%m.%Y %H:%M"\nteam = "Gruppe"\nresource = "Bearbeiter"\n'
        '[teams]\nsource = ["field"]\n'
    )
    page.set_input_files("#upload input[type=file]", [str(files["csv"]), str(config)])
    ex(page.locator("#upload-message")).to_contain_text("Loaded kundendienst.csv", timeout=SLOW)
    # Neither map is a source: no editor for them yet.
    ex(page.locator(".map-input")).to_have_count(0)
    page.get_by_label("status -> team map").check()
    row = page.locator(".status-row", has_text="Wartend / Kunde")
    ex(row.locator(".map-input input")).to_be_visible(timeout=SLOW)
    row.locator(".map-input input").fill("Kundenwarteschlange")
    row.locator(".map-input input").press("Enter")
    ex(
        page.locator(".status-row", has_text="Wartend / Kunde").locator(".map-input input")
    ).to_have_value("Kundenwarteschlange", timeout=SLOW)
    page.get_by_label("assignee -> team map").check()
    person = page.locator(".person-row", has_text="Jan")
    ex(person).to_be_visible(timeout=SLOW)
    person.locator(".map-input input").fill("Entwicklung")
    person.locator(".map-input input").press("Enter")
    ex(page.locator(".person-row", has_text="Jan").locator(".map-input input")).to_have_value(
        "Entwicklung", timeout=SLOW
    )
    with page.expect_download() as download:
        page.click("#download-toml")
    saved = tmp_path / "edited.toml"
    download.value.save_as(saved)
    teams = tomllib.loads(saved.read_text())["teams"]
    assert teams["source"] == ["field", "status", "assignee_map"]
    assert teams["status_map"] == {"Wartend / Kunde": "Kundenwarteschlange"}
    assert teams["assignee_map"] == {"Jan": "Entwicklung"}

    # The edit's redraw draws the page's buttons anew: a click on the button it replaces is
    # lost (seen once on a loaded machine), so the click waits for no update in flight.
    ex(page.locator("[data-dash-is-loading=true]")).to_have_count(0, timeout=SLOW)
    page.click("#reset-config")
    ex(page.locator("#upload-message")).to_have_text(
        "Back to the served configuration.", timeout=SLOW
    )
    ex(page.locator("#reset-config")).to_have_count(0)
    ex(page.locator("#upload-config")).to_have_count(0)
    context.close()


def test_an_xes_with_its_own_attributes_is_mapped_in_the_page(browser, server, files, console):
    ex = expect()
    context, page = new_page(browser, console)
    goto(page, server + "/upload")
    page.set_input_files("#upload input[type=file]", str(files["xes"]))
    message = page.locator("#upload-message")
    ex(message).to_contain_text("vorgaenge.xes needs a column mapping", timeout=SLOW)
    ex(message).to_contain_text("event without concept:name")
    ex(page.locator("#mapping-title")).to_have_text(
        "Map the event attributes of vorgaenge.xes", timeout=SLOW
    )
    # No attribute is named like a status: nothing picked, and the preview says what is missing.
    ex(page.locator("#mapping-error")).to_contain_text("status_attribute", timeout=SLOW)
    pick(page, "status_attribute", "Schritt")
    ex(page.locator("#mapping-counts")).to_contain_text(
        "9 events read, 9 loaded, 0 rejected", timeout=SLOW
    )
    pick(page, "team_attribute", "Abteilung")
    pick(page, "resource_attribute", "Wer")
    events = page.locator('[id=\'{"name":"mapping-events","type":"grid"}\']')
    ex(events).to_contain_text("Technik", timeout=SLOW)
    page.click("#mapping-apply")
    ex(message).to_contain_text("Loaded vorgaenge.xes: 3 items", timeout=SLOW)
    ex(message).to_contain_text("Column mapping: [input.xes].")
    ex(page.locator(".status-row", has_text="Bearbeitung")).to_have_count(1)
    context.close()


def test_progress_while_a_file_is_read_sent_and_analysed(browser, server, files, console):
    ex = expect()
    context, page = new_page(browser, console)
    goto(page, server + "/upload")
    page.set_input_files("#upload input[type=file]", str(files["big"]))
    ex(page.locator("#upload-message")).to_contain_text(
        "gross.csv needs a column mapping", timeout=SLOW
    )
    # Dash calls the mapping callback (n_clicks 0) when the panel is drawn: that request is not
    # an analysis, so it must not be followed. Wait for it, then read what the panel showed.
    ex(page.locator("#mapping-title")).to_be_visible(timeout=SLOW)
    page.wait_for_load_state("networkidle")
    ex(page.locator("#upload-progress")).to_have_count(0)
    phases = page.evaluate("window.flowgapUpload.phases")
    kinds = [p["phase"] for p in phases]
    assert kinds[0] == "reading" and kinds[-1] == "done", kinds
    assert kinds.count("done") == 1, kinds
    assert "sending" in kinds and "analysing" in kinds, kinds
    assert kinds.index("reading") < kinds.index("sending") < kinds.index("analysing")
    sent = [p for p in phases if p["phase"] == "sending"]
    assert sent[-1]["text"].startswith("Sending gross.csv: ")
    assert sent[-1]["text"].endswith(f" of {files['big'].stat().st_size / 1e6:.1f} MB")
    analysing = next(p for p in phases if p["phase"] == "analysing")
    assert analysing["text"].startswith("Analysing gross.csv on the server: ")
    ex(page.locator("#upload-progress")).to_have_count(0)
    # The preview reads the head of the file only, and says so.
    pick(page, "item", "Vorgang")
    pick(page, "status", "Zustand")
    pick(page, "timestamp", "Zeit")
    ex(page.locator("#mapping-counts")).to_contain_text(
        re.compile(r"^Of the first 256 KB of the file: \d+ rows read"), timeout=SLOW
    )
    # A click on "Analyse" is followed: the server's analysis shows, then the panel goes.
    page.click("#mapping-apply")
    ex(page.locator("#upload-message")).to_contain_text("Loaded gross.csv", timeout=SLOW)
    ex(page.locator("#upload-progress")).to_have_count(0)
    after = [p["phase"] for p in page.evaluate("window.flowgapUpload.phases")][len(kinds) :]
    assert after[0] == "analysing" and after[-1] == "done", after
    context.close()


def test_an_upload_over_the_limit_is_refused_before_it_is_read(browser, server, exports, console):
    ex = expect()
    context, page = new_page(browser, console)
    goto(page, server + "/upload")
    ex(page.locator("#upload-box")).to_have_attribute("data-limit-bytes", "1000000")
    bodies: list[int] = []
    page.on(
        "request",
        lambda r: (
            bodies.append(len(r.post_data_buffer or b""))
            if "_dash-update-component" in r.url
            else None
        ),
    )
    page.set_input_files("#upload input[type=file]", str(exports["huge"]))
    ex(page.locator("#upload-message")).to_have_text(
        "Nothing was loaded: huge.jira.ndjson: upload is 1.5 MB, the limit is 1 MB"
        " ([dashboard] upload_limit_mb)",
        timeout=SLOW,
    )
    phases = page.evaluate("window.flowgapUpload.phases")
    assert [p["phase"] for p in phases] == ["refused"]
    # The file was never read nor sent: only its name and size went to the server.
    assert bodies and max(bodies) < 10_000, bodies
    ex(page.locator("#dataset-label")).to_contain_text("demo data")
    context.close()
