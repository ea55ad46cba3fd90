"""A deterministic generator of realistic, generic banking-software search phrases.

It is the sample market's scale knob: ``load_project(keyword_count=N)`` replaces the project's keyword
list with ``generate_keywords(N, categories=...)``, so benchmarks and tests can run the pipeline on 10 or
20,000 keywords without anyone writing a CSV.

Phrases are ``modifier + topic + qualifier`` (e.g. "cloud loan origination software for credit unions",
"real-time payments platform vendors"). Every phrase is ranked by a SHA-256 of ``seed`` and the phrase, so
the order never depends on Python's ``hash()`` randomisation or on the interpreter version: the same
``(count, categories, seed)`` always yields the same keywords, and a smaller count yields a prefix of a
larger one.

Categories are filled round-robin (keyword ``i`` belongs to ``categories[i % len(categories)]``) and JTBD
stages cycle through the five phases. A category whose name looks like payments, lending or core banking
draws its phrases from that family's topics first; any other category (or a family that runs dry) draws
from the whole vocabulary. Volumes are left empty (``None``): they come from the market provider.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from functools import lru_cache

from cylvy_pipeline.project.model import JTBD_PHASE_NAMES, Keyword

MODIFIERS: tuple[str, ...] = (
    "",
    "cloud",
    "cloud-native",
    "SaaS",
    "AI-powered",
    "real-time",
    "API-first",
    "best",
    "top",
    "enterprise",
    "modern",
    "automated",
    "white-label",
    "low-code",
    "end-to-end",
    "scalable",
    "secure",
    "composable",
    "next-generation",
    "mobile-first",
    "open source",
    "hosted",
)

#: Topics by family. A topic never repeats a modifier word, so phrases read naturally.
TOPICS: dict[str, tuple[str, ...]] = {
    "payments": (
        "payments platform",
        "payment hub",
        "instant payments software",
        "payment gateway",
        "ISO 20022 migration software",
        "cross-border payments solution",
        "payments orchestration platform",
        "ACH processing software",
        "SEPA payments software",
        "card issuing platform",
        "merchant acquiring software",
        "payment fraud detection software",
        "treasury payments software",
        "faster payments solution",
        "payment reconciliation software",
        "wire transfer software",
        "payment operations software",
    ),
    "lending": (
        "loan origination software",
        "loan origination system",
        "loan management system",
        "commercial lending platform",
        "consumer lending software",
        "mortgage origination software",
        "credit decisioning software",
        "loan servicing software",
        "SME lending platform",
        "credit risk scoring software",
        "collections management software",
        "digital lending platform",
        "auto loan software",
        "buy now pay later platform",
        "syndicated loan software",
        "underwriting automation software",
    ),
    "core": (
        "core banking software",
        "core banking system",
        "core banking platform",
        "deposit management software",
        "digital banking platform",
        "banking-as-a-service platform",
        "online banking software",
        "account opening software",
        "banking CRM software",
        "general ledger software",
        "banking compliance software",
        "KYC software",
        "AML transaction monitoring software",
        "open banking API platform",
        "mobile banking app platform",
        "core banking modernization",
        "banking data platform",
    ),
}

QUALIFIERS: tuple[str, ...] = (
    "",
    "for banks",
    "for credit unions",
    "for community banks",
    "for regional banks",
    "for digital banks",
    "for neobanks",
    "for challenger banks",
    "for building societies",
    "for fintechs",
    "for small banks",
    "for mid-size banks",
    "vendors",
    "providers",
    "comparison",
    "pricing",
    "reviews",
    "demo",
    "RFP template",
    "implementation",
    "migration",
    "case study",
    "features",
    "requirements checklist",
    "alternatives",
    "ROI",
    "market leaders",
    "buyer's guide",
    "best practices",
    "integration",
    "security",
    "total cost of ownership",
)

#: Words in a category name that select a topic family (checked in this order).
_FAMILY_HINTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("payments", ("pay", "card", "transfer", "remit", "treasury")),
    ("lending", ("lend", "loan", "credit", "mortgage", "underwrit")),
    ("core", ("core", "universal", "bank", "deposit", "account")),
)


def _phrase(modifier: str, topic: str, qualifier: str) -> str:
    return " ".join(part for part in (modifier, topic, qualifier) if part)


@lru_cache(maxsize=8)
def _ranked_vocabulary(seed: int) -> tuple[tuple[str, str], ...]:
    """Every distinct (phrase, family), ordered by SHA-256 of seed + phrase."""
    seen: set[str] = set()
    entries: list[tuple[str, str, str]] = []
    for family, topics in TOPICS.items():
        for topic in topics:
            for modifier in MODIFIERS:
                for qualifier in QUALIFIERS:
                    phrase = _phrase(modifier, topic, qualifier)
                    key = phrase.casefold()
                    if key in seen:
                        continue
                    seen.add(key)
                    digest = hashlib.sha256(f"{seed}\x00{phrase}".encode()).hexdigest()
                    entries.append((digest, phrase, family))
    entries.sort()
    return tuple((phrase, family) for _, phrase, family in entries)


def vocabulary_capacity() -> int:
    """How many distinct keywords :func:`generate_keywords` can produce."""
    return len(_ranked_vocabulary(0))


def _family_of(category: str) -> str | None:
    name = category.casefold()
    for family, hints in _FAMILY_HINTS:
        if any(hint in name for hint in hints):
            return family
    return None


def generate_keywords(count: int, *, categories: Sequence[str], seed: int = 0) -> tuple[Keyword, ...]:
    """``count`` distinct generic banking-software keywords spread round-robin over ``categories``.

    Deterministic for a given ``(count, categories, seed)``; a smaller count is a prefix of a larger one.
    JTBD stages cycle through the five phases; volumes are ``None``. Raises ``ValueError`` if ``count`` is
    below 1 or above :func:`vocabulary_capacity`, or if ``categories`` is empty.
    """
    if isinstance(count, bool) or not isinstance(count, int):
        raise ValueError(f"count must be an integer, got {count!r}")
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")
    cats = [str(c) for c in categories]
    if not cats:
        raise ValueError("categories must name at least one category")
    ranked = _ranked_vocabulary(seed)
    if count > len(ranked):
        raise ValueError(
            f"count {count} exceeds the keyword vocabulary's capacity of {len(ranked)} distinct keywords"
        )

    used: set[str] = set()

    def pool(family: str | None) -> Iterator[str]:
        # A family's phrases first, then anything left in the whole vocabulary.
        if family is not None:
            for phrase, fam in ranked:
                if fam == family and phrase not in used:
                    yield phrase
        for phrase, _ in ranked:
            if phrase not in used:
                yield phrase

    pools: dict[str, Iterator[str]] = {}
    keywords: list[Keyword] = []
    for i in range(count):
        category = cats[i % len(cats)]
        if category not in pools:
            pools[category] = pool(_family_of(category))
        phrase = next(p for p in pools[category] if p not in used)
        used.add(phrase)
        keywords.append(
            Keyword(
                keyword=phrase,
                category=category,
                jtbd_stage=JTBD_PHASE_NAMES[i % len(JTBD_PHASE_NAMES)],
                avg_monthly_searches=None,
                is_brand=False,
            )
        )
    return tuple(keywords)
