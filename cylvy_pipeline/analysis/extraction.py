"""Main-text extraction from fetched pages (SPEC 6.5).

What we score in content analysis is the article a searcher lands on, not the navigation, cookie banner
and footer around it; trafilatura finds that main text in HTML. PDFs (white papers, reports) are common
in B2B search results, so their text is read with pypdf.

Extraction never raises: a page we cannot read is simply a page without text, which the scraping phase
records as "not scraped" (below :data:`MIN_SCRAPED_CHARS`) and retries next time.
"""

from __future__ import annotations

import codecs
import io
import json
import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import trafilatura
from lxml import html as lxml_html
from pypdf import PdfReader

# A page with less text than this is a failed scrape (blocked, a JS shell, an error page), not content.
MIN_SCRAPED_CHARS = 100

ContentKind = Literal["html", "pdf", "other"]

_HTML_MEDIA_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_PDF_MEDIA_TYPES = frozenset({"application/pdf", "application/x-pdf"})
# Content types servers send for "I don't know": we sniff the body instead of trusting them.
_UNSPECIFIC_MEDIA_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream", "text/plain"})

_CHARSET_IN_CONTENT_TYPE = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_CHARSET_IN_META = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body")
_BYTE_ORDER_MARKS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_SNIFF_BYTES = 2048
_WHITESPACE_RUN = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# Typeset PDFs draw "fi", "fl", "ffi" … as one glyph, and their text comes out as one character (U+FB00–
# U+FB06): "ﬁnancial" would not be "financial" to anything that reads the text. Spelled out.
_LIGATURES = str.maketrans({ligature: unicodedata.normalize("NFKC", ligature) for ligature in "ﬀﬁﬂﬃﬄﬅﬆ"})

_log = logging.getLogger(__name__)
# trafilatura warns ("discarding data") for every page whose main text it rejects; the scraping phase
# records those pages as failed with a reason, so the warning is noise in the run logs.
logging.getLogger("trafilatura").setLevel(logging.ERROR)
# pypdf warns for every malformed PDF ("EOF marker not found", "invalid pdf header"), a body served as a
# PDF that is not one included; extraction returns that page empty and says why at info level.
logging.getLogger("pypdf").setLevel(logging.ERROR)


@dataclass(frozen=True)
class ExtractedPage:
    """The readable content of one fetched page."""

    title: str | None
    meta_description: str | None
    text: str
    word_count: int
    content_type: ContentKind
    site_name: str | None = None  # what the site calls itself (og:site_name, application-name)
    # What the page says about itself (kept for content analysis: real sites label their pages).
    og_type: str | None = None  # Open Graph type, lowercase ("article", "website", "product")
    schema_types: tuple[str, ...] = ()  # JSON-LD / microdata @type values ("BlogPosting", "Product")
    published_at: str | None = None  # ISO date (YYYY-MM-DD) the page declares it was published
    author: str | None = None  # the author the page declares (meta, JSON-LD, PDF metadata)


def is_scraped(page: ExtractedPage) -> bool:
    """Whether the page yielded enough text to count as scraped content (≥ ``MIN_SCRAPED_CHARS``)."""
    return len(page.text) >= MIN_SCRAPED_CHARS


def _empty_page(content_type: ContentKind) -> ExtractedPage:
    return ExtractedPage(title=None, meta_description=None, text="", word_count=0, content_type=content_type)


def _media_type(content_type: str) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _clean_text(text: str | None) -> str:
    """Whitespace collapsed within lines, at most one blank line between paragraphs, ends stripped."""
    if not text:
        return ""
    text = text.replace("\x00", "").translate(_LIGATURES)
    lines = [_WHITESPACE_RUN.sub(" ", line).strip() for line in text.splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _clean_optional(text: str | None) -> str | None:
    cleaned = _clean_text(text).replace("\n", " ")
    return cleaned or None


def _page_from_text(
    text: str,
    content_type: ContentKind,
    title: str | None,
    meta_description: str | None,
    site_name: str | None = None,
    *,
    og_type: str | None = None,
    schema_types: tuple[str, ...] = (),
    published_at: str | None = None,
    author: str | None = None,
) -> ExtractedPage:
    cleaned = _clean_text(text)
    og_type = _clean_optional(og_type)
    author = _clean_optional(author)
    return ExtractedPage(
        title=_clean_optional(title),
        meta_description=_clean_optional(meta_description),
        text=cleaned,
        word_count=len(cleaned.split()),
        content_type=content_type,
        site_name=_clean_optional(site_name),
        og_type=og_type.lower()[:64] if og_type else None,
        schema_types=schema_types,
        published_at=published_at,
        author=author[:200] if author else None,
    )


# --- what a page says about itself ------------------------------------------------------------------------

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_PDF_DATE = re.compile(r"^D:(\d{4})(\d{2})(\d{2})")
_SCHEMA_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9]{1,63}$")
_MAX_JSON_LD_CHARS = 200_000  # a JSON-LD block larger than this is a data dump, not a page description


