"""One pass over a note's lines: what is hidden, where embeds and tags are, what ends a run.

Front matter, fenced and indented code, inline code, `%%comments%%` and math are masked
(replaced by NUL, keeping every column) before embeds and tags are looked for, so a
`[[…]]` inside `$$…$$` or a `#define` inside code is never read (obsidian-format.md
§3.6, §7.1). Line numbers never move: line i of the note is `lines[i - 1]`.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

from deckbuilder.vault import frontmatter, inline
from deckbuilder.vault.inline import HIDE as _HIDE
from deckbuilder.vault.inline import Embed

# Line kinds. Only TEXT lines continue an entry's text (issue 2, rule 2).
TEXT, BLANK, HIDDEN, BREAK = "text", "blank", "hidden", "break"
_NORMAL, _COMMENT, _MATH = 0, 1, 2

_SPECIAL = re.compile(r"[\\`$%]")
_BACKTICKS = re.compile(r"`+")
_DOLLAR = re.compile(r"\$")
# A line needs the full walk when it may open a block, be indented, or hold inline code,
# math or a comment; every other line is plain text (most lines of a real note).
_INTERESTING = re.compile(r"^[ \t>`~]|[\\`$%]")
_NO_CUTS: tuple[tuple[int, int], ...] = ()
_FENCE = re.compile(r"^[ \t]*(?:>[ \t]?)*[ \t]*(`{3,}(?!.*`)|~{3,})")
_HEADING_OR_RULE = re.compile(
    r"^ {0,3}(?:#{1,6}(?:[ \t]|$)|(?:-[ \t]*){3,}$|(?:\*[ \t]*){3,}$|(?:_[ \t]*){3,}$|=+[ \t]*$)")
_LIST = re.compile(r"^[ \t]*(?:>[ \t]?)*[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")



@dataclass(frozen=True)
class Scan:
    """A scanned note: per-line kind and visible text, embeds and tags by line index."""

    lines: list[str]                       # as written, `%%comments%%` cut; line i is [i-1]
    kinds: list[str]
    embeds: dict[int, tuple[Embed, ...]]   # 0-based line index -> embeds in column order
    tags: dict[int, tuple[str, ...]]       # 0-based line index -> tags (lower case, no '#')
    rest: dict[int, str]                   # embed lines less their embeds and comments
    meta: dict[Any, Any] = field(default_factory=dict)   # front matter
    problems: list[tuple[int, str]] = field(default_factory=list)   # (line, warning)


def split_lines(text: str) -> list[str]:
    """Return the lines of a text, split on \\n, \\r\\n and \\r only (as editors number them)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\0", "\ufffd").split("\n")


def scan(text: str) -> Scan:
    """Return the scan of a note's text."""
    raw = split_lines(text)
    lines, kinds = list(raw), [TEXT] * len(raw)
    meta, start, problems = frontmatter.parse(raw)
    for i in range(start):
        lines[i], kinds[i] = "", HIDDEN
    embeds: dict[int, tuple[Embed, ...]] = {}
    tags: dict[int, tuple[str, ...]] = {}
    rest: dict[int, str] = {}
    walker = _Walker()
    for i in range(start, len(raw)):
        line = raw[i]
        if walker.fence or walker.indented or walker.state or _INTERESTING.search(line):
            masked = walker.step(line)
        else:
            masked = walker.simple(line)
        kinds[i] = walker.kind
        if walker.cuts:
            lines[i] = _cut(raw[i], walker.cuts)
        if masked is None:
            continue
        if "![" in masked:
            found = tuple(inline.embeds(masked, raw[i]))
            if found:
                embeds[i] = found
                rest[i] = _cut(raw[i], [*((e.start, e.end) for e in found), *walker.cuts])
        if "#" in masked:
            found_tags = inline.tags(masked)
            if found_tags:
                tags[i] = found_tags
    return Scan(lines, kinds, embeds, tags, rest, meta, problems)


