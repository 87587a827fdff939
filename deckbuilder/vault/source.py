"""Source lines (issue 2, rule 3).

`(From Youtube: https://…)`, `From XKCD; Re: …`, `https://…` alone, `([X](url)) rest`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from deckbuilder.markup import plain

_WORD = re.compile(r"^\(?[ \t]*(?:from|source|via|credit)\b", re.IGNORECASE)
_LEADING_WORD = re.compile(r"^[ \t]*(?:from|source|via|credit)\b[ \t]*:?[ \t]*", re.IGNORECASE)
_ONLY_URL = re.compile(r"^\(?[ \t]*<?https?://[^\s<>]+?>?[ \t]*\)?$", re.IGNORECASE)
_PAREN_LINK = re.compile(r"^\([ \t]*\[([^\[\]]*)\]\([ \t]*<?[^\s()<>]*(?:\([^\s()]*\)[^\s()<>]*)*>?"
                         r"(?:[ \t]+\"[^\"]*\")?[ \t]*\)[ \t]*\)(.*)$")
_URL = re.compile(r"https?://[^\s<>\[\]\"']+", re.IGNORECASE)
# In a remainder, Markdown links are caption markup (kept); bare URLs and autolinks go.
_URL_OR_LINK = re.compile(r"(\[[^\[\]]*\]\([^()\s]*(?:\([^()\s]*\)[^()\s]*)*\))"
                          r"|<?https?://[^\s<>]+>?", re.IGNORECASE)
_SPACES = re.compile(r"[ \t]{2,}")
_TRAILING = re.compile(r"[\s:\-\u2013\u2014]+$")
_MARKUP = re.compile(r"[\\`*_\[\]<&]|==")   # what the inline rules react to (commonmark + mark)


@dataclass(frozen=True)
class SourceLine:
    """What a source line says: the source's text and URL, and the rest of the line."""

    text: str
    url: str | None
    remainder: str


_FIRST = frozenset("(<fFsSvVcChH")   # every source line starts with one of these


def is_source(line: str) -> bool:
    """Return whether a text line (markers removed, stripped) is a source line."""
    return bool(line) and line[0] in _FIRST and bool(
        _WORD.match(line) or _ONLY_URL.match(line) or _PAREN_LINK.match(line))


def parse(line: str) -> SourceLine | None:
    """Return the parts of a source line, or None when the line is not one."""
    line = line.strip()
    url = first_url(line)
    m = _PAREN_LINK.match(line)
    if m:
        return SourceLine(to_plain(m.group(1)), url, _remainder(m.group(2)))
    if _ONLY_URL.match(line):
        return SourceLine("", url, "")
    if not _WORD.match(line):
        return None
    inner, after = _unwrap(line)
    head, tail = _split(_LEADING_WORD.sub("", inner, count=1))
    text = _TRAILING.sub("", _SPACES.sub(" ", _URL.sub("", to_plain(head))).strip())
    return SourceLine(text, url, _remainder(f"{tail} {after}"))


def first_url(line: str) -> str | None:
    """Return the first http(s) URL on a line, without an unbalanced `)` or end punctuation."""
    m = _URL.search(line)
    if not m:
        return None
    url = m.group()
    # One pass from the end, counting once: trimming a character at a time and counting
    # the parentheses again each time was quadratic in a run of ")".
    opens, closes, end = url.count("("), url.count(")"), len(url)
    while end:
        ch = url[end - 1]
        if ch in ".,;:!?" or (ch == ")" and opens < closes):
            closes -= ch == ")"
            end -= 1
        else:
            break
    return url[:end]


def to_plain(md: str) -> str:
    """Return the plain text of inline Markdown (fast when there is no markup at all)."""
    return md.strip() if not _MARKUP.search(md) else plain(md)


def _unwrap(line: str) -> tuple[str, str]:
    """Return the inside of a leading `(…)` and what follows it; else the line and ''."""
    if not line.startswith("("):
        return line, ""
    depth = 0
    for i, ch in enumerate(line):
        depth += (ch == "(") - (ch == ")")
        if depth == 0:
            return line[1:i], line[i + 1:]
    return line[1:], ""


def _split(text: str) -> tuple[str, str]:
    """Split at the first `;` or `: ` outside parentheses and brackets."""
    depth = 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif depth == 0 and (ch == ";" or (ch == ":" and text[i + 1:i + 2] in (" ", "\t"))):
            return text[:i], text[i + 1:]
    return text, ""


def _remainder(text: str) -> str:
    kept = _URL_OR_LINK.sub(lambda m: m.group(1) or "", text)
    return _TRAILING.sub("", _SPACES.sub(" ", kept).strip())
