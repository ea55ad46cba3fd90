"""A deterministic, seeded simulation of a banking-software search market.

:class:`SimulatedMarket` turns a :class:`~cylvy_pipeline.project.model.Project` into a small world that the
sample providers serve: ~70 fictional organisations on reserved ``.example`` domains (the project's client
and competitors plus vendors, trade press, professional bodies, universities, regulators, non-profits,
social/video platforms and consultancies), each with a homepage and a fixed set of pages whose text is
about the project's keywords and buyer personas; per-market keyword metrics; ranked organic, news and
video results; video-platform videos and channels; and company profiles.

Determinism: every random choice derives from BLAKE2b of ``seed`` plus names (never Python's ``hash()`` or
the global ``random`` state), so the same ``(project, seed)`` gives the same outputs in any process.
The world is built lazily on first use and cached; lookups are dict-based, so the market object should be
reused across calls (see :func:`get_market`).
"""

from __future__ import annotations

import base64
import hashlib
import html
import math
import random
import re
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from cylvy_pipeline.project.model import KNOWN_MARKETS, SERP_TYPES, Project
from cylvy_pipeline.providers.base import (
    CHANNEL_COLUMNS,
    KEYWORD_METRIC_COLUMNS,
    SERP_ITEM_COLUMNS,
    VIDEO_COLUMNS,
    CompanyProfile,
    FetchedPage,
)
from cylvy_pipeline.providers.sample import catalog, templates
from cylvy_pipeline.providers.sample.pdf import make_pdf

#: Name of the simulated company-data source (``CompanyProfile.source``).
PROFILE_SOURCE = "sample-company-data"

#: "Now" of the simulated world: publication dates are in the days before it (fixed, for determinism).
REFERENCE_TIME = datetime(2026, 10, 1, tzinfo=UTC)
_REF_S = int(REFERENCE_TIME.timestamp())
_YEAR = REFERENCE_TIME.year

#: Share of keyword × market pairs without metrics; of non-client/competitor domains unknown to the
#: company-data source.
MISSING_METRICS_RATE = 0.05
UNKNOWN_PROFILE_RATE = 0.10

_MARKET_VOLUME_SCALE = {"US": 1.0, "UK": 0.24, "DE": 0.19}
_MARKET_CURRENCY = {"US": 1.0, "UK": 0.79, "DE": 0.92, "CA": 1.36, "AU": 1.52, "JP": 150.0, "CH": 0.88}
#: How much a market favours organisations headquartered in each country ("*" = anywhere else).
_MARKET_HQ_AFFINITY = {
    "US": {"US": 0.25, "GB": -0.25, "DE": -0.5, "*": -0.2},
    "UK": {"US": -0.1, "GB": 0.6, "DE": -0.4, "*": -0.1},
    "DE": {"US": -0.15, "GB": -0.25, "DE": 0.75, "*": 0.0},
}
_VENDOR_KINDS = frozenset({"client", "competitor", "vendor"})
_CHANNEL_RATE = {
    "client": 1.0,
    "competitor": 1.0,
    "vendor": 0.5,
    "publisher": 0.6,
    "professional_body": 0.5,
    "education": 0.4,
    "government": 0.2,
    "non_profit": 0.3,
    "social_media": 0.0,
    "other": 0.3,
}
_STOP = frozenset({"for", "the", "a", "an", "and", "of", "to", "in", "with", "on", "vs", "or", "my", "is"})
_GENERIC_PERSONA_WORDS = frozenset({"bank", "banks", "banking", "head", "chief", "officer", "of"})
_TOKEN = re.compile(r"[a-z0-9]+")
_SMALL_WORDS = frozenset({"for", "and", "of", "a", "an", "to", "in", "on", "the", "or", "vs"})
_TRACKING_QUERIES = (
    "?utm_source=google&utm_medium=organic",
    "?utm_source=newsletter&utm_medium=email&utm_campaign=q3",
    "?utm_campaign=search&utm_content=serp",
)
_NAT = np.iinfo(np.int64).min
_STR = pd.StringDtype(na_value=np.nan)  # pandas' default "str" dtype
_STRING = pd.StringDtype()  # missing values are <NA>
_INT64 = pd.Int64Dtype()
_UTC = pd.DatetimeTZDtype("us", "UTC")
_HTML = "text/html; charset=utf-8"
_PDF = "application/pdf"


# --------------------------------------------------------------------------------------------------------
# deterministic randomness
# --------------------------------------------------------------------------------------------------------


def _digest(parts: Iterable[object], size: int = 16) -> bytes:
    return hashlib.blake2b("\x1f".join(map(str, parts)).encode("utf-8"), digest_size=size).digest()


def _h(*parts: object) -> int:
    """A stable 64-bit integer from ``parts`` (same in every process)."""
    return int.from_bytes(_digest(parts, 8), "big")


def _u(*parts: object) -> float:
    """A stable float in [0, 1) from ``parts``."""
    return _h(*parts) / 18446744073709551616.0


def _rng(*parts: object) -> random.Random:
    return random.Random(_h(*parts))


def _b64id(length: int, *parts: object) -> str:
    return base64.urlsafe_b64encode(_digest(parts, 24)).decode("ascii")[:length]


# --------------------------------------------------------------------------------------------------------
# text helpers
# --------------------------------------------------------------------------------------------------------


def keyword_key(keyword: str) -> str:
    """The case- and whitespace-insensitive identity of a keyword."""
    return " ".join(str(keyword).casefold().split())


def _tokens(text: str) -> list[str]:
    return [t for t in dict.fromkeys(_TOKEN.findall(text.casefold())) if t not in _STOP]


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "page"


def _title_case(text: str) -> str:
    words = text.split()
    out = []
    for i, word in enumerate(words):
        if word.islower() and not (i and word in _SMALL_WORDS):
            word = "-".join(part[:1].upper() + part[1:] for part in word.split("-"))
        out.append(word)
    return " ".join(out)


def _mid_sentence(text: str) -> str:
    """``text`` with its first letter lower-cased unless it looks like an acronym."""
    text = text.strip().rstrip(".")
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def _family_of(text: str | None) -> str | None:
    if not text:
        return None
    name = text.casefold()
    for family, hints in (
        ("payments", ("pay", "card", "transfer", "remit", "treasury", "ach", "sepa", "wire", "acquir")),
        ("lending", ("lend", "loan", "credit", "mortgage", "underwrit", "collections", "bnpl")),
        ("core", ("core", "universal", "bank", "deposit", "account", "ledger", "kyc", "aml")),
    ):
        if any(hint in name for hint in hints):
            return family
    return None


def canonical_market(code: str) -> str:
    """The product's market code for ``code``: upper-cased, GB mapped to UK; unknown codes raise ValueError."""
    market = str(code).strip().upper()
    if market == "GB":
        return "UK"
    if market not in KNOWN_MARKETS:
        raise ValueError(f"unknown market {code!r} — use one of {', '.join(KNOWN_MARKETS)} (GB means UK)")
    return market


def _round_volume(value: float) -> int:
    if value < 10:
        return 10
    magnitude = 10 ** (int(math.floor(math.log10(value))) - 1)
    return int(round(value / magnitude) * magnitude)


def _utc(seconds: Sequence[int | None]) -> pd.api.extensions.ExtensionArray:
    """Epoch seconds (None = missing) as a tz-aware UTC datetime array (NaT for None)."""
    values = np.fromiter(
        (_NAT if s is None else s * 1_000_000 for s in seconds), dtype=np.int64, count=len(seconds)
    )
    return pd.array(values.view("M8[us]"), dtype=_UTC)


