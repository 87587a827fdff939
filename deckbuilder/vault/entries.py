"""One note's text -> its entries (issue 2, rules 1-9), with warnings at note:line.

An entry starts at every line holding an image embed; its text is the run of plain
lines below it. Source, caption and notes come from that text; tags from the lines it
covers plus the note's own tags; the date from the first image's name, else the front
matter.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import unquote, urlsplit

from deckbuilder.errors import Diagnostic, warning
from deckbuilder.model import Entry, ImageRef, Source
from deckbuilder.vault import dates, frontmatter, source
from deckbuilder.vault.index import Index, is_image_name
from deckbuilder.vault.inline import Embed
from deckbuilder.vault.scan import TEXT, Scan, scan

# Diagnostic codes of the image warnings, which `check` reports in its own words.
IMAGE_MISSING = "image-missing"
IMAGE_OUTSIDE = "image-outside"
IMAGE_REMOTE = "image-remote"

_QUOTE = re.compile(r"^[ \t]*>(?:[ \t]?>)*[ \t]?")
_CALLOUT = re.compile(r"^\[![^\]]*\][+-]?[ \t]*")
_BLOCK_ID = re.compile(r"[ \t]+\^[A-Za-z0-9-]+[ \t]*$")
_LEAD_MARKUP = re.compile(r"^(?:[ \t]*>)*[ \t]*(?:#{1,6}[ \t]+|(?:[-*+]|\d{1,9}[.)])[ \t]+"
                          r"(?:\[.\][ \t]+)?)?")
_LIST = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
_TAGS_ONLY = re.compile(r"^(?:#[^\s#]+[ \t]*)+$")   # on a stripped line
_ABOVE = re.compile(r"^above:[ \t]*", re.IGNORECASE)
_SIZE = re.compile(r"^(\d{1,6})(?:x(\d{1,6}))?$")
_PLUGIN_WORD = re.compile(r"^(?:\d+(?:\.\d+)?|\d+(?:\.\d+)?%|center|centre|left|right|inline)$",
                          re.IGNORECASE)
_SPACES = re.compile(r"[ \t]{2,}")


@dataclass
class _Note:
    """What reading one note needs; collects its warnings."""

    path: str            # vault-relative
    shown: str           # the path diagnostics name
    index: Index
    plain: dict[str, str]   # caption -> plain text, shared by the notes of one read
    problems: list[Diagnostic] = field(default_factory=list)

    def warn(self, line: int, message: str, code: str = "") -> None:
        """Record a warning at `line` of this note."""
        self.problems.append(warning(message, self.shown, line, code=code))

    def plain_text(self, md: str) -> str:
        """Return the plain text of a caption (parsed once per distinct caption)."""
        if md not in self.plain:
            self.plain[md] = source.to_plain(md)
        return self.plain[md]


def read_note(path: str, text: str, index: Index, shown: str | None = None,
              plain: dict[str, str] | None = None) -> tuple[list[Entry], list[Diagnostic]]:
    """Return the entries of one note (vault-relative `path`) and its warnings.

    Each entry's id is its first image's file stem; making ids unique across a vault
    (rule 9) is the reader's job. `shown` is the note's path in diagnostics.
    """
    note = _Note(path, shown or path, index, {} if plain is None else plain)
    s = scan(text)
    for line, message in s.problems:
        note.warn(line, message)
    starts = [(i, imgs) for i, emb in s.embeds.items() if (imgs := _images(emb, i + 1, note))]
    spans = [(i, _run_end(s, i)) for i, _ in starts]
    note_tags, fm_date = _note_level(s, spans, note)
    entries = [_entry(s, i, end, images, note_tags, fm_date, note)
               for (i, images), (_, end) in zip(starts, spans)]
    return entries, note.problems


def _run_end(s: Scan, i: int) -> int:
    """Return the index after the last line of the text run below embed line `i`."""
    j = i + 1
    while j < len(s.kinds) and s.kinds[j] == TEXT and j not in s.embeds:
        j += 1
    return j


def _entry(s: Scan, i: int, end: int, images: tuple[ImageRef, ...], note_tags: set[str],
           fm_date: date | datetime | None, note: _Note) -> Entry:
    """Return the entry of embed line `i` whose text runs to line index `end`."""
    first_line = _strip_markup(s.rest[i])
    lines = [first_line] if first_line else []
    lines += [_text_line(s.lines[j]) for j in range(i + 1, end)]
    caption, src, notes = _parts(lines)
    tags = set(note_tags)
    if s.tags:
        for j in range(i, end):
            tags.update(s.tags.get(j, ()))
    name = _file_name(images[0])
    stem = posixpath.splitext(name)[0] or "image"
    when = dates.from_filename(name) or fm_date
    return Entry(stem, note.path, i + 1, when, tuple(sorted(tags)) if tags else (), images,
                 caption, note.plain_text(caption) if caption else "", src, notes)


def _parts(lines: list[str]) -> tuple[str, Source | None, str]:
    """Return caption, source and notes of an entry's text lines (rules 3 and 4)."""
    stripped = [line.strip() for line in lines]
    sources = [source.is_source(line) for line in stripped]
    tag_lines = [bool(line) and line[0] == "#" and bool(_TAGS_ONLY.match(line))
                 for line in stripped]
    source_at = sources.index(True) if True in sources else -1
    parsed = source.parse(stripped[source_at]) if source_at >= 0 else None
    caption_at = -1
    if parsed and parsed.remainder:
        caption = parsed.remainder
    else:
        caption_at = next((k for k, line in enumerate(lines) if stripped[k] and not sources[k]
                           and not tag_lines[k] and not _LIST.match(line)), -1)
        caption = stripped[caption_at] if caption_at >= 0 else ""
    notes = [line.rstrip() for k, line in enumerate(lines)
             if k != caption_at and k != source_at and not tag_lines[k]]
    src = Source(parsed.text, parsed.url) if parsed else None
    return _ABOVE.sub("", caption, count=1), src, "\n".join(notes)


