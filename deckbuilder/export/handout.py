"""The handout page: A4, two slides per sheet, each beside its number, caption, source
and the notes the speaker marked as public.

The handout goes to the audience, so it never shows what the speaker notes hold for the
speaker alone: `note.md:line`, tags, file names, or (by default) notes not marked
public. What it shows of the notes is the theme's `handout.notes`. Chromium prints it
(`pdf.print_handout`); the page is the theme's `handout.html.j2`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from deckbuilder import __version__
from deckbuilder import markup
from deckbuilder import theme as theme_mod
from deckbuilder.errors import BuildError
from deckbuilder.layout import format_date
from deckbuilder.model import Deck, Slide
from deckbuilder.render import html

PER_SHEET = 2                       # slides per handout page
IMAGE_MM = {True: 112, False: 100}  # handout slide image width, by "is the deck 16:9"
NOTES = ("public", "all", "none")   # the theme's handout.notes
# A note line the speaker marks for the audience: "Public: …", also as a list item.
PUBLIC = re.compile(r"^(\s*(?:[-*+]\s+|\d+[.)]\s+)?)public:\s*", re.I)
# An Obsidian tag as the vault reads it, with the blanks before it: at a line's start or
# after whitespace, with a character that is not a digit (`#1` is a number, not a tag).
TAG = re.compile(r"[ \t]*(?<!\S)#[\w/-]*[^\W\d][\w/-]*")


def handout_page(deck: Deck, theme: theme_mod.Theme, shots: list[bytes], folder: Path) -> Path:
    """Write the handout page and its slide images into `folder`; return the page."""
    folder.mkdir(parents=True)
    mode = theme.get("handout.notes")
    if mode not in NOTES:
        raise BuildError(f"{theme.dirs[0] / 'theme.yaml'}: error: handout.notes must be one "
                         f"of {', '.join(NOTES)}, not {mode!r}")
    cells = []
    for number, (slide, shot) in enumerate(zip(deck.slides, shots), start=1):
        image = f"slide-{number:03d}.jpg"
        (folder / image).write_bytes(shot)
        cells.append({"number": number, "image": image, **audience(slide, mode)})
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


def audience(slide: Slide, mode: str) -> dict[str, Any]:
    """Return what the handout shows of a slide: title, caption (Markdown), source label
    and URL, and notes (Markdown) as `mode` allows; never note:line, tags or file names."""
    label = slide.source.text if slide.source else ""
    url = markup.safe_url(slide.source.url) if slide.source else None
    caption = untagged(slide.caption).strip()
    # An entry slide's caption is shown whole beside it; other slides have their title.
    entry = slide.kind in ("image", "multi-image")
    return {"title": "" if entry else slide.title, "alt": markup.plain(caption) or slide.title,
            "caption": caption, "source": label, "url": url,
            "notes": public_notes(slide.remarks, mode)}


def public_notes(remarks: str, mode: str) -> str:
    """Return the notes the audience may read: with "public" the lines marked `Public:`
    (each its own paragraph), with "all" every line, with "none" nothing; less tags."""
    if mode == "none":
        return ""
    lines = remarks.splitlines()
    if mode == "public":
        kept = [PUBLIC.sub(r"\1", line, count=1) for line in lines if PUBLIC.match(line)]
        # Each marked line stands alone, so it loses its indentation (not a code block).
        return "\n\n".join(untagged(line).strip() for line in kept if untagged(line).strip())
    return "\n".join(untagged(PUBLIC.sub(r"\1", line, count=1)) for line in lines).strip()


def untagged(text: str) -> str:
    """Return `text` without Obsidian tags and the spaces they leave."""
    return "\n".join(TAG.sub("", line).rstrip() for line in text.splitlines()).strip("\n")


def _fonts(theme: theme_mod.Theme) -> list[dict[str, object]]:
    """Return the @font-face data of the theme's body font files, as file: URLs."""
    family = theme.get("fonts.body.web_family")
    return [{"family": family, "weight": 700 if bold else 400,
             "style": "italic" if italic else "normal",
             "url": theme.font_file(bold, italic).resolve().as_uri()}
            for bold in (False, True) for italic in (False, True)]
