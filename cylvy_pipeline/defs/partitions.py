"""Markets as partitions: one partition per market of the configured project."""

from __future__ import annotations

import dagster as dg

from cylvy_pipeline.project.settings import configured_project

market_partitions = dg.StaticPartitionsDefinition(list(configured_project().markets))