# --------------------------------------------------------------------------------------------------------
# the world's records
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SimCompany:
    """Ground truth about one organisation of the simulated market."""

    index: int
    name: str
    domain: str  # primary registrable domain
    domains: tuple[str, ...]  # every registrable domain it owns
    kind: str  # client | competitor | vendor | publisher | professional_body | education | ...
    source_type: str  # true classification (one of base.SOURCE_TYPES)
    industry: str
    description: str
    employees: int
    revenue_usd: float | None
    hq_country: str  # ISO 3166-1 alpha-2 (GB for the United Kingdom)
    family: str | None
    known_to_data_provider: bool
    base_host: str  # "www.<domain>" or "<domain>"
    hosts: tuple[str, ...]  # every host its homepage and pages are served from
    homepage_url: str
    authority: float


@dataclass(frozen=True)
class SimPage:
    """One URL of the simulated web (homepages have ``section == "home"``)."""

    index: int
    company: int
    url: str  # as it appears in SERPs (may carry tracking parameters / a trailing slash)
    canonical_url: str
    host: str
    path: str  # without trailing slash ("" for the homepage)
    section: str
    topic: str  # the keyword the page is about ("" for homepages)
    category: str | None
    title: str
    description: str
    is_pdf: bool
    is_news: bool
    status: int  # 200, 404 or 500
    thin: bool  # served with < 100 characters of text
    published_at: int | None  # epoch seconds
    personas: tuple[int, ...]  # indices into project.personas: the audience the page is written for
    mentions: tuple[str, ...]  # client / competitor names mentioned in the text
    text_seed: int
    form: str | None = None  # what the page is written as (templates.FORMS); None for homepages, events
    stage: str | None = None  # the buying stage it is written for (templates.STAGES)


@dataclass(frozen=True)
class SimChannel:
    index: int
    channel_id: str
    title: str
    description: str
    custom_url: str | None
    links: tuple[str, ...]
    company: int | None  # None for independent creators
    hq_country: str
    authority: float


@dataclass(frozen=True)
class SimVideo:
    index: int
    video_id: str
    channel: int
    title: str
    description: str
    topic: str
    category: str | None
    published_at: int
    view_count: int
    like_count: int | None
    comment_count: int | None
    duration_seconds: int
    personas: tuple[int, ...] = ()  # indices into project.personas: the audience the video is made for

    @property
    def url(self) -> str:
        return f"https://{catalog.VIDEO_PLATFORM_DOMAIN}/watch?v={self.video_id}"


class _TopicIndex:
    """Inverted index over item topics: which items are topically close to a keyword."""

    def __init__(self, items: Sequence[tuple[int, str, str | None]], seed: int):
        n = len(items)
        self.n = n
        self.ids = np.array([item_id for item_id, _, _ in items], dtype=np.int64)
        codes: dict[str | None, int] = {}
        self.categories = np.array([codes.setdefault(c, len(codes)) for _, _, c in items], dtype=np.int64)
        self.category_codes = codes
        self.tiebreak = np.array([_h(seed, "tiebreak", i, t) for i, t, _ in items], dtype=np.uint64)
        exact: dict[str, list[int]] = defaultdict(list)
        postings: dict[str, list[int]] = defaultdict(list)
        for pos, (_, topic, _) in enumerate(items):
            exact[topic].append(pos)
            for token in _tokens(topic):
                postings[token].append(pos)
        self.exact = {k: np.array(v, dtype=np.int64) for k, v in exact.items()}
        self.postings = {t: np.array(p, dtype=np.int64) for t, p in postings.items()}
        self.idf = {t: math.log((n + 1) / (len(p) + 0.5)) for t, p in postings.items()}
        self.common = frozenset(t for t, p in postings.items() if len(p) > 0.4 * n)
        self._stride = next(s for s in (7919, 7907, 7901, 7883, 1) if math.gcd(s, max(n, 1)) == 1)

    def candidates(
        self, key: str, category: str | None, size: int, *, fill: bool, seed: int
    ) -> list[tuple[int, float]]:
        """Up to ``size`` (item id, similarity) pairs, most similar first; similarity 1.25 = same topic."""
        if self.n == 0:
            return []
        weights = {t: self.idf[t] for t in _tokens(key) if t in self.idf}
        total = sum(weights.values())
        scores = np.zeros(self.n)
        if total > 0:
            for token, weight in weights.items():
                if token not in self.common:
                    scores[self.postings[token]] += weight
            scores /= total
        exact = self.exact.get(key)
        if exact is not None:
            scores[exact] = 1.25
        code = self.category_codes.get(category) if category is not None else None
        if code is not None:
            scores[(self.categories == code) & (scores > 0)] += 0.1
        hits = np.flatnonzero(scores > 0)
        order = np.lexsort((self.tiebreak[hits], scores[hits]))[::-1][:size]
        top_pos = hits[order]
        top = list(zip(self.ids[top_pos].tolist(), scores[top_pos].tolist()))
        if fill and len(top) < size:
            taken = set(top_pos.tolist())
            start = _h(seed, "fill", key) % self.n
            for i in range(self.n):
                if len(top) >= size:
                    break
                pos = (start + i * self._stride) % self.n
                if pos not in taken:
                    taken.add(pos)
                    top.append((int(self.ids[pos]), 0.0))
        return top


class _World:
    """Everything built from the project: companies, pages, channels, videos and their indexes."""

    companies: list[SimCompany]
    host_company: dict[str, int]  # host or registrable domain -> company index
    pages: list[SimPage]  # page i has index i; homepages included
    page_by_key: dict[tuple[str, str], int]  # (host, path without trailing slash) -> page index
    page_owner: list[int]  # page index -> company index
    company_pages: list[list[int]]  # company index -> its (non-home) page indexes
    channels: list[SimChannel]
    channel_by_id: dict[str, SimChannel]
    videos: list[SimVideo]
    video_by_id: dict[str, SimVideo]
    video_owner: list[int]  # video index -> channel index
    organic_index: _TopicIndex
    news_index: _TopicIndex
    video_index: _TopicIndex


#: How the project may name each page form and buying stage (case-insensitive substrings of its page
#: type and JTBD phase names); the first of the project's names that matches is the page's label.
FORM_NAME_HINTS: dict[str, tuple[str, ...]] = {
    "product": ("product", "solution"),
    "article": ("blog", "article", "news", "post", "editorial"),
    "case_study": ("case stud", "customer stor", "success stor", "testimonial"),
    "whitepaper": ("whitepaper", "white paper", "report", "research", "ebook", "e-book"),
}
STAGE_NAME_HINTS: dict[str, tuple[str, ...]] = {
    "problem": ("problem", "awareness"),
    "exploration": ("explor",),
    "requirements": ("requirement",),
    "selection": ("selection", "supplier", "vendor"),
    "validation": ("validation", "proof"),
}


class PageLabels(NamedTuple):
    page_type: str | None
    jtbd_phase: str | None
    personas: tuple[str, ...]


def _project_term(names: Sequence[str], hints: Sequence[str]) -> str | None:
    return next((name for name in names if any(hint in name.casefold() for hint in hints)), None)


# --------------------------------------------------------------------------------------------------------
# the market
# --------------------------------------------------------------------------------------------------------


