"""Measuring and wrapping styled text with the theme's real font files.

The layout decides font sizes itself (PowerPoint ignores auto-fit until the text is
edited), so it needs the same greedy word wrap a renderer will do: words measured with
Pillow at the face of their run, a safety margin on the width, and a fixed line pitch
(size x line_height) that the renderers reproduce exactly.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:   # Pillow is imported when a word is first measured: a rebuild whose
    from PIL._imagingft import Font   # entries are all remembered (layout.memo) measures none

from deckbuilder import fonts as faces_of
from deckbuilder.markup import Run, merge_runs, normal_text
from deckbuilder.model import Face
from deckbuilder.theme import Theme

REF_SIZE = 200                # fonts are loaded once at this size; widths scale linearly
ELLIPSIS = "…"
ZWSP = "\u200b"               # zero-width space: where an overlong word may break
_TOKENS = re.compile(r"\s+|\S+")
# A break opportunity the renderers all take (UAX #14 HY): after a hyphen between letters.
_AFTER_HYPHEN = re.compile(r"(?<=[^\W\d_]-)(?=[^\W\d_])")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]()<>#=!|~])")


@dataclass(frozen=True)
class Fonts:
    """What measuring needs from a theme: face files, code advance, safety, line pitch,
    and the fallback chain for characters the body face lacks."""

    faces: tuple[Path, Path, Path, Path]  # regular, bold, italic, bold italic
    code_advance: float
    safety: float
    line_height: float
    chain: tuple[Face, ...] = ()          # body face first (theme.faces()); () = body only
    # (text, bold, italic) -> advance at REF_SIZE: a plan measures the same words at
    # every size it tries, and widths scale linearly, so each word is shaped once.
    _widths: dict[tuple[str, bool, bool], float] = field(
        default_factory=dict, init=False, compare=False, repr=False)
    # Widths an earlier plan with the same fonts shaped (layout.memo): a rebuild draws the
    # same slide numbers and footers, and need not load a font to measure them again.
    _known: dict[tuple[str, bool, bool], float] = field(
        default_factory=dict, init=False, compare=False, repr=False)
    # runs -> their tokens and advances: a fit wraps the same text at every size and
    # width it tries, and a slide's text is fitted, balanced and narrowed, so each text
    # is tokenised and looked up once.
    _measured: dict[tuple[Run, ...], Measured] = field(
        default_factory=dict, init=False, compare=False, repr=False)

    @classmethod
    def of(cls, theme: Theme) -> Fonts:
        """Return the measuring fonts of a theme."""
        faces = tuple(theme.font_file(b, i) for b, i in
                      ((False, False), (True, False), (False, True), (True, True)))
        return cls(faces, float(theme.get("fonts.code.advance")),  # type: ignore[arg-type]
                   float(theme.get("text.safety")), float(theme.get("text.line_height")),
                   theme.faces())

    def width(self, text: str, run: Run, size: float) -> float:
        """Return the advance width of `text` in the face of `run`, in px at `size`: each
        stretch in the face of the chain that draws it."""
        ref, scales = self._advance(text, run)
        return ref * size / REF_SIZE if scales else ref * size

    def _advance(self, text: str, run: Run) -> tuple[float, bool]:
        """Return (advance, True): `text` at REF_SIZE, to scale by size / REF_SIZE; or,
        for code, (advance, False): the advance per px of size."""
        if run.code:
            count = len(text) if text.isascii() else len(_clusters(text))
            return count * self.code_advance, False   # one advance per grapheme
        key = (text, run.bold, run.italic)
        ref = self._widths.get(key)
        if ref is None:
            ref = self._known.get(key)
            if ref is None:
                ref = self._shaped(text, run.bold, run.italic)
            self._widths[key] = ref
        return ref, True

    def shaped(self) -> dict[tuple[str, bool, bool], float] | None:
        """Return the widths this plan used, by (text, bold, italic), at REF_SIZE; None
        when it shaped none but those it was given (`remember`)."""
        if all(key in self._known for key in self._widths):
            return None
        return dict(self._widths)

    def remember(self, widths: dict[tuple[str, bool, bool], float]) -> None:
        """Take the widths an earlier plan with these same fonts shaped (`shaped`)."""
        self._known.update(widths)

    def _shaped(self, text: str, bold: bool, italic: bool) -> float:
        """Return the advance width of `text` at REF_SIZE, shaped by Pillow."""
        if not self.chain or faces_of.covered(self.chain[0], bold, italic, text):
            pieces = [(text, self.faces[int(bold) + 2 * int(italic)])]
        else:   # a word without its paragraph: Han is 1 em in each CJK face alike
            pieces = [(s.text, s.path) for s in faces_of.segments(text, self.chain, bold, italic)]
        # normal_text again: a shaper failure must never reach the user as a traceback
        return sum(advance(_font(path), normal_text(piece)) for piece, path in pieces)

    def pitch(self, size: float) -> float:
        """Return the line pitch at `size`."""
        return size * self.line_height

    def measured(self, runs: Sequence[Run]) -> Measured:
        """Return the wrap tokens of `runs` with their advances, made once per text."""
        key = tuple(runs)
        found = self._measured.get(key)
        if found is None:
            toks = tuple(tokens(key))
            refs = tuple((0.0, False) if t.kind == "break" else self._advance(t.text, t.run)
                         for t in toks)   # a break is never measured
            found = self._measured[key] = Measured(toks, refs)
        return found


def _clusters(text: str) -> list[str]:
    return faces_of.pattern(faces_of.CLUSTER).findall(text)


# Words are shaped with Pillow's FreeType core (`PIL._imagingft`), as ImageFont's
# FreeTypeFont shapes them, without ImageFont: it imports PIL.Image, some 35 ms, half of
# a rebuild's planning when one caption changed. PILLOW_INTERNALS is what this relies
# on; tests/test_fonts.py checks it against ImageFont's widths in every script, so
# that a Pillow that changes it fails there, not in a deck.
PILLOW_INTERNALS = (
    "PIL._imagingft.getfont(path, size, index, encoding, layout_engine=) is what "
    "ImageFont.truetype(path, size) keeps as .font; layout_engine 1 is Layout.RAQM "
    "(taken when _imagingft.HAVE_RAQM), 0 Layout.BASIC",
    "Font.getlength(text, mode, direction, features, language) is in 1/64 px; "
    "FreeTypeFont.getlength divides it by 64 after _string_length_check",
)
_MAX_LENGTH = 1_000_000   # ImageFont.MAX_STRING_LENGTH: longer text is refused, not shaped


@lru_cache(maxsize=256)   # a CJK caption draws from a few dozen slices of its font
def _font(path: Path) -> Font:
    if sys.platform == "win32":   # where ImageFont reads a non-ASCII path into memory first
        from PIL import ImageFont

        return ImageFont.truetype(str(path), REF_SIZE).font
    from PIL import _imagingft

    # font_bytes is optional, as ImageFont.truetype's own call has it; the stub says not.
    return _imagingft.getfont(str(path), REF_SIZE, 0, "",  # type: ignore[call-arg]
                              layout_engine=1 if _imagingft.HAVE_RAQM else 0)


def advance(font: Font, text: str) -> float:
    """Return the advance width of `text` in `font` (at REF_SIZE), as ImageFont's
    FreeTypeFont.getlength gives it."""
    if len(text) > _MAX_LENGTH:
        raise ValueError(f"too long to measure: {len(text)} characters")
    return font.getlength(text, "", None, None, None) / 64


@dataclass(frozen=True)
class Token:
    """A word, a stretch of spaces, or a forced line break, in the style of its run."""

    text: str
    run: Run
    kind: str  # word | space | break


@dataclass(frozen=True)
class Measured:
    """Runs as wrap tokens, with each token's advance at a reference size: the text is
    tokenised and looked up once, and every size tried only scales the advances."""

    toks: tuple[Token, ...]
    refs: tuple[tuple[float, bool], ...]   # Fonts._advance of each token
    _at: dict[float, list[float]] = field(default_factory=dict, compare=False, repr=False)

    def widths(self, size: float) -> list[float]:
        """Return every token's advance at `size`, as `Fonts.width` computes it."""
        found = self._at.get(size)
        if found is None:
            found = self._at[size] = [r * size / REF_SIZE if scales else r * size
                                      for r, scales in self.refs]
        return found

    def starts(self, size: float, width: float, fonts: Fonts) -> list[int]:
        """Return the first token of every line, wrapped at `size` in `width`."""
        return _starts(self.toks, self.widths(size), width * fonts.safety)


