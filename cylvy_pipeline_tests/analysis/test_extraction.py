"""Main-text extraction from HTML and PDF, and what counts as a scraped page."""

from __future__ import annotations

import io
import logging

import pytest
from pypdf import PdfWriter

from cylvy_pipeline.analysis.extraction import MIN_SCRAPED_CHARS, ExtractedPage, extract_page, is_scraped

ARTICLE_PARAGRAPHS = [
    "Lenders that automate underwriting approve more small business applications in less time, "
    "because the credit team no longer re-keys bank statements into a spreadsheet.",
    "A modern loan origination workflow pulls documents straight from the applicant, checks identity "
    "and affordability automatically, and routes only the unusual cases to a human underwriter.",
    "In our pilot with three regional lenders the median time from application to decision fell from "
    "nine days to under two, while the default rate of the approved book stayed flat.",
]

ARTICLE_HTML = f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Faster loan origination for small business lenders | Ledger Line</title>
  <meta name="description" content="How small business lenders cut time to decision with automated underwriting.">
</head>
<body>
  <header>
    <nav>
      <ul>
        <li><a href="/">Home</a></li><li><a href="/products">Products</a></li>
        <li><a href="/pricing">Pricing</a></li><li><a href="/careers">Careers at Ledger Line</a></li>
      </ul>
    </nav>
    <div class="cookie-banner">We use cookies to improve your experience. Accept all cookies.</div>
  </header>
  <main>
    <article>
      <h1>Faster loan origination for small business lenders</h1>
      <p>{ARTICLE_PARAGRAPHS[0]}</p>
      <p>{ARTICLE_PARAGRAPHS[1]}</p>
      <p>{ARTICLE_PARAGRAPHS[2]}</p>
    </article>
  </main>
  <footer>
    <p>Copyright 2026 Ledger Line Ltd. All rights reserved.</p>
    <ul><li><a href="/privacy">Privacy policy</a></li><li><a href="/terms">Terms of use</a></li>
    <li><a href="/sitemap">Sitemap</a></li></ul>
  </footer>
