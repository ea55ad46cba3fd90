"""The trade's vocabulary: personas read in the names real pages use for their remits."""

from __future__ import annotations

import dataclasses
import math

import pytest

from cylvy_pipeline.analysis.analyzer import (
    ANALYZER_VERSION,
    PHRASE_WEIGHT,
    AnalysisDimension,
    LocalContentAnalyzer,
    _compile_dimensions,
    _content_tokens,
    _linked_areas,
    _market_terms,
    _own_terms,
    _vocabulary_areas,
    _vocabulary_terms,
    _words,
)
from cylvy_pipeline.analysis.page_signals import DomainVocabulary, FittedWeights, load_domain_vocabulary, load_weights
from cylvy_pipeline.phases import content_analysis
from cylvy_pipeline.project.loader import SAMPLE_PROJECT_DIR, load_project

PAYMENTS = AnalysisDimension("persona", "Head of Payment Operations", ("clearing and settlement", "payment hub"))
LENDING = AnalysisDimension("persona", "Head of Lending", ("loan origination", "underwriting"))
TALENT = AnalysisDimension("persona", "Head of Talent", ("hiring pipeline", "onboarding new hires"))

TRADE = DomainVocabulary({
    "payments": ("clearing", "settlement", "Fedwire", "nostro", "payment hub"),
    "lending": ("underwriting", "loan origination", "arrears"),
    "cards": ("interchange", "card scheme"),
})
NO_VOCABULARY = DomainVocabulary({})


def _weights(**persona: float) -> FittedWeights:
    """The shipped weights without an off-topic background (every term fully specific) and without the
    market reading, so a page's persona evidence is the plain sum of its terms' weights."""
    weights = load_weights(ANALYZER_VERSION)
    return dataclasses.replace(
        weights, background_share={}, persona={**weights.persona, "market_floor": 1.0, **persona}
    )


def _score(text: str, persona: AnalysisDimension, vocabulary, weights: FittedWeights | None = None) -> float:
    analysis = LocalContentAnalyzer(weights or _weights(), vocabulary).analyze(text, None, [persona], {})
    return next(score.score for score in analysis.scores if score.name == persona.name)


def _saturated(evidence: float, scale: float) -> float:
    return 10 * (1 - math.exp(-evidence / scale))


def test_an_areas_terms_are_its_words_and_its_phrases_word_pairs() -> None:
    assert _vocabulary_terms(["SWIFT", "bank statements", "real-time gross settlement", "CI/CD", "Tier 1"]) == {
        "swift": 1.0,
        ("bank", "statement"): PHRASE_WEIGHT,  # the phrase, not "bank" anywhere
        ("real", "time"): PHRASE_WEIGHT, ("time", "gross"): PHRASE_WEIGHT, ("gross", "settlement"): PHRASE_WEIGHT,
        ("ci", "cd"): PHRASE_WEIGHT,
        # "Tier 1" keeps one content word ("tier"): alone it would say nothing specific, so it is no term.
    }


def _personas_terms(personas: tuple[AnalysisDimension, ...]) -> list[dict]:
    """The personas' own term weights, as the analyzer compiles them with the shipped weights."""
    return [_own_terms(persona, _weights().persona["outcome_term_weight"]) for persona in personas]


def _links(personas: tuple[AnalysisDimension, ...], vocabulary: DomainVocabulary) -> dict[str, tuple[int, ...]]:
    """Area name -> the indexes of the personas it belongs to."""
    linked = _linked_areas(personas, _personas_terms(personas), _vocabulary_areas(vocabulary), _weights())
    return {area.name: indexes for area, indexes in linked}


def test_an_area_belongs_to_the_persona_whose_own_terms_share_most_of_it() -> None:
    linked = _links((PAYMENTS, LENDING, TALENT), TRADE)
    # Payments shares "clearing", "settlement", "payment hub" (1 + 1 + 2); lending "underwriting", "loan
    # origination" (1 + 2); nobody shares anything of cards: no link, its terms count for no one.
    assert linked == {"payments": (0,), "lending": (1,)}
    # Two personas sharing the most alike share the area.
    twin = AnalysisDimension("persona", "Head of Settlement", ("clearing and settlement", "payment hub"))
    assert _links((PAYMENTS, twin, LENDING), TRADE)["payments"] == (0, 1)


def test_an_area_a_persona_only_brushes_against_is_not_its_remit() -> None:
    # A goal's word counts 0.4 (the outcome term weight): below the link minimum of one keyword word.
    wants = AnalysisDimension("persona", "Head of Operations", ("operations",), ("faster settlement",))
    areas = _vocabulary_areas(DomainVocabulary({"payments": ("settlement", "Fedwire")}))
    assert _linked_areas((wants,), _personas_terms((wants,)), areas, _weights()) == []
    # With the minimum at 0.4 it is.
    lower = _weights(domain_link_min=0.4)
    assert [area.name for area, _ in _linked_areas((wants,), _personas_terms((wants,)), areas, lower)] == ["payments"]


