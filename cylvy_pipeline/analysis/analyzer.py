"""The local, deterministic content analyzer (SPEC 6.7).

Every scraped page (and every video's title + description) is scored 0–10 against each persona, JTBD
phase, page type and custom dimension, so the DSI can weigh a company's search presence by how relevant
its content is to the client's buyers. No network, no model download, the same answer every time: it is
the default because it is free, fast and reproducible; an LLM analyzer can replace it for nuance. It
reads only what a real page shows: its text, its title and whether it is an HTML page, a PDF or a video.

How a dimension is scored, in words:

* Text and terms are tokenised the same way (lowercase, a light plural stemmer, stop words removed), so
  "Loans" in a page matches "loan" in a persona.
* Every content word of a term counts, and adjacent word pairs of multi-word terms count extra (a page
  saying "loan origination" is more on-topic than one saying "loan" and, elsewhere, "origination").
  A word that describes several dimensions of the same kind ("bank" in every persona) tells them apart
  less, so its weight is shared between them. A persona's goals and pain points count less than its
  keywords and description: they say what it wants in words every business page uses ("cut", "faster").
* A persona is also read in the trade's own names for its remit, which its few dozen words never spell
  out: a payments persona's pages say "Fedwire", "nostro" and "ACH returns" (the shipped vocabulary of
  financial services, each area linked to the persona whose terms it shares most).
* Repetition helps with diminishing returns (1 + ln count); a hit in the title or in a section heading
  adds a bonus, because that is where a page says what it is about.
* Evidence is read as density: a video description naming a persona's concerns twice is as clearly for
  that persona as a long page naming them ten times, so page and video scores share one scale.
* JTBD phases and page types are recognised the way a reader recognises them, not only by the signals
  the project lists: each is matched by its name to a buying stage or a page form the analyzer knows,
  whose everyday language it adds (a Validation phase reads "return on investment", "went live"), and a
  page form is also told by layout — a byline and reading time make an article; capability bullets and
  "Request a demo" a product page; challenge / solution / results headings and a customer quote a case
  study; a PDF with an executive summary and methodology a whitepaper.
* The sum maps to 0–10 through a saturating curve, so no amount of keyword stuffing exceeds 10.
* Confidence grows with the amount of text and the number of distinct matched terms: a long page that
  matches many terms is solid evidence; three words matching one term is not.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, NamedTuple, Protocol

from cylvy_pipeline.analysis import page_signals
from cylvy_pipeline.analysis.page_signals import DomainVocabulary, FittedWeights, PageMetadata

ANALYZER_VERSION = "local-calibrated-7"  # 7: sections that introduce other pages are not the page's subject

DimensionKind = Literal["persona", "jtbd_phase", "page_type", "custom"]
DIMENSION_KINDS: tuple[str, ...] = ("persona", "jtbd_phase", "page_type", "custom")
Sentiment = Literal["positive", "neutral", "negative"]
#: What kind of content is analysed: an HTML page, a PDF document or a video (title and description).
ContentType = Literal["html", "pdf", "video"]
CONTENT_TYPES: tuple[str, ...] = ("html", "pdf", "video")

MAX_EVIDENCE_CHARS = 200
KEY_TOPIC_COUNT = 5

# Tuning of the score curve: a dimension whose matched terms sum to SCORE_SCALE scores 10 × (1 - 1/e)
# ≈ 6.3. Calibrated so a page about the dimension lands around 7–10 and a passing mention around 1–2.
SCORE_SCALE = 8.0
TITLE_HIT_WEIGHT = 1.5  # per matched term (times its weight) found in the title
URL_PATH_HIT_WEIGHT = 3.0  # per matched term in the words of the page's URL path, the site's filing (weights set it)
HEADING_HIT_WEIGHT = 1.0  # per matched term found in a section heading (a short line without a full stop)
PHRASE_WEIGHT = 2.0  # an adjacent word pair of a multi-word term, vs 1.0 for a single word
# Density: evidence is divided by sqrt(words / DENSITY_WORDS) for texts longer than DENSITY_WORDS words.
DENSITY_WORDS = 150.0
MAX_HEADING_WORDS = 8
# Personas compete for a page: a persona's score is discounted by its share of the leading persona's
# evidence, to this power (weights may override it: ``competition_exponent``). The share is read from the
# personas' terms without the off-topic specificity weighting: that weighting tells a banking page from an
# off-topic one, but words common on all kinds of pages ("payment", "credit", "cloud") are still what tells
# a payments page from a lending page or a CIO's page. Chosen by cross-validation on the dev set.
PERSONA_COMPETITION = 5.0
# A persona's goals and pain points say what it wants to achieve or escape, in the outcome language every
# business page uses ("cut", "grow", "faster", "manual", "rules for vendors"); its keywords and description
# name the subject it works on. What a page is about is the subject: a term only the goals or pain points
# use counts this much of one the keywords or description use (weights may override it:
# ``outcome_term_weight``; chosen by cross-validation on the dev set, see fit_analyzer_weights).
OUTCOME_TERM_WEIGHT = 0.4
# The trade's vocabulary (``vocabulary/financial_services.yaml``): a persona describes its remit in a few
# dozen words ("clearing, settlement, ISO 20022"); real pages about that remit use the trade's own names
# for it ("Fedwire", "nostro", "ACH returns", "bank statements" for underwriting), which no persona spells
# out. Each area of the vocabulary belongs to the persona whose own terms it shares most (their summed
# weights: a keyword's word 1, its word pair PHRASE_WEIGHT, a goal's words OUTCOME_TERM_WEIGHT of that;
# personas that tie share it) once that reaches DOMAIN_LINK_MIN, one keyword word's worth. Its terms then
# count DOMAIN_TERM_WEIGHT of the persona's own (never lowering a term the persona names itself), shared
# and weighted by specificity like every term, and its single words that are rare on off-topic pages
# join the market terms. Personas that share nothing with it (another industry's) are read by their own
# words alone. Weights may override both (``domain_term_weight``, ``domain_link_min``); chosen by
# cross-validation on the dev set.
DOMAIN_TERM_WEIGHT = 0.5
DOMAIN_LINK_MIN = 1.0
# The client's market: stems that recur across the project's own descriptions of its personas (in at
# least MARKET_TERM_SHARE of their keywords, goals, pain points and descriptions, and never fewer than
# MARKET_TERM_MIN_TEXTS) and are not common on real pages about none of them ("banking", "loan", "payment"
# for the sample project). A page that does not talk about that market is not for its personas even when it
# shares their technical vocabulary (a generic cloud page and a bank CIO's "cloud"): its persona scores are
# scaled by MARKET_FLOOR + (1 - MARKET_FLOOR) × (1 - exp(-market evidence / MARKET_SCALE)), the evidence
# being the page's market-term count scaled by length like all evidence. Weights may override each
# (``market_*`` in their persona section); chosen by cross-validation over the dev set's organisations.
MARKET_TERM_SHARE = 0.07
MARKET_TERM_MIN_TEXTS = 2
MARKET_TERM_MAX_BACKGROUND = 0.1
MARKET_FLOOR = 0.3
MARKET_SCALE = 1.0
# How much a project's own signals for a page type or JTBD phase move the fitted model's judgement (per
# unit of density-scaled evidence, on the log-odds scale); chosen on the dev set and the simulated market.
PROJECT_SIGNAL_WEIGHT = 0.5
# Confidence: how much text makes a judgement solid, and how many distinct matches make it specific.
CONFIDENCE_WORDS_SCALE = 200.0
CONFIDENCE_MATCHES_SCALE = 3.0
CONFIDENCE_FLOOR_SHARE = 0.4  # share of the confidence that comes from text length alone
# Sentiment: (positive - negative) / (positive + negative + smoothing); labels beyond ±threshold.
SENTIMENT_SMOOTHING = 2.0
SENTIMENT_THRESHOLD = 0.15
BIGRAM_TOPIC_MIN_COUNT = 2  # a word pair must recur to be a topic rather than chance adjacency
BIGRAM_TOPIC_WEIGHT = 1.5

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")
_WHITESPACE = re.compile(r"\s+")
_URL_IN_TEXT = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)  # a link's address written out
_SENTENCE_BREAK_WORD = ""  # marks the end of a sentence in a page's word list; never a real word
# A section heading that introduces other pages rather than this one's subject: a repository's "Related
# projects", a docs site's "Related resources", a blog's "Read next" or "You may also like". What such a
# section names (a sister project's sanctions lists and wire transfers under a credit-reporting README) is
# not what the page is about, so it is not read as evidence, topics or tone. "Next steps" and "Resources"
# are left in: on real pages they as often continue the page's own story or list its own API resources.
_POINTER_HEADING = re.compile(
    r"(?:related|other|more) (?:projects|repositories|resources|articles|posts|content|reading|stories|links"
    r"|guides)|see also|read next|(?:what|where) to read next|you (?:may|might) also (?:like|enjoy)|more from .+",
    re.IGNORECASE,
)

STOP_WORDS: frozenset[str] = frozenset(
    """
    a about above after again against all also am an and any are aren't as at be because been before
    being below between both but by can can't cannot could couldn't did didn't do does doesn't doing
    don't down during each either etc even ever every few for from further get gets got had hadn't has
    hasn't have haven't having he he'd he'll he's her here here's hers herself him himself his how
    how's however i i'd i'll i'm i've if in into is isn't it it's its itself just let's like make
    many may me might more most much must mustn't my myself need no nor not now of off often on once
    one only or other ought our ours ourselves out over own per rather same shan't she she'd she'll
    she's should shouldn't since so some still such than that that's the their theirs them themselves
    then there there's these they they'd they'll they're they've this those though through thus to
    too under until up upon us use used using very via was wasn't we we'd we'll we're we've were
    weren't what what's when when's where where's whether which while who who's whom why why's will
    with within without won't would wouldn't yet you you'd you'll you're you've your yours yourself
    yourselves across already always another around away back become becomes well new way ways
    read click here learn find see including include includes whose
    """.split()
)

_NEGATORS: frozenset[str] = frozenset(
    "not no never without hardly nor cannot can't don't doesn't didn't isn't aren't wasn't weren't "
    "won't wouldn't shouldn't couldn't".split()
)


# The analyzer stems every word of every page: the page signals' stemmer, remembered per distinct word.
_stem = lru_cache(maxsize=200_000)(page_signals.stem)


def _stems(words: Iterable[str]) -> frozenset[str]:
    return frozenset(_stem(word) for word in words)


_STOP_STEMS = STOP_WORDS | _stems(STOP_WORDS)

# A small lexicon of words that carry a clear tone in business and finance writing. Words whose tone
# depends on the domain ("debt", "default", "fine", "interest") are left out on purpose, and so are the
# subjects of the trade's writing: risk management, fraud detection, error codes, issue trackers, threat
# models and vulnerability scanning are what its pages are about, not how they feel (counted, they made a
# third of the real banking pages "negative": BENCHMARKS.md).
POSITIVE_WORDS: frozenset[str] = _stems(
    """
    good great excellent best better easy easier fast faster secure reliable trusted trust benefit
    benefits improve improved improves improvement success successful growth grow growing efficient
    effective innovative innovation leading simple seamless save saves saving savings win wins winning
    strong stronger love helpful award awarded opportunity opportunities positive gain gains boost
    robust flexible transparent safe happy recommend recommended outstanding impressive powerful
    valuable profit profitable empower empowers enjoy excited exciting confident confidence proven
    convenient smooth thrive thriving premium quality streamlined accelerate accelerated achieve
    """.split()
)
NEGATIVE_WORDS: frozenset[str] = _stems(
    """
    bad poor worse worst risky fail fails failed failure loss losses lose losing
    slow slower difficult problem problems costly expensive breach breaches
    decline declined declining weak weaker delay delays delayed penalty penalties lawsuit
    scam scams complaint complaints concern concerns crisis volatile volatility uncertainty uncertain
    struggle struggling negative unfortunately hack hacked outage downturn
    layoff layoffs collapse damage dangerous danger frustrating frustration painful burden confusing
    """.split()
)


# --- what the analyzer knows about buying stages and page forms ---------------------------------------
#
# A project names its JTBD phases and page types in its own words; the analyzer recognises the common
# ones by name (case-insensitive substrings, first match wins) and then also reads the everyday language
# of that stage or form. A phase or page type it does not recognise is scored by its signals alone.

STAGE_NAME_HINTS: dict[str, tuple[str, ...]] = {
    "problem": ("problem", "awareness", "identif", "trigger"),
    "exploration": ("explor", "discover", "research"),
    "requirements": ("requirement", "specif", "scoping"),
    "selection": ("selection", "supplier", "vendor", "shortlist", "evaluat"),
    "validation": ("validat", "proof", "justif", "consensus", "purchase"),
}
FORM_NAME_HINTS: dict[str, tuple[str, ...]] = {
    "product": ("product", "solution", "pricing", "landing", "feature", "service page"),
    "article": ("blog", "article", "news", "opinion", "editorial", "post", "column"),
    "case_study": ("case stud", "customer stor", "success stor", "testimonial"),
    "whitepaper": ("whitepaper", "white paper", "report", "ebook", "e-book", "research", "paper", "guide"),
}


def _named_archetype(dimension: AnalysisDimension, hints: Mapping[str, tuple[str, ...]]) -> str | None:
    """The stage or form whose hint appears in the dimension's name (first in the hints' order)."""
    name = dimension.name.casefold()
    return next((archetype for archetype, words in hints.items() if any(word in name for word in words)), None)


# --- public data types ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnalysisDimension:
    """Something content is scored against: a persona, a JTBD phase, a page type or a custom dimension.

    ``terms`` are the words and phrases that describe it (a persona's keywords and description, a
    phase's signals). ``outcome_terms`` are what a persona wants to achieve or escape (its goals and pain
    points): evidence of its concerns, counted at OUTCOME_TERM_WEIGHT of a term. A dimension without
    usable terms of either kind is described by its name.
    """

    kind: DimensionKind
    name: str
    terms: tuple[str, ...] = ()
    outcome_terms: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in DIMENSION_KINDS:
            raise ValueError(f"dimension kind must be one of {DIMENSION_KINDS}, got {self.kind!r}")
        if not self.name or not self.name.strip():
            raise ValueError("a dimension needs a name")
        object.__setattr__(self, "terms", tuple(self.terms))
        object.__setattr__(self, "outcome_terms", tuple(self.outcome_terms))


@dataclass(frozen=True)
class DimensionScore:
    """How strongly a piece of content speaks to one dimension (0–10), how sure we are (0–10), and the
    sentence that shows it best (≤ 200 characters, ``""`` when nothing matched)."""

    kind: str
    name: str
    score: float
    confidence: float
    evidence: str


@dataclass(frozen=True)
class ContentAnalysis:
    """Everything content analysis records about one page or video.

    ``persona_relevance`` (mean persona score / 10, in [0, 1]; 0 without personas) is the page's
    relevance R in the DSI. ``mentions`` lists (brand, count) for brands that appear, most mentioned
    first.
    """

    scores: tuple[DimensionScore, ...]
    sentiment: Sentiment
    sentiment_score: float
    key_topics: tuple[str, ...]
    mentions: tuple[tuple[str, int], ...]
    persona_relevance: float


def content_hash(text: str) -> str:
    """SHA-256 (hex) of the text with Unicode normalised (NFC) and whitespace runs collapsed.

    Cache key for analyses together with the analyzer version: re-scraping a page whose text did not
    change (only its whitespace) does not pay for a new analysis.
    """
    normalised = _WHITESPACE.sub(" ", unicodedata.normalize("NFC", text or "")).strip()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


# --- tokens -------------------------------------------------------------------------------------------

TermKey = str | tuple[str, str]  # a stemmed word, or an adjacent pair of stemmed words


def _words(text: str) -> list[str]:
    """Lowercase words of ``text``; typographic apostrophes count as plain ones ("don’t" = "don't")."""
    return _WORD.findall(text.lower().replace("\u2019", "'"))


#: A text is read as English when at least this share of its first words are English stop words: English
#: pages of the development set have 15–52 %, German, French or Spanish prose 0–6 %.
ENGLISH_STOP_WORD_SHARE = 0.1
LANGUAGE_SAMPLE_WORDS = 400
LANGUAGE_MIN_WORDS = 30  # fewer words than this are too few to tell


def reads_as_english(text: str) -> bool:
    """Whether ``text`` is in English, the one language the local analyzer reads: its stop words, stems,
    sentiment words and the phrases of buying stages and page forms are English, so a German page about
    core banking scores as little as an off-topic one. A text too short to tell counts as English."""
    words = _words(text[: LANGUAGE_SAMPLE_WORDS * 12])[:LANGUAGE_SAMPLE_WORDS]
    if len(words) < LANGUAGE_MIN_WORDS:
        return True
    return sum(word in STOP_WORDS for word in words) >= ENGLISH_STOP_WORD_SHARE * len(words)


class _Token(NamedTuple):
    """What the analyzer needs to know about one lowercase word, computed once per distinct word."""

    stem: str
    is_content: bool  # not a stop word or a number: takes part in dimension matching
    is_topic: bool  # a content word that can name a topic (≥ 3 characters, has a letter)
    polarity: int  # +1 positive, -1 negative, 0 neutral (before negation)


@lru_cache(maxsize=200_000)
def _token(word: str) -> _Token:
    stem = _stem(word)
    is_content = bool(stem) and stem not in _STOP_STEMS and not stem.isdigit()
    is_topic = is_content and len(stem) >= 3 and any(character.isalpha() for character in stem)
    polarity = 1 if stem in POSITIVE_WORDS else -1 if stem in NEGATIVE_WORDS else 0
    return _Token(stem, is_content, is_topic, polarity)


def _content_tokens(text: str) -> list[str]:
    return [token.stem for token in map(_token, _words(text)) if token.is_content]


# --- compiled inputs (built once per distinct set of dimensions / brands) -------------------------------


@dataclass(frozen=True)
class _CompiledDimensions:
    dimensions: tuple[AnalysisDimension, ...]
    # Per dimension: term key -> weight (1 for a word, PHRASE_WEIGHT for a word pair, times the outcome
    # term weight for one only a persona's goals or pain points use, shared between the dimensions of the
    # same kind that contain it, times how specific the term is on real pages).
    term_weights: tuple[Mapping[TermKey, float], ...]
    # The same without the specificity on real pages: how much a term tells one persona from another
    # (read for the personas' competition only).
    competition_weights: tuple[Mapping[TermKey, float], ...]
    # Term key -> indexes of the dimensions that contain it, so a token is looked up once for all.
    dimensions_by_term: Mapping[TermKey, tuple[int, ...]]
    # Per dimension: the page form (page types) or buying stage (JTBD phases) the fitted models score
    # it as, when its name is recognised; else None and it is scored by its own signals.
    forms: tuple[str | None, ...]
    stages: tuple[str | None, ...]
    # The stems that say a page is about the client's market (see MARKET_TERM_SHARE); empty: no market
    # reading (a project whose personas say too little to tell), and persona scores are not scaled by it.
    market_terms: frozenset[str] = frozenset()
    # Per dimension: scored by its terms alone (personas, custom dimensions, page types and phases the
    # models do not know), not by a fitted model of page form or buying stage.
    scored_by_terms: tuple[bool, ...] = ()


def _weighted_descriptions(dimension: AnalysisDimension, outcome_weight: float) -> list[tuple[str, float]]:
    """The phrases that describe a dimension, each with what its words count: its terms (1) and outcome
    terms (``outcome_weight``); its name only when it has neither (a name such as "Product page" or
    "Requirements Building" is no evidence: "page" and "building" say nothing about a page)."""
    described = [
        *((term, 1.0) for term in dimension.terms if term and term.strip()),
        *((term, outcome_weight) for term in dimension.outcome_terms if term and term.strip()),
    ]
    return described or [(dimension.name, 1.0)]


def _specificity(key: TermKey, background: Mapping[str, float], exponent: float) -> float:
    """How much a term tells that a page is about its dimension rather than about anything: a word
    that appears on a large share of real pages about none of the personas ("platform", "time",
    "service", "cloud") tells little; a word pair is specific unless both its words are common."""
    if isinstance(key, tuple):
        share = background.get(key[0], 0.0) * background.get(key[1], 0.0)
    else:
        share = background.get(key, 0.0)
    return (1.0 - share) ** exponent


@dataclass(frozen=True)
class _VocabularyArea:
    """One area of the trade's vocabulary, as the analyzer matches it."""

    name: str
    terms: Mapping[TermKey, float]  # term key -> weight, as a persona's own terms are weighted
    about_the_trade: bool  # its words say a page is about the client's market (not shared technology)