def tokens(runs: Sequence[Run]) -> list[Token]:
    """Return the wrap tokens of styled runs."""
    out: list[Token] = []
    # Korean wraps between words only; elsewhere CJK and emoji may break between letters.
    cjk = not faces_of.keeps_words("".join(r.text for r in runs))
    for run in runs:
        if run.text == "\n":
            out.append(Token("\n", run, "break"))
            continue
        for m in _TOKENS.finditer(run.text.replace("\n", " ")):
            if m.group().isspace():
                out.append(Token(m.group(), run, "space"))
                continue
            for n, piece in enumerate(m.group().split(ZWSP)):
                if n:   # a zero-width space: a break opportunity that stays in the text
                    out.append(Token(ZWSP, run, "space"))
                for k, part in enumerate(_AFTER_HYPHEN.split(piece)):
                    if k:   # PowerPoint, LibreOffice and browsers may break after a hyphen
                        out.append(Token("", run, "space"))
                    if part and cjk:
                        _cjk_words(out, part, run)
                    elif part:
                        out.append(Token(part, run, "word"))
    return out


def _cjk_words(out: list[Token], word: str, run: Run) -> None:
    """Append a word, with a zero-width break opportunity wherever UAX #14 lets a line
    break inside it next to an ideograph, kana, Hangul or emoji (fonts.break_points),
    and before it when it continues a word of the previous run at such a place."""
    prev = out[-1] if out else None
    if prev is not None and prev.kind == "word" and prev.text and \
            faces_of.break_points(prev.text[-1] + word[0]) == [1]:
        out.append(Token("", run, "space"))
    start = 0
    for at in faces_of.break_points(word):
        out.append(Token(word[start:at], run, "word"))
        out.append(Token("", run, "space"))
        start = at
    out.append(Token(word[start:], run, "word"))


