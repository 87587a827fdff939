"""`deckbuilder new`: a starter talk spec listing matching entries as explicit picks.

Explicit `image:` picks (rather than one `select:`) are what a speaker edits: each line
is one slide, in date order, with its caption beside it as a comment, ready to be
reordered, cut and re-captioned.
"""

from __future__ import annotations

import json
import os
import re
from datetime import date, datetime
from pathlib import Path
from typing import Sequence

from deckbuilder import picks, theme, vault
from deckbuilder.errors import DeckError, error
from deckbuilder.fsutil import atomic_write_text
from deckbuilder.model import Criteria, Entry

COMMENT_WIDTH = 100  # characters of caption kept in each pick's comment
_YAML_RAW_UNSAFE = re.compile("[^\\x09\\x0A\\x0D\\x20-\\x7E\\xA0-\\u2027\\u202A-\\uD7FF\\uE000-\\uFFFD"
                              "\\U00010000-\\U0010FFFF]")


def criteria(tags: Sequence[str] = (), date_from: date | None = None,
             date_to: date | None = None, match: str | None = None) -> Criteria:
    """Return the Criteria of `new`'s options (tags lower case, without '#')."""
    return Criteria(tags=tuple(t.lstrip("#").lower() for t in tags if t.strip()),
                           date_from=date_from, date_to=date_to, match=match or None)


def write_starter(spec_path: Path, vault_dir: Path, criteria: Criteria,
                  force: bool = False) -> Path:
    """Write a starter spec picking the matching entries in date order; return its path."""
    spec_path = Path(spec_path)
    if spec_path.is_dir():
        raise DeckError([error("is a folder; give the spec's file name", str(spec_path))])
    if spec_path.exists() and not force:
        raise DeckError([error("already exists; nothing written (use --force to overwrite it)",
                               str(spec_path))])
    read, _ = vault.read(Path(vault_dir), ())
    entries = picks.ordered(picks.filter(read.entries, criteria), "date")
    if not entries:
        raise DeckError([error(f"none of the vault's {len(read.entries)} entries match; nothing "
                               f"written", str(vault_dir))])
    return atomic_write_text(spec_path, starter_text(spec_path, Path(vault_dir), read.entries,
                                                     entries))


def starter_text(spec_path: Path, vault_dir: Path, all_entries: tuple[Entry, ...],
                 picked: list[Entry]) -> str:
    """Return the YAML of a starter spec for `picked` (all_entries makes names unambiguous)."""
    rel = _relative(vault_dir, spec_path.parent)
    themes = ", ".join(theme.names(spec_path.parent))
    title = spec_path.stem.replace("-", " ").replace("_", " ").strip().capitalize() or "Talk"
    lines = [
        f"# Talk spec written by `deckbuilder new`: {len(picked)} entries in date order.",
        "# Reorder, cut and re-caption the picks, then run `deckbuilder check` on this file.",
        f"title: {_quote(title)}",
        'subtitle: ""',
        'author: ""',
        'event: ""                      # shown in footers and on the title slide',
        "# date: 2026-05-14",
        f"vault: {_quote(rel)}" + " " * max(1, 24 - len(_quote(rel))) + "# relative to this file",
        f"# theme: default              # available: {themes}",
        'aspect: "16:9"                 # or "4:3"',
        "slides:",
        "  - title",
    ]
    names = picks.Names.of(all_entries)
    lines += [_pick_line(e, names) for e in picked]
    lines.append("  - credits")
    return "\n".join(lines) + "\n"


def _pick_line(entry: Entry, names: picks.Names) -> str:
    # The first image's file name reads best; the id when that name is ambiguous.
    name = (entry.images[0].path or entry.images[0].target).rsplit("/", 1)[-1]
    if names.find(name) != [entry]:
        name = entry.id
    when = entry.date.isoformat(sep=" ") if isinstance(entry.date, datetime) else \
        (entry.date.isoformat() if entry.date else "undated")
    caption = _comment(entry.caption_text) or (
        f"(no caption; source: {_comment(entry.source.text or entry.source.url or '')})"
        if entry.source else "(no caption)")
    if len(caption) > COMMENT_WIDTH:
        caption = caption[: COMMENT_WIDTH - 1].rstrip() + "…"
    pick = f"  - image: {_quote(name)}  # {when} · {caption}"
    unavailable = [i.target for i in entry.images if i.path is None]
    if unavailable:
        # `check` and `build` refuse a missing or remote image: left out, but in view, so
        # the starter passes `check` and the speaker can restore the pick once it exists.
        why = "remote" if all(i.remote for i in entry.images if i.path is None) else "missing"
        return f"  # {why} image {_comment(unavailable[0])}:\n  #{pick[1:]}"
    return pick


def _quote(value: str) -> str:
    """Return a YAML double-quoted scalar (JSON's string syntax is valid YAML)."""
    text = json.dumps(value, ensure_ascii=False)
    # Escape what YAML may not hold raw (C1 controls, DEL, lone surrogates) or reads as a
    # line break (NEL, LS, PS), so any file name survives the round trip.
    return _YAML_RAW_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _comment(text: str) -> str:
    """Return text as one comment-safe line (no breaks, no non-printable characters)."""
    return " ".join("".join(ch for ch in text if ch.isprintable() or ch.isspace()).split())


def _relative(target: str | os.PathLike[str], start: str | os.PathLike[str]) -> str:
    target, start = os.path.abspath(target), os.path.abspath(start)
    try:
        rel = os.path.relpath(target, start)
    except ValueError:  # another drive on Windows: only an absolute path works
        return Path(target).as_posix()
    return Path(rel).as_posix()
