"""Quality checks: pandera models for every table, rules across fields and documents.

Plain Python and pandas: `checks/` turns these into Dagster asset checks.
"""
