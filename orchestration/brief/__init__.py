"""The morning brief: what happened, where and to whom, as one self-contained HTML page.

data.py reads the figures from the analyst copy, charts.py draws them (matplotlib), geo.py reads
the Natural Earth country outlines, render.py writes the HTML and the Dagster Markdown preview,
report.py puts it together; `python -m orchestration.cli.brief` is the CLI.
"""
