"""`deckbuilder export`: the conference outputs, a slides PDF, a handout PDF, the sources
list and a bundle.

The deck is planned once by `build.build` in a temporary folder (which writes the PPTX,
for a bundle); nothing reaches the output folder unless that build passed every check.
One headless Chromium, started meanwhile, then prints the deck from reveal's print view,
with stand-ins for the PNG pictures whose own data the PDF then gets (`passthrough`),
again with pictures re-sampled for print when the PDF is over `max_pdf_mb`; for the
handout, it cuts each laid-out slide of the real deck into an image and prints an A4
page per two slides from the theme's `handout.html.j2`. PDFs are rewritten to be
reproducible, the slides PDF with an outline. Everything is made in memory or in the
temporary folder first, then each output replaces its previous version atomically.
"""

from __future__ import annotations

import contextlib
import math
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

from deckbuilder import __version__
from deckbuilder import build as build_mod
from deckbuilder import cache
from deckbuilder.export import passthrough
from deckbuilder.export import pdf as pdfprint
from deckbuilder.export import shrink
from deckbuilder.export import sources as sources_mod
from deckbuilder import theme as theme_mod
from deckbuilder.export.browser import Browser, Page, find_chrome
from deckbuilder.errors import BuildError, Diagnostic, check, error, warning
from deckbuilder.fsutil import Batch, clean_stale_temp, temp_prefix
from deckbuilder.model import Deck
from deckbuilder.export.bundle import bundle_zip, readme
from deckbuilder.export.handout import PER_SHEET, handout_page
from deckbuilder.render import html

Progress = Callable[[str], None]
OUTPUTS = ("pdf", "handout", "sources", "bundle")
PRINTED = {"pdf", "handout", "bundle"}   # the outputs that need Chromium
A4_PX = (794, 1123)                 # A4 at 96 CSS px per inch, the handout tab's size
MB = 1_000_000                      # as the summaries count megabytes


