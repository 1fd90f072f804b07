"""The sample organisation: its Jira workflow, teams, people, vocabulary and the flowgap.toml
that classifies that workflow. Everything the simulator draws from lives here.
"""

from __future__ import annotations

PROJECT = "FLOW"
TEAM_FIELD = "Team"
TEAM_FIELD_ID = "customfield_10042"
FLAG_FIELD = "Flagged"
FLAG_FIELD_ID = "customfield_10021"
POINTS_FIELD = "Story Points"
POINTS_FIELD_ID = "customfield_10016"
FLAG_VALUE = "Impediment"
STEERCO_LABEL = "steerco"
ZONE = "Europe/Berlin"

BACKLOG = "Backlog"
SELECTED = "Selected for Development"
BLOCKED = "Blocked"
STEERING = "Steering Review"
DONE = "Done"

#: Stage -> (queue status, work status). A stint is one team's queue then its work.
STAGES: dict[str, tuple[str, str]] = {
    "analysis": ("Ready for Analysis", "In Analysis"),
    "dev": ("Ready for Dev", "In Development"),
    "review": ("Ready for Review", "In Review"),
    "qa": ("Ready for QA", "In QA"),
    "release": ("Ready for Release", "Releasing"),
}

CLASSES: dict[str, str] = {
    BACKLOG: "backlog",
    SELECTED: "wait",
    "Ready for Analysis": "wait",
    "Ready for Dev": "wait",
    "Ready for Review": "wait",
    "Ready for QA": "wait",
    "Ready for Release": "wait",
    BLOCKED: "wait",
    STEERING: "wait",
    "In Analysis": "active",
    "In Development": "active",
    "In Review": "active",
    "In QA": "active",
    "Releasing": "active",
    DONE: "done",
}

#: Workflow order for rework. Blocked and Steering Review are side trips, not steps: they are
#: left out, so moving into or out of them is never rework (the simulator always returns from
#: them to the status it left, or moves on to a later one).
ORDER: list[str] = [
    BACKLOG,
    SELECTED,
    "Ready for Analysis",
    "In Analysis",
    "Ready for Dev",
    "In Development",
    "Ready for Review",
    "In Review",
    "Ready for QA",
    "In QA",
    "Ready for Release",
    "Releasing",
    DONE,
]

#: Jira status ids and categories (what the REST API reports with each status).
STATUS_IDS: dict[str, str] = {name: str(10000 + i) for i, name in enumerate(CLASSES)}
STATUS_CATEGORY: dict[str, str] = {
    name: ("new" if cls == "backlog" else "done" if cls == "done" else "indeterminate")
    for name, cls in CLASSES.items()
}

#: Generic event-log CSV: the status is composed of an activity and a sub-status column.
EVENT_CSV_PARTS: dict[str, tuple[str, str]] = {
    BACKLOG: ("Backlog", "new"),
    SELECTED: ("Backlog", "selected"),
    "Ready for Analysis": ("Analysis", "ready"),
    "In Analysis": ("Analysis", "in progress"),
    "Ready for Dev": ("Development", "ready"),
    "In Development": ("Development", "in progress"),
    "Ready for Review": ("Review", "ready"),
    "In Review": ("Review", "in progress"),
    "Ready for QA": ("QA", "ready"),
    "In QA": ("QA", "in progress"),
    "Ready for Release": ("Release", "ready"),
    "Releasing": ("Release", "in progress"),
    BLOCKED: ("Blocked", "impediment"),
    STEERING: ("Steering", "review"),
    DONE: ("Done", "closed"),
}
EVENT_CSV_SEPARATOR = " / "

