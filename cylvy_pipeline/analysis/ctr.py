"""Click-through rate by SERP position (SPEC 6.8).

Estimated traffic of a search result is the keyword's monthly search volume times the share of searchers
who click the result at that position. The default curve below is the one the product has always used;
projects may override individual positions.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import pandas as pd

# Share of clicks that go to the result at each of the first ten positions.
DEFAULT_CTR_CURVE: Mapping[int, float] = MappingProxyType(
    {
        1: 0.2823,
        2: 0.1572,
        3: 0.1073,
        4: 0.0775,
        5: 0.0588,
        6: 0.0459,
        7: 0.0369,
        8: 0.0302,
        9: 0.0252,
        10: 0.0214,
    }
)

# Beyond page one the click rate is flat within a band of positions.
CTR_POSITIONS_11_TO_20 = 0.015
CTR_POSITIONS_21_TO_30 = 0.008
CTR_POSITIONS_BEYOND_30 = 0.005


def _validated_curve(curve: Mapping[int, float] | None) -> Mapping[int, float]:
    if curve is None:
        return DEFAULT_CTR_CURVE
    for position, rate in curve.items():
        if int(position) != position or position < 1:
            raise ValueError(f"CTR curve position must be an integer >= 1, got {position!r}")
        if not 0.0 <= float(rate) <= 1.0:
            raise ValueError(f"CTR for position {position} must be a fraction in [0, 1], got {rate!r}")
    return curve


def _band_rate(position: int) -> float:
    if position <= 20:
        return CTR_POSITIONS_11_TO_20
    if position <= 30:
        return CTR_POSITIONS_21_TO_30
    return CTR_POSITIONS_BEYOND_30


def ctr_for_position(position: int, curve: Mapping[int, float] | None = None) -> float:
    """The expected click-through rate (a fraction) of the result at 1-based ``position``.

    ``curve`` overrides individual positions; a position it does not name falls back to the default
    curve (1–10) and then to the bands (11–20, 21–30, beyond 30). Raises ``ValueError`` for a position
    below 1, which no SERP can produce.
    """
    if position < 1:
        raise ValueError(f"SERP position must be >= 1, got {position}")
    effective_curve = _validated_curve(curve)
    if position in effective_curve:
        return float(effective_curve[position])
    if position in DEFAULT_CTR_CURVE:
        return DEFAULT_CTR_CURVE[position]
    return _band_rate(position)


def ctr_for_positions(positions: pd.Series, curve: Mapping[int, float] | None = None) -> pd.Series:
    """Vectorised :func:`ctr_for_position`: a float Series aligned with ``positions``.

    Raises ``ValueError`` if any position is missing or below 1.
    """
    effective_curve = _validated_curve(curve)
    if positions.isna().any():
        raise ValueError(f"{int(positions.isna().sum())} SERP position(s) are missing")
    numeric_positions = positions.astype("int64")
    below_one = numeric_positions < 1
    if below_one.any():
        raise ValueError(
            f"SERP positions must be >= 1; found {int(below_one.sum())} below 1 "
            f"(e.g. {int(numeric_positions[below_one].iloc[0])})"
        )
    values = numeric_positions.to_numpy()
    band_rates = np.select(
        [values <= 20, values <= 30],
        [CTR_POSITIONS_11_TO_20, CTR_POSITIONS_21_TO_30],
        default=CTR_POSITIONS_BEYOND_30,
    )
    rates = pd.Series(band_rates, index=positions.index, dtype="float64", name="ctr")
    # Explicit positions win over bands; a custom curve wins over the default one.
    for source_curve in (DEFAULT_CTR_CURVE, effective_curve):
        curve_rates = numeric_positions.map(
            {int(position): float(rate) for position, rate in source_curve.items()}
        )
        rates = curve_rates.astype("float64").fillna(rates).rename("ctr")
    return rates
