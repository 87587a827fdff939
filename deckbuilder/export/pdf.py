"""Printing with headless Chromium: the deck as PDF pages, slide images, the handout.

The deck is opened once in reveal's print view (`?print-pdf`, tech brief §2.3), where
every slide is its own `.pdf-page` of exactly the canvas size: the PDF is printed from
that view and the handout's slide images are cut from the same laid-out pages. Chromium's
command-line printing is not used: it mostly prints one blank page for reveal decks.
"""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Mapping, Sequence

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from pypdf.generic import ArrayObject, ByteStringObject, NameObject, NumberObject

from deckbuilder.export import passthrough
from deckbuilder.export.browser import Page
from deckbuilder.errors import BuildError
from deckbuilder import markup
from deckbuilder.model import Deck, Slide

# Query options override Reveal.initialize's: fragments shown at once, one page per slide,
# and pages of exactly the canvas height (the default offset of -1 px leaves a white
# hairline at the bottom of every dark slide).
PRINT_QUERY = "?print-pdf&pdfSeparateFragments=false&pdfPageHeightOffset=0&showNotes=false"
PRINT_READY = ("window.Reveal && Reveal.isReady() && document.fonts.status === 'loaded' "
               "&& !document.querySelector('.reveal-viewport.loading-scroll-mode') "
               "&& document.querySelectorAll('.pdf-page').length > 0 "
               "&& [...document.images].every(i => i.complete)")
PAGE_RECTS = "[...document.querySelectorAll('.pdf-page')].map(e => e.getBoundingClientRect().toJSON())"
HANDOUT_READY = ("document.fonts.ready.then(() => document.readyState === 'complete' "
                 "&& [...document.images].every(i => i.complete && i.naturalWidth > 0))")
# Shrinks each notes box's text until it fits (down to a floor), then marks what still
# overflows; returns the slide numbers whose notes were cut.
FIT_NOTES = """(() => {
  const cut = [];
  for (const box of document.querySelectorAll('.db-notes')) {
    let size = parseFloat(getComputedStyle(box).fontSize);
    const floor = parseFloat(box.dataset.minSize || '11');
    while (box.scrollHeight > box.clientHeight + 1 && size > floor) {
      size -= 0.5;
      box.style.fontSize = size + 'px';
    }
    if (box.scrollHeight > box.clientHeight + 1) {
      box.classList.add('db-cut');
      cut.push(Number(box.dataset.slide));
    }
  }
  return cut;
})()"""
JPEG_QUALITY = 90
EPOCH = date(1980, 1, 1)             # the dates of an undated talk's PDFs
TOP_LEVEL = ("title", "credits", "closing")   # outline entries never under a section
HANDOUT_SCALE = 2   # device pixels per canvas px in the handout's slide images
ID_MARK = b"deckbuilder:ID:\0"   # 16 bytes: where a PDF's document ID goes, until known
TRAILER_BYTES = 4096               # the end of a written PDF, which holds its trailer


def open_print_view(page: Page, deck_html: Path, slides: int) -> list[dict[str, float]]:
    """Open the deck in reveal's print view; return each page's rect, one per slide."""
    page.goto(deck_html.as_uri() + PRINT_QUERY)
    page.wait_for(PRINT_READY, timeout=120)
    rects = page.evaluate(PAGE_RECTS)
    if len(rects) != slides:
        raise BuildError(f"Chromium laid out {len(rects)} print pages for {slides} slides "
                         f"(a slide taller than the canvas?): {deck_html}")
    return rects


def slide_images(page: Page, rects: list[dict[str, float]]) -> list[bytes]:
    """Return a JPEG of every laid-out print page, at HANDOUT_SCALE device pixels per px."""
    shots = []
    for r in rects:
        clip = {"x": r["x"], "y": r["y"], "width": r["width"], "height": r["height"],
                "scale": HANDOUT_SCALE}
        result = page.call("Page.captureScreenshot",
                           {"format": "jpeg", "quality": JPEG_QUALITY, "clip": clip,
                            "captureBeyondViewport": True}, 60)
        shots.append(base64.b64decode(result["data"]))
    return shots