def _vocabulary_terms(entries: Iterable[str]) -> dict[TermKey, float]:
    """The term keys of an area's entries: a one-word entry is that word (weight 1), a phrase its adjacent
    word pairs (PHRASE_WEIGHT each), so "bank statements" counts where a page says it, not "bank" anywhere.
    An entry of several words that keeps fewer than two content words ("Tier 1") is no term."""
    terms: dict[TermKey, float] = {}
    for entry in entries:
        tokens = _content_tokens(entry)
        if len(tokens) == 1 and len(_words(entry)) == 1:
            terms[tokens[0]] = max(terms.get(tokens[0], 0.0), 1.0)
        for pair in zip(tokens, tokens[1:]):
            terms[pair] = PHRASE_WEIGHT
    return terms


@lru_cache(maxsize=4)
def _compile_vocabulary(
    areas: tuple[tuple[str, tuple[str, ...]], ...], shared: frozenset[str]
) -> tuple[_VocabularyArea, ...]:
    return tuple(_VocabularyArea(name, _vocabulary_terms(entries), name not in shared) for name, entries in areas)


def _vocabulary_areas(vocabulary: DomainVocabulary) -> tuple[_VocabularyArea, ...]:
    return _compile_vocabulary(
        tuple((area, tuple(entries)) for area, entries in vocabulary.areas.items()), vocabulary.shared_with_other_trades
    )


