"""Printing with headless Chromium: the deck as PDF pages, slide images, the handout.

The deck is opened once in reveal's print view (`?print-pdf`, tech brief §2.3), where
every slide is its own `.pdf-page` of exactly the canvas size: the PDF is printed from
that view and the handout's slide images are cut from the same laid-out pages. Chromium's
command-line printing is not used: it mostly prints one blank page for reveal decks.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Mapping

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError

from deckbuilder.export.browser import Page
from deckbuilder.errors import BuildError

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
HANDOUT_SCALE = 2   # device pixels per canvas px in the handout's slide images


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


def with_info(pdf: bytes, fields: Mapping[str, str]) -> bytes:
    """Return `pdf` with these document-information fields set (empty ones left out).

    Chromium takes the title from document.title but cannot set an author; pypdf
    appends the new Info as an incremental update, leaving Chromium's bytes as they
    are. A file that is not a PDF is returned as is.
    """
    try:
        writer = PdfWriter(io.BytesIO(pdf), incremental=True)
    except PdfReadError:
        return pdf
    writer.add_metadata({f"/{key}": value for key, value in fields.items() if value})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
