"""The status classes (engine/status_classes.py): each status's class, whether it was guessed,
its Jira category and ``events``, the one status count of flowgap (entries into the status; an
item without any status event counts one entry into its current status)."""

from __future__ import annotations

from datetime import UTC, datetime

from engine_log import CLASSES, DAY, analyze, at, build, config, row

from flowgap.config import Config
from flowgap.engine.schemas import STATUS_CLASSES
from flowgap.engine.status_classes import (
    CLASS_WARNINGS,
    build_status_classes,
    class_map,
    status_class_table,
    status_count_rows,
)
from flowgap.model import LoadResult, empty_events, events_from_rows, items_from_rows


def test_unknown_status_is_guessed_and_reported_as_a_guess():
    log = build({"U": [(0, "status", "Ready"), (1, "status", "Limbo"), (3, "status", "Done")]})
    a = analyze(log, config(4))
    classes = {c["status"]: c for c in a.status_classes.to_pylist()}
    # "Limbo" matches no heuristic and has no Jira category: guessed as a queue (wait).
    assert classes["Limbo"]["class"] == "wait" and classes["Limbo"]["guessed"] is True
    assert classes["Ready"]["guessed"] is False
    stage = next(s for s in a.stages.to_pylist() if s["status"] == "Limbo")
    assert stage["guessed"] is True and stage["wait_s"] == 2 * DAY
    r = row(a.items, "U")
    assert r["wait_s"] == 3 * DAY and r["touch_s"] == 0.0 and r["flow_efficiency"] == 0.0


def test_status_classes_table_counts_entries_and_keeps_config_only_statuses():
    log = build({"A": [(0, "status", "Ready"), (1, "status", "Dev"), (2, "status", "Ready")]})
    a = analyze(log, config(3))
    counts = {c["status"]: (c["events"], c["class"]) for c in a.status_classes.to_pylist()}
    assert counts["Ready"] == (2, "wait") and counts["Dev"] == (1, "active")
    assert counts["Closed"] == (0, "done")  # named in the config, never seen


def counts(table) -> list[tuple]:
    return [tuple(r.values()) for r in table.to_pylist()]


def test_the_count_is_entries_per_item_and_status():
    log = build(
        {
            "A": [(0, "status", "Ready"), (1, "status", "Dev"), (2, "status", "Ready")],
            "B": [(0, "status", "Ready"), (1, "assignee", "ann")],  # not a status event
        }
    )
    # The current status of an item with status events adds no entry: its events counted it.
    items = items_from_rows(
        [
            {"item": "A", "created": at(0), "current_status": "Ready"},
            {"item": "B", "created": at(0), "current_status": "Renamed"},
        ]
    )
    rows = status_count_rows(LoadResult(events=log.events, items=items))
    assert sorted(counts(rows)) == [
        ("A", "Dev", 1),
        ("A", "Ready", 0),
        ("A", "Ready", 2),
        ("B", "Ready", 1),
        ("B", "Renamed", 0),
    ]
    table = status_class_table(rows, config(3), {})
    assert table.schema == STATUS_CLASSES
    got = {r["status"]: r["events"] for r in table.to_pylist()}
    assert (got["Ready"], got["Dev"], got["Renamed"]) == (3, 1, 0)


def test_the_count_is_visits_a_repeated_status_event_is_no_entry():
    # An audit log writes a row per change of any column: Active, Active (new team), Awaiting,
    # Active at one minute are two visits to Active and one to Awaiting.
    log = build(
        {
            "I": [
                (0, "status", "Active"),
                (1, "status", "Active"),
                (1, "status", "Awaiting"),
                (1, "status", "Active"),
                (2, "status", "Active"),
                (3, "status", "Done"),
                (4, "status", "Done"),
            ]
        }
    )
    rows = status_count_rows(log)
    assert sorted(counts(rows)) == [("I", "Active", 2), ("I", "Awaiting", 1), ("I", "Done", 1)]
    a = analyze(log, config(5))
    got = {r["status"]: r["events"] for r in a.status_classes.to_pylist()}
    assert (got["Active"], got["Awaiting"], got["Done"]) == (2, 1, 1)


