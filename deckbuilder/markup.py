"""Caption and text-slide Markdown: one markdown-it-py token stream for every output.

Captions are Obsidian-flavoured inline Markdown (wikilinks, ==highlight==, emphasis,
code, links). Parsing them once with markdown-it-py and walking the same tokens for
plain text, PPTX runs and HTML keeps the three outputs in agreement, and keeps raw
HTML and unsafe link schemes out of all of them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable, Literal
from urllib.parse import urlsplit

from markupsafe import Markup

if TYPE_CHECKING:   # markdown-it-py itself (~40 ms) is imported by `parser`, on first use:
    # plain captions and notes never need it, which is most of a warm rebuild.
    from markdown_it import MarkdownIt
    from markdown_it.rules_inline import StateInline
    from markdown_it.rules_inline.state_inline import Delimiter
    from markdown_it.token import Token

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
# Separators that text copied from PDFs and old files carries (paragraph and line
# separators, NEL, the C0 file/group/record/unit separators, vertical tab, form feed):
# the text shaper refuses some of them, and no renderer draws them as one would expect.
_SEPARATORS = re.compile("[\u2028\u2029\u0085\x0b\x0c\x1c-\x1f]")


def shown(name: str) -> str:
    """Return a file name as it can be shown and written anywhere: bytes that were not
    UTF-8 (kept by the file system as lone surrogates) as escapes, as `entries --json`."""
    return name.encode("utf-8", "backslashreplace").decode("utf-8")


def normal_text(text: str) -> str:
    """Return text with odd separators and control characters as plain spaces, so that
    measuring and every renderer see the same characters (line numbers are kept)."""
    return _SEPARATORS.sub(" ", text)
_WORD = re.compile(r"[^\W_]{2,}")
_SIZE_ONLY = re.compile(r"^\s*\d+(x\d+)?\s*$")
_WIKILINK = re.compile(r"(!?)\[\[([^\[\]\n]*?)\]\]")


@dataclass(frozen=True)
class Run:
    """A stretch of text with one set of character styles; "\\n" is a line break."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    mark: bool = False
    link: str | None = None


BlockKind = Literal["heading", "paragraph", "bullet", "number"]


@dataclass(frozen=True)
class Block:
    """A block of a text slide: heading (level 1-6), paragraph, or list item (level = depth)."""

    kind: BlockKind
    level: int
    runs: tuple[Run, ...]


def safe_url(url: str | None) -> str | None:
    """Return the URL when its scheme is http, https or mailto, else None."""
    if not url:
        return None
    url = url.strip()
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in SAFE_SCHEMES else None


def wikilink_display(inner: str) -> str:
    """Return what Obsidian shows for `[[inner]]`: the alias unless it is only a size."""
    inner = inner.replace("\\|", "|")
    target, _, alias = inner.partition("|")
    parts = [p.strip() for p in alias.split("|")] if alias else []
    shown = [p for p in parts if p and not _SIZE_ONLY.match(p)]
    if shown:
        return "|".join(shown)
    target = target.strip()
    page, _, sub = target.partition("#")
    return f"{page} > {sub.lstrip('^')}" if page and sub else (page or sub.lstrip("^"))


# ---------------------------------------------------------------- markdown-it rules


def _wikilink_rule(state: StateInline, silent: bool) -> bool:
    # Obsidian wikilinks are not CommonMark; without this rule `[[a|b]]` would be
    # literal brackets. An embed `![[x]]` inside text shows nothing.
    if not state.src.startswith(("[[", "![["), state.pos):
        return False
    m = _WIKILINK.match(state.src, state.pos)
    if not m:
        return False
    if not silent and not m.group(1):
        token = state.push("text", "", 0)
        token.content = wikilink_display(m.group(2))
    state.pos = m.end()
    return True


def _mark_tokenize(state: StateInline, silent: bool) -> bool:
    # A port of markdown-it-mark (tech brief §2.6): mdit-py-plugins has no `==mark==`.
    if silent or state.src[state.pos] != "=":
        return False
    scanned = state.scanDelims(state.pos, True)
    length = scanned.length
    if length < 2:
        return False
    from markdown_it.rules_inline.state_inline import Delimiter

    if length % 2:
        token = state.push("text", "", 0)
        token.content = "="
        length -= 1
    for _ in range(0, length, 2):
        token = state.push("text", "", 0)
        token.content = "=="
        state.delimiters.append(Delimiter(marker=0x3D, length=0, token=len(state.tokens) - 1,
                                          end=-1, open=scanned.can_open,
                                          close=scanned.can_close))
    state.pos += scanned.length
    return True


