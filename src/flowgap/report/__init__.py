"""Batch reports of an analysis: JSON (the CI contract), Markdown, HTML, CSV and JUnit, plus
thresholds (``--fail-on``) and the comparison with a previous report (``--baseline``).

``run.run_analyze`` is what ``flowgap analyze`` calls.
"""