@dataclass(frozen=True)
class Written:
    """One file export wrote: where, how big, how many PDF pages (None if not a PDF), and
    what the summary says of it ("23 pages", "7 files", "16 sources")."""

    path: Path
    bytes: int
    pages: int | None = None
    detail: str = ""


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote, and the warnings it printed."""

    files: tuple[Written, ...]
    slides: int
    seconds: float
    warnings: tuple[Diagnostic, ...]

    @property
    def outputs(self) -> tuple[Path, ...]:
        """Return the paths written, in the order of the outputs asked for."""
        return tuple(f.path for f in self.files)

    def summary(self) -> str:
        """Return the one-line summary the CLI prints."""
        parts = []
        for f in self.files:
            pages = f"{f.pages} pages" if f.pages is not None else ""
            said = (pages, f.detail, build_mod.format_size(f.bytes))
            parts.append(f"{f.path} ({', '.join(x for x in said if x)})")
        return f"{self.slides} slides, {self.seconds:.1f} s: {', '.join(parts)}"


@dataclass(frozen=True)
class _Printed:
    """What Chromium made, still in memory."""

    pdf: bytes | None
    handout: bytes | None
    cut: tuple[int, ...]    # slide numbers whose notes did not fit on the handout
    ppi: int | None = None  # the print resolution the pictures were re-sampled to, if any


def _outputs(outputs: Sequence[str]) -> set[str]:
    unknown = [o for o in outputs if o not in OUTPUTS]
    if unknown or not outputs:
        raise BuildError([error(f"unknown export output {o!r}; choose from "
                                f"{', '.join(OUTPUTS)}") for o in unknown or ["(none)"]])
    return set(outputs)


def export(spec_path: Path, outputs: Sequence[str] = ("pdf",), out_dir: Path | None = None,
           strict: bool = False, allow_missing: bool = False,
           progress: Progress | None = None, cache_dir: Path | None = None,
           max_pdf_mb: float | None = None, fetch_remote: bool = False) -> ExportResult:
    """Return what exporting the talk at `spec_path` wrote; raise DeckError on any error.

    `outputs` holds any of "pdf" (OUTDIR/<name>.pdf), "handout" (<name>-handout.pdf),
    "sources" (<name>-sources.md and .html) and "bundle" (<name>-bundle.zip); OUTDIR
    defaults to build/ beside the spec. With `max_pdf_mb`, a slides PDF bigger than that
    is printed again with its pictures re-sampled for print (150 ppi, then less).
    """
    started = time.monotonic()
    say = progress or (lambda _stage: None)
    wanted = _outputs(outputs)
    # before building: a missing browser is reported at once
    chrome = find_chrome() if wanted & PRINTED else None
    clean_stale_temp(("export", "chrome"))   # what exports that were killed left
    with contextlib.ExitStack() as stack:
        # No prune deletes a cached picture the handout or the PDF is yet to read.
        stack.enter_context(cache.in_use(cache_dir))
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(
            prefix=temp_prefix("export"))))
        # Started before the build: Chromium gets going while the deck is made.
        browser = stack.enter_context(Browser.start(chrome)) if chrome else None
        # Only the PPTX, for a bundle: the folder decks Chromium prints are written for
        # it (`_slides_pdf`); the one-file deck (for the bundle) is drawn from the same
        # plan and the same normalised images.
        formats = ("pptx",) if "bundle" in wanted else ()
        built = build_mod.build(Path(spec_path), formats, work / "deck", strict, allow_missing,
                                progress, cache_dir, fetch_remote=fetch_remote)
        deck, theme, talk = built.deck, built.theme, built.talk
        # build returns what it planned with
        assert deck is not None and theme is not None and talk is not None
        out = Path(out_dir) if out_dir is not None else Path(spec_path).parent / "build"
        check(build_mod.claim_outputs(talk, out, targets(out, talk.name, wanted)),
              strict, BuildError)
        limit = max_pdf_mb if max_pdf_mb is not None else float(theme.get("export.max_pdf_mb"))
        printed = (_print(browser, deck, theme, work, wanted, say, max_pdf_mb)
                   if browser else _Printed(None, None, ()))
        diags = (list(built.warnings) + _cut_warnings(deck, printed.cut, Path(spec_path))
                 + _size_warnings(printed, limit, max_pdf_mb is not None, Path(spec_path)))
        check(diags, strict, BuildError)
        listed = _sources(deck, theme, talk.slides_url)
        one_file = (html.write(deck, work / "deck", talk.name, theme, single_file=True)
                    if "bundle" in wanted else None)
        files = _write(out, talk.name, deck, printed, work / "deck", one_file, wanted, listed,
                       say)
    return ExportResult(files, len(deck.slides), time.monotonic() - started,
                        tuple(d for d in diags if not d.is_error))


def targets(out: Path, name: str, wanted: set[str]) -> list[Path]:
    """Return the files an export of `wanted` outputs replaces, in a fixed order."""
    files = {"pdf": [f"{name}.pdf"], "handout": [f"{name}-handout.pdf"],
             "sources": [f"{name}-sources.md", f"{name}-sources.html"],
             "bundle": [f"{name}-bundle.zip"]}
    return [out / f for o in OUTPUTS if o in wanted for f in files[o]]


def _print(browser: Browser, deck: Deck, theme: theme_mod.Theme, work: Path,
           wanted: set[str], say: Progress, max_pdf_mb: float | None) -> _Printed:
    """Return the slides PDF and the handout (each if wanted), made by one Chromium."""
    say("starting Chromium")
    printed = _printed(browser.ready(), deck, theme, work, wanted, say, max_pdf_mb)
    browser.quit()   # it shuts down while the outputs are written (the export's close waits)
    return printed


def _printed(browser: Browser, deck: Deck, theme: theme_mod.Theme, work: Path,
             wanted: set[str], say: Progress, max_pdf_mb: float | None) -> _Printed:
    need_pdf, need_handout = bool(wanted & {"pdf", "bundle"}), bool(wanted & {"handout", "bundle"})
    slides = len(deck.slides)
    page = browser.new_page(deck.width, deck.height)
    pdf, ppi, shown = None, None, deck
    if need_pdf:
        pdf = _slides_pdf(page, deck, theme, work / "print", say)
        if max_pdf_mb is not None and len(pdf) > max_pdf_mb * MB:
            pdf, ppi, shown = _smaller(page, deck, theme, work, pdf, max_pdf_mb, say)
    if not need_handout:
        return _Printed(pdf, None, (), ppi)
    # The slides PDF's view shows stand-ins: the handout's images need the pictures.
    say("laying the slides out for the handout")
    shown_html = html.write(shown, work / "shown", "deck", theme)
    rects = pdfprint.open_print_view(page, shown_html, slides)
    say(f"capturing {slides} slide images for the handout")
    shots = pdfprint.slide_images(page, rects)
    page.close()
    handout_html = handout_page(deck, theme, shots, work / "handout")
    say("printing the handout")
    data, cut = pdfprint.print_handout(browser.new_page(*A4_PX), handout_html)
    handout = _checked(data, math.ceil(slides / PER_SHEET), "the handout",
                       _info(deck, " (handout)"), deck)
    return _Printed(pdf, handout, tuple(cut), ppi)


def _slides_pdf(page: Page, deck: Deck, theme: theme_mod.Theme, folder: Path,
                say: Progress) -> bytes:
    """Return the finished slides PDF of `deck`, printed from a folder deck in `folder`
    with stand-ins for its PNG pictures, which the PDF then gets as they are. (A folder
    deck: Chromium loads its pictures as files, not as base64 text it must decode from
    one huge page.)"""
    shown = passthrough.stand_ins(deck, folder / "stand-ins")
    view = html.write(shown.deck, folder, "view", theme, stretched=shown.files)
    say("laying the slides out for print")
    pdfprint.open_print_view(page, view, len(deck.slides))
    say("printing the slides")
    try:
        return _checked(page.pdf(), len(deck.slides), "the slides PDF", _info(deck), deck,
                        pdfprint.outline(deck), shown.originals)
    except passthrough.Mismatch:   # a Chromium that prints the stand-ins another way
        pdfprint.open_print_view(page, html.write(deck, folder, "deck", theme),
                                 len(deck.slides))
        return _checked(page.pdf(), len(deck.slides), "the slides PDF", _info(deck), deck,
                        pdfprint.outline(deck))


def _smaller(page: Page, deck: Deck, theme: theme_mod.Theme, work: Path, pdf: bytes,
             max_pdf_mb: float, say: Progress) -> tuple[bytes, int, Deck]:
    """Return the slides PDF printed again with its pictures re-sampled for print, at the
    first of shrink.STEPS that brings it under `max_pdf_mb` (else the last), with that
    ppi and the deck with those pictures."""
    for ppi, quality in shrink.STEPS:
        say(f"the slides PDF is {len(pdf) / MB:.1f} MB: printing it with pictures at {ppi} ppi")
        smaller = shrink.for_print(deck, work / f"print-{ppi}", ppi, quality)
        pdf = _slides_pdf(page, smaller, theme, work / f"print-{ppi}-deck", say)
        if len(pdf) <= max_pdf_mb * MB:
            break
    return pdf, ppi, smaller


def _checked(pdf: bytes, expected: int, what: str, info: dict[str, str], deck: Deck,
             bookmarks: Sequence[pdfprint.Bookmark] = (),
             originals: Mapping[int, Path] | None = None) -> bytes:
    """Return `pdf` finished (metadata, dates, outline, ID, the stand-ins' pictures),
    after checking it has `expected` pages."""
    pages = pdfprint.count_pages(pdf)
    if pages != expected:
        raise BuildError(f"Chromium printed {pages} pages for {what}, expected {expected}")
    return pdfprint.finished(pdf, info, deck.date, bookmarks, originals)


def _info(deck: Deck, suffix: str = "") -> dict[str, str]:
    """Return the PDF document information: title, author, subject, creator."""
    subject = " · ".join(x for x in (deck.subtitle, deck.event) if x)
    return {"Title": deck.title + suffix, "Author": deck.author, "Subject": subject,
            "Creator": f"deckbuilder {__version__}"}


def _cut_warnings(deck: Deck, cut: Sequence[int], spec: Path) -> list[Diagnostic]:
    """Return a warning, at the slide's spec line, for each handout notes box cut short."""
    return [warning(f"slide {n}: the notes shown on the handout are too long for it and "
                    "are cut short there (the deck keeps them whole)", str(spec),
                    deck.slides[n - 1].line, code="handout-notes-cut") for n in cut]


def _size_warnings(printed: _Printed, limit: float, asked: bool,
                   spec: Path) -> list[Diagnostic]:
    """Return a warning for each PDF bigger than `limit` MB, saying what to do about it."""
    out = []
    for what, data in (("the slides PDF", printed.pdf), ("the handout", printed.handout)):
        if data is None or len(data) <= limit * MB:
            continue
        if what == "the handout":
            advice = "its slide images cannot be made smaller"
        elif printed.ppi is not None:
            advice = f"even with its pictures at {printed.ppi} ppi"
        else:
            advice = f"`export --max-pdf-mb {limit:g}` re-samples its pictures for print"
        out.append(warning(f"{what} is {len(data) / MB:.1f} MB, over "
                           f"{'the asked' if asked else 'a common conference upload limit of'} "
                           f"{limit:g} MB; {advice}", str(spec), code="pdf-too-large"))
    return out


@dataclass(frozen=True)
class _Listed:
    """The sources list, as Markdown and HTML, and how many sources it names."""

    markdown: bytes
    html: bytes
    count: int


def _sources(deck: Deck, theme: theme_mod.Theme, slides_url: str) -> _Listed:
    """Return the sources list of the deck."""
    groups = sources_mod.collect(deck)
    return _Listed(sources_mod.markdown(deck, groups, theme, slides_url).encode("utf-8"),
                   sources_mod.page(deck, groups, theme, slides_url).encode("utf-8"),
                   sources_mod.count(groups))


def _write(out: Path, name: str, deck: Deck, printed: _Printed, built: Path,
           one_file: Path | None, wanted: set[str], listed: _Listed,
           say: Progress) -> tuple[Written, ...]:
    """Write the wanted outputs into `out`, all or none; return them in a fixed order."""
    files, batch = [], Batch()
    shrunk = f"pictures at {printed.ppi} ppi" if printed.ppi else ""
    if printed.pdf is not None and "pdf" in wanted:
        files.append(_put(batch, out / f"{name}.pdf", printed.pdf, len(deck.slides), shrunk))
    if printed.handout is not None and "handout" in wanted:
        files.append(_put(batch, out / f"{name}-handout.pdf", printed.handout,
                          math.ceil(len(deck.slides) / PER_SHEET)))
    if "sources" in wanted:
        count = f"{listed.count} source{'' if listed.count == 1 else 's'}"
        files += [_put(batch, out / f"{name}-sources.md", listed.markdown, detail=count),
                  _put(batch, out / f"{name}-sources.html", listed.html, detail=count)]
    if "bundle" in wanted:
        say("writing the bundle")
        assert printed.pdf is not None and printed.handout is not None and one_file
        members = [("README.txt", readme(deck, name).encode("utf-8")),
                   (f"{name}.pptx", (built / f"{name}.pptx").read_bytes()),
                   (f"{name}.pdf", printed.pdf),
                   (f"{name}.html", one_file.read_bytes()),
                   (f"{name}-handout.pdf", printed.handout),
                   (f"{name}-sources.md", listed.markdown),
                   (f"{name}-sources.html", listed.html)]
        files.append(_put(batch, out / f"{name}-bundle.zip", bundle_zip(members),
                          detail=f"{len(members)} files"))
    try:
        batch.commit()   # each replaces its previous version; when one fails, none does
    except OSError as e:
        raise BuildError(f"cannot write {e.filename}: {e.strerror or e}") from None
    return tuple(files)


def _put(batch: Batch, path: Path, data: bytes, pages: int | None = None,
         detail: str = "") -> Written:
    batch.file(path, data)
    return Written(path, len(data), pages, detail)
