"""Content analysis measured against the sample world's labels in every sample market (issue 7, item 2):
page types, top JTBD phases, persona ranking, and page and video relevance on one scale."""

from __future__ import annotations

import pytest

from cylvy_pipeline_tests.analysis.sample_accuracy import (
    MAX_NON_TARGET_PERSONA_SCORE,
    MAX_SCALE_RATIO,
    MIN_JTBD_ACCURACY,
    MIN_PAGE_TYPE_ACCURACY,
    MIN_PERSONA_SPEARMAN,
    MIN_TARGET_PERSONA_SCORE,
    measure,
)


@pytest.mark.parametrize("market_code", ["US", "UK", "DE"])
def test_the_analyzer_reads_the_sample_world_as_it_was_written(market_code):
    accuracy = measure(market_code)
    print(accuracy)
    assert accuracy.pages > 300 and accuracy.videos > 150
    assert accuracy.page_type_accuracy >= MIN_PAGE_TYPE_ACCURACY
    assert accuracy.page_type_accuracy > accuracy.majority_page_type_share + 0.1
    assert accuracy.jtbd_accuracy >= MIN_JTBD_ACCURACY
    assert accuracy.jtbd_accuracy > accuracy.majority_jtbd_share + 0.2
    assert accuracy.persona_spearman >= MIN_PERSONA_SPEARMAN
    assert accuracy.non_target_persona_score <= MAX_NON_TARGET_PERSONA_SCORE
    assert accuracy.target_persona_score >= MIN_TARGET_PERSONA_SCORE
    assert accuracy.video_non_target_persona_score <= MAX_NON_TARGET_PERSONA_SCORE
    assert accuracy.scale_ratio <= MAX_SCALE_RATIO
