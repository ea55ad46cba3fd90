"""What a real page tells about its form, its buying stage and its subject, as numbers a fitted model reads.

The local analyzer's first version recognised page forms by cue lists written together with the simulated
market's pages, and did not transfer to pages written by real organisations. Real pages say what they
are in ways the simulated ones did not: where they sit on their site (``/blog/``, ``/customers/``,
``/whitepapers/``, a repository's landing page), their Open Graph type and JSON-LD ``@type``, a published
date and an author, the PDF form; and in the register of their writing (a case study tells what a
customer did and achieved, a specification says what *must* happen, a product page talks to *you*).

This module turns one page into those signals — all general, none about a project's personas or a
particular site — and evaluates the small multinomial logistic models fitted on a labelled set of real
pages (``benchmarks/fit_analyzer_weights.py``, shipped as ``weights/<version>.json``). The analyzer
maps a project's page types and JTBD phases to the forms and stages these models know by their names.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from urllib.parse import urlsplit

import yaml

from cylvy_pipeline.analysis import identity

#: The page forms and buying stages the fitted models know (order = the weights' class order).
FORMS: tuple[str, ...] = ("product", "article", "case_study", "whitepaper")
STAGES: tuple[str, ...] = ("problem", "exploration", "requirements", "selection", "validation")


@dataclass(frozen=True)
class PageMetadata:
    """What a fetched page declares about itself, kept by extraction and read by content analysis.

    ``url`` is where the page was found (its path says which section of the site it belongs to);
    ``og_type`` the Open Graph type; ``schema_types`` its JSON-LD / microdata types; ``published_at`` the
    ISO date it declares; ``author`` its declared author. Every field is optional: most real pages
    declare some of them, a video none.
    """

    url: str | None = None
    og_type: str | None = None
    schema_types: tuple[str, ...] = ()
    published_at: str | None = None
    author: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "schema_types", tuple(self.schema_types or ()))

    def is_empty(self) -> bool:
        return not (self.url or self.og_type or self.schema_types or self.published_at or self.author)

    def describe(self) -> str:
        """One line per declared field, for an LLM's prompt and for the analysis cache key."""
        lines = [
            f"URL: {self.url}" if self.url else "",
            f"Open Graph type: {self.og_type}" if self.og_type else "",
            f"Schema.org types: {', '.join(self.schema_types)}" if self.schema_types else "",
            f"Published: {self.published_at}" if self.published_at else "",
            f"Author: {self.author}" if self.author else "",
        ]
        return "\n".join(line for line in lines if line)


# --- the site section a URL places the page in ------------------------------------------------------------
#
# Words sites use for their sections, by the page form they hold. A path segment is split into words
# ("case-studies" -> case, studies); a compound is tested before its parts ("customer-stories" is a case
# study, "stories" alone says little).

_SECTION_COMPOUNDS: dict[str, tuple[str, ...]] = {
    "case": ("case-stud", "casestud", "case_stud", "customer-stor", "success-stor", "user-stor", "client-stor"),
    "paper": ("white-paper", "whitepaper", "white_paper", "e-book", "ebook", "reference-architecture"),
    "article": ("press-release", "release-note", "news-room", "newsroom"),
}
_SECTION_WORDS: dict[str, frozenset[str]] = {
    "article": frozenset(
        "blog blogs news updates update posts post articles article press changelog announcements "
        "events event podcast podcasts webinar webinars insights stories".split()
    ),
    "case": frozenset("customers customer clients testimonials showcase".split()),
    "paper": frozenset(
        "papers paper reports report research publications publication guides guide standards standard "
        "specifications specification spec specs rfcs rfc library whitepapers ebooks architecture "
        "handbook playbook knowledge".split()
    ),
    "product": frozenset(
        "product products solutions solution features feature platform pricing services service "
        "integrations capabilities modules usecases use-cases industries enterprise".split()
    ),
    "docs": frozenset(
        "docs doc documentation concepts get-started getting-started introduction reference api apis "
        "developers developer manual tutorials tutorial".split()
    ),
}
_CODE_HOSTS = frozenset({"github.com", "gitlab.com", "bitbucket.org", "codeberg.org"})
_YEAR_SEGMENT = re.compile(r"^(?:19|20)\d\d$")
_DATED_SLUG = re.compile(r"^(?:\d{6}|\d{8}|\d{4}-\d\d-\d\d)[-_]")
_SEGMENT_WORD = re.compile(r"[a-z0-9]+")


