"""Benchmarks of flowgap against its budgets (DESIGN section 7); see docs/performance.md.

Not part of the normal test suite: ``make bench`` runs them through pytest, and
``python -m tests.benchmarks.run`` runs chosen sizes and measurements.
"""
