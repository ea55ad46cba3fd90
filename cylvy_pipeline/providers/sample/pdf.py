"""A tiny, dependency-free writer of one-page text PDFs (the sample market's whitepapers and reports).

The output is a minimal but valid PDF 1.4 file: catalog, page tree, one page, the standard Helvetica font
(no embedding), one uncompressed content stream of text operators, an info dictionary and a correct
cross-reference table, so any PDF reader (pypdf included) can extract the text.
"""

from __future__ import annotations

import textwrap
import unicodedata
from collections.abc import Sequence

_PAGE_WIDTH = 612  # US Letter, points
_PAGE_HEIGHT = 792
_MARGIN_X = 56
_TOP_Y = 744
_BODY_SIZE = 10
_BODY_LEADING = 13
_TITLE_SIZE = 15
_WRAP_CHARS = 92  # fits the text width at 10 pt Helvetica
_MAX_LINES = 52  # what fits between the top and bottom margins after the title

_TRANSLIT = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "—": "-", "–": "-",
     "’": "'", "‘": "'", "“": '"', "”": '"', "…": "...", "©": "(c)", "·": "-"}
)


def to_pdf_text(text: str) -> str:
    """``text`` reduced to printable ASCII (umlauts transliterated), safe for a WinAnsi Type 1 font."""
    text = unicodedata.normalize("NFKD", text.translate(_TRANSLIT))
    return "".join(ch for ch in text if 32 <= ord(ch) < 127)


def _pdf_string(text: str) -> str:
    escaped = to_pdf_text(text).replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return f"({escaped})"


def _content_stream(title: str, paragraphs: Sequence[str]) -> bytes:
    lines: list[str] = []
    for paragraph in paragraphs:
        wrapped = textwrap.wrap(to_pdf_text(paragraph), width=_WRAP_CHARS) or [""]
        if lines:
            lines.append("")
        lines.extend(wrapped)
    lines = lines[:_MAX_LINES]
    ops = [
        "BT",
        f"/F1 {_TITLE_SIZE} Tf",
        f"{_MARGIN_X} {_TOP_Y} Td",
        f"{_pdf_string(title)} Tj",
        f"/F1 {_BODY_SIZE} Tf",
        f"{_BODY_LEADING} TL",
        f"0 -{_TITLE_SIZE + _BODY_LEADING} Td",
    ]
    for line in lines:
        if line:
            ops.append(f"{_pdf_string(line)} Tj")
        ops.append("T*")
    ops.append("ET")
    return ("\n".join(ops) + "\n").encode("ascii")


def make_pdf(title: str, paragraphs: Sequence[str], *, author: str | None = None) -> bytes:
    """One-page PDF with ``title`` as a heading and ``paragraphs`` as wrapped body text.

    Text that does not fit on the page is cut (whitepapers in the sample market are short).
    """
    stream = _content_stream(title, paragraphs)
    info = f"<< /Title {_pdf_string(title)} /Producer (cylvy sample market)"
    if author:
        info += f" /Author {_pdf_string(author)}"
    info += " >>"
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {_PAGE_WIDTH} {_PAGE_HEIGHT}] "
            "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
        ).encode("ascii"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(stream)).encode("ascii") + b" >>\nstream\n" + stream + b"endstream",
        info.encode("ascii"),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: list[int] = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode("ascii") + body + b"\nendobj\n"
    xref_at = len(out)
    out += f"xref\n0 {len(objects) + 1}\n".encode("ascii")
    out += b"0000000000 65535 f \n"
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode("ascii")
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\n"
        f"startxref\n{xref_at}\n%%EOF\n"
    ).encode("ascii")
    return bytes(out)