def wrap(toks: Sequence[Token], size: float, width: float, fonts: Fonts) -> list[int]:
    """Return the index of the first token of every line of greedily wrapped text."""
    widths = [0.0 if t.kind == "break" else fonts.width(t.text, t.run, size) for t in toks]
    return _starts(toks, widths, width * fonts.safety)


def _starts(toks: Sequence[Token], widths: Sequence[float], limit: float) -> list[int]:
    """Return the first token of every line of a greedy wrap at `limit` (the box width
    less the safety margin), given each token's advance."""
    starts = [0]
    used = pending = 0.0
    line_empty = True
    prev_word = False
    for i, tok in enumerate(toks):
        kind = tok.kind
        if kind == "break":
            starts.append(i + 1)
            used, pending, line_empty = 0.0, 0.0, True
            prev_word = False
            continue
        w = widths[i]
        if kind == "space":
            pending = 0.0 if line_empty else pending + w
            prev_word = False
            continue
        # "**bold**ly" is one word: a word glued to the word before never starts a line
        if not line_empty and not prev_word and used + pending + w > limit:
            starts.append(i)
            used, pending = 0.0, 0.0
        used += pending + w
        pending, line_empty = 0.0, False
        prev_word = True
    return starts


def stable_width(runs: Sequence[Run], size: float, width: float, fonts: Fonts) -> float:
    """Return a box width, at most `width`, at which any renderer's wrap gives our lines.

    The lines are the ones measured at `width` (less the safety margin). A greedy wrap
    keeps exactly those breaks at any width from the widest line up to (not including)
    the narrowest "line plus the next word"; the middle of that range leaves the most
    room on both sides for a renderer that measures a little differently. One line
    needs no upper bound: the whole `width` is kept.
    """
    m = fonts.measured(runs)
    toks = m.toks
    if not toks:
        return width
    widths = m.widths(size)
    starts = m.starts(size, width, fonts) + [len(toks)]
    widest, tightest = 0.0, float("inf")
    for first, end in zip(starts, starts[1:]):
        last = end   # the line as drawn: without its trailing spaces and break
        while last > first and toks[last - 1].kind != "word":
            last -= 1
        drawn = sum(widths[i] for i in range(first, last) if toks[i].kind != "break")
        widest = max(widest, drawn)
        if end < len(toks) and toks[end - 1].kind != "break":
            # what the line would need to take the next word too
            more = sum(widths[i] for i in range(first, end) if toks[i].kind != "break")
            tightest = min(tightest, more + widths[end])
    if tightest == float("inf"):
        return width
    return min(width, (widest + tightest) / 2)