def _linked_areas(
    dimensions: tuple[AnalysisDimension, ...], own_terms: Sequence[Mapping[TermKey, float]],
    areas: tuple[_VocabularyArea, ...], weights: FittedWeights,
) -> list[tuple[_VocabularyArea, tuple[int, ...]]]:
    """Each area of the trade's vocabulary with the personas (by dimension index) it belongs to: those
    whose own terms share most of it, if that reaches the link minimum (see DOMAIN_LINK_MIN)."""
    least = weights.persona.get("domain_link_min", DOMAIN_LINK_MIN)
    personas = [index for index, dimension in enumerate(dimensions) if dimension.kind == "persona"]
    linked = []
    for area in areas:
        shared = {
            index: sum(weight for key, weight in own_terms[index].items() if key in area.terms)
            for index in personas
        }
        most = max(shared.values(), default=0.0)
        if most >= least:
            linked.append((area, tuple(index for index in personas if shared[index] == most)))
    return linked


def _own_terms(dimension: AnalysisDimension, outcome_weight: float) -> dict[TermKey, float]:
    """A dimension's term keys with their weights, from the phrases that describe it: each word 1 (an
    outcome term's ``outcome_weight``), each adjacent word pair PHRASE_WEIGHT times that."""
    found: dict[TermKey, float] = {}
    for description, weight in _weighted_descriptions(dimension, outcome_weight):
        tokens = _content_tokens(description)
        # A word a persona's keywords and its goals both use counts as a keyword: the higher weight.
        for token in tokens:
            found[token] = max(found.get(token, 0.0), weight)
        for pair in zip(tokens, tokens[1:]):
            found[pair] = max(found.get(pair, 0.0), PHRASE_WEIGHT * weight)
    return found


