"""What every phase returns: its rows per table and its standardized result."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

#: How a phase makes a shared-cache entry that concurrent executions may want at the same moment:
#: ``produce_once(key, produce) -> (cache row, produced here)`` runs ``produce`` unless another execution
#: recorded the key's row meanwhile (then that row is returned), and records what ``produce`` returned
#: in the shared cache before anyone else may produce the key (storage/claims.py does it in Postgres).
ProduceOnce = Callable[[str, Callable[[], dict[str, Any]]], tuple[dict[str, Any], bool]]


@dataclass(frozen=True)
class PhaseOutput:
    """The run-scoped rows a phase produced, keyed by table, and the seed's "standardized result".

    ``result`` always carries ``success``; the rest are the phase's counts and coverages, copied into
    the materialization metadata and later into ``pipeline_phase_status.result_data``.
    ``cache_updates`` are rows for the shared caches (table -> frame), written in the same transaction.
    ``preview`` is a small frame shown as a Markdown table in the Dagster UI.
    """

    tables: Mapping[str, pd.DataFrame]
    result: Mapping[str, Any]
    cache_updates: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    preview: pd.DataFrame | None = None


@dataclass(frozen=True)
class CheckOutcome:
    """The verdict of a completeness gate, with the numbers that explain it."""

    passed: bool
    description: str
    metrics: Mapping[str, Any]


def coverage(part: int, whole: int) -> float:
    """part / whole as a fraction; an empty denominator counts as fully covered."""
    return 1.0 if whole == 0 else part / whole


def coverage_gate(name: str, part: int, whole: int, threshold: float) -> CheckOutcome:
    """Pass when part/whole reaches ``threshold``; the description names the numbers either way."""
    share = coverage(part, whole)
    verdict = "meets" if share >= threshold else "is below"
    return CheckOutcome(
        passed=share >= threshold,
        description=f"{name}: {part} of {whole} ({share:.1%}) {verdict} the {threshold:.0%} threshold",
        metrics={"covered": part, "total": whole, "coverage": round(share, 4), "threshold": threshold},
    )
