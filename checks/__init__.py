"""Dagster asset checks made from the tables' pandera models."""