def _mark_pair(state: StateInline, delimiters: list[Delimiter]) -> None:
    lone = []
    for d in delimiters:
        if d.marker != 0x3D or d.end == -1:
            continue
        end = delimiters[d.end]
        nesting: Literal[1, -1]   # as Token.nesting is typed
        for idx, typ, nesting in ((d.token, "mark_open", 1), (end.token, "mark_close", -1)):
            t = state.tokens[idx]
            t.type, t.tag, t.nesting, t.markup, t.content = typ, "mark", nesting, "==", ""
        prev = state.tokens[end.token - 1]
        if prev.type == "text" and prev.content == "=":
            lone.append(end.token - 1)
    while lone:
        i = lone.pop()
        j = i + 1
        while j < len(state.tokens) and state.tokens[j].type == "mark_close":
            j += 1
        j -= 1
        if i != j:
            state.tokens[i], state.tokens[j] = state.tokens[j], state.tokens[i]


def _mark_post(state: StateInline) -> None:
    _mark_pair(state, state.delimiters)
    for meta in state.tokens_meta:
        if meta and "delimiters" in meta:
            _mark_pair(state, meta["delimiters"])


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    """Return the shared parser: CommonMark, raw HTML off, wikilinks and ==mark== on."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False})
    md.disable("image")  # a caption has no business embedding pictures
    md.inline.ruler.before("link", "wikilink", _wikilink_rule)
    md.inline.ruler.before("emphasis", "mark", _mark_tokenize)
    md.inline.ruler2.before("emphasis", "mark", _mark_post)
    # unsafe links stay text (markdown-it's documented hook is an attribute to replace)
    md.validateLink = lambda url: safe_url(url) is not None  # type: ignore[method-assign]
    # Obsidian shows a single newline as a line break (unless "strict line breaks" is on).
    md.add_render_rule("softbreak", lambda *_args: "<br>\n")
    return md


# ---------------------------------------------------------------- walking tokens


def _walk(children: list[Token]) -> list[Run]:
    runs: list[Run] = []
    bold = italic = mark = 0
    link: list[str | None] = []
    for t in children:
        if t.type in ("strong_open", "strong_close"):
            bold += t.nesting
        elif t.type in ("em_open", "em_close"):
            italic += t.nesting
        elif t.type in ("mark_open", "mark_close"):
            mark += t.nesting
        elif t.type == "link_open":
            link.append(safe_url(str(t.attrs.get("href", ""))))
        elif t.type == "link_close":
            link.pop()
        elif t.type in ("softbreak", "hardbreak"):
            runs.append(Run("\n"))
        elif t.type in ("text", "code_inline") and t.content:
            runs.append(Run(t.content, bold > 0, italic > 0, t.type == "code_inline",
                            mark > 0, link[-1] if link else None))
    return merge_runs(runs)


def merge_runs(runs: Iterable[Run]) -> list[Run]:
    """Return `runs` with each stretch of same-styled neighbours joined into one run.

    Line breaks ("\\n" runs) are never joined, to each other or to text.
    """
    merged: list[Run] = []
    for r in runs:
        prev = merged[-1] if merged else None
        if prev and r.text != "\n" and prev.text != "\n" and _style(prev) == _style(r):
            merged[-1] = Run(prev.text + r.text, *_style(r))
        else:
            merged.append(r)
    return merged


def _style(run: Run) -> tuple[bool, bool, bool, bool, str | None]:
    return (run.bold, run.italic, run.code, run.mark, run.link)


def _inline_children(md_text: str) -> list[Token]:
    tokens = parser().parseInline(md_text)
    return tokens[0].children or [] if tokens else []


def runs(md_text: str) -> list[Run]:
    """Return the styled runs of one piece of inline Markdown (a caption or title)."""
    text = _unmarked(md_text)
    if text is not None:   # as in `plain`: a slide number, a plain title or caption
        return [Run(text)] if text else []
    return list(_parsed_runs(md_text))


@lru_cache(maxsize=4096)   # the planner parses each caption for every layout it tries
def _parsed_runs(md_text: str) -> tuple[Run, ...]:
    return tuple(_walk(_inline_children(md_text)))


# Characters that can start inline markup (or an entity, or a line break); text without
# any of them is its own plain text, which spares the parser for most captions.
_MARKUP_CHARS = re.compile(r"[\\`*_\[\]<>!=&\n\r\x00]")
# A backslash before ASCII punctuation: that character as plain text (CommonMark).
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def _unmarked(md_text: str) -> str | None:
    """Return the text of inline Markdown that has no markup but backslash escapes, else
    None. The planner writes a caption back as Markdown with `\\(` for each bracket
    it keeps, so a plain caption is often escaped; it needs no parser either."""
    if not _MARKUP_CHARS.search(md_text):
        return md_text
    if "\\" in md_text and not _MARKUP_CHARS.search(_ESCAPE.sub("", md_text)):
        return _ESCAPE.sub(r"\1", md_text)
    return None


def plain(md_text: str) -> str:
    """Return the plain text of inline Markdown: markup removed, links show their text."""
    text = _unmarked(md_text)
    if text is not None:
        return text.strip()
    return "".join(r.text for r in runs(md_text)).strip()


def inline_html(md_text: str) -> Markup:
    """Return safe HTML for inline Markdown: raw HTML escaped, only safe links kept."""
    text = _unmarked(md_text)
    if text is not None:   # plain text, escaped as markdown-it's escapeHtml does
        return Markup(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                      .replace('"', "&quot;"))
    return Markup(parser().renderInline(md_text))


def blocks(md_text: str) -> list[Block]:
    """Return the headings, paragraphs and list items of block Markdown (a text slide)."""
    out: list[Block] = []
    lists: list[BlockKind] = []
    pending: tuple[BlockKind, int] | None = None
    for t in parser().parse(md_text):
        if t.type in ("bullet_list_open", "ordered_list_open"):
            lists.append("bullet" if t.type == "bullet_list_open" else "number")
        elif t.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif t.type == "heading_open":
            pending = ("heading", int(t.tag[1]))
        elif t.type == "paragraph_open":
            if pending is None:
                pending = (lists[-1], len(lists)) if lists else ("paragraph", 0)
        elif t.type == "list_item_open":
            pending = (lists[-1], len(lists))
        elif t.type == "inline" and pending is not None:
            out.append(Block(pending[0], pending[1], tuple(_walk(t.children or []))))
            pending = None
        elif t.type in ("fence", "code_block"):
            out.append(Block("paragraph", 0, (Run(t.content.rstrip("\n"), code=True),)))
    return out


def lost_words(md_text: str, kept: list[Block]) -> int:
    """Return how many words of block Markdown are in none of its parsed blocks (the
    parser drops what is nested beyond its limit without a word)."""
    shown = Counter(_WORD.findall(" ".join(r.text for b in kept for r in b.runs)))
    written = Counter(_WORD.findall(plain(md_text)))
    return sum((written - shown).values())


def blocks_html(md_text: str) -> Markup:
    """Return safe HTML for block Markdown (a text slide, a slide's speaker notes)."""
    simple = _plain_paragraphs(md_text)
    return Markup(simple if simple is not None else parser().render(md_text))


# A line that can only be paragraph text, as it is: nothing at its start that opens a
# block (heading, quote, list, fence, rule, indented code, table), no inline markup (as
# `_MARKUP_CHARS`, but a lone `=` of a URL's query), and no white space at either end for
# the parser to strip.
_PLAIN_LINE = re.compile(
    r"[^\s#>+\-*=_`~<|\d\\\[\]!&\x00](?:[^\\`*_\[\]<>!=&\r\x00]|=(?!=))*(?<![\s=])")


def _plain_paragraphs(md_text: str) -> str | None:
    """Return the parser's HTML for text that is only plain lines and empty lines (the
    planner's speaker notes: source and note:line), else None."""
    lines: list[str]   # the paragraph being read
    paragraphs, lines = [], []
    for line in md_text.split("\n"):
        if not line:
            if lines:
                paragraphs.append(lines)
            lines = []
        elif _PLAIN_LINE.fullmatch(line):
            lines.append(line.replace('"', "&quot;"))   # as markdown-it's escapeHtml does
        else:
            return None
    if lines:
        paragraphs.append(lines)
    # A line break as the parser's softbreak rule writes Obsidian's.
    return "".join("<p>" + "<br>\n".join(p) + "</p>\n" for p in paragraphs)