def _compile_dimensions(
    dimensions: tuple[AnalysisDimension, ...], weights: FittedWeights, areas: tuple[_VocabularyArea, ...] = ()
) -> _CompiledDimensions:
    term_weights: list[dict[TermKey, float]] = []
    forms: list[str | None] = []
    stages: list[str | None] = []
    outcome_weight = weights.persona.get("outcome_term_weight", OUTCOME_TERM_WEIGHT)
    for dimension in dimensions:
        term_weights.append(_own_terms(dimension, outcome_weight))
        forms.append(_named_archetype(dimension, FORM_NAME_HINTS) if dimension.kind == "page_type" else None)
        stages.append(_named_archetype(dimension, STAGE_NAME_HINTS) if dimension.kind == "jtbd_phase" else None)
    # The trade's vocabulary, read for the personas whose remit it names (see DOMAIN_TERM_WEIGHT).
    domain_weight = weights.persona.get("domain_term_weight", DOMAIN_TERM_WEIGHT)
    domain_words: set[str] = set()
    for area, linked in _linked_areas(dimensions, term_weights, areas, weights):
        if area.about_the_trade:
            domain_words.update(key for key in area.terms if isinstance(key, str))
        for index in linked:
            found = term_weights[index]
            for key, weight in area.terms.items():
                found[key] = max(found.get(key, 0.0), domain_weight * weight)
    dimensions_by_term: dict[TermKey, list[int]] = {}
    for index, found in enumerate(term_weights):
        for key in found:
            dimensions_by_term.setdefault(key, []).append(index)
    background = weights.background_share
    exponent = weights.persona.get("specificity_exponent", 0.0)
    # A term shared by several dimensions of one kind tells them apart less: its weight is shared.
    competition_weights = [dict(found) for found in term_weights]
    for key, indexes in dimensions_by_term.items():
        sharing = Counter(dimensions[index].kind for index in indexes)
        specific = _specificity(key, background, exponent)
        for index in indexes:
            competition_weights[index][key] /= sharing[dimensions[index].kind]
            term_weights[index][key] *= specific / sharing[dimensions[index].kind]
    return _CompiledDimensions(
        dimensions=dimensions,
        term_weights=tuple(term_weights),
        competition_weights=tuple(competition_weights),
        dimensions_by_term={key: tuple(indexes) for key, indexes in dimensions_by_term.items()},
        forms=tuple(forms),
        stages=tuple(stages),
        market_terms=_market_terms(dimensions, weights, domain_words),
        scored_by_terms=tuple(form is None and stage is None for form, stage in zip(forms, stages, strict=True)),
    )


