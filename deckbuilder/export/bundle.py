"""The conference bundle: every output in one reproducible zip, with a README.txt saying
which file to use on which laptop."""

from __future__ import annotations

import textwrap
from typing import Sequence

from deckbuilder import __version__
from deckbuilder.fsutil import reproducible_zip
from deckbuilder.model import Deck


def bundle_zip(members: Sequence[tuple[str, bytes]]) -> bytes:
    """Return a zip of `members` in order, with fixed times and modes (reproducible)."""
    # PPTX is a zip already; deflating it again gains nothing.
    return reproducible_zip(members, compresslevel=9, unix=True,
                            stored=lambda name: name.endswith(".pptx"))


def readme(deck: Deck, name: str) -> str:
    """Return the bundle's README.txt: which file to use where."""
    byline = ", ".join(x for x in (deck.author, deck.event) if x)
    rows = [(f"{name}.pptx", "PowerPoint, Keynote or LibreOffice Impress: editable slides "
                             "with the speaker notes. On a conference laptop that only has "
                             "PowerPoint: open it, press F5; the presenter view shows the notes."),
            (f"{name}.pdf", "One page per slide; opens in any PDF viewer, links clickable, "
                            "no notes. The safest fallback anywhere: open it full screen."),
            (f"{name}.html", "The reveal.js deck in one file, no network needed: open it in "
                             "any browser. F: full screen, S: speaker view with notes and "
                             "timer (allow the pop-up), Esc: overview."),
            (f"{name}-handout.pdf", "A4, two slides per page with each slide's caption, "
                                    "source and the notes marked public (never the speaker's "
                                    "own notes): to print, or to send to the organisers and "
                                    "the audience."),
            (f"{name}-sources.md", "Every source the talk shows, by site, with its URL and "
                                   "the slides that show it: to post beside the slides."),
            (f"{name}-sources.html", "The same list as a web page with clickable links.")]
    width = max(len(file) for file, _ in rows) + 2
    listing = "\n".join(textwrap.fill(text, 78, initial_indent=f"  {file:<{width}}",
                                      subsequent_indent=" " * (width + 2))
                        for file, text in rows)
    return (f"{deck.title}" + (f" ({byline})" if byline else "") + "\n\nWhich file to use:\n\n"
            + listing + "\n\n" + textwrap.fill(
                "On a USB stick, carry the first four: whatever the laptop has (PowerPoint, "
                "only a browser, only a PDF viewer), one of them will play. Browser only: "
                f"{name}.html, or {name}.pdf if the browser blocks scripts from files.", 78)
            + f"\n\nMade by deckbuilder {__version__}.\n")