def test_an_item_without_status_events_counts_one_entry_into_its_current_status():
    items = items_from_rows(
        [
            {"item": "X-1", "created": datetime(2026, 1, 1, tzinfo=UTC), "current_status": "Done"},
            {"item": "X-2", "created": datetime(2026, 1, 2, tzinfo=UTC), "current_status": "Open"},
            {"item": "X-3", "created": datetime(2026, 1, 3, tzinfo=UTC), "current_status": "Open"},
            {"item": "X-4", "created": datetime(2026, 1, 4, tzinfo=UTC)},  # no status at all
        ]
    )
    # Without history (a Jira UI CSV): each item entered its current status once.
    plain = LoadResult(events=empty_events(), items=items, has_history=False)
    got = {r["status"]: r["events"] for r in build_status_classes(plain, Config()).to_pylist()}
    assert got == {"Done": 1, "Open": 2}
    # The same among items with history: X-2 has status events, the others none.
    events = events_from_rows(
        [
            {"item": "X-2", "ts": at(0), "seq": 0, "field": "status", "value": "Open"},
            {"item": "X-2", "ts": at(1), "seq": 0, "field": "status", "value": "Done"},
        ]
    )
    mixed = LoadResult(events=events, items=items)
    got = {r["status"]: r["events"] for r in build_status_classes(mixed, Config()).to_pylist()}
    assert got == {"Done": 2, "Open": 2}  # Done: X-1 + X-2's event; Open: X-2's event + X-3


def test_class_comes_from_the_config_else_a_guess_from_the_name_and_category():
    log = build({"A": [(0, "status", "Ready"), (1, "status", "Limbo")]})
    result = LoadResult(
        events=log.events,
        items=log.items,
        status_categories={"Limbo": "indeterminate", "Ready": "new"},
    )
    table = build_status_classes(result, config(2))
    by_status = {r["status"]: r for r in table.to_pylist()}
    # Listed in [statuses] classes: that class, whatever the category says.
    assert (by_status["Ready"]["class"], by_status["Ready"]["guessed"]) == ("wait", False)
    assert by_status["Ready"]["category"] == "new"
    # Not listed: guessed; no name heuristic matches "Limbo", so its category decides
    # (indeterminate: active; without a category it would be wait).
    limbo = by_status["Limbo"]
    assert (limbo["class"], limbo["guessed"], limbo["category"]) == (
        "active",
        True,
        "indeterminate",
    )
    assert class_map(table)["Limbo"] == "active"


def test_a_selection_counts_the_entries_of_its_own_items():
    log = build(
        {
            "A": [(0, "status", "Ready"), (1, "status", "Dev")],
            "B": [(0, "status", "Ready"), (1, "status", "Dev"), (2, "status", "Ready")],
        }
    )
    a = analyze(log, config(3))
    whole = {r["status"]: r["events"] for r in a.status_classes.to_pylist()}
    only_a = {r["status"]: r["events"] for r in a.select(["A"]).status_classes.to_pylist()}
    assert (whole["Ready"], whole["Dev"]) == (3, 2)
    assert (only_a["Ready"], only_a["Dev"]) == (1, 1)


def test_nothing_after_as_of_is_counted_and_every_item_selected_is_the_whole_count():
    log = build(
        {
            "A": [(0, "status", "Ready"), (1, "status", "Dev"), (5, "status", "Done")],
            "LATE": [(4, "status", "Ready")],  # created after as_of
        }
    )
    a = analyze(log, config(3))
    assert a.items.column("item").to_pylist() == ["A"]
    whole = {r["status"]: r["events"] for r in a.status_classes.to_pylist()}
    every = {r["status"]: r["events"] for r in a.select(["A"]).status_classes.to_pylist()}
    assert (whole["Ready"], whole["Dev"], whole["Done"]) == (1, 1, 0)
    assert whole == every


def dev_done_log():
    """Three items through Analysis, Analysis Done, Dev, Dev Done, Test, Done: the two "Done"
    columns sit between work stages."""
    path = ["Analysis", "Analysis Done", "Dev", "Dev Done", "Test", "Done"]
    days = [0, 1, 3, 4, 6, 7]
    return build(
        {
            key: [(d + i, "status", s) for d, s in zip(days, path, strict=True)]
            for i, key in enumerate(["A", "B", "C"])
        }
    )