TEAMS: dict[str, list[str]] = {
    "Analysis": ["Amira Haddad", "Jonas Becker", "Lena Vogel"],
    "UX": ["Chloé Martin", "Nils Brandt"],
    "Frontend": ["Mia Schröder", "Tobias Wagner", "Sofia Rossi"],
    "Backend": ["Jürgen Weiß", "Priya Nair", "Lukas Hoffmann", "Emre Yılmaz"],
    "Data": ["Hannah Keller", "Mateo García"],
    "Security": ["Olga Petrova", "Felix Wolf"],
    "QA": ["Sara Lindqvist", "David Klein", "Aylin Demir"],
    "Ops": ["Marek Nowak", "Ines Costa"],
}
DEV_TEAMS = ["Frontend", "Backend", "Data", "Security", "UX"]
PRODUCT_OWNERS = ["Katrin Albers", "Paul Meyer", "Ana Sousa"]
STEERING_CHAIR = "Ursula Brenner"

TYPES = ["Story", "Bug", "Task", "Epic"]
TYPE_WEIGHTS = [50, 30, 15, 5]
PRIORITIES = ["Highest", "High", "Medium", "Low"]
PRIORITY_WEIGHTS = [5, 20, 55, 20]
LABELS = ["customer", "tech-debt", "performance", "security", "accessibility", "billing"]
COMPONENTS = ["API", "Web", "Mobile", "Billing", "Search", "Platform"]
POINTS = [1.0, 2.0, 3.0, 5.0, 8.0, 13.0]
VERBS = ["Add", "Fix", "Refactor", "Speed up", "Migrate", "Validate", "Localise", "Remove"]
OBJECTS = [
    "invoice export",
    "login form",
    "search filters",
    "order history",
    "payment retries",
    "address book",
    "Kündigungsformular",
    "audit log",
    "notification settings",
    "report scheduler",
]
PLACES = ["web app", "mobile app", "public API", "admin console", "billing service"]
CHATTER = [
    "Can someone have a look at this?",
    "Moved to the next sprint.",
    "Added screenshots of the current behaviour.",
    "Depends on the API change; waiting for it.",
    "Looks good to me.",
]

SAMPLE_CONFIG_TOML = """\
# flowgap configuration for the logs written by `flowgap sample` (sample_logs/).
# The statuses, teams and steering rules below are those of the simulated organisation.

[input.jira]
# The team is a Jira custom field; changelog items name it, `names` maps its id.
team_field = "Team"
flagged_field = "Flagged"
# Only for the Jira UI CSV export (sample.jira-ui.csv): its dates are local, without a zone.
csv_date_format = "%d/%b/%y %I:%M %p"
csv_timezone = "Europe/Berlin"

[input.xes]
# The sample XES has one event per status change (no start/complete lifecycle).
lifecycle = false

[statuses]
# Rework = a move to a status earlier in this order. Blocked and Steering Review are side
# trips, not steps of the workflow, so they are not in the order.
order = [
  "Backlog", "Selected for Development",
  "Ready for Analysis", "In Analysis",
  "Ready for Dev", "In Development",
  "Ready for Review", "In Review",
  "Ready for QA", "In QA",
  "Ready for Release", "Releasing",
  "Done",
]
# Time in these counts as blocked (it is wait anyway: Blocked is a queue).
blocked = ["Blocked"]

[statuses.classes]
"Backlog" = "backlog"
"Selected for Development" = "wait"
"Ready for Analysis" = "wait"
"Ready for Dev" = "wait"
"Ready for Review" = "wait"
"Ready for QA" = "wait"
"Ready for Release" = "wait"
"Blocked" = "wait"
"Steering Review" = "wait"
"In Analysis" = "active"
"In Development" = "active"
"In Review" = "active"
"In QA" = "active"
"Releasing" = "active"
"Done" = "done"

[flow]
flow_window = "commitment"
# Flagged (impediment) time inside active work is wait, not touch.
flagged_is_blocked = true

[teams]
# Only the Team field: backlog items have no team yet.
source = ["field"]

[steering]
# Three kinds of touches; several on one calendar day count once.
statuses = ["^Steering Review$"]
labels = ["steerco"]
comment_pattern = "(?i)\\\\bdiscussed in steerco\\\\b"
minutes_per_item = 10
attendees = 8
"""