def iso_date(value: object) -> str | None:
    """The calendar date (``YYYY-MM-DD``) of an ISO 8601 timestamp or a PDF date (``D:20240131…``);
    ``None`` when the value is no plausible date (sites put "now", "" or year 0001 there)."""
    if not isinstance(value, str):
        return None
    match = _ISO_DATE.search(value) or _PDF_DATE.match(value.strip())
    if match is None:
        return None
    try:
        date = datetime(int(match.group(1)), int(match.group(2)), int(match.group(3)), tzinfo=UTC)
    except ValueError:
        return None
    return date.date().isoformat() if 1990 <= date.year <= 2100 else None


def _json_ld_nodes(value: object, depth: int = 0) -> Iterator[dict]:
    """Every JSON-LD node of a block: the top object(s), ``@graph`` members and nested objects."""
    if depth > 6:
        return
    if isinstance(value, list):
        for item in value:
            yield from _json_ld_nodes(item, depth + 1)
    elif isinstance(value, dict):
        yield value
        for key, item in value.items():
            if key != "@context" and isinstance(item, (dict, list)):
                yield from _json_ld_nodes(item, depth + 1)


def json_ld_nodes(tree: lxml_html.HtmlElement) -> Iterator[dict]:
    """Every JSON-LD node a page declares, in document order: each block's top object(s), ``@graph``
    members and nested objects (a broken or oversized block is skipped; the page is still read)."""
    for script in tree.xpath("//script[@type='application/ld+json']"):
        raw = script.text or ""
        if len(raw) > _MAX_JSON_LD_CHARS:
            continue
        try:
            block = json.loads(raw)
        except ValueError:
            continue
        yield from _json_ld_nodes(block)


def schema_types_of(node: dict) -> list[str]:
    declared = node.get("@type")
    values = declared if isinstance(declared, list) else [declared]
    # "http://schema.org/BlogPosting" and "schema:BlogPosting" name the same type as "BlogPosting".
    names = [str(value).rsplit("/", 1)[-1].rsplit(":", 1)[-1] for value in values if isinstance(value, str)]
    return [name for name in names if _SCHEMA_TYPE.match(name)]


def _author_name(value: object) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list):
        return next((name for name in map(_author_name, value) if name), None)
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        return value["name"].strip() or None
    return None


@dataclass(frozen=True)
class _SelfDescription:
    og_type: str | None
    schema_types: tuple[str, ...]
    published_at: str | None
    author: str | None


def _self_description(tree: lxml_html.HtmlElement) -> _SelfDescription:
    """The page's own statements of what it is: Open Graph type, JSON-LD and microdata types, the
    published date and the author (meta tags first, then JSON-LD, then microdata and ``<time>``)."""
    types: dict[str, None] = {}  # ordered and distinct
    published = _first_text(
        tree,
        "//meta[@property='article:published_time' or @name='article:published_time'"
        " or @property='og:published_time' or @itemprop='datePublished' or @name='date'"
        " or @name='publish-date' or @name='pubdate' or @name='dc.date' or @name='DC.date']/@content",
    )
    author = _first_text(
        tree,
        "//meta[translate(@name, 'AUTHOR', 'author')='author' or @property='article:author'"
        " or @name='twitter:creator']/@content",
    )
    published_ld = author_ld = None
    for node in json_ld_nodes(tree):
        node_types = schema_types_of(node)
        types.update(dict.fromkeys(node_types))
        if node_types and published_ld is None:
            published_ld = iso_date(node.get("datePublished"))
        if node_types and author_ld is None and "author" in node:
            author_ld = _author_name(node.get("author"))
    for item_type in tree.xpath("//*[@itemscope]/@itemtype"):
        types.update(dict.fromkeys(schema_types_of({"@type": str(item_type).strip()})))
    published_at = iso_date(published) or published_ld or iso_date(_first_text(tree, "//article//time/@datetime"))
    return _SelfDescription(
        og_type=_first_text(tree, "//meta[@property='og:type' or @name='og:type']/@content"),
        schema_types=tuple(list(types)[:12]),
        published_at=published_at,
        author=author or author_ld,
    )


def _detect_kind(body: bytes, media_type: str) -> ContentKind:
    if media_type in _PDF_MEDIA_TYPES or body[:_SNIFF_BYTES].lstrip().startswith(b"%PDF"):
        return "pdf"
    if media_type in _HTML_MEDIA_TYPES:
        return "html"
    if media_type in _UNSPECIFIC_MEDIA_TYPES or media_type.endswith("+xml") or media_type == "text/xml":
        head = body[:_SNIFF_BYTES].lstrip().lower()
        if any(marker in head for marker in _HTML_MARKERS):
            return "html"
    return "other"