def test_a_page_in_the_trades_words_scores_for_the_persona_whose_remit_they_name() -> None:
    page = "Fedwire messages reach the nostro desk before noon."
    # Without the vocabulary nothing on the page is a payments term.
    assert _score(page, PAYMENTS, NO_VOCABULARY) == 0.0
    # With it, "fedwire" and "nostro" count half a payments term each (domain_term_weight 0.5): evidence 1,
    # on the persona score curve (scale 3; one persona, so no competition; under 150 words, no density).
    weights = _weights()
    assert weights.persona["domain_term_weight"] == 0.5 and weights.persona["score_scale"] == 3.0
    assert _score(page, PAYMENTS, TRADE) == pytest.approx(_saturated(1.0, 3.0), abs=5e-4)
    # Not for the lending persona: the payments area is not its remit.
    assert _score(page, LENDING, TRADE) == 0.0
    # The weight is a setting of the fitted weights.
    assert _score(page, PAYMENTS, TRADE, _weights(domain_term_weight=1.0)) == pytest.approx(
        _saturated(2.0, 3.0), abs=5e-4)


def test_a_term_the_persona_names_itself_keeps_its_own_weight() -> None:
    page = "Settlement finished on time."
    assert _score(page, PAYMENTS, TRADE) == _score(page, PAYMENTS, NO_VOCABULARY) == pytest.approx(
        _saturated(1.0, 3.0), abs=5e-4)


def test_personas_of_another_trade_are_read_by_their_own_words_alone() -> None:
    page = (
        "Our hiring pipeline doubled this year. Onboarding new hires now takes a week, and payroll runs on "
        "the first working day after settlement of the contract."
    )
    shipped = LocalContentAnalyzer()
    without = LocalContentAnalyzer(vocabulary=NO_VOCABULARY)
    dimensions = [TALENT, AnalysisDimension("persona", "Head of Facilities", ("office space", "building services"))]
    assert shipped.analyze(page, None, dimensions, {}) == without.analyze(page, None, dimensions, {})


def test_the_trades_words_rare_off_topic_join_the_market_terms() -> None:
    weights = dataclasses.replace(load_weights(ANALYZER_VERSION), background_share={"cloud": 0.47, "bank": 0.0})
    banker = AnalysisDimension("persona", "Bank treasurer", ("bank liquidity", "bank funding"))
    assert _market_terms((banker,), weights) == frozenset({"bank"})
    assert _market_terms((banker,), weights, ["fedwire", "cloud"]) == frozenset({"bank", "fedwire"})


def test_words_of_technology_every_trade_shares_do_not_make_a_page_the_trades() -> None:
    weights = dataclasses.replace(load_weights(ANALYZER_VERSION), background_share={})
    payments_cto = AnalysisDimension("persona", "Payments CTO", ("payment hub", "mainframe exit", "settlement"))
    vocabulary = DomainVocabulary(
        {"payments": ("settlement", "nostro", "payment hub"), "technology": ("mainframe", "mainframe exit", "COBOL")},
        shared_with_other_trades=frozenset({"technology"}),
    )
    compiled = _compile_dimensions((payments_cto,), weights, _vocabulary_areas(vocabulary))
    # Both areas are the persona's remit: "cobol" counts for it, at half a term (its own terms count fully).
    assert compiled.term_weights[0]["nostro"] == compiled.term_weights[0]["cobol"] == 0.5
    assert compiled.term_weights[0]["mainframe"] == 1.0
    # Only the trade's own words join the market terms (one persona: its texts say no stem twice).
    assert compiled.market_terms == frozenset({"settlement", "nostro"})


def test_the_version_names_the_vocabulary() -> None:
    shipped, without = LocalContentAnalyzer(), LocalContentAnalyzer(vocabulary=NO_VOCABULARY)
    assert shipped.version.startswith(f"{ANALYZER_VERSION}.") and without.version.startswith(f"{ANALYZER_VERSION}.")
    assert shipped.version != without.version
    copy = DomainVocabulary(dict(load_domain_vocabulary().areas), load_domain_vocabulary().shared_with_other_trades)
    assert LocalContentAnalyzer(vocabulary=copy).version == shipped.version


def test_every_entry_of_the_shipped_vocabulary_is_a_term_once() -> None:
    vocabulary = load_domain_vocabulary()
    assert len(vocabulary.areas) >= 8
    assert vocabulary.shared_with_other_trades <= set(vocabulary.areas)
    for area, entries in vocabulary.areas.items():
        assert len(entries) == len(set(entries)), f"{area} lists an entry twice"
        for entry in entries:
            # A phrase must keep two content words, a one-word entry its word: else it matches nothing.
            tokens = _content_tokens(entry)
            assert len(tokens) >= 2 or (len(tokens) == 1 and len(_words(entry)) == 1), f"{area}: {entry!r}"


def test_the_sample_projects_personas_each_get_the_areas_of_their_remit() -> None:
    project = load_project(SAMPLE_PROJECT_DIR)
    personas = tuple(d for d in content_analysis.analysis_dimensions(project) if d.kind == "persona")
    areas = _vocabulary_areas(load_domain_vocabulary())
    linked = {
        area.name: {personas[index].name for index in indexes}
        for area, indexes in _linked_areas(personas, _personas_terms(personas), areas, load_weights(ANALYZER_VERSION))
    }
    assert linked == {
        "payments": {"Head of Payments Operations"},
        "financial_crime": {"Head of Payments Operations"},  # "payment fraud", "fraud losses"
        "lending": {"Chief Lending Officer"},
        "open_banking": {"CIO of a Regional Bank"},  # "banking APIs", "open APIs to partners"
        "core_banking": {"CIO of a Regional Bank"},
        "bank_technology_and_cloud": {"CIO of a Regional Bank"},
        "operational_resilience_and_regulation": {"CIO of a Regional Bank"},
    }
