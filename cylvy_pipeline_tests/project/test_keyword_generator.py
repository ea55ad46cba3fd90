"""The deterministic keyword generator behind the sample market's scale knob."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from cylvy_pipeline.project.keyword_generator import generate_keywords, vocabulary_capacity
from cylvy_pipeline.project.model import JTBD_PHASE_NAMES

REPO_ROOT = Path(__file__).resolve().parents[2]
CATS = ("Payments", "Lending", "Universal Banking")


@pytest.mark.parametrize("count", [1_000, 5_000])
def test_deterministic_and_distinct(count: int) -> None:
    first = generate_keywords(count, categories=CATS, seed=7)
    second = generate_keywords(count, categories=CATS, seed=7)
    assert first == second
    assert len(first) == count
    assert len({k.keyword.casefold() for k in first}) == count
    assert all(k.keyword == " ".join(k.keyword.split()) and k.keyword for k in first)
    assert all(k.avg_monthly_searches is None and not k.is_brand for k in first)
    # Round-robin categories, cycling stages.
    assert [k.category for k in first[:6]] == [*CATS, *CATS]
    expected = {c: count // 3 + (1 if i < count % 3 else 0) for i, c in enumerate(CATS)}
    assert Counter(k.category for k in first) == expected
    assert [k.jtbd_stage for k in first[:5]] == list(JTBD_PHASE_NAMES)
    assert Counter(k.jtbd_stage for k in first) == {s: count // 5 for s in JTBD_PHASE_NAMES}


def test_stable_across_processes() -> None:
    """No dependence on Python's per-process hash randomisation."""
    code = (
        "from cylvy_pipeline.project.keyword_generator import generate_keywords as g;"
        "print('|'.join(k.keyword for k in g(200, categories=['Payments', 'Lending'], seed=3)))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO_ROOT,
            env={"PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO_ROOT)},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1
    here = generate_keywords(200, categories=["Payments", "Lending"], seed=3)
    assert outputs.pop().strip() == "|".join(k.keyword for k in here)


def test_smaller_count_is_a_prefix() -> None:
    assert generate_keywords(1_000, categories=CATS) == generate_keywords(5_000, categories=CATS)[:1_000]


def test_seed_changes_the_list() -> None:
    assert generate_keywords(100, categories=CATS, seed=0) != generate_keywords(100, categories=CATS, seed=1)


def test_keywords_fit_their_category_family() -> None:
    kws = generate_keywords(3_000, categories=CATS)
    pay = [k.keyword for k in kws if k.category == "Payments"]
    lend = [k.keyword for k in kws if k.category == "Lending"]
    pay_words = ("pay", "ach", "sepa", "iso 20022", "card", "merchant", "wire")
    lend_words = ("loan", "lending", "credit", "mortgage", "underwriting", "collections", "pay later")
    assert all(any(w in k.lower() for w in pay_words) for k in pay)
    assert all(any(w in k.lower() for w in lend_words) for k in lend)


def test_twenty_thousand_and_capacity() -> None:
    assert vocabulary_capacity() >= 20_000
    kws = generate_keywords(20_000, categories=["A", "B", "C", "D"])
    assert len({k.keyword.casefold() for k in kws}) == 20_000
    everything = generate_keywords(vocabulary_capacity(), categories=CATS)
    assert len({k.keyword.casefold() for k in everything}) == vocabulary_capacity()
    with pytest.raises(ValueError, match="capacity"):
        generate_keywords(vocabulary_capacity() + 1, categories=CATS)


@pytest.mark.parametrize("count", [0, -1])
def test_bad_count(count: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        generate_keywords(count, categories=CATS)


def test_needs_categories() -> None:
    with pytest.raises(ValueError, match="at least one category"):
        generate_keywords(5, categories=[])