def _market_terms(
    dimensions: tuple[AnalysisDimension, ...], weights: FittedWeights, domain_words: Iterable[str] = ()
) -> frozenset[str]:
    """The stems that recur across the personas' descriptions, or that the trade's vocabulary names in the
    areas of their remits (``domain_words``), and are rare on off-topic real pages."""
    texts = [
        description for dimension in dimensions if dimension.kind == "persona"
        for description, _ in _weighted_descriptions(dimension, 1.0)
    ]
    document_frequency = Counter(stem for text in texts for stem in set(_content_tokens(text)))
    settings = weights.persona
    least = max(
        settings.get("market_term_min_texts", MARKET_TERM_MIN_TEXTS),
        math.ceil(settings.get("market_term_share", MARKET_TERM_SHARE) * len(texts)),
    )
    most_background = settings.get("market_term_max_background", MARKET_TERM_MAX_BACKGROUND)
    candidates = [*(stem for stem, count in document_frequency.items() if count >= least), *domain_words]
    return frozenset(stem for stem in candidates if weights.background_share.get(stem, 0.0) <= most_background)


@dataclass(frozen=True)
class _CompiledBrand:
    name: str
    spellings: tuple[str, ...]  # lowercase, for a cheap "could it be here at all" substring test
    pattern: re.Pattern[str]


@lru_cache(maxsize=32)
def _compile_brands(brands: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[_CompiledBrand, ...]:
    """One case-insensitive whole-word pattern per brand, matching its name or any alias.

    Longer spellings come first so "Acme Bank" is one mention, not also a mention of "Acme".
    """
    compiled = []
    for brand, aliases in brands:
        spellings = sorted(
            {alias.strip() for alias in (brand, *aliases) if alias and alias.strip()},
            key=lambda alias: (-len(alias), alias),
        )
        if not spellings:
            continue
        alternatives = "|".join(re.escape(spelling) for spelling in spellings)
        compiled.append(
            _CompiledBrand(
                name=brand,
                spellings=tuple(spelling.lower() for spelling in spellings),
                pattern=re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE),
            )
        )
    return tuple(compiled)


