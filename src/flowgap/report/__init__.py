"""Batch reports of an analysis: JSON (the CI contract), Markdown, HTML, CSV and JUnit, plus
thresholds (``--fail-on``) and the comparison with a previous report (``--baseline``).

``run.run_analyze`` is what ``flowgap analyze`` calls. ``tables.py`` specifies the columns of
every table the reports and the dashboard show; ``schema.py`` holds the typed models of
report.json; ``docs.py`` regenerates the docs made from them and from the metric registry.
"""