def print_handout(page: Page, handout_html: Path) -> tuple[bytes, list[int]]:
    """Return the printed handout and the slide numbers whose notes had to be cut."""
    page.goto(handout_html.as_uri())
    page.wait_for(HANDOUT_READY, timeout=60)
    cut = page.evaluate(FIT_NOTES)
    return page.pdf(), [int(n) for n in cut]


def count_pages(pdf: bytes) -> int:
    """Return the number of pages of a PDF."""
    return len(PdfReader(io.BytesIO(pdf)).pages)


@dataclass(frozen=True)
class Bookmark:
    """One entry of a PDF's outline: a title, its 0-based page and the entries under it."""

    title: str
    page: int
    children: tuple[Bookmark, ...] = ()


def outline(deck: Deck) -> list[Bookmark]:
    """Return the slides PDF's outline: each section with its slides beneath it; the
    title, credits and closing slides, and slides before any section, at the top level.
    A credits run over several slides is one entry."""
    top: list[tuple[Bookmark, list[Bookmark]]] = []
    section: list[Bookmark] | None = None
    for page, slide in enumerate(deck.slides):
        if slide.kind == "credits" and page and deck.slides[page - 1].kind == "credits":
            continue
        mark = Bookmark(_title(slide, page), page)
        if slide.kind == "section":
            section = []
            top.append((mark, section))
        elif section is None or slide.kind in TOP_LEVEL:
            top.append((mark, []))
        else:
            section.append(mark)
    return [Bookmark(m.title, m.page, tuple(children)) for m, children in top]


def _title(slide: Slide, page: int) -> str:
    """Return the slide's title, with "…" when it is a caption cut short."""
    title = slide.title or f"Slide {page + 1}"
    caption = markup.plain(slide.caption)
    return title.rstrip() + "…" if caption != title and caption.startswith(title) else title


def finished(pdf: bytes, info: Mapping[str, str], when: date | None,
             bookmarks: Sequence[Bookmark] = (),
             originals: Mapping[int, Path] | None = None) -> bytes:
    """Return `pdf` rewritten to be reproducible, with these document-information fields
    (empty ones left out) and the outline; a file that is not a PDF is returned as is.
    With `originals`, it was printed with stand-ins for these pictures, which get their
    pictures' data (raise passthrough.Mismatch when they are not found).

    Chromium stamps the time of printing; the dates become the talk's day (1 January
    1980 without one, as in the PPTX), and the document ID a hash of the content, so
    the same talk gives the same bytes. pypdf writes the whole file anew: an incremental
    update would keep Chromium's own dates in the file.
    """
    try:
        reader = PdfReader(io.BytesIO(pdf))
        # pypdf's clone of a Chromium file has more objects than the file's /Size and
        # logs that to stderr; the writer numbers them anew, so the old count is moot.
        reader.trailer[NameObject("/Size")] = NumberObject(1 << 30)
        writer = PdfWriter(clone_from=reader)
    except PdfReadError:
        return pdf
    if originals:
        passthrough.swap(writer, originals)
    stamp = f"D:{(when or EPOCH):%Y%m%d}000000Z"
    fields = {f"/{key}": value for key, value in info.items() if value}
    producer = reader.metadata.get("/Producer") if reader.metadata else None
    writer.metadata = {**fields, **({"/Producer": producer} if producer else {}),
                       "/CreationDate": stamp, "/ModDate": stamp}
    for mark in bookmarks:
        parent = writer.add_outline_item(title=mark.title, page_number=mark.page)
        for child in mark.children:
            writer.add_outline_item(title=child.title, page_number=child.page, parent=parent)
    # Chromium writes no document ID; one drawn from the content (pypdf has no public
    # setter for it) identifies the file and keeps its bytes reproducible. The file is
    # written once, with a mark of the same length where the ID goes in the trailer.
    writer._ID = ArrayObject([ByteStringObject(ID_MARK), ByteStringObject(ID_MARK)])
    out = io.BytesIO()
    writer.write(out)
    with out.getbuffer() as written:   # patched in place: the file is tens of MB
        digest = hashlib.sha256(written).digest()[:16].hex().encode()
        start = max(0, len(written) - TRAILER_BYTES)
        tail = bytes(written[start:])
        at = tail.rindex(b"/ID")
        written[start:] = tail[:at] + tail[at:].replace(ID_MARK.hex().encode(), digest)
    return out.getvalue()

