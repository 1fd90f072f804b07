"""From findings to decisions: forecasts, service levels, what-if replays and recommended
actions, each in a module named for what it produces, reading the engine's tables.

Imported by the report and the dashboard, never the reverse.
"""
