"""`deckbuilder export`: the conference outputs, a slides PDF, a handout PDF and a bundle.

The deck is built once by `build.build` into a temporary folder (the one-file HTML, and
the PPTX when a bundle is wanted); nothing reaches the output folder unless that build
passed every check. One headless Chromium then prints the deck from reveal's print view
and, for the handout, cuts each laid-out slide into an image and prints an A4 page per
two slides from the theme's `handout.html.j2`. Everything is made in memory or in the
temporary folder first, then each output replaces its previous version atomically.
"""

from __future__ import annotations

import math
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from deckbuilder import __version__
from deckbuilder import build as build_mod
from deckbuilder.export import pdf as pdfprint
from deckbuilder import theme as theme_mod
from deckbuilder.export.browser import Browser, find_chrome
from deckbuilder.errors import BuildError, Diagnostic, check, error, warning
from deckbuilder.fsutil import atomic_write_bytes
from deckbuilder.model import Deck
from deckbuilder.export.bundle import bundle_zip, readme
from deckbuilder.export.handout import PER_SHEET, handout_page

Progress = Callable[[str], None]
OUTPUTS = ("pdf", "handout", "bundle")
A4_PX = (794, 1123)                 # A4 at 96 CSS px per inch, the handout tab's size


@dataclass(frozen=True)
class Written:
    """One file export wrote: where, how big, and how many PDF pages (None for the zip)."""

    path: Path
    bytes: int
    pages: int | None = None


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
            what = f"{f.pages} pages" if f.pages is not None else "5 files"
            parts.append(f"{f.path} ({what}, {build_mod.format_size(f.bytes)})")
        return f"{self.slides} slides, {self.seconds:.1f} s: {', '.join(parts)}"


@dataclass(frozen=True)
class _Printed:
    """What Chromium made, still in memory."""

    pdf: bytes | None
    handout: bytes | None
    cut: tuple[int, ...]    # slide numbers whose notes did not fit on the handout


def _outputs(outputs: Sequence[str]) -> set[str]:
    unknown = [o for o in outputs if o not in OUTPUTS]
    if unknown or not outputs:
        raise BuildError([error(f"unknown export output {o!r}; choose from "
                                f"{', '.join(OUTPUTS)}") for o in unknown or ["(none)"]])
    return set(outputs)


def export(spec_path: Path, outputs: Sequence[str] = ("pdf",), out_dir: Path | None = None,
           strict: bool = False, allow_missing: bool = False,
           progress: Progress | None = None, cache_dir: Path | None = None) -> ExportResult:
    """Return what exporting the talk at `spec_path` wrote; raise DeckError on any error.

    `outputs` holds any of "pdf" (OUTDIR/<name>.pdf), "handout" (<name>-handout.pdf)
    and "bundle" (<name>-bundle.zip); OUTDIR defaults to build/ beside the spec.
    """
    started = time.monotonic()
    say = progress or (lambda _stage: None)
    wanted = _outputs(outputs)
    chrome = find_chrome()  # before building: a missing browser is reported at once
    with tempfile.TemporaryDirectory(prefix="deckbuilder-export-") as tmp:
        work = Path(tmp)
        formats = ("html", "pptx") if "bundle" in wanted else ("html",)
        built = build_mod.build(Path(spec_path), formats, work / "deck", strict, allow_missing,
                                progress, cache_dir, single_file=True)
        deck, theme = built.deck, built.theme
        assert deck is not None and theme is not None  # build returns what it planned with
        deck_html = next(p for p in built.outputs if p.suffix == ".html")
        out = Path(out_dir) if out_dir is not None else Path(spec_path).parent / "build"
        assert built.talk is not None
        check(build_mod.claim_outputs(built.talk, out, targets(out, deck_html.stem, wanted)),
              strict, BuildError)
        printed = _print(chrome, deck, theme, deck_html, work, wanted, say)
        diags = list(built.warnings) + _cut_warnings(deck, printed.cut, Path(spec_path))
        check(diags, strict, BuildError)
        files = _write(out, deck_html.stem, deck, printed, deck_html, wanted, say)
    return ExportResult(files, len(deck.slides), time.monotonic() - started,
                        tuple(d for d in diags if not d.is_error))


