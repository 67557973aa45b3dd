"""Dagster assets: thin wrappers that read through resources, call the engine, report metadata."""
