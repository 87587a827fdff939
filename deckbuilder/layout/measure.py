"""Measuring and wrapping styled text with the theme's real font files.

The layout decides font sizes itself (PowerPoint ignores auto-fit until the text is
edited), so it needs the same greedy word wrap a renderer will do: words measured with
Pillow at the face of their run, a safety margin on the width, and a fixed line pitch
(size x line_height) that the renderers reproduce exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from PIL import ImageFont

from deckbuilder.markup import Run, merge_runs
from deckbuilder.theme import Theme

REF_SIZE = 200                # fonts are loaded once at this size; widths scale linearly
ELLIPSIS = "…"
_TOKENS = re.compile(r"\s+|\S+")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]()<>#=!|~])")


@dataclass(frozen=True)
class Fonts:
    """What measuring needs from a theme: face files, code advance, safety, line pitch."""

    faces: tuple[Path, Path, Path, Path]  # regular, bold, italic, bold italic
    code_advance: float
    safety: float
    line_height: float

    @classmethod
    def of(cls, theme: Theme) -> Fonts:
        """Return the measuring fonts of a theme."""
        faces = tuple(theme.font_file(b, i) for b, i in
                      ((False, False), (True, False), (False, True), (True, True)))
        return cls(faces, float(theme.get("fonts.code.advance")),  # type: ignore[arg-type]
                   float(theme.get("text.safety")), float(theme.get("text.line_height")))

    def width(self, text: str, run: Run, size: float) -> float:
        """Return the advance width of `text` in the face of `run`, in px at `size`."""
        if run.code:
            return len(text) * self.code_advance * size
        face = self.faces[int(run.bold) + 2 * int(run.italic)]
        return _font(face).getlength(text) * size / REF_SIZE

    def pitch(self, size: float) -> float:
        """Return the line pitch at `size`."""
        return size * self.line_height


@lru_cache(maxsize=16)
def _font(path: Path) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), REF_SIZE)


@dataclass(frozen=True)
class Token:
    """A word, a stretch of spaces, or a forced line break, in the style of its run."""

    text: str
    run: Run
    kind: str  # word | space | break


def tokens(runs: Sequence[Run]) -> list[Token]:
    """Return the wrap tokens of styled runs."""
    out: list[Token] = []
    for run in runs:
        if run.text == "\n":
            out.append(Token("\n", run, "break"))
            continue
        for m in _TOKENS.finditer(run.text.replace("\n", " ")):
            out.append(Token(m.group(), run, "space" if m.group().isspace() else "word"))
    return out


def wrap(toks: Sequence[Token], size: float, width: float, fonts: Fonts) -> list[int]:
    """Return the index of the first token of every line of greedily wrapped text."""
    limit = width * fonts.safety
    starts = [0]
    used = pending = 0.0
    line_empty = True
    for i, tok in enumerate(toks):
        if tok.kind == "break":
            starts.append(i + 1)
            used, pending, line_empty = 0.0, 0.0, True
            continue
        w = fonts.width(tok.text, tok.run, size)
        if tok.kind == "space":
            pending = 0.0 if line_empty else pending + w
            continue
        glued = i > 0 and toks[i - 1].kind == "word"  # "**bold**ly" is one word
        if not line_empty and not glued and used + pending + w > limit:
            starts.append(i)
            used, pending = 0.0, 0.0
        used += pending + w
        pending, line_empty = 0.0, False
    return starts


def styled(runs: Sequence[Run], bold: bool, italic: bool) -> list[Run]:
    """Return runs as drawn in a box whose style is bold and/or italic throughout."""
    if not (bold or italic):
        return list(runs)
    return [Run(r.text, r.bold or bold, r.italic or italic, r.code, r.mark, r.link) for r in runs]


def broken(runs: Sequence[Run], size: float, width: float, fonts: Fonts,
           bold: bool = False, italic: bool = False) -> list[Run]:
    """Return `runs` with a line break wherever the wrap at `size` in `width` starts a line.

    The wrap is measured as drawn in a box styled `bold`/`italic`. The renderers then
    draw exactly the lines that were measured: every line is narrower than the box by
    the safety margin, so neither PowerPoint, LibreOffice nor a browser wraps it again.
    """
    toks = tokens(runs)
    starts = set(wrap(tokens(styled(runs, bold, italic)), size, width, fonts)[1:])
    out: list[Token] = []
    for i, tok in enumerate(toks):
        if i in starts and tok.kind != "break" and (not out or out[-1].kind != "break"):
            out = _strip(out) + [Token("\n", tok.run, "break")]
        out.append(tok)
    return join(out)


@dataclass(frozen=True)
class Fit:
    """A fitted text: its size, line count, and the runs kept and cut."""

    size: float
    lines: int
    runs: tuple[Run, ...]
    overflow: tuple[Run, ...] = ()


def lines_at(runs: Sequence[Run], size: float, width: float, fonts: Fonts) -> int:
    """Return how many lines `runs` wrap to at `size` in `width`."""
    toks = tokens(runs)
    return len(wrap(toks, size, width, fonts)) if toks else 0


def fit(runs: Sequence[Run], width: float, height: float, min_size: int, max_size: int,
        fonts: Fonts) -> Fit:
    """Return the largest whole-px size in [min, max] at which `runs` fit the box.

    At the minimum size, lines beyond the box are cut (ending in an ellipsis) and
    returned as `overflow`.
    """
    def fits(size: int) -> bool:
        return lines_at(runs, size, width, fonts) * fonts.pitch(size) <= height

    lo, hi = min_size, max_size
    while lo < hi:  # the line count only grows with the size, so bisect
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid - 1)
    if fits(lo):
        return Fit(lo, lines_at(runs, lo, width, fonts), tuple(runs))
    return _truncate(runs, width, height, min_size, fonts)


def _truncate(runs: Sequence[Run], width: float, height: float, size: int,
              fonts: Fonts) -> Fit:
    max_lines = max(1, int(height // fonts.pitch(size)))
    toks = tokens(runs)
    starts = wrap(toks, size, width, fonts)
    cut = starts[max_lines] if max_lines < len(starts) else len(toks)
    while cut > 0:
        kept = _strip(toks[:cut]) + [Token(ELLIPSIS, toks[cut - 1].run, "word")]
        if len(wrap(kept, size, width, fonts)) <= max_lines:
            break
        cut -= 1  # the ellipsis pushed a word over: give up one more token
    kept_runs = join(_strip(toks[:cut])) + [Run(ELLIPSIS)]
    return Fit(size, max_lines, tuple(kept_runs), tuple(join(toks[cut:])))


def _strip(toks: Sequence[Token]) -> list[Token]:
    out = list(toks)
    while out and out[-1].kind != "word":
        out.pop()
    return out


def join(toks: Sequence[Token]) -> list[Run]:
    """Return tokens merged back into runs."""
    return merge_runs(Run("\n" if t.kind == "break" else t.text, t.run.bold, t.run.italic,
                          t.run.code, t.run.mark, t.run.link) for t in toks)


def plain(runs: Sequence[Run]) -> str:
    """Return the text of runs."""
    return "".join(r.text for r in runs).strip()


def to_markdown(runs: Sequence[Run]) -> str:
    """Return inline Markdown that parses back (with markup.runs) to these runs."""
    parts = []
    for r in runs:
        if r.text == "\n":
            parts.append("\\\n")
            continue
        text = f"`{r.text}`" if r.code and "`" not in r.text else _MD_SPECIAL.sub(r"\\\1", r.text)
        core, lead, trail = text.strip(), text[:len(text) - len(text.lstrip())], \
            text[len(text.rstrip()):]
        if core:
            for on, mark in ((r.italic, "*"), (r.bold, "**"), (r.mark, "==")):
                core = f"{mark}{core}{mark}" if on else core
            if r.link:
                core = f"[{core}](<{r.link}>)"
        parts.append(lead + core + trail)
    return "".join(parts)