def _compound_kind(segment: str) -> str | None:
    """The form a path segment names by a compound ("case-studies", "…-whitepaper"), if any."""
    return next((kind for kind, marks in _SECTION_COMPOUNDS.items() if any(m in segment for m in marks)), None)


def url_sections(url: str | None) -> frozenset[str]:
    """The kinds of site section the page's URL places it in: ``article``, ``case``, ``paper``,
    ``product``, ``docs`` (by section words), ``dated`` (a year or date in the path), ``repo`` (a code
    host's repository landing page), ``repo_file`` (a file inside a repository), ``home`` (a site's
    root), ``pdf`` (a ``.pdf`` path)."""
    if not url:
        return frozenset()
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return frozenset()
    host = (parts.hostname or "").lower().removeprefix("www.")
    segments = [segment for segment in parts.path.lower().split("/") if segment]
    found: set[str] = set()
    if host in _CODE_HOSTS:
        if len(segments) == 2:
            return frozenset({"repo"})
        if len(segments) > 3 and segments[2] in {"blob", "tree", "raw", "-"}:
            found.add("repo_file")
            segments = segments[4:]  # the path inside the repository says what the document is
        else:
            segments = segments[2:]
    elif not segments:
        found.add("home")
    first_label = host.split(".", 1)[0]
    if first_label in {"blog", "news", "press"}:
        found.add("article")
    elif first_label in {"docs", "doc", "developer", "developers", "learn"}:
        found.add("docs")
    # The last segment is the page's own slug: only its compounds ("…-case-study") count, not its words.
    # A slug that names its form outranks the section it is published in: a case study on a blog
    # (/blog/2025/…-case-study) is a case study, whatever the blog's other pages are.
    slug = segments[-1] if len(segments) > 1 else ""
    named = _compound_kind(slug)
    if named:
        return frozenset({named, *(found & {"repo_file"}), *({"pdf"} if slug.endswith(".pdf") else ())})
    for position, segment in enumerate(segments):
        is_slug = position == len(segments) - 1 and len(segments) > 1
        if segment.endswith(".pdf"):
            found.add("pdf")
        if _YEAR_SEGMENT.match(segment) or _DATED_SLUG.match(segment):
            found.add("dated")
        compound = _compound_kind(segment)
        if compound:
            found.add(compound)
            continue
        if is_slug:
            continue
        words = {segment, *_SEGMENT_WORD.findall(segment)}
        for kind, vocabulary in _SECTION_WORDS.items():
            if words & vocabulary:
                found.add(kind)
    return frozenset(found)


# Path segments that say nothing about a page's subject: file types, locales, version and repository
# plumbing (a code host's blob/tree and commit hashes).
_PATH_NOISE = frozenset("html htm md pdf php aspx index en us gb de fr latest stable blob tree raw main master".split())
_PATH_WORD = re.compile(r"[a-z][a-z0-9]*")
_HASH_SEGMENT = re.compile(r"^[0-9a-f]{12,}$")


def url_path_text(url: str | None) -> str:
    """The words of a URL's path, as text: a site's own filing of the page ("/lending/features/
    bank-statements-overview" -> "lending features bank statements overview"), without file types, locales,
    versions and commit hashes."""
    if not url:
        return ""
    try:
        path = urlsplit(url.strip()).path.lower()
    except ValueError:
        return ""
    words = [
        word for segment in path.split("/") if segment and not _HASH_SEGMENT.match(segment)
        for word in _PATH_WORD.findall(segment)
        if word not in _PATH_NOISE and not re.fullmatch(r"v\d+", word)
    ]
    return " ".join(words)