def targets(out: Path, name: str, wanted: set[str]) -> list[Path]:
    """Return the files an export of `wanted` outputs replaces, in a fixed order."""
    files = {"pdf": f"{name}.pdf", "handout": f"{name}-handout.pdf", "bundle": f"{name}-bundle.zip"}
    return [out / files[o] for o in OUTPUTS if o in wanted]


def _print(chrome: str, deck: Deck, theme: theme_mod.Theme, deck_html: Path, work: Path,
           wanted: set[str], say: Progress) -> _Printed:
    """Return the slides PDF and the handout (each if wanted), made by one Chromium."""
    need_pdf, need_handout = bool(wanted & {"pdf", "bundle"}), bool(wanted & {"handout", "bundle"})
    slides = len(deck.slides)
    say("starting Chromium")
    with Browser.launch(chrome) as browser:
        page = browser.new_page(deck.width, deck.height)
        say("laying the slides out for print")
        rects = pdfprint.open_print_view(page, deck_html, slides)
        pdf = None
        if need_pdf:
            say("printing the slides")
            pdf = _checked(page.pdf(), slides, "the slides PDF", _info(deck))
        if not need_handout:
            return _Printed(pdf, None, ())
        say(f"capturing {slides} slide images for the handout")
        shots = pdfprint.slide_images(page, rects)
        page.close()
        handout_html = handout_page(deck, theme, shots, work / "handout")
        say("printing the handout")
        data, cut = pdfprint.print_handout(browser.new_page(*A4_PX), handout_html)
        handout = _checked(data, math.ceil(slides / PER_SHEET), "the handout",
                           _info(deck, " (handout)"))
    return _Printed(pdf, handout, tuple(cut))


def _checked(pdf: bytes, expected: int, what: str, info: dict[str, str]) -> bytes:
    """Return `pdf` with its metadata set, after checking it has `expected` pages."""
    pages = pdfprint.count_pages(pdf)
    if pages != expected:
        raise BuildError(f"Chromium printed {pages} pages for {what}, expected {expected}")
    return pdfprint.with_info(pdf, info)


def _info(deck: Deck, suffix: str = "") -> dict[str, str]:
    """Return the PDF document information: title, author, subject, creator."""
    subject = " · ".join(x for x in (deck.subtitle, deck.event) if x)
    return {"Title": deck.title + suffix, "Author": deck.author, "Subject": subject,
            "Creator": f"deckbuilder {__version__}"}


def _cut_warnings(deck: Deck, cut: Sequence[int], spec: Path) -> list[Diagnostic]:
    """Return a warning, at the slide's spec line, for each handout notes box cut short."""
    return [warning(f"slide {n}: the speaker notes are too long for the handout and are "
                    "cut short there (the deck keeps them whole)", str(spec),
                    deck.slides[n - 1].line, code="handout-notes-cut") for n in cut]


def _write(out: Path, name: str, deck: Deck, printed: _Printed, deck_html: Path,
           wanted: set[str], say: Progress) -> tuple[Written, ...]:
    """Write the wanted outputs atomically into `out`; return them in a fixed order."""
    files = []
    if printed.pdf is not None and "pdf" in wanted:
        files.append(_put(out / f"{name}.pdf", printed.pdf, len(deck.slides)))
    if printed.handout is not None and "handout" in wanted:
        files.append(_put(out / f"{name}-handout.pdf", printed.handout,
                          math.ceil(len(deck.slides) / PER_SHEET)))
    if "bundle" in wanted:
        say("writing the bundle")
        assert printed.pdf is not None and printed.handout is not None
        members = [("README.txt", readme(deck, name).encode("utf-8")),
                   (f"{name}.pptx", deck_html.with_suffix(".pptx").read_bytes()),
                   (f"{name}.pdf", printed.pdf),
                   (f"{name}.html", deck_html.read_bytes()),
                   (f"{name}-handout.pdf", printed.handout)]
        files.append(_put(out / f"{name}-bundle.zip", bundle_zip(members)))
    return tuple(files)


def _put(path: Path, data: bytes, pages: int | None = None) -> Written:
    try:
        atomic_write_bytes(path, data)
    except OSError as e:
        raise BuildError(f"cannot write {path}: {e.strerror or e}") from None
    return Written(path, len(data), pages)