def styled(runs: Sequence[Run], bold: bool, italic: bool) -> list[Run]:
    """Return runs as drawn in a box whose style is bold and/or italic throughout."""
    if not (bold or italic):
        return list(runs)
    return [Run(r.text, r.bold or bold, r.italic or italic, r.code, r.mark, r.link) for r in runs]


@dataclass(frozen=True)
class Fit:
    """A fitted text: its size, line count, and the runs kept and cut."""

    size: float
    lines: int
    runs: tuple[Run, ...]
    overflow: tuple[Run, ...] = ()


def lines_at(runs: Sequence[Run], size: float, width: float, fonts: Fonts) -> int:
    """Return how many lines `runs` wrap to at `size` in `width`."""
    m = fonts.measured(runs)
    return len(m.starts(size, width, fonts)) if m.toks else 0


def breakable(runs: Sequence[Run], size: float, width: float, fonts: Fonts) -> list[Run]:
    """Return runs whose words wider than the box at `size` carry zero-width spaces where
    they may break, so they wrap instead of running out of the box (a pasted URL or
    hash, a 5,000-character "word"). Renderers break there too."""
    limit = width * fonts.safety
    out = []
    for run in runs:
        if fonts.width(run.text.replace("\n", " "), run, size) <= limit:   # the usual case
            out.append(run)
            continue
        parts = []
        for m in _TOKENS.finditer(run.text):
            word = m.group()
            if word.isspace() or fonts.width(word, run, size) <= limit:
                parts.append(word)
                continue
            piece = ""
            for ch in _clusters(word):   # never inside a grapheme cluster
                if piece and fonts.width(piece + ch, run, size) > limit:
                    parts.append(piece + ZWSP)
                    piece = ""
                piece += ch
            parts.append(piece)
        out.append(Run("".join(parts), run.bold, run.italic, run.code, run.mark, run.link)
                   if parts else run)
    return out


def fit(runs: Sequence[Run], width: float, height: float, min_size: int, max_size: int,
        fonts: Fonts) -> Fit:
    """Return the largest whole-px size in [min, max] at which `runs` fit the box.

    At the minimum size, lines beyond the box are cut (ending in an ellipsis) and
    returned as `overflow`.
    """
    runs = breakable(runs, max_size, width, fonts)

    def fits(size: int) -> bool:
        return lines_at(runs, size, width, fonts) * fonts.pitch(size) <= height

    lo, hi = min_size, max_size
    while lo < hi:  # the line count only grows with the size, so bisect
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid - 1)
    lines = lines_at(runs, lo, width, fonts)
    if lines * fonts.pitch(lo) <= height:
        return Fit(lo, lines, tuple(runs))
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
