"""Turning run results into reports: summary.json, console summary (HTML and JUnit via pytest-html and pytest)."""