def test_a_done_between_two_work_stages_is_guessed_a_queue():
    log = dev_done_log()
    a = analyze(log, config(12))
    classes = {c["status"]: (c["class"], c["guessed"]) for c in a.status_classes.to_pylist()}
    assert classes["Analysis"] == ("active", True)
    assert classes["Analysis Done"] == ("wait", True)
    assert classes["Dev Done"] == ("wait", True)
    assert classes["Done"] == ("done", False)
    # committed at Analysis (day 0), delivered at Done (day 7): 3 days of touch in 7
    r = row(a.items, "A")
    assert (r["cycle_time_s"], r["touch_s"], r["wait_s"]) == (7 * DAY, 3 * DAY, 4 * DAY)
    assert not [w for w in a.warnings if w.kind == "done_inside_workflow"]


def warnings_of(a) -> list[tuple[str, str]]:
    return [(w.kind, w.message) for w in a.warnings if w.kind in CLASS_WARNINGS]


def test_no_active_status_is_warned_with_the_statuses_to_look_at():
    # the shape of the BPI Challenge 2013 log: Queued, Accepted, Completed
    log = build(
        {
            k: [(i, "status", "Queued"), (i + 1, "status", "Accepted"), (i + 3, "status", "Done")]
            for i, k in enumerate("ABC")
        }
    )
    a = analyze(log, config(9))
    assert a.summary["flow_efficiency"]["median"] == 0.0
    assert warnings_of(a) == [
        (
            "no_active_status",
            "No status is classed active, so flow efficiency is 0 by construction. Look at"
            " 'Accepted' (wait, guessed, 3 visits, 6.0 d in flow windows), 'Queued' (wait,"
            " guessed, 3 visits, 3.0 d in flow windows): class the statuses where someone"
            " works as active (no status classed wait or backlog is named like work), in"
            ' flowgap.toml: [statuses.classes] "<status>" = "active"',
        )
    ]


def test_class_advice_offers_only_statuses_named_like_work():
    # Advice to class a queue as active made numbers worse: BPI Challenge 2012's "waiting
    # after W_Completeren aanvraag" (flowgap's own wait), DevLake's "Ready for Dev".
    log = build(
        {
            k: [
                (i, "status", "Ready for Dev"),
                (i + 2, "status", "waiting after Build"),
                (i + 4, "status", "Ready for Dev"),
                (i + 5, "status", "In Review"),
                (i + 6, "status", "Done"),
            ]
            for i, k in enumerate("ABC")
        }
    )
    classes = {"In Review": "wait", "waiting after Build": "wait", "Ready for Dev": "wait"}
    a = analyze(log, config(12, statuses={"classes": {**classes, "Done": "done"}}))
    ((kind, message),) = warnings_of(a)
    assert kind == "no_active_status"
    assert message.endswith(
        "class the statuses where someone works as active, e.g. in flowgap.toml:"
        ' [statuses.classes] "In Review" = "active"'
    )


def test_an_extreme_flow_efficiency_is_warned_either_way():
    log = build(
        {k: [(i, "status", "Ready"), (i + 2, "status", "Done")] for i, k in enumerate("AB")}
    )
    a = analyze(log, config(9, statuses={"classes": {"Ready": "active", "Done": "done"}}))
    assert warnings_of(a) == [
        (
            "efficiency_extreme",
            "Median flow efficiency is 100.0% (over 95%): nearly all the time counts as work."
            " Look at 'Ready' (active, configured, 2 visits, 4.0 d in flow windows): a queue"
            " classed active counts as touch; class queues as wait, e.g. in flowgap.toml:"
            ' [statuses.classes] "Ready" = "wait"',
        )
    ]
    log = build(
        {
            k: [(i, "status", "Ready"), (i + 99.5, "status", "Dev"), (i + 100, "status", "Done")]
            for i, k in enumerate("ABC")
        }
    )
    a = analyze(log, config(109))
    assert a.summary["flow_efficiency"]["median"] == 0.005
    assert warnings_of(a) == [
        (
            "efficiency_extreme",
            "Median flow efficiency is 0.5% (under 1%): almost no time counts as work. Look at"
            " 'Ready' (wait, configured, 3 visits, 298.5 d in flow windows): a work status"
            " classed wait counts no touch;"
            " class work statuses as active (no status classed wait or backlog is named like"
            ' work), in flowgap.toml: [statuses.classes] "<status>" = "active"',
        )
    ]


