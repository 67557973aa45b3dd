"""trialflow: clinical-trial documents into a validated trial database.

The engine (layouts, normalization, warehouse and publishing) is plain
Python; `pipeline.definitions` is the one place that assembles it into
Dagster Definitions.
"""