class _Walker:
    """The block state carried from line to line (fences, comments, math, indented code)."""

    def __init__(self) -> None:
        self.state = _NORMAL
        self.fence = ""              # the opening fence while inside fenced code
        self.indented = False        # inside an indented code block
        self.prev_blank = True
        self.listish = False         # the last text line belonged to a list item
        self.kind = TEXT
        self.cuts: Sequence[tuple[int, int]] = _NO_CUTS   # comment spans of the current line
        self.comments: list[tuple[int, int]] = []
        self.closers: tuple[str, list[int]] = ("", [])   # a line and its math closers

    def simple(self, line: str) -> str | None:
        """Return a line that has nothing to mask, after setting its kind (the fast path)."""
        self.cuts = _NO_CUTS
        if not line:
            self.kind, self.prev_blank = BLANK, True
            return None
        self.prev_blank = False
        if line[0] in "#-*_=" and _HEADING_OR_RULE.match(line):
            self.kind, self.listish = BREAK, False
        else:
            self.kind = TEXT
            self.listish = line[0] in "-*+0123456789" and bool(_LIST.match(line))
        return line

    def step(self, line: str) -> str | None:
        """Return the line with hidden parts masked, or None when nothing of it is visible."""
        self.comments = []   # _mask appends the comment spans it hides
        self.cuts = self.comments
        blank = not line.strip()
        if self.fence:
            self.kind = HIDDEN
            m = _FENCE.match(line)
            if m and m.group(1)[0] == self.fence[0] and len(m.group(1)) >= len(self.fence) \
                    and not line[m.end():].strip():
                self.fence, self.kind = "", BREAK
            return None
        if self.indented and (blank or _indent(line) >= 4):
            self.kind = BLANK if blank else HIDDEN
            return None
        self.indented = False
        if self.state == _NORMAL:
            if blank:
                self.kind, self.prev_blank = BLANK, True
                return None
            if self.prev_blank and not self.listish and _indent(line) >= 4:
                self.indented, self.kind = True, HIDDEN
                return None
            m = _FENCE.match(line)
            if m:
                self.fence, self.kind, self.prev_blank = m.group(1), BREAK, False
                return None
        return self._inline(line, blank)

    def _inline(self, line: str, blank: bool) -> str | None:
        began = self.state
        masked = _mask(line, self) if began or _SPECIAL.search(line) else line
        self.prev_blank = blank
        if began != _NORMAL and self.state != _NORMAL and not masked.strip(_HIDE + " \t"):
            self.kind = HIDDEN
            return None
        head = line.lstrip(" \t>")
        if began != _NORMAL or self.state != _NORMAL or head.startswith(("$$", "%%")) \
                or _HEADING_OR_RULE.match(line):
            self.kind = BREAK
        else:
            self.kind = TEXT
        if self.kind == TEXT:
            self.listish = bool(_LIST.match(line)) or (self.listish and _indent(line) >= 1)
        else:
            self.listish = False
        return masked


def _indent(line: str) -> int:
    width = 0
    for ch in line:
        if ch == " ":
            width += 1
        elif ch == "\t":
            width += 4 - width % 4
        else:
            break
    return width


def _mask(line: str, walker: _Walker) -> str:
    """Return `line` with code, math and comments masked; record comment spans to cut."""
    chars = list(line)
    pos, n = 0, len(line)
    while pos < n:
        if walker.state != _NORMAL:
            closer = "%%" if walker.state == _COMMENT else "$$"
            end = line.find(closer, pos)
            stop = n if end < 0 else end + 2
            _hide(chars, pos, stop, walker.comments if walker.state == _COMMENT else None)
            if end < 0:
                break
            walker.state, pos = _NORMAL, stop
            continue
        m = _SPECIAL.search(line, pos)
        if not m:
            break
        pos = _special(line, m.start(), chars, walker)
    return "".join(chars)


def _special(line: str, i: int, chars: list[str], walker: _Walker) -> int:
    """Handle the special character at `i`; return where scanning goes on."""
    ch, n = line[i], len(line)
    nxt = line[i + 1] if i + 1 < n else ""
    if ch == "\\":
        return i + 2
    if ch == "`":
        # The run's length counts from the backtick itself (not from the line's start),
        # without copying the rest of the line, which made many backticks quadratic.
        run = _BACKTICKS.match(line, i).end() - i  # type: ignore[union-attr]  # line[i] is "`"
        close = re.compile(rf"(?<!`)`{{{run}}}(?!`)").search(line, i + run)
        if not close:
            return i + run
        _hide(chars, i, close.end(), None)
        return close.end()
    if ch == "%":
        if nxt != "%":
            return i + 1
        end = line.find("%%", i + 2)
        stop = n if end < 0 else end + 2
        _hide(chars, i, stop, walker.comments)
        if end < 0:
            walker.state = _COMMENT
        return stop
    if nxt == "$":
        walker.state = _MATH
        _hide(chars, i, i + 2, None)
        return i + 2
    end = _inline_math_end(line, i, walker)
    if end < 0:
        return i + 1
    _hide(chars, i, end, None)
    return end


def _inline_math_end(line: str, i: int, walker: _Walker) -> int:
    # Pandoc's rule keeps "$5 and $10" plain: the opener has no space after it, the closer
    # no space before it and no digit after it. The closers of a line are found once and
    # searched by bisection: looking for one from every opener was quadratic ("$a $a …").
    if i + 1 >= len(line) or line[i + 1] in " \t":
        return -1
    if walker.closers[0] is not line:
        walker.closers = (line, [m.start() for m in _DOLLAR.finditer(line)
                                 if m.start() > 0 and line[m.start() - 1] not in " \t\\"
                                 and not line[m.start() + 1:m.start() + 2].isdigit()])
    closers = walker.closers[1]
    k = bisect.bisect_right(closers, i)
    return closers[k] + 1 if k < len(closers) else -1


def _hide(chars: list[str], start: int, stop: int, cuts: list[tuple[int, int]] | None) -> None:
    chars[start:stop] = _HIDE * (stop - start)
    if cuts is not None and stop > start:
        cuts.append((start, stop))


def _cut(line: str, spans: Sequence[tuple[int, int]]) -> str:
    """Return `line` without the given column spans."""
    out, pos = [], 0
    for start, stop in sorted(spans) if len(spans) > 1 else spans:
        out.append(line[pos:start])
        pos = max(pos, stop)
    out.append(line[pos:])
    return "".join(out)
