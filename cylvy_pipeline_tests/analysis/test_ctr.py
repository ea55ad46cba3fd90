"""The click-through-rate curve that turns search volume into estimated traffic."""

from __future__ import annotations

import pandas as pd
import pytest

from cylvy_pipeline.analysis.ctr import DEFAULT_CTR_CURVE, ctr_for_position, ctr_for_positions


@pytest.mark.parametrize(
    ("position", "expected"),
    [(1, 0.2823), (2, 0.1572), (3, 0.1073), (10, 0.0214), (11, 0.015), (20, 0.015), (21, 0.008), (30, 0.008),
     (31, 0.005), (100, 0.005)],
)
def test_default_curve_and_bands(position: int, expected: float) -> None:
    assert ctr_for_position(position) == expected


def test_default_curve_covers_the_first_page() -> None:
    assert sorted(DEFAULT_CTR_CURVE) == list(range(1, 11))
    rates = [DEFAULT_CTR_CURVE[position] for position in range(1, 11)]
    assert rates == sorted(rates, reverse=True)


def test_custom_curve_overrides_positions_and_falls_back_otherwise() -> None:
    curve = {1: 0.4, 15: 0.02}
    assert ctr_for_position(1, curve) == 0.4
    assert ctr_for_position(2, curve) == 0.1572
    assert ctr_for_position(15, curve) == 0.02
    assert ctr_for_position(16, curve) == 0.015


@pytest.mark.parametrize("position", [0, -3])
def test_position_below_one_is_rejected(position: int) -> None:
    with pytest.raises(ValueError, match="position"):
        ctr_for_position(position)
    with pytest.raises(ValueError, match="position"):
        ctr_for_positions(pd.Series([1, position]))


def test_vectorised_matches_scalar() -> None:
    positions = pd.Series([1, 2, 5, 10, 11, 25, 31, 60], index=list("abcdefgh"))
    curve = {2: 0.3, 25: 0.01}
    rates = ctr_for_positions(positions, curve)
    assert rates.index.tolist() == list("abcdefgh")
    assert rates.dtype == "float64"
    assert rates.tolist() == [ctr_for_position(int(position), curve) for position in positions]
    assert ctr_for_positions(positions.astype("Int64")).tolist() == [ctr_for_position(int(p)) for p in positions]


def test_curve_values_must_be_fractions() -> None:
    with pytest.raises(ValueError, match="fraction"):
        ctr_for_position(1, {1: 28.23})
