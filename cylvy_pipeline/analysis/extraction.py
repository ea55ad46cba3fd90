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
import logging
import re
from dataclasses import dataclass
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

_log = logging.getLogger(__name__)
# trafilatura warns ("discarding data") for every page whose main text it rejects; the scraping phase
# records those pages as failed with a reason, so the warning is noise in the run logs.
logging.getLogger("trafilatura").setLevel(logging.ERROR)


@dataclass(frozen=True)
class ExtractedPage:
    """The readable content of one fetched page."""

    title: str | None
    meta_description: str | None
    text: str
    word_count: int
    content_type: ContentKind
    site_name: str | None = None  # what the site calls itself (og:site_name, application-name)


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
    text = text.replace("\x00", "")
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
) -> ExtractedPage:
    cleaned = _clean_text(text)
    return ExtractedPage(
        title=_clean_optional(title),
        meta_description=_clean_optional(meta_description),
        text=cleaned,
        word_count=len(cleaned.split()),
        content_type=content_type,
        site_name=_clean_optional(site_name),
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
    # Without trafilatura's metadata (author, dates, categories: more than half of its time here, and
    # nothing the pipeline uses), title and description being read above.
    document = trafilatura.bare_extraction(tree, url=url or None, include_comments=False, favor_precision=True)
    text = (document.text or "") if document is not None else ""
    return _page_from_text(text, "html", title, meta_description, site_name)


def _extract_pdf(body: bytes) -> ExtractedPage:
    reader = PdfReader(io.BytesIO(body), strict=False)
    if reader.is_encrypted:
        # Many "protected" PDFs only restrict printing and open with the empty user password.
        reader.decrypt("")
    page_texts = [page.extract_text() or "" for page in reader.pages]
    title = None
    metadata = reader.metadata
    if metadata is not None and metadata.title:
        title = str(metadata.title)
    return _page_from_text("\n\n".join(page_texts), "pdf", title, None)


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
