"""The command line: `python -m pipeline run | sql | show NCT...`.

`run` and `terminal` are the modules here that touch Dagster; the summary, the SQL
shell and the trial card are plain functions over the published Parquet,
which they read even while a run holds the warehouse.
"""
