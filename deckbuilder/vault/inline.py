"""Embeds and tags in one line whose code, math and comments are already masked.

Wikilink embeds `![[target#subpath|display]]` (a `\\|` inside a table cell is a pipe),
their broken forms `![[x.png]` and `![[x.png`, Markdown images `![alt](dest "title")`,
and `#tags`: after whitespace or at the line start, never inside links or URLs
(research §3, §4, §7.1).
"""

from __future__ import annotations

import re
from typing import NamedTuple

HIDE = "\0"   # CommonMark replaces a real U+0000 with U+FFFD, so NUL is free to mean "hidden"

_EMBED = re.compile(
    r"(?<!\\)!\[\[(?P<body>[^\[\]]*)(?P<close>\]\]|\]|)"
    r"|(?<!\\)!\[(?P<alt>[^\[\]]*)\]\([ \t]*(?P<dest><[^<>]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)"
    r"(?:[ \t]+(?:\"[^\"]*\"|'[^']*'|\([^()]*\)))?[ \t]*\)")
_LINKISH = re.compile(r"!?\[\[[^\]]*\]\]|!?\[[^\]]*\]\([^)]*\)|<[^<>\s]*>|"
                      r"\b[A-Za-z][A-Za-z0-9+.-]*://\S+")
_TAG = re.compile(r"(?:^|(?<=\s))#([^\u2000-\u206F\u2E00-\u2E7F'!\"#$%&()*+,.:;<=>?@^`{|}~"
                  r"\[\]\\\s\0]+)")


class Embed(NamedTuple):
    """One embed as written: `![[target#sub|display]]` or `![alt](dest)`.

    A NamedTuple rather than a frozen dataclass: a big vault makes one per embed, and a
    tuple is built several times faster.
    """

    markdown: bool             # `![…](…)` rather than `![[…]]`
    start: int                 # columns of the whole embed in its line
    end: int
    target: str                # as written, less #subpath and |display (Markdown: `<>` removed)
    parts: tuple[str, ...]     # the display (wikilink) or alt (Markdown) split on `|`, trimmed
    broken: bool = False       # `![[x.png]` or `![[x.png`: recovered, but reported
    text: str = ""             # the embed as written


def embeds(masked: str, raw: str) -> list[Embed]:
    """Return the embeds of a masked line (columns and text taken from the raw line)."""
    out = []
    for m in _EMBED.finditer(masked):
        if m.group("body") is not None:
            out.append(_wiki(m, raw))
        else:
            out.append(_markdown(m, raw))
    return out


def _wiki(m: re.Match[str], raw: str) -> Embed:
    body = raw[m.start("body"):m.end("body")]
    if "\\" in body:
        body = body.replace("\\|", "|")   # a pipe escaped inside a table cell
    link, bar, display = body.partition("|")
    path = link.partition("#")[0]
    parts = tuple(p.strip() for p in display.split("|")) if bar else ()
    return Embed(False, m.start(), m.end(), path.strip(), parts, m.group("close") != "]]",
                 raw[m.start():m.end()])


def _markdown(m: re.Match[str], raw: str) -> Embed:
    alt = raw[m.start("alt"):m.end("alt")]
    dest = raw[m.start("dest"):m.end("dest")].strip()
    if dest.startswith("<") and dest.endswith(">"):
        dest = dest[1:-1].strip()
    if not dest.lower().startswith(("http://", "https://")):
        dest = dest.partition("#")[0]   # a local file's #fragment is a hint, not its name
    parts = tuple(p.strip() for p in alt.split("|")) if alt.strip() else ()
    return Embed(True, m.start(), m.end(), dest, parts, False, raw[m.start():m.end()])


def tags(masked: str) -> tuple[str, ...]:
    """Return the inline tags of a masked line: not in links or URLs, at least one non-digit."""
    if "[" in masked or "://" in masked or "<" in masked:
        masked = _LINKISH.sub(lambda m: HIDE * len(m.group()), masked)
    out = []
    for m in _TAG.finditer(masked):
        tag = m.group(1).strip("/")
        if tag and not tag.replace("/", "").isdigit():
            out.append(tag.lower())
    return tuple(out)