# Hosts that serve many owners' sites: the owner is the first label (owner.github.io), or on a code host
# the account (github.com/owner/…).
_SHARED_SITE_HOSTS = (".github.io", ".gitlab.io", ".netlify.app", ".vercel.app", ".pages.dev", ".readthedocs.io")


def site_owner_names(url: str | None) -> tuple[str, ...]:
    """The names the page's publisher goes by, as its URL spells them: the registrable domain's label
    (``docs.ledger-line.example`` -> ``ledger-line``); on a shared host the account (``owner.github.io``,
    ``github.com/owner-labs/…`` -> the account's first word, ``owner``), and on a repository's landing
    page the repository too (its README presents the project of that name)."""
    if not url:
        return ()
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ()
    host = (parts.hostname or "").lower().removeprefix("www.")
    if not host:
        return ()
    if host in _CODE_HOSTS:
        segments = [segment for segment in parts.path.lower().split("/") if segment]
        account = _SEGMENT_WORD.findall(segments[0])[:1] if segments else []
        repository = segments[1:2] if len(segments) == 2 else []
        return tuple(dict.fromkeys(name for name in (*account, *repository) if len(name) >= 3))
    if host.endswith(_SHARED_SITE_HOSTS):
        return tuple(_SEGMENT_WORD.findall(host.split(".", 1)[0])[:1])
    try:
        label = identity.registrable_domain(host).split(".", 1)[0]
    except ValueError:
        return ()
    return (label,) if len(label) >= 3 and not label.isdigit() else ()


@lru_cache(maxsize=256)
def _own_name_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    spellings = (r"[\s_-]?".join(re.escape(word) for word in re.split(r"[-_.]", name) if word) for name in names)
    return re.compile(rf"(?<![a-z0-9])(?:{'|'.join(spellings)})(?![a-z0-9])", re.IGNORECASE)


def _own_name_mentions(text: str, url: str | None) -> int | None:
    """How often the page names its own publisher (a product page names its vendor or project; a
    reference document of a standards body or a cloud's docs rarely names the publisher); None when the
    URL does not say who publishes it."""
    names = site_owner_names(url)
    return len(_own_name_pattern(names).findall(text)) if names else None


# --- schema.org and Open Graph types, by the form they declare --------------------------------------------

_ARTICLE_TYPES = frozenset(
    "article blogposting newsarticle posting socialmediaposting liveblogposting reportagenewsarticle "
    "analysisnewsarticle opinionnewsarticle blog".split()
)
_PRODUCT_TYPES = frozenset("product softwareapplication webapplication mobileapplication service offer "
                           "offercatalog financialproduct loanorcredit bankaccount".split())
_PAPER_TYPES = frozenset("report scholarlyarticle techarticle book digitaldocument thesis "
                         "publicationissue chapter".split())


# --- words: the register of a page, counted without stop-word removal --------------------------------------

_WORD = re.compile(r"[a-z][a-z']*")
#: A bullet-point line ("- …", "• …", "1. …"); the analyzer reads headings with it too.
BULLET_LINE = re.compile(r"^\s*(?:[-\u2022*\u25aa]|\d{1,2}[.)])\s+\S")
_PERCENT = re.compile(r"\d+(?:\.\d+)?\s?%|\b\d+(?:\.\d+)?x\b")
_ATTRIBUTED_QUOTE = re.compile(r"[\u201c\"][^\u201d\"]{12,}[\u201d\"]\s*[\u2014\u2013-]+\s*[A-Z]")
_QUOTE = re.compile(r"[\u201c\"][^\u201d\"]{40,}[\u201d\"]")
_BYLINE = re.compile(r"^\s*(?:by|posted by|written by|author:)\s+[A-Z]", re.IGNORECASE)
_TEXT_DATE = re.compile(
    r"\b(?:\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{4}"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2},\s*\d{4}"
    r"|\d{4}-\d{2}-\d{2})\b",
    re.IGNORECASE,
)
_YEAR_IN_TEXT = re.compile(r"\b(?:19|20)\d\d\b")
_CODE_LINE = re.compile(r"^\s*(?:\$ |>>> |[{}\[\]]\s*$|(?:import|def|func|class|curl|npm|pip|go) )")