</body>
</html>
"""


def minimal_pdf(*page_texts: str) -> bytes:
    """A valid PDF with one page per text, each shown in Helvetica, with a correct cross-reference table."""
    page_count = len(page_texts)
    font_number = 3 + 2 * page_count
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids ["
        + b" ".join(f"{3 + 2 * index} 0 R".encode() for index in range(page_count))
        + f"] /Count {page_count} >>".encode(),
    ]
    for index, text in enumerate(page_texts):
        stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * index} 0 R "
            f"/Resources << /Font << /F1 {font_number} 0 R >> >> >>".encode()
        )
        objects.append(b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")

    document = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(document))
        document += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref_offset = len(document)
    document += f"xref\n0 {len(objects) + 1}\n".encode()
    document += b"0000000000 65535 f \n"
    for offset in offsets:
        document += f"{offset:010d} 00000 n \n".encode()
    document += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref_offset}\n%%EOF\n".encode()
    return bytes(document)


def test_html_main_text_without_boilerplate() -> None:
    page = extract_page(ARTICLE_HTML.encode("utf-8"), "text/html; charset=utf-8", "https://ledger-line.example/blog/x")
    assert page.content_type == "html"
    assert page.title == "Faster loan origination for small business lenders | Ledger Line"
    assert page.meta_description == "How small business lenders cut time to decision with automated underwriting."
    for paragraph in ARTICLE_PARAGRAPHS:
        assert paragraph in page.text
    for boilerplate in ("Accept all cookies", "All rights reserved", "Privacy policy", "Careers at Ledger Line"):
        assert boilerplate not in page.text
    assert page.word_count == len(page.text.split())
    assert page.word_count >= sum(len(paragraph.split()) for paragraph in ARTICLE_PARAGRAPHS)
    assert is_scraped(page)


def test_html_honours_the_charset_of_the_content_type() -> None:
    html = ARTICLE_HTML.replace('<meta charset="utf-8">', "").replace("Lenders that", "Prêteurs that")
    page = extract_page(html.encode("iso-8859-1"), "text/html; charset=ISO-8859-1", "https://ledger-line.example/")
    assert "Prêteurs that automate underwriting" in page.text


def test_html_without_charset_falls_back_to_utf8_with_replacement() -> None:
    html_without_charset = ARTICLE_HTML.replace('<meta charset="utf-8">', "")
    body = html_without_charset.encode("utf-8").replace(b"Lenders that", b"Lenders\xff that")
    page = extract_page(body, "text/html", "https://ledger-line.example/")
    assert "Lenders\ufffd that automate underwriting" in page.text


def test_html_is_recognised_by_sniffing_when_the_type_is_generic() -> None:
    page = extract_page(ARTICLE_HTML.encode("utf-8"), "application/octet-stream", "https://ledger-line.example/")
    assert page.content_type == "html"
    assert ARTICLE_PARAGRAPHS[1] in page.text


def test_pdf_text() -> None:
    sentence = "Small business lending report: automated underwriting cut decision times across the market."
    page = extract_page(minimal_pdf(sentence), "application/pdf", "https://ledger-line.example/report.pdf")
    assert page.content_type == "pdf"
    assert page.text == sentence
    assert page.word_count == len(sentence.split())
    assert page.meta_description is None
    assert is_scraped(ExtractedPage(None, None, page.text * 2, 0, "pdf"))


def test_pdf_ligatures_are_spelled_out() -> None:
    # A typeset PDF draws "fi" and "fl" as one glyph (here the standard encoding's 0xAE and 0xAF), which
    # pypdf reads as U+FB01 and U+FB02: "ﬁnancial" would match no term.
    body = minimal_pdf("Core banking \xaenancial con\xaeguration and work\xafows.")
    page = extract_page(body, "application/pdf", "https://ledger-line.example/report.pdf")
    assert page.text == "Core banking financial configuration and workflows."


def test_pdf_text_from_all_pages_in_order() -> None:
    pages = ("Page one covers origination.", "Page two covers servicing.", "Page three covers collections.")
    page = extract_page(minimal_pdf(*pages), "application/pdf; qs=0.9", "https://ledger-line.example/r.pdf")
    assert page.text == "\n\n".join(pages)
    assert page.word_count == 12


def test_pdf_is_recognised_by_its_signature() -> None:
    page = extract_page(minimal_pdf("Signature only " * 10), "application/octet-stream", "https://x.example/r")
    assert page.content_type == "pdf"
    assert page.text.startswith("Signature only")


def test_pdf_with_blank_pages_has_empty_text() -> None:
    # Pages without text (blank pages from pypdf) join into nothing rather than failing.
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    page = extract_page(buffer.getvalue(), "application/pdf", "https://x.example/blank.pdf")
    assert page == ExtractedPage(title=None, meta_description=None, text="", word_count=0, content_type="pdf")


@pytest.mark.parametrize(
    ("body", "content_type", "kind"),
    [
        (bytes(range(256)) * 8, "application/octet-stream", "other"),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "image/png", "other"),
        (bytes(range(256)) * 4, "text/html", "html"),
        (b"%PDF-1.7\n this is not really a pdf \x00\x01\x02", "application/pdf", "pdf"),
        (b"", "text/html", "html"),
        (b"", "", "other"),
        (b"<html><body><div><div><div>" * 2000, "text/html", "html"),
    ],
)
def test_garbage_gives_empty_text_and_never_raises(body: bytes, content_type: str, kind: str) -> None:
    page = extract_page(body, content_type, "https://x.example/garbage")
    assert page.content_type == kind
    assert page.text == ""
    assert page.word_count == 0
    assert not is_scraped(page)


def test_a_body_served_as_pdf_that_is_not_one_warns_nothing(caplog: pytest.LogCaptureFixture) -> None:
    # A page's HTML served as application/pdf: one empty page, and not a run log full of pypdf's warnings.
    with caplog.at_level(logging.INFO):
        page = extract_page(b"<html><body>" + b"<p>Payments text.</p>" * 50, "application/pdf", "https://x.example/p")
    assert (page.content_type, page.text) == ("pdf", "")
    assert [record.levelname for record in caplog.records] == ["INFO"]
    assert caplog.records[0].getMessage().startswith("could not extract pdf content from https://x.example/p: ")


def test_short_page_is_not_scraped() -> None:
    html = "<html><head><title>Access denied</title></head><body><p>Please enable JavaScript.</p></body></html>"
    page = extract_page(html.encode(), "text/html", "https://x.example/blocked")
    assert page.title == "Access denied"
    assert len(page.text) < MIN_SCRAPED_CHARS
    assert not is_scraped(page)


@pytest.mark.parametrize(
    ("head", "heading", "title", "description"),
    [
        ('<meta property="og:title" content="Ledger Line: the lending desk">'
         '<meta name="twitter:description" content="Notes for lenders.">',
         "Faster decisions", "Ledger Line: the lending desk", "Notes for lenders."),
        ('<meta name="DESCRIPTION" content="Plain description.">'
         '<meta name="twitter:description" content="Second choice.">',
         "Faster decisions", "Faster decisions", "Plain description."),
        ("", "", None, None),
    ],
    ids=["open-graph-title-and-twitter-description", "first-heading-and-meta-description", "nothing-declared"],
)
def test_a_page_without_a_title_element_is_named_by_what_it_declares(head, heading, title, description) -> None:
    heading_html = f"<h1>{heading}</h1>" if heading else ""
    html = f"<html><head>{head}</head><body>{heading_html}<p>{ARTICLE_PARAGRAPHS[0]}</p></body></html>"
    page = extract_page(html.encode(), "text/html", "https://ledger-line.example/desk")
    assert (page.title, page.meta_description) == (title, description)


def test_scraped_threshold_is_one_hundred_characters() -> None:
    def page_with(length: int) -> ExtractedPage:
        text = "x" * length
        return ExtractedPage(title=None, meta_description=None, text=text, word_count=1, content_type="html")

    assert MIN_SCRAPED_CHARS == 100
    assert not is_scraped(page_with(99))
    assert is_scraped(page_with(100))


@pytest.mark.parametrize("content_type", ["text/html; charset=bogus-x", "text/html; charset=rot13", "text/html"])
def test_unknown_or_non_text_charset_falls_back_to_utf8(content_type: str) -> None:
    page = extract_page(ARTICLE_HTML.encode("utf-8"), content_type, "https://ledger-line.example/")
    assert ARTICLE_PARAGRAPHS[2] in page.text


def test_utf16_html_with_byte_order_mark() -> None:
    page = extract_page(ARTICLE_HTML.encode("utf-16"), "text/html", "https://ledger-line.example/")
    assert ARTICLE_PARAGRAPHS[0] in page.text


def test_the_site_name_a_page_declares() -> None:
    declared = ARTICLE_HTML.replace(
        '<meta charset="utf-8">', '<meta charset="utf-8"><meta property="og:site_name" content=" Ledger  Line ">'
    )
    page = extract_page(declared.encode(), "text/html", "https://ledger-line.example/blog/x")
    assert page.site_name == "Ledger Line"
    app = ARTICLE_HTML.replace('<meta charset="utf-8">', '<meta charset="utf-8"><meta name="Application-Name" content="LL">')
    assert extract_page(app.encode(), "text/html", "https://ledger-line.example/").site_name == "LL"
    # Not guessed from the title: a page that declares nothing has no site name.
    assert extract_page(ARTICLE_HTML.encode(), "text/html", "https://ledger-line.example/").site_name is None