class SimulatedMarket:
    """The simulated market for ``project``; every output is a pure function of ``(project, seed)``."""

    def __init__(self, project: Project, seed: int = 7):
        self.project = project
        self.seed = int(seed)
        self._lock = threading.Lock()
        self._world: _World | None = None
        self._volumes: dict[str, float] = {}
        self._pools: dict[tuple[str, str, int], list[tuple[int, float]]] = {}
        self._boost: dict[tuple[str, str], list[float]] = {}
        self._tables: dict[str, pd.DataFrame] = {}
        self._categories: dict[str, str] = {keyword_key(k.keyword): k.category for k in project.keywords}

    # ---- public views of the world --------------------------------------------------------------------

    @property
    def companies(self) -> tuple[SimCompany, ...]:
        return tuple(self._w().companies)

    @property
    def client(self) -> SimCompany:
        return self._w().companies[0]

    @property
    def competitors(self) -> tuple[SimCompany, ...]:
        return tuple(c for c in self._w().companies if c.kind == "competitor")

    @property
    def pages(self) -> tuple[SimPage, ...]:
        """Every page including homepages."""
        return tuple(self._w().pages)

    @property
    def channels(self) -> tuple[SimChannel, ...]:
        return tuple(self._w().channels)

    @property
    def videos(self) -> tuple[SimVideo, ...]:
        return tuple(self._w().videos)

    def company_for_host(self, host: str) -> SimCompany | None:
        """The company behind a host or registrable domain (``www.``/sub-domains included), else None."""
        w = self._w()
        host = str(host).strip().lower().rstrip(".")
        if host.startswith(("http://", "https://")):
            host = urlsplit(host).hostname or ""
        while host:
            index = w.host_company.get(host)
            if index is not None:
                return w.companies[index]
            _, _, host = host.partition(".")
        return None

    def page_for_url(self, url: str) -> SimPage | None:
        """The page served at ``url`` (query, fragment, trailing slash and www/bare host ignored)."""
        page, _ = self._lookup(url)
        return page

    def page_labels(self, page: SimPage) -> PageLabels:
        """What ``page`` was written as, in the project's own terms: the page type of its form, the JTBD
        phase of its buying stage and the personas of its audience (the truth content analysis is
        measured against; ``None`` where the project names no such type or phase)."""
        project = self.project
        return PageLabels(
            page_type=_project_term([t.name for t in project.page_types], FORM_NAME_HINTS.get(page.form or "", ())),
            jtbd_phase=_project_term([p.name for p in project.jtbd_phases], STAGE_NAME_HINTS.get(page.stage or "", ())),
            personas=tuple(project.personas[i].name for i in page.personas),
        )

    def video_for_id(self, video_id: str) -> SimVideo | None:
        return self._w().video_by_id.get(video_id)

    def channel_for_video(self, video_id: str) -> SimChannel | None:
        w = self._w()
        video = w.video_by_id.get(video_id)
        return None if video is None else w.channels[video.channel]

    # ---- keyword metrics -------------------------------------------------------------------------------

    def base_volume(self, keyword: str) -> float:
        """The keyword's market-independent popularity (searches a month in the US, before noise)."""
        key = keyword_key(keyword)
        volume = self._volumes.get(key)
        if volume is None:
            u = _u(self.seed, "volume", key)
            volume = 10 ** (1.2 + 3.4 * u**1.4)
            self._volumes[key] = volume
        return volume

    def keyword_metrics(self, keywords: Sequence[str], market: str) -> pd.DataFrame:
        """One row per requested keyword (columns ``KEYWORD_METRIC_COLUMNS``) for ``market``."""
        m = canonical_market(market)
        scale = _MARKET_VOLUME_SCALE.get(m)
        if scale is None:
            scale = 0.03 + 0.27 * _u(self.seed, "market-scale", m)
        currency = _MARKET_CURRENCY.get(m, 1.0)
        kws, volumes, comps, indexes, lows, highs = [], [], [], [], [], []
        for keyword in keywords:
            key = keyword_key(keyword)
            kws.append(str(keyword))
            if _u(self.seed, "metrics-missing", key, m) < MISSING_METRICS_RATE:
                volumes.append(None)
                comps.append(None)
                indexes.append(None)
                lows.append(math.nan)
                highs.append(math.nan)
                continue
            rng = _rng(self.seed, "metrics", key, m)
            volumes.append(_round_volume(self.base_volume(key) * scale * math.exp(rng.gauss(0.0, 0.45))))
            index = int(min(100, max(0, 100 * _u(self.seed, "competition", key) + rng.uniform(-12, 12))))
            indexes.append(index)
            comps.append("LOW" if index < 34 else "MEDIUM" if index < 67 else "HIGH")
            low = (0.35 + 7.5 * index / 100 * rng.uniform(0.6, 1.4)) * currency
            lows.append(round(low, 2))
            highs.append(round(low * rng.uniform(2.0, 5.0), 2))
        frame = pd.DataFrame(
            {
                "keyword": pd.array(kws, dtype=_STR),
                "search_volume": pd.array(volumes, dtype=_INT64),
                "competition": pd.array(comps, dtype=_STRING),
                "competition_index": pd.array(indexes, dtype=_INT64),
                "low_top_of_page_bid": np.array(lows, dtype="float64"),
                "high_top_of_page_bid": np.array(highs, dtype="float64"),
            }
        )
        return frame[list(KEYWORD_METRIC_COLUMNS)]

    # ---- SERPs ----------------------------------------------------------------------------------------

    def serp(self, keyword: str, market: str, serp_type: str, depth: int) -> pd.DataFrame:
        """Top ``depth`` results (columns ``SERP_ITEM_COLUMNS``) for ``keyword`` in ``market``."""
        m = canonical_market(market)
        if serp_type not in SERP_TYPES:
            raise ValueError(f"unknown SERP type {serp_type!r} — use one of {', '.join(SERP_TYPES)}")
        depth = int(depth)
        if depth <= 0:
            return _serp_frame([], [], [], [], [], [], [], [])

        w = self._w()
        key = keyword_key(keyword)
        pool = self._pool(serp_type, key, max(60, 4 * depth))
        rng = _rng(self.seed, "serp", key, m, serp_type)
        volume = self.base_volume(key)
        if serp_type == "organic":
            target, min_sim = depth, -1.0
        elif serp_type == "news":
            min_sim = 0.3
            if volume < 150:
                target = rng.choice((0, 1, 2, 3, 4))
            elif volume < 800:
                target = rng.randint(max(1, depth // 2), depth)
            else:
                target = depth
        else:
            min_sim = 0.25
            target = rng.randint(0, max(1, depth // 2)) if volume < 100 else depth
        target = min(target, depth)
        if target <= 0:
            return _serp_frame([], [], [], [], [], [], [], [])

        video = serp_type == "video"
        owner_of = w.video_owner if video else w.page_owner
        boost = self._market_boost(m, "channel" if video else "company")
        gauss = rng.gauss
        scored = []
        for item_id, sim in pool:
            if sim < min_sim:
                continue
            owner = owner_of[item_id]
            scored.append((2.0 * sim + boost[owner] + gauss(0.0, 0.35), item_id, owner))
        scored.sort(reverse=True)
        per_owner: dict[int, int] = {}
        chosen = []
        for _, item_id, owner in scored:
            if per_owner.get(owner, 0) >= 2:
                continue
            per_owner[owner] = per_owner.get(owner, 0) + 1
            chosen.append(item_id)
            if len(chosen) >= target:
                break

        frame = self._result_table(serp_type).take(chosen)
        frame.index = pd.RangeIndex(len(chosen))
        frame["position"] = np.arange(1, len(chosen) + 1, dtype=np.int64)
        return frame

    # ---- YouTube ---------------------------------------------------------------------------------------

    def video_details(self, video_ids: Sequence[str]) -> pd.DataFrame:
        """Details of the known ``video_ids`` (columns ``VIDEO_COLUMNS``), each once, in request order."""
        w = self._w()
        videos = [w.video_by_id[v] for v in dict.fromkeys(video_ids) if v in w.video_by_id]
        channels = [w.channels[v.channel] for v in videos]
        frame = pd.DataFrame(
            {
                "video_id": pd.array([v.video_id for v in videos], dtype=_STR),
                "title": pd.array([v.title for v in videos], dtype=_STR),
                "description": pd.array([v.description for v in videos], dtype=_STR),
                "channel_id": pd.array([c.channel_id for c in channels], dtype=_STR),
                "channel_title": pd.array([c.title for c in channels], dtype=_STR),
                "published_at": _utc([v.published_at for v in videos]),
                "view_count": pd.array([v.view_count for v in videos], dtype=_INT64),
                "like_count": pd.array([v.like_count for v in videos], dtype=_INT64),
                "comment_count": pd.array([v.comment_count for v in videos], dtype=_INT64),
                "duration_seconds": pd.array([v.duration_seconds for v in videos], dtype=_INT64),
            }
        )
        return frame[list(VIDEO_COLUMNS)]

    def channel_details(self, channel_ids: Sequence[str]) -> pd.DataFrame:
        """Details of the known ``channel_ids`` (columns ``CHANNEL_COLUMNS``), each once, in request order."""
        w = self._w()
        channels = [w.channel_by_id[c] for c in dict.fromkeys(channel_ids) if c in w.channel_by_id]
        links = pd.Series([list(c.links) for c in channels], dtype=object)
        frame = pd.DataFrame(
            {
                "channel_id": pd.array([c.channel_id for c in channels], dtype=_STR),
                "title": pd.array([c.title for c in channels], dtype=_STR),
                "description": pd.array([c.description for c in channels], dtype=_STR),
                "custom_url": pd.array([c.custom_url for c in channels], dtype=_STRING),
                "links": links,
            }
        )
        return frame[list(CHANNEL_COLUMNS)]

    # ---- company data ---------------------------------------------------------------------------------

    def company_profile(self, domain: str) -> CompanyProfile:
        """What the simulated company-data source knows about ``domain`` (unknown fields are None)."""
        company = self.company_for_host(domain)
        if company is None or not company.known_to_data_provider:
            return CompanyProfile(
                domain=domain, name=None, industry=None, description=None, employees=None,
                revenue_usd=None, hq_country=None, source=PROFILE_SOURCE, source_type=None,
            )
        source_type = "OTHER" if company.kind in _VENDOR_KINDS else company.source_type
        return CompanyProfile(
            domain=domain,
            name=company.name,
            industry=company.industry,
            description=company.description,
            employees=company.employees,
            revenue_usd=company.revenue_usd,
            hq_country=company.hq_country,
            source=PROFILE_SOURCE,
            source_type=source_type,
        )

    # ---- the web --------------------------------------------------------------------------------------

    def fetch(self, url: str) -> FetchedPage:
        """Serve ``url``: the page's HTML or PDF, its deterministic 404/500, or 404 for unknown URLs.

        A www/bare host mismatch is answered like a redirect (``final_url`` is the page's canonical URL).
        """
        page, redirected = self._lookup(url)
        if page is None:
            company = self.company_for_host(urlsplit(url).hostname or "")
            return FetchedPage(url, url, 404, _HTML, _error_html(404, company.name if company else None))
        final_url = page.canonical_url if redirected else url
        if page.status != 200:
            name = self._w().companies[page.company].name
            return FetchedPage(url, final_url, page.status, _HTML, _error_html(page.status, name))
        if page.is_pdf:
            heading, paragraphs = self.page_text(page)  # headings and list items become lines of their own
            body = make_pdf(heading, paragraphs, author=self._w().companies[page.company].name)
            return FetchedPage(url, final_url, 200, _PDF, body)
        return FetchedPage(url, final_url, 200, _HTML, self.render_html(page).encode("utf-8"))

    def page_text(self, page: SimPage) -> tuple[str, list[str]]:
        """The heading and main-text blocks of ``page`` as plain lines (what an extractor should find)."""
        heading, blocks = self.page_blocks(page)
        return heading, [block.text for block in blocks]

    def page_blocks(self, page: SimPage) -> tuple[str, list[Block]]:
        """The heading and main-text blocks of ``page``, laid out the way a page of its form is: an
        article has a byline and section headings, a product page capability bullets and a call to
        action, a case study challenge / solution / results and a customer quote, a whitepaper an
        executive summary, findings and methodology. Sentences speak to the page's buying stage and
        audience; the labels themselves never appear."""
        w = self._w()
        company = w.companies[page.company]
        rng = random.Random(page.text_seed)
        if page.thin:
            return page.title, [Block("p", rng.choice(templates.THIN_BODIES))]
        if page.section == "home":
            pages = w.company_pages[company.index][:6]
            return company.name, [
                Block("p", company.description),
                Block("p", f"Explore our latest work on {', '.join(w.pages[i].topic for i in pages[:3]) or 'banking'}."),
                Block("p", " ".join(f"{w.pages[i].title}." for i in pages)),
            ]
        category = page.category or "banking"
        ctx = {
            "topic": page.topic,
            "Topic": _title_case(page.topic),
            "company": company.name,
            "category": category.lower(),
            "Category": category,
            "year": _YEAR,
            "bank": rng.choice(catalog.BANKS),
        }
        if page.form == "case_study":  # the customer its title names
            ctx["bank"] = next((bank for bank in catalog.BANKS if bank in page.title), ctx["bank"])
        writer = _PageWriter(rng, ctx, page, self.project.personas, own=company.kind in _VENDOR_KINDS)
        heading = page.title.split(" | ")[0]
        layout = {
            "product": writer.product_page,
            "case_study": writer.case_study,
            "whitepaper": writer.whitepaper,
        }.get(page.form or "", writer.article)
        return heading, layout()

    def render_html(self, page: SimPage) -> str:
        """The full HTML document of ``page``: boilerplate (nav, cookie banner, footer) around the text."""
        w = self._w()
        company = w.companies[page.company]
        esc = html.escape
        if page.thin:
            _, (body,) = self.page_blocks(page)
            return (
                f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{esc(company.name)}</title></head>'
                f'<body><div id="app"></div><noscript>{esc(body.text)}</noscript></body></html>'
            )
        heading, blocks = self.page_blocks(page)
        nav = "".join(
            f'<a href="/{_slugify(link)}">{esc(link)}</a>' for link in templates.NAV_LINKS[company.kind]
        )
        related = "".join(
            f'<li><a href="{esc(w.pages[i].canonical_url)}">{esc(w.pages[i].title)}</a></li>'
            for i in w.company_pages[company.index][:4]
            if i != page.index
        )
        lang = "de" if company.hq_country == "DE" else "en-GB" if company.hq_country == "GB" else "en"
        body = _blocks_html(blocks)
        return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{esc(page.title)}</title>
<meta name="description" content="{esc(page.description)}">
<meta property="og:site_name" content="{esc(company.name)}">
<meta property="og:title" content="{esc(page.title)}">
<link rel="canonical" href="{esc(page.canonical_url)}">
</head>
<body>
<div class="cookie-banner">We use cookies to improve your experience.
<button>Accept all</button> <button>Manage preferences</button></div>
<header><a class="logo" href="/">{esc(company.name)}</a><nav>{nav}</nav></header>
<main>
<article>
<h1>{esc(heading)}</h1>
{body}
</article>
</main>
<aside><h2>Related</h2><ul>{related}</ul></aside>
<footer><p>&copy; {_YEAR} {esc(company.name)}. All rights reserved.</p>
<nav><a href="/privacy">Privacy policy</a> <a href="/cookies">Cookie settings</a>
<a href="/terms">Terms of use</a></nav></footer>
</body>
</html>
"""

    # ---- internals -----------------------------------------------------------------------------------

    def _w(self) -> _World:
        world = self._world
        if world is None:
            with self._lock:
                if self._world is None:
                    self._world = _build_world(self.project, self.seed)
                world = self._world
        return world

    def _lookup(self, url: str) -> tuple[SimPage | None, bool]:
        w = self._w()
        try:
            parts = urlsplit(str(url).strip())
            host = (parts.hostname or "").lower().rstrip(".")
        except ValueError:
            return None, False
        path = parts.path.rstrip("/")
        index = w.page_by_key.get((host, path))
        if index is not None:
            return w.pages[index], False
        alternative = host[4:] if host.startswith("www.") else f"www.{host}"
        index = w.page_by_key.get((alternative, path))
        if index is not None:
            return w.pages[index], True
        return None, False

    def _result_table(self, serp_type: str) -> pd.DataFrame:
        """Every possible result of ``serp_type`` as a SERP row, row i = item i (pages or videos)."""
        table = self._tables.get(serp_type)
        if table is None:
            w = self._w()
            if serp_type == "video":
                v = w.videos
                table = _serp_frame(
                    [0] * len(v), [x.url for x in v], [x.title for x in v], [_snippet(x.description) for x in v],
                    [catalog.VIDEO_PLATFORM_DOMAIN] * len(v), [w.channels[x.channel].title for x in v],
                    [x.published_at for x in v], [x.duration_seconds for x in v],
                )
            else:
                p = w.pages
                news = serp_type == "news"
                table = _serp_frame(
                    [0] * len(p), [x.url for x in p], [x.title for x in p], [x.description for x in p],
                    [x.host for x in p], [w.companies[x.company].name if news else None for x in p],
                    [x.published_at for x in p], [None] * len(p),
                )
            self._tables[serp_type] = table
        return table

    def _pool(self, serp_type: str, key: str, size: int) -> list[tuple[int, float]]:
        cache_key = (serp_type, key, size)
        pool = self._pools.get(cache_key)
        if pool is None:
            w = self._w()
            index = {"organic": w.organic_index, "news": w.news_index, "video": w.video_index}[serp_type]
            pool = index.candidates(
                key, self._categories.get(key), size, fill=serp_type == "organic", seed=self.seed
            )
            self._pools[cache_key] = pool
        return pool

    def _market_boost(self, market: str, owner_kind: str) -> list[float]:
        """Per owner (company or channel): authority + how much ``market`` favours it."""
        cache_key = (market, owner_kind)
        values = self._boost.get(cache_key)
        if values is None:
            w = self._w()
            table = _MARKET_HQ_AFFINITY.get(market, {"*": 0.0})
            owners = w.channels if owner_kind == "channel" else w.companies
            values = []
            for owner in owners:
                base = table.get(owner.hq_country, table["*"])
                name = owner.channel_id if owner_kind == "channel" else owner.domain
                values.append(owner.authority + base + (_u(self.seed, "affinity", name, market) - 0.5) * 0.5)
            self._boost[cache_key] = values
        return values


# --------------------------------------------------------------------------------------------------------
# page writing
# --------------------------------------------------------------------------------------------------------


class Block(NamedTuple):
    """One block of a page's main text: ``p`` paragraph, ``h2`` heading, ``li`` list item, ``quote``,
    ``byline`` or ``cta`` (a call-to-action link)."""

    kind: str
    text: str


def _blocks_html(blocks: Sequence[Block]) -> str:
    esc = html.escape
    parts: list[str] = []
    in_list = False
    for block in blocks:
        if block.kind == "li" and not in_list:
            parts.append("<ul>")
        elif block.kind != "li" and in_list:
            parts.append("</ul>")
        in_list = block.kind == "li"
        parts.append(
            {
                "p": "<p>{}</p>",
                "h2": "<h2>{}</h2>",
                "li": "<li>{}</li>",
                "quote": "<blockquote><p>{}</p></blockquote>",
                "byline": "<p>{}</p>",
                "cta": '<p><a class="button" href="/contact">{}</a></p>',
            }[block.kind].format(esc(block.text))
        )
    if in_list:
        parts.append("</ul>")
    return "\n".join(parts)


class _PageWriter:
    """Writes the main text of one page of a given form, stage and audience from the templates.

    Templates are dealt from shuffled decks so a page does not repeat a sentence; every draw comes from
    the page's own random generator, so the text is a pure function of the page.
    """

    def __init__(self, rng: random.Random, ctx: dict[str, object], page: SimPage, personas, *, own: bool):
        self.rng = rng
        self.ctx = ctx
        self.page = page
        self.personas = personas
        self.own = own
        self.decks: dict[str, list[str]] = {}
        self.mention_pending = bool(page.mentions)
        self.persona_turn = 0

    def draw(self, name: str, pool: Sequence[str]) -> str:
        deck = self.decks.get(name)
        if not deck:
            deck = self.decks[name] = self.rng.sample(list(pool), len(pool))
        return deck.pop()

    def fill(self, template: str, **extra: object) -> str:
        if self.page.form != "case_study":  # a case study is about one bank throughout
            self.ctx["bank"] = self.rng.choice(catalog.BANKS)
        return template.format(**self.ctx, **extra)

    def sentence(self, *, editorial: bool = False) -> str:
        """One body sentence: the page's stage, its audience, its company, an opinion, or background."""
        r = self.rng.random()
        stage = self.page.stage or "exploration"
        if r < 0.35:
            return self.fill(self.draw(f"stage:{stage}", templates.STAGE_SENTENCES[stage]))
        if self.page.personas and r < 0.65:
            # The audience takes turns, so every persona the page is written for is spoken to.
            persona = self.personas[self.page.personas[self.persona_turn % len(self.page.personas)]]
            self.persona_turn += 1
            self.ctx["persona"] = persona.name
            self.ctx["term"] = _mid_sentence(self.rng.choice(persona.keywords or (persona.name,)))
            self.ctx["goal"] = _mid_sentence(self.rng.choice(persona.goals or ("improve results",)))
            self.ctx["pain"] = _mid_sentence(self.rng.choice(persona.pain_points or ("manual work",)))
            return self.fill(self.draw("persona", templates.PERSONA_SENTENCES))
        if editorial and r < 0.75:
            return self.fill(self.draw("editorial", templates.EDITORIAL_SENTENCES))
        if self.own and r < 0.8:
            return self.fill(self.draw("company", templates.COMPANY_SENTENCES))
        return self.fill(self.draw("generic", templates.GENERIC_SENTENCES))

    def paragraph(self, *, first: bool = False, editorial: bool = False) -> Block:
        sentences = []
        if first:
            sentences.append(self.fill(self.draw("opening", templates.GENERIC_SENTENCES[:4])))
        sentences += [self.sentence(editorial=editorial) for _ in range(self.rng.randint(2, 3))]
        if self.mention_pending and self.rng.random() < 0.5:
            self.mention_pending = False
            sentences += [
                self.fill(self.draw("mention", templates.MENTION_SENTENCES), mention=name) for name in self.page.mentions
            ]
        return Block("p", " ".join(sentences))

    def stage_heading(self) -> Block:
        stage = self.page.stage or "exploration"
        return Block("h2", self.draw(f"heading:{stage}", templates.STAGE_HEADINGS[stage]))

    def closing(self, blocks: list[Block]) -> list[Block]:
        if self.mention_pending:  # every mention the world records is in the text
            self.mention_pending = False
            blocks.append(Block("p", " ".join(
                self.fill(self.draw("mention", templates.MENTION_SENTENCES), mention=name) for name in self.page.mentions
            )))
        return blocks

    def article(self) -> list[Block]:
        page, rng = self.page, self.rng
        blocks: list[Block] = []
        when = datetime.fromtimestamp(page.published_at, UTC) if page.published_at is not None else None
        author, role = rng.choice(templates.ARTICLE_AUTHORS)
        if page.section == "post":
            handle = re.sub(r"[^a-z0-9]", "", author.casefold())[:10]
            blocks.append(Block("byline", f"Posted by {handle}" + (f" · {when:%d %B %Y}" if when else "")))
        elif page.section != "press" and page.form is not None:
            blocks.append(Block("byline", f"By {author}, {role}" + (f" · {when:%d %B %Y}" if when else "")
                                + f" · {rng.randint(3, 12)} min read"))
        first = self.paragraph(first=True, editorial=True)
        if page.section == "press" and when is not None:
            first = Block("p", f"{when:%d %B %Y} \u2014 {first.text}")
        blocks.append(first)
        for index in range(rng.randint(2, 4)):
            if index % 2 == 0:
                blocks.append(self.stage_heading())
            blocks.append(self.paragraph(editorial=True))
        if page.form is None:  # an event page
            blocks.append(Block("cta", "Register now"))
        if page.section == "press":
            blocks.append(Block("h2", f"About {self.ctx['company']}"))
            blocks.append(Block("p", self.fill(self.draw("company", templates.COMPANY_SENTENCES))))
        return self.closing(blocks)

    def product_page(self) -> list[Block]:
        rng = self.rng
        blocks = [self.paragraph(first=True)]
        blocks.append(Block("h2", rng.choice(templates.PRODUCT_HEADINGS)))
        capabilities = rng.sample(templates.PRODUCT_CAPABILITIES, rng.randint(4, 6))
        blocks += [Block("li", self.fill(capability)) for capability in capabilities]
        blocks.append(self.stage_heading())
        blocks += [self.paragraph() for _ in range(rng.randint(1, 2))]
        blocks += [Block("cta", text) for text in rng.sample(templates.PRODUCT_CALLS_TO_ACTION, rng.randint(1, 2))]
        return self.closing(blocks)

    def case_study(self) -> list[Block]:
        rng = self.rng
        months = rng.randint(4, 14)
        numbers = {"months": months, "region": rng.choice(("North America", "Europe", "United Kingdom", "DACH"))}
        blocks = [Block("h2", "At a glance")]
        blocks += [Block("li", self.fill(fact, **numbers)) for fact in templates.CASE_STUDY_FACTS]
        blocks.append(Block("h2", "The challenge"))
        blocks.append(Block("p", " ".join([self.fill(t) for t in rng.sample(templates.CASE_STUDY_CHALLENGES, 2)]
                                          + [self.sentence()])))
        blocks.append(Block("h2", "The solution"))
        blocks.append(Block("p", " ".join([self.fill(t, **numbers) for t in rng.sample(templates.CASE_STUDY_SOLUTIONS, 2)]
                                          + [self.sentence()])))
        blocks.append(Block("h2", "The results"))
        blocks += [
            Block("li", self.fill(result, pct=rng.randint(18, 65), points=rng.randint(8, 30), **numbers))
            for result in rng.sample(templates.CASE_STUDY_RESULTS, 3)
        ]
        quote = self.fill(rng.choice(templates.CASE_STUDY_QUOTES))
        blocks.append(Block("quote", f"{quote} \u2014 {rng.choice(templates.CUSTOMER_NAMES)}, "
                                     f"{rng.choice(templates.CUSTOMER_ROLES)}, {self.ctx['bank']}"))
        blocks.append(self.paragraph())
        return self.closing(blocks)

    def whitepaper(self) -> list[Block]:
        rng = self.rng
        summary, findings, method, recommendations = templates.WHITEPAPER_SECTIONS
        blocks = [Block("h2", summary), self.paragraph(first=True)]
        blocks.append(Block("h2", findings))
        blocks += [
            Block("li", self.fill(finding, pct=rng.randint(35, 85), small=rng.randint(8, 25)))
            for finding in rng.sample(templates.WHITEPAPER_FINDINGS, 3)
        ]
        blocks.append(self.stage_heading())
        blocks += [self.paragraph() for _ in range(rng.randint(1, 2))]
        blocks.append(Block("h2", recommendations))
        blocks.append(self.paragraph())
        blocks.append(Block("h2", method))
        blocks.append(Block("p", self.fill(rng.choice(templates.WHITEPAPER_METHODS), n=rng.randint(3, 9))))
        if not self.page.is_pdf:
            blocks.append(Block("cta", rng.choice(templates.WHITEPAPER_CALLS_TO_ACTION)))
        return self.closing(blocks)


@lru_cache(maxsize=8)
def get_market(project: Project, seed: int = 7) -> SimulatedMarket:
    """A shared :class:`SimulatedMarket` per ``(project, seed)`` so its lazily built world is reused."""
    return SimulatedMarket(project, seed)


# --------------------------------------------------------------------------------------------------------
# frames and documents
# --------------------------------------------------------------------------------------------------------


def _snippet(text: str, limit: int = 160) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + "…"


def _serp_frame(positions, urls, titles, snippets, domains, sources, published, lengths) -> pd.DataFrame:
    arrays = (
        np.array(positions, dtype=np.int64),
        pd.array(urls, dtype=_STR),
        pd.array(titles, dtype=_STR),
        pd.array(snippets, dtype=_STR),
        pd.array(domains, dtype=_STR),
        pd.array(sources, dtype=_STRING),
        _utc(published),
        pd.array(lengths, dtype=_INT64),
    )
    return pd.DataFrame(dict(zip(SERP_ITEM_COLUMNS, arrays, strict=True)))


def _error_html(status: int, site: str | None) -> bytes:
    reason = {404: "Not Found", 500: "Internal Server Error"}.get(status, "Error")
    footer = f"<footer>{html.escape(site)}</footer>" if site else ""
    return (
        f"<!DOCTYPE html><html><head><title>{status} {reason}</title></head>"
        f"<body><h1>{reason}</h1>{footer}</body></html>"
    ).encode("utf-8")


# --------------------------------------------------------------------------------------------------------
# building the world
# --------------------------------------------------------------------------------------------------------


def _normalise_domain(domain: str) -> str:
    domain = domain.strip().lower().rstrip(".")
    if "://" in domain:
        domain = urlsplit(domain).hostname or ""
    return domain[4:] if domain.startswith("www.") else domain


def _build_world(project: Project, seed: int) -> _World:
    w = _World()
    vocabulary = _vocabulary(project)
    _build_companies(w, project, seed)
    _build_pages(w, project, seed, vocabulary)
    _build_channels_and_videos(w, project, seed, vocabulary)
    w.page_owner = [p.company for p in w.pages]
    w.organic_index = _TopicIndex(
        [(p.index, keyword_key(p.topic), p.category) for p in w.pages if p.section != "home"], seed
    )
    w.news_index = _TopicIndex(
        [(p.index, keyword_key(p.topic), p.category) for p in w.pages if p.is_news], seed
    )
    w.video_index = _TopicIndex([(v.index, keyword_key(v.topic), v.category) for v in w.videos], seed)
    return w


def _vocabulary(project: Project) -> dict[str | None, list[tuple[str, str | None]]]:
    """Keywords by family (None = all): (keyword, category)."""
    by_family: dict[str | None, list[tuple[str, str | None]]] = defaultdict(list)
    seen: set[str] = set()
    for keyword in project.keywords:
        key = keyword_key(keyword.keyword)
        if key in seen:
            continue
        seen.add(key)
        entry = (keyword.keyword, keyword.category)
        family = _family_of(keyword.category) or _family_of(keyword.keyword) or "core"
        by_family[family].append(entry)
        by_family[None].append(entry)
    if not by_family[None]:
        by_family[None].append(("banking software", None))
    return by_family


def _build_companies(w: _World, project: Project, seed: int) -> None:
    specs: list[tuple[str, tuple[str, ...], str, str, str | None, str]] = []
    taken_names: set[str] = set()
    taken_domains: set[str] = set()
    taken_labels: set[str] = set()

    def take(name: str, domains: Sequence[str]) -> None:
        taken_names.add(name.casefold())
        for domain in domains:
            taken_domains.add(domain)
            taken_labels.add(domain.split(".")[0])

    for kind, company in [("client", project.client)] + [("competitor", c) for c in project.competitors]:
        domains = tuple(dict.fromkeys(d for d in map(_normalise_domain, company.domains) if d))
        if not domains:
            domains = (f"{_slugify(company.name).replace('-', '')}.example",)
        if any(d in taken_domains for d in domains):
            continue  # a project company listed twice; the first listing wins
        primary = domains[0]
        if primary.endswith(".co.uk.example") or primary.endswith(".co.uk"):
            hq = "GB"
        elif kind == "client":
            hq = "US"
        else:
            u = _u(seed, "hq", primary)
            hq = "US" if u < 0.6 else "GB" if u < 0.85 else "DE"
        specs.append((company.name, domains, kind, hq, None, "Banking Software"))
        take(company.name, domains)

    for seed_company in catalog.COMPANIES:
        label = seed_company.domain.split(".")[0]
        if (
            seed_company.name.casefold() in taken_names
            or seed_company.domain in taken_domains
            or label in taken_labels
        ):
            continue
        specs.append(
            (
                seed_company.name,
                (seed_company.domain,),
                seed_company.kind,
                seed_company.hq_country,
                seed_company.family,
                seed_company.industry,
            )
        )
        take(seed_company.name, (seed_company.domain,))

    # ~10% of the non-project organisations are unknown to the company-data source.
    generic = [s[1][0] for s in specs if s[2] not in ("client", "competitor")]
    generic = [d for d in generic if d != catalog.VIDEO_PLATFORM_DOMAIN]
    generic.sort(key=lambda d: _h(seed, "unknown-profile", d))
    unknown = set(generic[: round(UNKNOWN_PROFILE_RATE * len(generic))])

    w.companies = []
    w.host_company = {}
    for index, (name, domains, kind, hq, family, industry) in enumerate(specs):
        domain = domains[0]
        rng = _rng(seed, "company", domain)
        low, high, revenue_per_employee = catalog.KIND_SIZE[kind]
        employees = int(round(math.exp(rng.uniform(math.log(low), math.log(high)))))
        revenue = None
        if revenue_per_employee is not None:
            revenue = float(round(employees * revenue_per_employee * rng.uniform(0.6, 1.5), -4))
        description_kind = "vendor" if kind in _VENDOR_KINDS else kind
        description = rng.choice(catalog.KIND_DESCRIPTION[description_kind]).format(
            name=name,
            adj=catalog.COUNTRY_ADJECTIVE.get(hq, "international"),
            focus=catalog.FAMILY_PHRASE[family],
        )
        www = kind != "social_media" and rng.random() < 0.7
        base_host = f"www.{domain}" if www else domain
        alt_host = domain if www else f"www.{domain}"
        company = SimCompany(
            index=index,
            name=name,
            domain=domain,
            domains=domains,
            kind=kind,
            source_type=catalog.KIND_SOURCE_TYPE[kind],
            industry=industry,
            description=description,
            employees=employees,
            revenue_usd=revenue,
            hq_country=hq,
            family=family,
            known_to_data_provider=domain not in unknown,
            base_host=base_host,
            hosts=(base_host, alt_host),  # completed with sub-domains once pages exist
            homepage_url=f"https://{base_host}/",
            authority=catalog.KIND_AUTHORITY[kind] + 0.25 * rng.random(),
        )
        w.companies.append(company)
        for d in domains:
            w.host_company.setdefault(d, index)
            w.host_company.setdefault(f"www.{d}", index)


def _build_pages(w: _World, project: Project, seed: int, vocabulary) -> None:
    w.pages = []
    w.page_by_key = {}
    w.company_pages = []
    project_names = [c.name for c in w.companies if c.kind in ("client", "competitor")]
    persona_tokens = _persona_vocabulary(project)
    for company in w.companies:
        rng = _rng(seed, "pages", company.domain)
        domain = company.domain
        alt_host = company.hosts[1]
        subdomain = {
            "blog": f"blog.{domain}" if company.kind in _VENDOR_KINDS | {"other"} and rng.random() < 0.45 else None,
            "docs": f"docs.{domain}" if company.kind in _VENDOR_KINDS and rng.random() < 0.6 else None,
            "news": f"news.{domain}" if company.kind in _VENDOR_KINDS | {"publisher"} and rng.random() < 0.5 else None,
        }
        hosts = dict.fromkeys(company.hosts)
        paths: set[tuple[str, str]] = set()

        def add(page: SimPage) -> None:
            w.pages.append(page)
            w.page_by_key[(page.host, page.path)] = page.index
            w.host_company.setdefault(page.host, company.index)
            hosts[page.host] = None

        home_seed = _h(seed, "text", company.homepage_url)
        add(
            SimPage(
                index=len(w.pages), company=company.index, url=company.homepage_url,
                canonical_url=company.homepage_url, host=company.base_host, path="", section="home",
                topic="", category=None, title=f"{company.name} | {_title_case(catalog.FAMILY_PHRASE[company.family])}",
                description=company.description, is_pdf=False, is_news=False, status=200, thin=False,
                published_at=None, personas=(), mentions=(), text_seed=home_seed,
            )
        )
        paths.add((company.base_host, ""))
        for extra in company.domains[1:]:
            extra_home = f"https://www.{extra}/"
            add(
                SimPage(
                    index=len(w.pages), company=company.index, url=extra_home, canonical_url=extra_home,
                    host=f"www.{extra}", path="", section="home", topic="", category=None,
                    title=f"{company.name} | {extra}", description=company.description, is_pdf=False,
                    is_news=False, status=200, thin=False, published_at=None, personas=(), mentions=(),
                    text_seed=_h(seed, "text", extra_home),
                )
            )
            paths.add((f"www.{extra}", ""))
        own_pages: list[int] = []
        low, high = catalog.KIND_PAGE_COUNT[company.kind]
        sections = templates.SECTIONS[company.kind]
        section_list = [s for s, _ in sections]
        section_weights = [weight for _, weight in sections]
        family_pool = vocabulary.get(company.family) or vocabulary[None]
        mention_names = [n for n in project_names if n != company.name]
        for _ in range(rng.randint(low, high)):
            section = rng.choices(section_list, section_weights)[0]
            pool = family_pool if rng.random() < 0.75 else vocabulary[None]
            topic, category = rng.choice(pool)
            slug = _slugify(topic)
            if section.name == "blog":
                slug = rng.choice(templates.BLOG_SLUGS).format(s=slug)
            published = None
            if section.dated:
                published = _REF_S - rng.randint(1, 540) * 86400 - rng.randint(0, 86399)
            when = datetime.fromtimestamp(published if published is not None else _REF_S, UTC)
            num = rng.randint(1_000_000, 9_999_999)
            template = section.path
            if company.kind == "social_media":
                template = templates.SOCIAL_PATHS.get(domain, section.path)
            host = company.base_host
            if section.host != "base":
                sub = subdomain[section.host]
                if sub is not None:
                    host = sub
                    if section.host == "blog":
                        template = "/{slug}"
                else:
                    template = {"blog": "", "docs": "/docs", "news": "/news"}[section.host] + template
                    if section.host == "blog":
                        template = "/blog/{slug}"
            elif len(company.domains) > 1 and rng.random() < 0.25:
                host = f"www.{rng.choice(company.domains[1:])}"  # a second brand domain of the company
            elif rng.random() < 0.15:
                host = alt_host
            path = template.format(slug=slug, yyyy=f"{when:%Y}", mm=f"{when:%m}", num=num)
            stem, dot, extension = path.rpartition(".") if section.pdf else (path, "", "")
            n = 2
            while (host, path) in paths:
                path = f"{stem}-{n}.{extension}" if section.pdf else f"{stem}-{n}"
                n += 1
            paths.add((host, path))

            mentions: tuple[str, ...] = ()
            if mention_names:
                if section.name == "compare":
                    mentions = tuple(rng.sample(mention_names, min(3, len(mention_names))))
                else:
                    rate = {"publisher": 0.5, "other": 0.45, "social_media": 0.3}.get(
                        company.kind, 0.2 if company.kind in _VENDOR_KINDS else 0.1
                    )
                    if rng.random() < rate:
                        mentions = (rng.choice(mention_names),)
            personas: tuple[int, ...] = ()
            if persona_tokens:
                r = rng.random()
                picks = [rng.random() for _ in range(min(len(persona_tokens), 0 if r < 0.25 else 1 if r < 0.75 else 2))]
                personas = _audience(persona_tokens, f"{topic} {category or ''}", picks)
            ctx = {
                "topic": topic,
                "Topic": _title_case(topic),
                "company": company.name,
                "category": (category or "banking").lower(),
                "Category": category or "Banking",
                "bank": rng.choice(catalog.BANKS),
                "year": _YEAR,
                "n": rng.randint(5, 12),
                "mention": mentions[0] if mentions else "",
            }
            title_options = [t for t in section.titles if mentions or "{mention}" not in t]
            description_options = [d for d in section.descriptions if mentions or "{mention}" not in d]
            title_template = rng.choice(title_options)
            title = title_template.format(**ctx)
            description = rng.choice(description_options).format(**ctx)

            canonical = f"https://{host}{path}"
            url = canonical
            if not section.pdf:
                if rng.random() < 0.15:
                    canonical += "/"
                url = canonical
                if rng.random() < 0.08:
                    url += rng.choice(_TRACKING_QUERIES)
            u = _u(seed, "status", canonical)
            status = 404 if u < 0.025 else 500 if u < 0.045 else 200
            thin = status == 200 and not section.pdf and u < 0.075
            page = SimPage(
                index=len(w.pages), company=company.index, url=url, canonical_url=canonical, host=host,
                path=path, section=section.name, topic=topic, category=category, title=title,
                description=description, is_pdf=section.pdf, is_news=section.news, status=status, thin=thin,
                published_at=published, personas=personas, mentions=mentions,
                text_seed=_h(seed, "text", canonical), form=section.form,
                stage=templates.TITLE_STAGES.get(title_template)
                or section.stages[_h(seed, "stage", canonical) % len(section.stages)],
            )
            own_pages.append(page.index)
            add(page)
        w.company_pages.append(own_pages)
        w.companies[company.index] = replace(company, hosts=tuple(hosts))


def _persona_vocabulary(project: Project) -> list[set[str]]:
    """Per persona, the words of its name and keywords that say who it is (not "bank" or "head")."""
    return [
        set(_tokens(" ".join((persona.name, *persona.keywords)))) - _GENERIC_PERSONA_WORDS
        for persona in project.personas
    ]


def _topic_owners(persona_tokens: Sequence[set[str]], topic: str) -> set[int]:
    """The personas whose vocabulary ``topic`` shares most (none when it shares nothing)."""
    topic_tokens = set(_tokens(topic))
    overlaps = [len(topic_tokens & tokens) for tokens in persona_tokens]
    best = max(overlaps, default=0)
    return {index for index, overlap in enumerate(overlaps) if best and overlap == best}


def _audience(persona_tokens: Sequence[set[str]], topic: str, picks: Sequence[float]) -> tuple[int, ...]:
    """The personas a page about ``topic`` is written for: the persona whose vocabulary the topic shares
    most (a page about payment hubs is for payments people), and one more when two ``picks`` (uniform
    draws) are given; a page on a topic no persona owns is for as many random personas as there are
    picks — none, one or two."""
    chosen = _topic_owners(persona_tokens, topic)
    if chosen:
        picks = picks[1:] if len(picks) == 2 else []
    for pick in picks:
        others = [index for index in range(len(persona_tokens)) if index not in chosen]
        if others:
            chosen.add(others[int(pick * len(others))])
    return tuple(sorted(chosen))


def _build_channels_and_videos(w: _World, project: Project, seed: int, vocabulary) -> None:
    w.channels = []
    w.videos = []
    project_names = [c.name for c in w.companies if c.kind in ("client", "competitor")]
    persona_tokens = _persona_vocabulary(project)
    owners: list[tuple[SimCompany | None, str, str]] = []
    for company in w.companies:
        if _u(seed, "has-channel", company.domain) < _CHANNEL_RATE[company.kind]:
            owners.append((company, company.name, company.hq_country))
    for name, country in catalog.CREATORS:
        owners.append((None, name, country))

    for company, name, country in owners:
        rng = _rng(seed, "channel", name)
        channel_id = "UC" + _b64id(22, seed, "channel-id", name)
        handle = re.sub(r"[^a-z0-9]", "", name.casefold())
        if company is not None:
            style = rng.random()
            title = name if style < 0.7 else f"{name} TV" if style < 0.85 else f"{name} Insights"
            custom_url = None if rng.random() < 0.15 else f"@{handle}{'tv' if title.endswith(' TV') else ''}"
            if rng.random() < 0.6:
                description = f"The official channel of {name}. {company.description}"
            else:
                description = (
                    "Product demos, customer stories and webinars on modern banking technology."
                    if company.kind in _VENDOR_KINDS
                    else "Talks, interviews and explainers on the business of banking."
                )
            links: list[str] = []
            if rng.random() < 0.6:
                links.append(
                    rng.choice(
                        (
                            company.homepage_url,
                            f"https://{company.domain}",
                            f"https://{company.base_host}/?utm_source=video&utm_medium=channel",
                        )
                    )
                )
            if rng.random() < 0.4:
                links.append(f"https://chatterly.example/{handle}")
            if rng.random() < 0.3:
                links.append(f"https://prolink-network.example/company/{handle}")
            authority = company.authority
            owner_index: int | None = company.index
        else:
            title = name
            custom_url = f"@{handle}"
            description = rng.choice(
                (
                    "Weekly explainers on banking technology by an independent analyst.",
                    "Honest reviews and tutorials for people who build and buy banking software.",
                    "Short videos about fintech, payments and lending. Not affiliated with any vendor.",
                )
            )
            links = []
            if rng.random() < 0.5:
                links.append(f"https://chatterly.example/{handle}")
            authority = 0.15 + 0.3 * rng.random()
            owner_index = None
        channel = SimChannel(
            index=len(w.channels), channel_id=channel_id, title=title, description=description,
            custom_url=custom_url, links=tuple(links), company=owner_index, hq_country=country,
            authority=authority,
        )
        w.channels.append(channel)

        if company is None:
            low, high, title_kind = 6, 16, "creator"
        elif company.kind in ("client", "competitor"):
            low, high, title_kind = 12, 20, "company"
        else:
            low, high, title_kind = 4, 14, "publisher" if company.kind == "publisher" else "company"
        family_pool = vocabulary.get(company.family if company else None) or vocabulary[None]
        mention_names = [n for n in project_names if company is None or n != company.name]
        for i in range(rng.randint(low, high)):
            topic, category = rng.choice(family_pool if rng.random() < 0.75 else vocabulary[None])
            video_id = _b64id(11, seed, "video-id", channel_id, i)
            mention = rng.choice(mention_names) if mention_names else "industry experts"
            options = [t for t in templates.VIDEO_TITLES[title_kind] if mention_names or "{mention}" not in t]
            ctx = {
                "Topic": _title_case(topic),
                "topic": topic,
                "channel": title,
                "bank": rng.choice(catalog.BANKS),
                "year": _YEAR,
                "mention": mention,
            }
            video_title = rng.choice(options).format(**ctx)
            sentences = [f"In this video we look at {topic} and what it means for banks and credit unions."]
            audience = _topic_owners(persona_tokens, f"{topic} {category or ''}")
            if project.personas and rng.random() < 0.6:
                persona = rng.choice(project.personas)
                audience.add(project.personas.index(persona))
                term = _mid_sentence(rng.choice(persona.keywords or (persona.name,)))
                sentences.append(f"Aimed at the {persona.name}: how {topic} improves {term}.")
            if company is not None and rng.random() < 0.45:
                sentences.append(f"Learn more at {rng.choice((company.homepage_url, f'https://{company.domain}'))}")
            if company is None and mention_names and rng.random() < 0.4:
                names = rng.sample(mention_names, min(2, len(mention_names)))
                sentences.append(f"Vendors mentioned: {', '.join(names)}.")
            sentences.append("Subscribe for more videos on banking technology.")
            views = int(math.exp(rng.uniform(math.log(80), math.log(400_000))))
            likes = None if rng.random() < 0.1 else int(views * rng.uniform(0.005, 0.04))
            comments = None if rng.random() < 0.05 else int(views * rng.uniform(0.0005, 0.005))
            duration = rng.randint(180, 1800) if company is None else rng.randint(45, 3600)
            published = _REF_S - rng.randint(5, 1800) * 86400 - rng.randint(0, 86399)
            w.videos.append(
                SimVideo(
                    index=len(w.videos), video_id=video_id, channel=channel.index, title=video_title,
                    description=" ".join(sentences), topic=topic, category=category, published_at=published,
                    view_count=views, like_count=likes, comment_count=comments, duration_seconds=duration,
                    personas=tuple(sorted(audience)),
                )
            )
    w.video_owner = [v.channel for v in w.videos]
    w.video_by_id = {v.video_id: v for v in w.videos}
    w.channel_by_id = {c.channel_id: c for c in w.channels}