def _known_codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _decode_html(body: bytes, content_type: str) -> str:
    """HTML bytes as text: the charset of the Content-Type header, else a byte-order mark, else a
    ``<meta charset>`` in the first bytes, else UTF-8; undecodable bytes become U+FFFD, never an error."""
    header_match = _CHARSET_IN_CONTENT_TYPE.search(content_type or "")
    encoding = _known_codec(header_match.group(1) if header_match else None)
    if encoding is None:
        for byte_order_mark, bom_encoding in _BYTE_ORDER_MARKS:
            if body.startswith(byte_order_mark):
                encoding = bom_encoding
                break
    if encoding is None:
        meta_match = _CHARSET_IN_META.search(body[:_SNIFF_BYTES])
        encoding = _known_codec(meta_match.group(1).decode("ascii", "ignore") if meta_match else None)
    try:
        return body.decode(encoding or "utf-8", errors="replace")
    except LookupError:  # a real codec that is not a text encoding, e.g. charset=rot13
        return body.decode("utf-8", errors="replace")


def _first_text(tree: lxml_html.HtmlElement, xpath: str) -> str | None:
    for value in tree.xpath(xpath):
        text = value if isinstance(value, str) else value.text_content()
        if text and text.strip():
            return str(text)
    return None


def _extract_html(body: bytes, content_type: str, url: str) -> ExtractedPage:
    markup = _decode_html(body, content_type)
    tree = trafilatura.load_html(markup)
    if tree is None:
        return _empty_page("html")
    # The <title> element is what searchers see in the SERP, so it wins; a page without one is named by
    # its Open Graph title, else its first heading. All is read before trafilatura prunes the tree.
    title = (
        _first_text(tree, "//head/title | //title")
        or _first_text(tree, "//meta[@property='og:title']/@content")
        or _first_text(tree, "//h1")
    )
    meta_description = (
        _first_text(tree, "//meta[translate(@name, 'DESCRIPTION', 'description')='description']/@content")
        or _first_text(tree, "//meta[@property='og:description']/@content")
        or _first_text(tree, "//meta[@name='twitter:description']/@content")
    )
    # Declared by the site itself; trafilatura's guess (which may come from the title) is not used.
    site_name = _first_text(
        tree,
        "//meta[@property='og:site_name']/@content"
        " | //meta[translate(@name, 'APLICTONME', 'aplictonme')='application-name']/@content",
    )
    described = _self_description(tree)
    # Without trafilatura's metadata (more than half of its time here): what the page declares about
    # itself is read above, from the tags the site wrote rather than from guesses.
    document = trafilatura.bare_extraction(tree, url=url or None, include_comments=False, favor_precision=True)
    text = (document.text or "") if document is not None else ""
    return _page_from_text(
        text, "html", title, meta_description, site_name,
        og_type=described.og_type, schema_types=described.schema_types,
        published_at=described.published_at, author=described.author,
    )


def _extract_pdf(body: bytes) -> ExtractedPage:
    reader = PdfReader(io.BytesIO(body), strict=False)
    if reader.is_encrypted:
        # Many "protected" PDFs only restrict printing and open with the empty user password.
        reader.decrypt("")
    page_texts = [page.extract_text() or "" for page in reader.pages]
    title = author = published_at = None
    metadata = reader.metadata
    if metadata is not None:
        title = str(metadata.title) if metadata.title else None
        author = str(metadata.author) if metadata.author else None
        published_at = iso_date(metadata.get("/CreationDate"))
    return _page_from_text("\n\n".join(page_texts), "pdf", title, None, author=author, published_at=published_at)


def extract_page(body: bytes, content_type: str, url: str) -> ExtractedPage:
    """Title, meta description and main text of a fetched page.

    HTML (by Content-Type, or sniffed when the type is missing or generic) goes through trafilatura
    with precision favoured and comments excluded; PDF (``application/pdf`` or a body starting with
    ``%PDF``) through pypdf, all pages joined. Anything else — images, archives, garbage — gives an
    empty ``"other"`` page. Never raises: a parser failure yields empty text of the detected kind.
    """
    body = body or b""
    kind = _detect_kind(body, _media_type(content_type))
    try:
        if kind == "pdf":
            return _extract_pdf(body)
        if kind == "html":
            return _extract_html(body, content_type, url)
    except Exception as error:  # noqa: BLE001 - parsers of hostile input raise anything; see docstring
        _log.info("could not extract %s content from %s: %s: %s", kind, url, type(error).__name__, error)
        return _empty_page(kind)
    return _empty_page("other")