def _text_line(line: str) -> str:
    """Return a continuation line as its text: quote and callout markers and block id gone."""
    if line.lstrip().startswith(">"):
        line = _CALLOUT.sub("", _QUOTE.sub("", line, count=1), count=1)
    return _BLOCK_ID.sub("", line).rstrip() if "^" in line else line.rstrip()


def _strip_markup(rest: str) -> str:
    """Return an embed line's own text less list, quote, heading and table markers."""
    if not rest or rest.isspace():
        return ""
    text = _CALLOUT.sub("", _LEAD_MARKUP.sub("", rest, count=1).lstrip(), count=1)
    if text.lstrip().startswith("|") or text.rstrip().endswith("|"):
        text = " ".join(c.strip() for c in re.split(r"(?<!\\)\|", text) if c.strip())
    return _SPACES.sub(" ", _BLOCK_ID.sub("", text)).strip()


def _images(embeds: tuple[Embed, ...], line: int, note: _Note) -> tuple[ImageRef, ...]:
    """Return the image embeds of a line, warning about broken, missing and remote ones."""
    out = []
    for e in embeds:
        image = _image(e, note)
        if e.broken:
            what = "read as an image" if image else "ignored"
            note.warn(line, f"broken embed {e.text!r} (no closing ']]'); {what}")
        if image is None:
            continue
        if image.remote:
            note.warn(line, f"remote image {image.target!r} is listed but not downloaded",
                      IMAGE_REMOTE)
        elif image.path is None:
            note.warn(line, f"image not found: {image.target!r}", IMAGE_MISSING)
        elif image.path in note.index.outside:
            note.warn(line, f"image {image.target!r} is a symbolic link to a file outside "
                            "the vault", IMAGE_OUTSIDE)
        out.append(image)
    return tuple(out)


def _image(e: Embed, note: _Note) -> ImageRef | None:
    """Return the embed as an image, or None when it is a note, heading, audio, …"""
    target = e.target
    if target.lower().startswith(("http://", "https://")):
        if not (e.markdown or is_image_name(urlsplit(target).path)):
            return None
        return ImageRef(target, None, *_size_alt(e.parts))
    if e.markdown:
        path = note.index.resolve_markdown(target, note.path)
        name = unquote(target)
    else:
        path = note.index.resolve(target, note.path)
        name = target
    if not is_image_name(path or name):
        return None
    return ImageRef(target, path, *_size_alt(e.parts))


def _size_alt(parts: tuple[str, ...]) -> tuple[int | None, int | None, str | None]:
    """Return width, height and alt from an embed's display parts (rule 7)."""
    width = height = None
    if parts:
        m = _SIZE.match(parts[-1])
        if m:
            width, height = int(m.group(1)), int(m.group(2)) if m.group(2) else None
            parts = parts[:-1]
    alt = "|".join(p for p in parts if p and not _PLUGIN_WORD.match(p))
    return width, height, alt or None


def _file_name(image: ImageRef) -> str:
    """Return the file name an image's date and id come from."""
    if image.path:
        return image.path.rpartition("/")[2]
    if image.remote:
        return posixpath.basename(unquote(urlsplit(image.target).path))
    return posixpath.basename(unquote(image.target))


def _note_level(s: Scan, spans: list[tuple[int, int]], note: _Note
                ) -> tuple[set[str], date | datetime | None]:
    """Return the tags every entry of the note gets, and the note's front-matter date."""
    tags = set(frontmatter.tags(s.meta))
    covered: set[int] = set()
    for start, end in spans:
        covered.update(range(start, end))
    tags.update(t for j, found in s.tags.items() if j not in covered for t in found)
    when, bad = dates.from_front_matter(s.meta)
    if bad:
        note.warn(1, f"front matter {bad!r} is not a date (YYYY-MM-DD[THH:MM:SS]); ignored")
    return tags, when