def test_a_low_efficiency_measured_by_lifecycles_names_no_waiting_after_status():
    """flowgap's own "waiting after X" (the gap between an XES complete and the next start)
    is never work: where it is the only queue, a low efficiency is the log's, and no status
    is offered to look at (BPI Challenge 2012 was told to look at three of them)."""
    log = build(
        {
            k: [
                (i, "status", "Build"),
                (i + 0.5, "status", "waiting after Build"),
                (i + 100, "status", "Done"),
            ]
            for i, k in enumerate("ABC")
        }
    )
    classes = {"Build": "active", "waiting after Build": "wait", "Done": "done"}
    a = analyze(log, config(109, statuses={"classes": classes}))
    assert a.summary["flow_efficiency"]["median"] == 0.005
    assert warnings_of(a) == []


def test_a_low_efficiency_measured_by_lifecycles_with_outcome_events_is_the_logs():
    """BPI Challenge 2012: between its started work items the log records outcomes and
    states (A_PARTLYSUBMITTED, O_SENT) as instantaneous statuses. Beside "waiting after X",
    waits not named like work leave the efficiency measured from start and complete: no
    warning (the log's own 0.5% was told to class those states as work). A wait named like
    work still draws it."""

    def log_with(state: str):
        return build(
            {
                k: [
                    (i, "status", "Build"),
                    (i + 0.5, "status", "waiting after Build"),
                    (i + 1, "status", state),
                    (i + 100, "status", "Done"),
                ]
                for i, k in enumerate("ABC")
            }
        )

    classes = {"Build": "active", "waiting after Build": "wait", "Done": "done"}
    a = analyze(log_with("O_SENT"), config(109, statuses={"classes": classes}))
    assert a.summary["flow_efficiency"]["median"] == 0.005
    assert warnings_of(a) == []
    a = analyze(
        log_with("Review"), config(109, statuses={"classes": {**classes, "Review": "wait"}})
    )
    assert [kind for kind, _ in warnings_of(a)] == ["efficiency_extreme"]


def test_a_low_efficiency_names_a_backlog_status_holding_window_time():
    """A Jira export moved its items back to the backlog after commitment ('Open'): 79 of its
    86 window item-days were there, and the warning named 'Ready for Dev' (0.6 day)."""
    log = build(
        {
            k: [
                (i, "status", "Ready"),
                (i + 0.5, "status", "Dev"),
                (i + 0.501, "status", "Backlog"),  # moved back: waits in the backlog
                (i + 200, "status", "Done"),
            ]
            for i, k in enumerate("ABC")
        }
    )
    a = analyze(log, config(209))
    ((kind, message),) = warnings_of(a)
    assert kind == "efficiency_extreme"
    assert message.index("'Backlog' (backlog, configured, 3 visits") < message.index("'Ready'")


def test_an_extreme_efficiency_names_first_the_status_holding_the_time():
    """helpdesk: 'Take in charge ticket' has the most visits, 'Resolve ticket' (waiting for
    the closure) holds eight times its time; the advice named the former, and following it
    kept the efficiency at 84% with the warning gone."""
    log = build(
        {
            k: [
                (i, "status", "Take in charge"),
                (i + 0.5, "status", "Resolve"),
                (i + 30, "status", "Take in charge"),  # reopened: a second, short visit
                (i + 30.5, "status", "Closed"),
            ]
            for i, k in enumerate("ABC")
        }
    )
    classes = {"Take in charge": "active", "Resolve": "active", "Closed": "done"}
    a = analyze(log, config(40, statuses={"classes": classes}))
    ((kind, message),) = warnings_of(a)
    assert kind == "efficiency_extreme"
    assert message.index("'Resolve' (active, configured, 3 visits, 88.5 d") < message.index(
        "'Take in charge' (active, configured, 6 visits, 3.0 d"
    )
    assert message.endswith('[statuses.classes] "Resolve" = "wait"')


def test_a_done_status_that_most_visits_leave_is_warned():
    log = dev_done_log()
    a = analyze(log, config(12, statuses={"classes": {**CLASSES, "Dev Done": "done"}}))
    assert warnings_of(a) == [
        (
            "done_inside_workflow",
            "'Dev Done' (configured, 3 visits) is classed done, but items leave it again in 3"
            " of its 3 visits (most often for 'Test'): each item counts as delivered there"
            " until it comes back. If it is a step of the workflow, class it as a queue, in"
            ' flowgap.toml: [statuses.classes] "Dev Done" = "wait"',
        )
    ]
    # first among the warnings: stderr shows only the first few
    assert a.warnings[0].kind == "done_inside_workflow"