def _brand_key(brands: Mapping[str, Sequence[str]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((brand, tuple(aliases)) for brand, aliases in brands.items())


# --- per-document analysis ----------------------------------------------------------------------------


def _saturating(value: float, scale: float) -> float:
    return 1.0 - math.exp(-value / scale)


def _evidence(sentence: str) -> str:
    """A sentence as a score's evidence: one line of at most MAX_EVIDENCE_CHARS; a table row (extraction
    writes tables as "| cell | cell |") as its cells, "Refund rate — The number of refunds …"."""
    sentence = _WHITESPACE.sub(" ", sentence).strip()
    if sentence.startswith("|"):
        sentence = " — ".join(cell.strip() for cell in sentence.strip("|").split("|") if cell.strip())
    if len(sentence) <= MAX_EVIDENCE_CHARS:
        return sentence
    return sentence[: MAX_EVIDENCE_CHARS - 1].rstrip() + "\u2026"


def _sentiment(positive: int, negative: int) -> tuple[Sentiment, float]:
    score = round((positive - negative) / (positive + negative + SENTIMENT_SMOOTHING), 4)
    if score >= SENTIMENT_THRESHOLD:
        return "positive", score
    if score <= -SENTIMENT_THRESHOLD:
        return "negative", score
    return "neutral", score


def _display_forms(stems: set[str], surface_counts: Mapping[str, int]) -> dict[str, str]:
    """For each stem, the spelling used most in the text ("loans" rather than "loan"); alphabetical on ties."""
    best: dict[str, tuple[int, str]] = {}
    for word, count in surface_counts.items():
        stem = _token(word).stem
        if stem in stems:
            current = best.get(stem)
            if current is None or (-count, word) < (-current[0], current[1]):
                best[stem] = (count, word)
    return {stem: best[stem][1] if stem in best else stem for stem in stems}


def _key_topics(
    word_counts: Mapping[str, int], pair_counts: Mapping[tuple[str, str], int], surface_counts: Mapping[str, int]
) -> tuple[str, ...]:
    """The five most frequent content words or recurring word pairs, alphabetical among equals.

    A word already covered by a chosen pair, and a pair that continues or leads into a chosen one (a piece
    of a longer phrase: "open source program office" is "open source" and "program office", not also
    "source program"), are held back so the five topics say five things; held-back candidates fill up the
    list when there are not enough others. Pairs that only share a word ("bank statements", "bank
    account") are topics of their own.
    """
    # (-weight, label, stems): sorting the tuples puts the heaviest first and breaks ties alphabetically.
    candidates: list[tuple[float, str, tuple[str, ...]]] = [
        (-count * BIGRAM_TOPIC_WEIGHT, " ".join(pair), pair)
        for pair, count in pair_counts.items()
        if count >= BIGRAM_TOPIC_MIN_COUNT
    ]
    candidates += [(-float(count), word, (word,)) for word, count in word_counts.items()]
    candidates.sort()

    chosen: list[tuple[str, ...]] = []
    held_back: list[tuple[str, ...]] = []
    covered_words: set[str] = set()
    phrase_starts: set[str] = set()  # first and last words of the chosen pairs
    phrase_ends: set[str] = set()
    for _, _, stems in candidates:
        if len(chosen) == KEY_TOPIC_COUNT:
            break
        if len(stems) == 1:
            repeats_a_phrase = stems[0] in covered_words
        else:
            repeats_a_phrase = stems[0] in phrase_ends or stems[1] in phrase_starts
        if repeats_a_phrase:
            held_back.append(stems)
            continue
        chosen.append(stems)
        if len(stems) > 1:
            covered_words.update(stems)
            phrase_starts.add(stems[0])
            phrase_ends.add(stems[1])
    chosen += held_back[: KEY_TOPIC_COUNT - len(chosen)]
    display = _display_forms({stem for stems in chosen for stem in stems}, surface_counts)
    return tuple(" ".join(display[stem] for stem in stems) for stems in chosen)


def _mentions(text: str, title: str | None, brands: tuple[_CompiledBrand, ...]) -> tuple[tuple[str, int], ...]:
    """(brand, count) for brands named in the title or text, most mentioned first."""
    searchable = f"{title}\n{text}" if title else text
    lowered = searchable.lower()
    counts = []
    for brand in brands:
        # The substring test is a cheap filter: most brands are absent from most pages.
        if any(spelling in lowered for spelling in brand.spellings):
            count = len(brand.pattern.findall(searchable))
            if count:
                counts.append((brand.name, count))
    return tuple(sorted(counts, key=lambda item: (-item[1], item[0])))


def _market_reading(
    content_stems: Sequence[str], breaks: int, market_terms: frozenset[str], weights: FittedWeights
) -> float:
    """The factor (MARKET_FLOOR to 1) by which a page's persona scores are scaled: how much the page
    talks about the client's market (1 when the project's personas name no market terms)."""
    if not market_terms:
        return 1.0
    settings = weights.persona
    floor = settings.get("market_floor", MARKET_FLOOR)
    scale = settings.get("market_scale", MARKET_SCALE)
    hits = sum(1 for stem in content_stems if stem in market_terms)
    evidence = hits / math.sqrt(max(len(content_stems) - breaks, 100) / 100.0)
    return floor + (1.0 - floor) * _saturating(evidence, scale)


def _terms_in(stems: Sequence[str], dimensions_by_term: Mapping[TermKey, tuple[int, ...]]) -> dict[TermKey, None]:
    """The dimension terms in a short run of content stems: its words, then its adjacent word pairs (each
    once, ordered)."""
    keys: list[TermKey] = [*stems, *zip(stems, stems[1:])]
    return dict.fromkeys(key for key in keys if key in dimensions_by_term)


def _is_heading(sentence: str) -> bool:
    """A section heading: a short line that does not end like a sentence and is not a bullet point."""
    stripped = sentence.strip()
    return (
        bool(stripped)
        and stripped[-1] not in ".!?:;,\u201d\""
        and len(stripped.split()) <= MAX_HEADING_WORDS
        and not page_signals.BULLET_LINE.match(stripped)
        and stripped[0].isupper()
    )


def _model_judgements(
    text: str, title: str | None, content_type: str | None, metadata: PageMetadata | None,
    compiled: _CompiledDimensions, weights: FittedWeights,
) -> tuple[dict[str, float], dict[str, float], dict[str, str], dict[str, str]]:
    """The fitted models' probabilities of each page form and buying stage, and the signals behind each
    (empty when the project names no form or stage the models know)."""
    if not any(compiled.forms) and not any(compiled.stages):
        return {}, {}, {}, {}
    values = page_signals.page_features(text, title, content_type, metadata)
    form_p = weights.form.probabilities(values)
    stage_values = page_signals.stage_inputs(form_p, values)
    stage_p = weights.stage.probabilities(stage_values)
    form_reasons = {f: page_signals.top_feature_reason(weights.form.contributions(values, f)) for f in form_p}
    stage_reasons = {
        stage: page_signals.top_feature_reason(weights.stage.contributions(stage_values, stage)) for stage in stage_p
    }
    return form_p, stage_p, form_reasons, stage_reasons


class _ReadPage(NamedTuple):
    """A page's text and title read once into words, for every step of its analysis."""

    sentences: list[str]
    heading_sentences: set[int]  # indexes of the sentences that are section headings
    # All sentences, then the title, as one word list with a break marker after each sentence, so that
    # every step is a single pass over the page (this runs for every word of every page). The title is
    # read like one more sentence (index ``title_sentence``) for topics and sentiment; its term hits earn
    # a title bonus instead of counting as occurrences or evidence.
    words: list[str]
    tokens: list[_Token]
    title_sentence: int
    word_total: int  # words of the text and title, without the break markers
    # The same words without the addresses of links written out ("https", "github", "com"), which are no
    # topics; ``words`` itself when the page writes none out.
    topic_words: list[str]


def _about_the_page(sentences: Iterable[str]) -> list[str]:
    """The sentences without the sections that introduce other pages (see _POINTER_HEADING): each runs from
    its heading to the next heading."""
    kept: list[str] = []
    pointing_elsewhere = False
    for sentence in sentences:
        if _is_heading(sentence):
            pointing_elsewhere = bool(_POINTER_HEADING.fullmatch(sentence.strip()))
        if not pointing_elsewhere:
            kept.append(sentence)
    return kept


def _read_page(text: str, title: str | None) -> _ReadPage:
    sentences = _about_the_page(
        sentence for sentence in _SENTENCE_BREAK.split(text) if sentence and not sentence.isspace()
    )
    words: list[str] = []
    topic_words: list[str] = []
    writes_links = False
    for sentence in (*sentences, title or ""):
        sentence_words = _words(sentence)
        words += sentence_words
        if _URL_IN_TEXT.search(sentence):
            writes_links = True
            topic_words += _words(_URL_IN_TEXT.sub(" ", sentence))
        else:
            topic_words += sentence_words
        words.append(_SENTENCE_BREAK_WORD)
        topic_words.append(_SENTENCE_BREAK_WORD)
    del words[-1], topic_words[-1]  # the title is not followed by a break
    return _ReadPage(
        sentences=sentences,
        heading_sentences={index for index, sentence in enumerate(sentences) if _is_heading(sentence)},
        words=words,
        tokens=list(map(_token, words)),
        title_sentence=len(sentences),
        word_total=len(words) - len(sentences),
        topic_words=topic_words if writes_links else words,
    )


def _polarity_counts(page: _ReadPage) -> tuple[int, int]:
    """Positive and negative words, a negated one ("not good", "not very good") counting for the other
    side — but never across a sentence break."""
    words, tokens = page.words, page.tokens
    positive = negative = 0
    for position in [position for position, token in enumerate(tokens) if token.polarity]:
        previous_word = words[position - 1] if position >= 1 else _SENTENCE_BREAK_WORD
        negated = previous_word in _NEGATORS or (
            previous_word != _SENTENCE_BREAK_WORD and position >= 2 and words[position - 2] in _NEGATORS
        )
        if (tokens[position].polarity > 0) != negated:
            positive += 1
        else:
            negative += 1
    return positive, negative


def _page_topics(page: _ReadPage) -> tuple[str, ...]:
    """The page's key topics: content words, and pairs of them standing directly next to each other. The
    addresses of links are not topics ("https", "github com"), though they count as terms ("iso20022.org"
    or "/lending/" says what a page links to)."""
    words = page.topic_words
    tokens = page.tokens if words is page.words else list(map(_token, words))
    topic_stems = [token.stem if token.is_topic else None for token in tokens]
    word_counts = Counter(stem for stem in topic_stems if stem is not None)
    pair_counts = Counter(
        pair for pair in zip(topic_stems, topic_stems[1:]) if pair[0] and pair[1] and pair[0] != pair[1]
    )
    surface_counts = Counter(word for word, token in zip(words, tokens) if token.is_topic)
    return _key_topics(word_counts, pair_counts, surface_counts)


class _TermEvidence(NamedTuple):
    """What a page's words say for each dimension through its terms."""

    raw_scores: list[float]  # per dimension: the weighted term evidence, before length and competition
    competition_scores: list[float]  # per dimension: the same by the competition weights (personas' rivalry)
    matched_terms: list[int]  # per dimension: how many of its terms the page, its title or its URL has
    sentence_hits: list[dict[int, float]]  # per dimension: sentence index -> weighted term hits
    content_stems: list[str]  # the content stems of the text and title, "" at each sentence break
    breaks: int  # how many sentence breaks ``content_stems`` holds


def _term_evidence(
    page: _ReadPage, url_stems: Sequence[str], compiled: _CompiledDimensions, weights: FittedWeights
) -> _TermEvidence:
    dimensions_by_term = compiled.dimensions_by_term
    term_weights = compiled.term_weights
    dimension_count = len(compiled.dimensions)
    term_counts: dict[TermKey, int] = {}  # body occurrences of each matched term, in first-seen order
    title_keys: dict[TermKey, None] = {}  # matched terms in the title, ordered for reproducible sums
    heading_keys: dict[TermKey, None] = {}  # matched terms in section headings
    sentence_hits: list[dict[int, float]] = [{} for _ in range(dimension_count)]

    # Words, and word pairs with only stop words between them ("head of lending"). The break marker stays
    # in the content list (as "") so no pair spans two sentences.
    content_stems = [
        token.stem for token in page.tokens if token.is_content or token.stem == _SENTENCE_BREAK_WORD
    ]
    break_positions = [position for position, stem in enumerate(content_stems) if stem == _SENTENCE_BREAK_WORD]
    matched: list[tuple[int, TermKey]] = [
        (position, stem) for position, stem in enumerate(content_stems) if stem in dimensions_by_term
    ]
    matched += [
        (position, pair)
        for position, pair in enumerate(zip(content_stems, content_stems[1:]), start=1)
        if pair in dimensions_by_term
    ]
    matched.sort(key=lambda hit: hit[0])  # first-seen order, words before pairs ending at the same word
    for position, key in matched:
        sentence_index = bisect.bisect_right(break_positions, position)
        if sentence_index == page.title_sentence:
            title_keys[key] = None
            continue
        if sentence_index in page.heading_sentences:
            heading_keys[key] = None
        term_counts[key] = term_counts.get(key, 0) + 1
        for dimension_index in dimensions_by_term[key]:
            hits = sentence_hits[dimension_index]
            hits[sentence_index] = hits.get(sentence_index, 0.0) + term_weights[dimension_index][key]

    # Where the site files the page says what it is about, as its title does ("/lending/features/…"): the
    # path's terms earn a bonus like title hits.
    url_keys = _terms_in(url_stems, dimensions_by_term)
    url_path_weight = weights.persona.get("url_path_weight", URL_PATH_HIT_WEIGHT)

    # Sum each dimension's evidence by visiting every matched term once (in first-seen order, so float
    # sums are reproducible) and handing it to the dimensions that contain it.
    raw_scores = [0.0] * dimension_count
    competition_scores = [0.0] * dimension_count
    matched_terms = [0] * dimension_count
    for key in dict.fromkeys((*term_counts, *title_keys, *url_keys)):
        count = term_counts.get(key, 0)
        on_page = (
            (1.0 + math.log(count) if count else 0.0)
            + (TITLE_HIT_WEIGHT if key in title_keys else 0.0)
            + (HEADING_HIT_WEIGHT if key in heading_keys else 0.0)
        )
        in_url = url_path_weight if key in url_keys else 0.0
        for dimension_index in dimensions_by_term[key]:
            # The URL's filing is read for what a page is about (personas, custom dimensions); its form
            # and buying stage already read the URL's site section.
            strength = on_page + (in_url if compiled.scored_by_terms[dimension_index] else 0.0)
            if not strength:
                continue
            raw_scores[dimension_index] += term_weights[dimension_index][key] * strength
            competition_scores[dimension_index] += compiled.competition_weights[dimension_index][key] * strength
            matched_terms[dimension_index] += 1
    return _TermEvidence(raw_scores, competition_scores, matched_terms, sentence_hits, content_stems,
                         len(break_positions))


def _modelled_probabilities(
    compiled: _CompiledDimensions, form_p: Mapping[str, float], stage_p: Mapping[str, float],
    raw_scores: Sequence[float], density: float, word_total: int,
) -> dict[int, float]:
    """Per recognised page type and JTBD phase (by dimension index): the fitted model's probability of its
    form or stage, moved by the project's own signals for each (the project knows how its market's pages
    talk; its signals are weighted by how specific they are on real pages, like every term). Nothing to
    read, no judgement."""
    modelled: dict[int, float] = {}
    for archetypes, probabilities in ((compiled.forms, form_p), (compiled.stages, stage_p)):
        if not probabilities or word_total == 0:
            modelled.update({i: 0.0 for i, archetype in enumerate(archetypes) if archetype is not None})
            continue
        signal: dict[str, float] = {}
        for i, archetype in enumerate(archetypes):
            if archetype is not None:
                signal[archetype] = max(signal.get(archetype, 0.0), raw_scores[i] * density)
        logits = {
            archetype: math.log(max(p, 1e-12)) + PROJECT_SIGNAL_WEIGHT * signal.get(archetype, 0.0)
            for archetype, p in probabilities.items()
        }
        top = max(logits.values())
        total = sum(math.exp(logit - top) for logit in logits.values())
        modelled.update({
            i: math.exp(logits[archetype] - top) / total
            for i, archetype in enumerate(archetypes) if archetype is not None
        })
    return modelled


def _analyze_one(
    text: str,
    title: str | None,
    content_type: str | None,
    compiled: _CompiledDimensions,
    brands: tuple[_CompiledBrand, ...],
    weights: FittedWeights,
    metadata: PageMetadata | None = None,
) -> ContentAnalysis:
    page = _read_page(text, title)
    # The URL path's words count for the dimensions' terms and the market reading (not for topics, length
    # or sentiment).
    url_stems = _content_tokens(page_signals.url_path_text(metadata.url)) if metadata else []
    evidence = _term_evidence(page, url_stems, compiled, weights)

    # Density: long texts repeat incidental words; what matters is how much of the text is about it.
    density = 1.0 / math.sqrt(max(page.word_total, DENSITY_WORDS) / DENSITY_WORDS)
    market_factor = _market_reading(
        [*evidence.content_stems, *url_stems], evidence.breaks, compiled.market_terms, weights
    )
    form_p, stage_p, form_reasons, stage_reasons = _model_judgements(
        text, title, content_type, metadata, compiled, weights
    )
    modelled = _modelled_probabilities(compiled, form_p, stage_p, evidence.raw_scores, density, page.word_total)
    score_scale = weights.persona.get("score_scale", SCORE_SCALE)
    length_factor = _saturating(page.word_total, CONFIDENCE_WORDS_SCALE)
    # Personas compete for the page: a page that clearly speaks to one persona is less about another
    # whose vocabulary it only brushes against (its evidence is discounted by its share of the leader's,
    # both read without the off-topic specificity: see PERSONA_COMPETITION).
    leading_persona = max(
        (raw for raw, d in zip(evidence.competition_scores, compiled.dimensions, strict=True) if d.kind == "persona"),
        default=0.0,
    )
    competition = weights.persona.get("competition_exponent", PERSONA_COMPETITION)
    evidence_by_sentence: dict[int, str] = {}  # dimensions often share their best sentence
    scores = []
    for dimension_index, dimension in enumerate(compiled.dimensions):
        matched_terms = evidence.matched_terms[dimension_index]
        form, stage = compiled.forms[dimension_index], compiled.stages[dimension_index]
        model_reason = ""
        if form is not None or stage is not None:
            # A recognised page form or buying stage: the fitted model's probability, on 0–10.
            score = 10.0 * modelled[dimension_index]
            model_reason = form_reasons[form] if form is not None else stage_reasons[stage]
        else:
            strength = evidence.raw_scores[dimension_index] * density
            if dimension.kind == "persona" and leading_persona > 0:
                strength *= (evidence.competition_scores[dimension_index] / leading_persona) ** competition
            score = 10.0 * _saturating(strength / score_scale, 1.0)
            if dimension.kind == "persona":
                score *= market_factor
        confidence = 10.0 * length_factor * (
            CONFIDENCE_FLOOR_SHARE
            + (1.0 - CONFIDENCE_FLOOR_SHARE) * _saturating(matched_terms, CONFIDENCE_MATCHES_SCALE)
        )
        score = round(score, 3)
        hits = evidence.sentence_hits[dimension_index]
        if not score:  # nothing on the page shows a score of 0 (a persona another one outweighs, say)
            shown = ""
        elif model_reason:
            shown = model_reason
        elif hits:
            best_sentence = min(hits.items(), key=lambda item: (-item[1], item[0]))[0]
            shown = evidence_by_sentence.get(best_sentence)
            if shown is None:
                shown = evidence_by_sentence[best_sentence] = _evidence(page.sentences[best_sentence])
        elif matched_terms and title:
            shown = _evidence(title)
        else:
            shown = ""
        scores.append(
            DimensionScore(
                kind=dimension.kind,
                name=dimension.name,
                score=score,
                confidence=round(confidence, 3),
                evidence=shown,
            )
        )

    sentiment, sentiment_score = _sentiment(*_polarity_counts(page))
    persona_scores = [score.score for score in scores if score.kind == "persona"]
    persona_relevance = round(sum(persona_scores) / len(persona_scores) / 10.0, 6) if persona_scores else 0.0

    return ContentAnalysis(
        scores=tuple(scores),
        sentiment=sentiment,
        sentiment_score=sentiment_score,
        key_topics=_page_topics(page),
        mentions=_mentions(text, title, brands),
        persona_relevance=persona_relevance,
    )


class ContentAnalyzer(Protocol):
    """What content analysis needs of an analyzer (this module's local one, or an LLM's adapter)."""

    version: str  # part of the analysis cache key: a new version makes cached analyses stale

    def analyze(
        self,
        text: str,
        title: str | None,
        dimensions: Sequence[AnalysisDimension],
        brands: Mapping[str, Sequence[str]],
        content_type: ContentType | None = None,
        *,
        metadata: PageMetadata | None = None,
    ) -> ContentAnalysis: ...


class LocalContentAnalyzer:
    """Scores content against dimensions — local, deterministic, free.

    Same input, same output: there is no randomness, no network and no dependence on other pages. Page
    types and JTBD phases it recognises by name are scored by small models fitted on real pages
    (``weights``: the ones shipped with :data:`ANALYZER_VERSION` unless given, e.g. by a
    cross-validation); personas and anything else by the terms the project gives them, each weighted by
    how specific it is on real pages, and personas also by the trade's names for their remits
    (``vocabulary``: the shipped financial-services one unless given; ``DomainVocabulary({})`` for none).
    The dimensions and brands are compiled once and reused.
    """

    def __init__(self, weights: FittedWeights | None = None, vocabulary: DomainVocabulary | None = None) -> None:
        self.weights = weights or page_signals.load_weights(ANALYZER_VERSION)
        vocabulary = vocabulary or page_signals.load_domain_vocabulary()
        self._areas = _vocabulary_areas(vocabulary)
        # The version names the weights and the vocabulary too: either changed makes earlier analyses stale.
        self.version = (
            f"{ANALYZER_VERSION}.{page_signals.weights_fingerprint_of(self.weights)}.{vocabulary.fingerprint()}"
        )
        self._compiled: dict[tuple[AnalysisDimension, ...], _CompiledDimensions] = {}

    def _compile(self, dimensions: tuple[AnalysisDimension, ...]) -> _CompiledDimensions:
        compiled = self._compiled.get(dimensions)
        if compiled is None:
            if len(self._compiled) >= 32:
                self._compiled.clear()
            compiled = self._compiled[dimensions] = _compile_dimensions(dimensions, self.weights, self._areas)
        return compiled

    def analyze(
        self,
        text: str,
        title: str | None,
        dimensions: Sequence[AnalysisDimension],
        brands: Mapping[str, Sequence[str]],
        content_type: ContentType | None = None,
        *,
        metadata: PageMetadata | None = None,
    ) -> ContentAnalysis:
        """Analyse one page: ``text`` is its main text, ``title`` its title (or a video's title with the
        description as text); ``brands`` maps each brand to the names and domains it is mentioned by;
        ``content_type`` says whether it is an HTML page, a PDF or a video (``None``: unknown);
        ``metadata`` is what the page declares about itself (URL, og:type, JSON-LD types, date, author)."""
        if content_type is not None and content_type not in CONTENT_TYPES:
            raise ValueError(f"content_type must be one of {CONTENT_TYPES} or None, got {content_type!r}")
        return _analyze_one(
            text or "",
            title,
            content_type,
            self._compile(tuple(dimensions)),
            _compile_brands(_brand_key(brands)),
            self.weights,
            metadata,
        )

    def analyze_many(
        self,
        items: Iterable[tuple[str, str | None] | tuple[str, str | None, ContentType | None]],
        dimensions: Sequence[AnalysisDimension],
        brands: Mapping[str, Sequence[str]],
    ) -> list[ContentAnalysis]:
        """:meth:`analyze` for many ``(text, title)`` or ``(text, title, content_type)`` items with the
        same dimensions and brands."""
        return [self.analyze(*item[:2], dimensions, brands, *item[2:]) for item in items]
