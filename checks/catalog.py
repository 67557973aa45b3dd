"""The asset checks declared in `pipeline.registry.checks`, built by the one factory (`checks.factory`)."""

from __future__ import annotations

import dagster as dg

from checks.factory import build_asset_checks
from pipeline.registry.checks import ASSET_CHECKS


def build_quality_checks() -> list[dg.AssetChecksDefinition]:
    """The checks declared in `pipeline.registry.checks`, as Dagster asset checks."""
    return [build_asset_checks(list(ASSET_CHECKS))]
