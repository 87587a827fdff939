"""The HTML deck's fallback fonts: the faces the planner measured non-Latin text with,
subset to the characters the deck draws from each file (fontTools, woff2).

A Korean caption takes a few dozen characters from a font of thousands of glyphs split
into a hundred files; the deck carries those characters only, so the folder deck and
the one-file deck show the measured glyphs offline, on a machine without the fonts.
Each subset is declared with exactly the code points it holds (unicode-range), and in
the font-family stack of every text box after the body face, in the order the planner
chose them for that box's text (`fonts.prefer`).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from deckbuilder import fonts, markup
from deckbuilder.errors import BuildError
from deckbuilder.model import Deck, Face

_STYLE = re.compile(r"-(\d00)-(normal|italic)\.woff2$")


@dataclass(frozen=True)
class Subset:
    """One subset font file of a fallback face: its @font-face data and bytes."""

    face: Face
    weight: int
    style: str
    codes: tuple[int, ...]
    name: str          # file name under assets/fonts/
    data: bytes

    @property
    def unicode_range(self) -> str:
        """Return the CSS unicode-range of exactly the code points the subset holds."""
        return ",".join(f"U+{low:X}" if low == high else f"U+{low:X}-{high:X}"
                        for low, high in _spans(self.codes))


def _spans(codes: Iterable[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for code in sorted(codes):
        if out and code == out[-1][1] + 1:
            out[-1] = (out[-1][0], code)
        else:
            out.append((code, code))
    return out


def _texts(deck: Deck) -> Iterable[tuple[str, bool, bool, str]]:
    """Yield (text, bold, italic, paragraph) for every stretch of text the deck draws
    that the body face may not have (text it has throughout is not parsed at all)."""
    body = deck.faces[0]
    for slide in deck.slides:
        for item in slide.items:
            if item.kind != "text" or item.style is None or not item.text or all(
                    fonts.covered(body, b, i, item.text) for b in (False, True)
                    for i in (False, True)):
                continue
            context = markup.plain(item.text)
            for run in markup.runs(item.text):
                if not run.code and run.text != "\n":
                    yield (run.text, item.style.bold or run.bold,
                           item.style.italic or run.italic, context)


def used_faces(deck: Deck) -> dict[tuple[Face, Path], set[str]]:
    """Return the characters the deck draws from each fallback face's files."""
    if len(deck.faces) < 2:
        return {}
    return fonts.used(_texts(deck), deck.faces)


def faces_used(deck: Deck) -> frozenset[Face]:
    """Return the fallback faces the deck draws any character with."""
    return frozenset(face for face, _ in used_faces(deck))


def subsets(deck: Deck) -> list[Subset]:
    """Return the subset fallback fonts the deck needs ([] for Latin-only text)."""
    out = []
    for (face, path), chars in sorted(used_faces(deck).items(),
                                      key=lambda kv: (deck.faces.index(kv[0][0]), kv[0][1])):
        codes = tuple(sorted({ord(c) for c in chars if not c.isspace()} & fonts.cmap(path)))
        if not codes:
            continue
        m = _STYLE.search(path.name)
        weight, style = (int(m.group(1)), m.group(2)) if m else (400, "normal")
        out.append(Subset(face, weight, style, codes, f"{path.stem}-sub.woff2",
                          _subset(path, codes)))
    return out


def _subset(path: Path, codes: tuple[int, ...]) -> bytes:
    """Return the woff2 of `path` cut to the glyphs of `codes` (and what their shaping
    needs: ligatures of emoji sequences, Arabic joining forms)."""
    from fontTools import subset
    from fontTools.ttLib import TTLibError

    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]        # joining forms, ZWJ sequences, vertical forms
    options.name_IDs = ["*"]               # keep the copyright and licence names
    options.notdef_outline = True
    try:
        font = subset.load_font(str(path), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=codes)
        subsetter.subset(font)
        out = io.BytesIO()
        subset.save_font(font, out, options)
    except (OSError, TTLibError, ValueError, KeyError, AssertionError) as e:
        raise BuildError(f"cannot subset the font {path}: {e}") from None
    return out.getvalue()


def stack(faces: Iterable[Face], used: set[Face], text: str) -> list[str]:
    """Return the web families of the fallback faces the deck uses, in the order the
    planner chose them for `text` (body face excluded)."""
    ordered = fonts.prefer(tuple(faces), text)
    return [f.web_family for f in ordered[1:] if f in used]


def licences(used: Iterable[Face]) -> dict[str, Path]:
    """Return the licence file of each used fallback face, by its name in the deck."""
    out = {}
    for face in used:
        package = Path(face.paths[0].format(subset="latin")).parent.parent
        licence = package / "LICENSE"
        if licence.is_file():
            out[f"assets/fonts/LICENSE-{package.name}"] = licence
    return out