def stem(word: str) -> str:
    """A deliberately light stemmer (one for the whole analysis): possessives and plurals only, so stems
    stay readable words — "customers" and "customer's" count as "customer", "policies" as "policy"."""
    word = word.removesuffix("'s").strip("'")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("sses"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


# Candidate register words, by what they might say. Which of them separate on real pages, and how much,
# is fitted (a word's weight is learnt per class); these are only the candidates the model may use.
REGISTER_WORDS: tuple[str, ...] = tuple(dict.fromkeys(stem(w) for w in """
    i my me we our us you your they their he she his her
    today yesterday recently announce announcing announced introducing introduce excited happy thank
    week month year release released launch launched new update updated community member join event
    conference talk podcast episode story opinion think believe
    customer client challenge chose choose needed switched migrated partnered helped result outcome
    before after saved reduced cut grew increased faster improved achieved within months weeks
    company startup founded headquartered team engineer cto ceo head director said say explained
    must shall should may required requirement optional mandatory specification standard profile
    section figure table document abstract scope conclusion summary recommendation guidance principle
    framework appendix defined definition organisation organization policy regulator regulatory control
    risk compliance consideration approach practice strategy step guide understand why problem cost
    trend survey percent research finding
    feature integrate integration api endpoint sdk install sign contact demo pricing trial plan support
    supports provide provides enable enables allow allows offer offers dashboard platform product
    solution service tool open source use case overview benefit key capability module
    versus vs alternative compare comparison better best leading
    """.split()))
_REGISTER_INDEX = {word: index for index, word in enumerate(REGISTER_WORDS)}


# Everyday phrases of each buying stage and page form — candidate signals like the register words: how
# much each family counts, for each class, is fitted on pages (real ones, and the simulated market's).
_STAGE_PHRASES: dict[str, tuple[str, ...]] = {
    "problem": (
        "what is", "why it matters", "challenges", "problem", "risks", "cost of legacy", "legacy systems",
        "warning signs", "trends", "backlogs", "falling behind", "ageing", "outdated", "exposed",
        "pressure", "struggle", "inefficiency", "survey finds", "weaknesses",
    ),
    "exploration": (
        "approaches", "options", "how to", "best practices", "peers", "pilot", "phased", "benefits",
        "build or buy", "in-house", "direction", "getting started", "ways to", "moved early", "tackled",
    ),
    # A specification or a standard's profile states requirements in the words of obligation (RFC 2119's
    # must, shall, required, optional; "mandatory"); "should" and "may" are every guide's advice.
    "requirements": (
        "requirements", "must-have", "checklist", "RFP", "business case", "budget envelope",
        "non-functional", "sign off", "requirements document", "stakeholders", "on day one",
        "must", "shall", "required", "mandatory", "optional",
    ),
    "selection": (
        "vendors", "suppliers", "compare", "comparison", "shortlist", "pricing", "reviews", "ratings",
        "demonstration", "reference calls", "alternatives", "total cost of ownership", "tender", "bids",
        "side by side", "recommendations for vendors",
    ),
    "validation": (
        "case study", "customer story", "return on investment", "ROI", "go-live", "went live", "results",
        "references", "proof", "measured", "lessons learned", "rollout", "service level", "testimonial",
        "confirmed",
    ),
}
_FORM_PHRASES: dict[str, tuple[str, ...]] = {
    "product": (
        "request a demo", "book a demo", "pricing", "free trial", "features", "capabilities", "platform",
        "modules", "integrations", "talk to our sales", "connectors", "licensing", "book a consultation",
    ),
    "article": (
        "min read", "posted by", "in our view", "opinion", "we think", "i spoke", "editor", "correspondent",
        "reporter", "contributing writer", "this piece", "readers",
    ),
    "case_study": (
        "the challenge", "the solution", "the results", "at a glance", "went live", "go-live",
        "testimonial", "time to go-live", "customer story",
    ),
    "whitepaper": (
        "executive summary", "key findings", "methodology", "recommendations", "respondents", "survey of",
        "download the full report", "this report", "whitepaper", "research", "interviews",
    ),
}


# What each family says, for the evidence of a judgement it moved (an analyst reads "talk of vendors,
# pricing and comparisons", not the name of a feature).
PHRASE_FAMILIES_IN_WORDS: dict[str, str] = {
    "stage_problem": "talk of problems, their causes and costs",
    "stage_exploration": "talk of approaches, options and how-tos",
    "stage_requirements": "talk of requirements, obligations (must, shall), checklists and business cases",
    "stage_selection": "talk of vendors, pricing and comparisons",
    "stage_validation": "talk of results, references and go-lives",
    "form_product": "product-page phrases (demos, features, pricing)",
    "form_article": "article phrases (reading time, bylines, opinion)",
    "form_case_study": "case-study phrases (the challenge, the solution, the results)",
    "form_whitepaper": "report phrases (executive summary, findings, methodology)",
}


def _phrase_pattern(phrases: Sequence[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(phrase.lower()) for phrase in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<![a-z])(?:{alternatives})(?![a-z])")


PHRASE_FAMILIES: dict[str, re.Pattern[str]] = {
    **{f"stage_{name}": _phrase_pattern(phrases) for name, phrases in _STAGE_PHRASES.items()},
    **{f"form_{name}": _phrase_pattern(phrases) for name, phrases in _FORM_PHRASES.items()},
}

@dataclass(frozen=True)
class PageText:
    """The parts of a page's text the signals are computed from (computed once per page)."""

    words: int
    register: Mapping[str, int]  # counts of REGISTER_WORDS in the body
    title_words: frozenset[str]
    lines: int
    bullet_share: float
    heading_share: float
    percent_lines: int
    quotes: int
    attributed_quotes: int
    byline_or_date_on_top: bool
    years: int
    code_lines: int
    questions: int
    phrases: Mapping[str, int]  # hits of each PHRASE_FAMILIES family in title and text
    own_name: int | None = None  # mentions of the publisher's names (``site_owner_names``); None: unknown


def read_text(text: str, title: str | None, url: str | None = None) -> PageText:
    lines = [line for line in text.splitlines() if line.strip()]
    lowered = f"{title or ''}\n{text}".lower().replace("\u2019", "'")
    words = [stem(word) for word in _WORD.findall(text.lower().replace("\u2019", "'"))]
    register = Counter(word for word in words if word in _REGISTER_INDEX)
    bullets = sum(1 for line in lines if BULLET_LINE.match(line))
    headings = sum(
        1 for line in lines
        if len(line.split()) <= 8 and line.strip()[-1] not in ".!?:;,\u201d\"" and not BULLET_LINE.match(line)
    )
    top = lines[:4]
    title_words = frozenset(stem(word) for word in _WORD.findall((title or "").lower()))
    return PageText(
        words=len(words),
        register=register,
        title_words=title_words,
        lines=len(lines),
        bullet_share=bullets / len(lines) if lines else 0.0,
        heading_share=headings / len(lines) if lines else 0.0,
        percent_lines=sum(1 for line in lines if _PERCENT.search(line)),
        quotes=len(_QUOTE.findall(text)),
        attributed_quotes=sum(1 for line in lines if _ATTRIBUTED_QUOTE.search(line)),
        byline_or_date_on_top=any(_BYLINE.match(line) or _TEXT_DATE.search(line) for line in top),
        years=len(_YEAR_IN_TEXT.findall(text)),
        code_lines=sum(1 for line in lines if _CODE_LINE.match(line)),
        questions=text.count("?"),
        phrases={name: len(pattern.findall(lowered)) for name, pattern in PHRASE_FAMILIES.items()},
        own_name=_own_name_mentions(text, url),
    )


# Title phrases that name the form outright.
_TITLE_FORMS: dict[str, tuple[frozenset[str], ...]] = {
    "case": (frozenset({"case", "study"}), frozenset({"customer", "story"}), frozenset({"user", "story"})),
    "paper": (frozenset({"white", "paper"}), frozenset({"whitepaper"}), frozenset({"guide"}),
              frozenset({"report"}), frozenset({"framework"}), frozenset({"specification"})),
    "article": (frozenset({"announcing"}), frozenset({"introducing"}), frozenset({"update"}),
                frozenset({"release"}), frozenset({"why"}), frozenset({"how"})),
}


def _per_words(count: float, words: int) -> float:
    """A count as a rate that does not grow without bound with length: count / sqrt(words / 100).

    Text evidence and layout evidence are both scaled this way, so a long page does not out-shout a
    short one by repeating itself."""
    return count / math.sqrt(max(words, 100) / 100.0)


def features(page: PageText, content_type: str | None, metadata: PageMetadata | None) -> dict[str, float]:
    """The page's general signals, by name (the names the fitted weights use)."""
    metadata = metadata or PageMetadata()
    sections = url_sections(metadata.url)
    og_type = (metadata.og_type or "").lower()
    schema = {t.lower() for t in metadata.schema_types}
    is_pdf = content_type == "pdf" or "pdf" in sections
    found: dict[str, float] = {
        "pdf": float(is_pdf),
        "video": float(content_type == "video"),
        "url_article": float("article" in sections),
        "url_case": float("case" in sections),
        "url_paper": float("paper" in sections),
        "url_product": float("product" in sections),
        "url_docs": float("docs" in sections),
        "url_dated": float("dated" in sections),
        "url_repo": float("repo" in sections),
        "url_repo_file": float("repo_file" in sections),
        "url_home": float("home" in sections),
        "og_article": float(og_type.startswith("article") or og_type == "blog"),
        "og_product": float(og_type.startswith("product")),
        "ld_article": float(bool(schema & _ARTICLE_TYPES)),
        "ld_product": float(bool(schema & _PRODUCT_TYPES)),
        "ld_paper": float(bool(schema & _PAPER_TYPES)),
        # A web page's declared date and author (a PDF's document properties are another matter).
        "declared_date": float(bool(metadata.published_at) and not is_pdf),
        "declared_author": float(bool(metadata.author) and not is_pdf),
        "byline_on_top": float(page.byline_or_date_on_top),
        "log_words": math.log1p(page.words) / 10.0,
        "bullets": page.bullet_share,
        "headings": page.heading_share,
        "percent_lines": _per_words(page.percent_lines, page.words),
        "quotes": _per_words(page.quotes, page.words),
        "attributed_quotes": _per_words(page.attributed_quotes, page.words),
        "years": _per_words(page.years, page.words),
        "code_lines": _per_words(page.code_lines, page.words),
        "questions": _per_words(page.questions, page.words),
    }
    if page.own_name is not None:
        found["own_name"] = _per_words(math.log1p(page.own_name), page.words)
        found["own_name_absent"] = float(page.own_name == 0)
    for form, phrases in _TITLE_FORMS.items():
        found[f"title_{form}"] = float(any(phrase <= page.title_words for phrase in phrases))
    for name, count in page.phrases.items():
        if count:
            found[f"p_{name}"] = _per_words(1.0 + math.log(count), page.words)
    for word, count in page.register.items():
        found[f"w_{word}"] = _per_words(1.0 + math.log(count), page.words)
    return found


def page_features(
    text: str, title: str | None, content_type: str | None, metadata: PageMetadata | None
) -> dict[str, float]:
    """A page's general signals, by name, from its text and what it declares (what the fitted models read)."""
    # A video's URL names the platform it is on, not its publisher: no publisher to look for.
    publisher_url = metadata.url if metadata and content_type != "video" else None
    return features(read_text(text, title, publisher_url), content_type, metadata)


# --- the fitted models --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinearModel:
    """A multinomial logistic model: per class, an intercept and a weight per named feature."""

    classes: tuple[str, ...]
    intercepts: tuple[float, ...]
    weights: Mapping[str, tuple[float, ...]]  # feature name -> one weight per class
    inputs: tuple[str, ...] = ()  # class probabilities of other models read as features ("form:product")

    def logits(self, values: Mapping[str, float]) -> list[float]:
        logits = list(self.intercepts)
        for name, value in values.items():
            row = self.weights.get(name)
            if row is not None and value:
                for index, weight in enumerate(row):
                    logits[index] += weight * value
        return logits

    def probabilities(self, values: Mapping[str, float]) -> dict[str, float]:
        logits = self.logits(values)
        top = max(logits)
        exps = [math.exp(logit - top) for logit in logits]
        total = sum(exps)
        return {name: value / total for name, value in zip(self.classes, exps, strict=True)}

    def contributions(self, values: Mapping[str, float], cls: str) -> list[tuple[float, str]]:
        """(weight × value, feature) for one class, largest first: what made the model say so."""
        index = self.classes.index(cls)
        found = [(self.weights[name][index] * value, name) for name, value in values.items()
                 if name in self.weights and value]
        return sorted(found, reverse=True)

    @classmethod
    def from_json(cls, data: Mapping) -> LinearModel:
        return cls(
            classes=tuple(data["classes"]),
            intercepts=tuple(float(v) for v in data["intercepts"]),
            weights={name: tuple(float(v) for v in row) for name, row in data["weights"].items()},
            inputs=tuple(data.get("inputs", ())),
        )

    def to_json(self) -> dict:
        return {
            "classes": list(self.classes),
            "intercepts": [round(v, 5) for v in self.intercepts],
            "weights": {name: [round(v, 5) for v in row] for name, row in sorted(self.weights.items())},
            "inputs": list(self.inputs),
        }


@dataclass(frozen=True)
class FittedWeights:
    """Everything the analyzer learnt from real pages (one JSON file per analyzer version)."""

    version: str
    form: LinearModel
    stage: LinearModel
    # Persona relevance: how a page's evidence for one persona maps to "written for this persona".
    persona: Mapping[str, float]
    # How common each word is on real pages about none of a project's personas (share of such pages):
    # a persona term that is common there ("platform", "cloud", "data") is weak evidence of relevance.
    background_share: Mapping[str, float]
    fitted_on: Mapping[str, object]

    @classmethod
    def from_json(cls, data: Mapping) -> FittedWeights:
        return cls(
            version=data["version"],
            form=LinearModel.from_json(data["form"]),
            stage=LinearModel.from_json(data["stage"]),
            persona={k: float(v) for k, v in data["persona"].items()},
            background_share={k: float(v) for k, v in data["background_share"].items()},
            fitted_on=data.get("fitted_on", {}),
        )

    def to_json(self) -> dict:
        return {
            "version": self.version,
            "fitted_on": dict(self.fitted_on),
            "form": self.form.to_json(),
            "stage": self.stage.to_json(),
            "persona": {k: round(v, 5) for k, v in self.persona.items()},
            "background_share": {k: round(v, 4) for k, v in sorted(self.background_share.items())},
        }


# Signals of a page's form that the stage model reads only through the form's probabilities: a page that
# never names its publisher is more likely a reference document, but a peer's case study does not name
# the site that profiles it either, and is proof all the same. (Read by the stage model itself it moved
# simulated German JTBD accuracy 0.808 -> 0.795, cross-validated accuracy not at all.)
FORM_ONLY_SIGNALS = frozenset({"own_name_absent"})


def stage_inputs(form_probabilities: Mapping[str, float], values: Mapping[str, float]) -> dict[str, float]:
    """The stage model's features: the page's signals plus how likely it is each page form (the buying
    stage a page serves follows much from its form: every case study is proof, a product page is for
    choosing a supplier)."""
    combined = {name: value for name, value in values.items() if name not in FORM_ONLY_SIGNALS}
    combined.update({f"form:{form}": p for form, p in form_probabilities.items()})
    return combined


WEIGHTS_PACKAGE = "cylvy_pipeline.analysis"


@lru_cache(maxsize=4)
def load_weights(version: str) -> FittedWeights:
    """The fitted weights shipped with analyzer ``version`` (``weights/<version>.json`` in the package)."""
    text = resources.files(WEIGHTS_PACKAGE).joinpath("weights", f"{version}.json").read_text(encoding="utf-8")
    return FittedWeights.from_json(json.loads(text))


def weights_fingerprint_of(weights: FittedWeights) -> str:
    """A short hash of fitted weights, so a refit under the same analyzer version still renews the cache."""
    return hashlib.sha256(json.dumps(weights.to_json(), sort_keys=True).encode()).hexdigest()[:8]


#: The trade vocabulary shipped with the analyzer (``vocabulary/<name>.yaml`` in the package).
DOMAIN_VOCABULARY = "financial_services"


@dataclass(frozen=True)
class DomainVocabulary:
    """A trade's vocabulary by area of work: the names real pages use for what a persona works on."""

    areas: Mapping[str, tuple[str, ...]]  # area -> its terms, as pages write them
    # Areas of technology every industry shares: their words do not make a page one about the trade.
    shared_with_other_trades: frozenset[str] = frozenset()

    def fingerprint(self) -> str:
        """A short hash: a new term changes scores, so it renews the analysis cache."""
        data = {"areas": self.areas, "shared_with_other_trades": sorted(self.shared_with_other_trades)}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:8]


@lru_cache(maxsize=1)
def load_domain_vocabulary() -> DomainVocabulary:
    """The trade vocabulary shipped in the package (``vocabulary/<DOMAIN_VOCABULARY>.yaml``)."""
    path = resources.files(WEIGHTS_PACKAGE).joinpath("vocabulary", f"{DOMAIN_VOCABULARY}.yaml")
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return DomainVocabulary(
        areas={area: tuple(str(term) for term in terms) for area, terms in data["areas"].items()},
        shared_with_other_trades=frozenset(data.get("shared_with_other_trades", ())),
    )


def top_feature_reason(contributions: Sequence[tuple[float, str]]) -> str:
    """The strongest positive signals behind a judgement, in words, for a score's evidence."""
    names = {
        "pdf": "a PDF document", "url_article": "a blog/news section URL", "url_case": "a customer-stories URL",
        "url_paper": "a guides/research/standards URL", "url_product": "a product/solutions URL",
        "url_docs": "a documentation URL", "url_dated": "a dated URL", "url_repo": "a repository landing page",
        "url_repo_file": "a document in a repository", "url_home": "a site's home page",
        "og_article": "og:type article", "og_product": "og:type product", "ld_article": "an Article/BlogPosting type",
        "ld_product": "a Product/SoftwareApplication type", "ld_paper": "a Report/ScholarlyArticle type",
        "declared_date": "a published date", "declared_author": "an author", "byline_on_top": "a byline or date",
        "log_words": "the page's length", "headings": "many headings", "quotes": "quotations", "years": "dates",
        "title_case": "the title says case study", "title_paper": "the title says guide/paper/report",
        "title_article": "an announcement or explainer title", "attributed_quotes": "a quotation with its speaker",
        "percent_lines": "results in figures", "bullets": "bullet lists", "code_lines": "code samples",
        "own_name": "the page names its publisher", "own_name_absent": "the page never names its publisher",
    }
    said = [names.get(name) or _signal_in_words(name)
            for weight, name in contributions[:3] if weight > 0.05 and not name.startswith("form:")]
    return "Signals: " + "; ".join(said) if said else ""


def _signal_in_words(name: str) -> str:
    """A register word or phrase family in words: "the word 'your'", "talk of approaches and how-tos"."""
    if name.startswith("w_"):
        return f"the word '{name[2:]}'"
    return PHRASE_FAMILIES_IN_WORDS.get(name.removeprefix("p_"), name)
