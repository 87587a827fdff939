"""The handout page: A4, two slides per sheet, each beside its number, title and notes.

Chromium prints it (`pdf.print_handout`); the page is the theme's `handout.html.j2`.
"""

from __future__ import annotations

from pathlib import Path

from deckbuilder import __version__
from deckbuilder import theme as theme_mod
from deckbuilder.layout import format_date
from deckbuilder.model import Deck
from deckbuilder.render import html

PER_SHEET = 2                       # slides per handout page
IMAGE_MM = {True: 112, False: 100}  # handout slide image width, by "is the deck 16:9"


def handout_page(deck: Deck, theme: theme_mod.Theme, shots: list[bytes], folder: Path) -> Path:
    """Write the handout page and its slide images into `folder`; return the page."""
    folder.mkdir(parents=True)
    cells = []
    for number, (slide, shot) in enumerate(zip(deck.slides, shots), start=1):
        image = f"slide-{number:03d}.jpg"
        (folder / image).write_bytes(shot)
        cells.append({"number": number, "image": image, "title": slide.title,
                      "notes": slide.notes.strip()})
    sheets = [cells[i:i + PER_SHEET] for i in range(0, len(cells), PER_SHEET)]
    meta = " · ".join(x for x in (deck.author, deck.event, format_date(deck.date, theme)) if x)
    text = html.environment(theme).get_template("handout.html.j2").render(
        deck=deck, sheets=sheets, meta=meta, fonts=_fonts(theme),
        family=theme.get("fonts.body.web_family"), accent=theme.color("accent"),
        image_width=IMAGE_MM[deck.width * 9 == deck.height * 16],
        generator=f"deckbuilder {__version__}")
    page = folder / "handout.html"
    page.write_text(text, encoding="utf-8")
    return page


def _fonts(theme: theme_mod.Theme) -> list[dict[str, object]]:
    """Return the @font-face data of the theme's body font files, as file: URLs."""
    family = theme.get("fonts.body.web_family")
    return [{"family": family, "weight": 700 if bold else 400,
             "style": "italic" if italic else "normal",
             "url": theme.font_file(bold, italic).resolve().as_uri()}
            for bold in (False, True) for italic in (False, True)]
