"""Read a vault (or one note of it) into entries: locate, index once, read notes in order.

`read` changes no process-wide state (the garbage collector, signal handlers, start
methods) and may run in any thread, also while others run: big vaults are read with the
help of worker processes started for the read alone (`pool`).
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import replace
from pathlib import Path
from typing import Callable, Sequence

from deckbuilder.errors import Diagnostic, VaultError, warning
from deckbuilder.markup import normal_text
from deckbuilder.markup import shown as markup_shown
from deckbuilder.model import Entry, Vault
from deckbuilder.vault import pool
from deckbuilder.vault.entries import read_note
from deckbuilder.vault.index import Index, build

# Below this many notes per process, starting a worker costs more than it saves.
_PARALLEL_MIN = 500
# Parts handed out to the readers: big first (less overhead), smaller towards the end so
# that no reader is left waiting long for the last one.
_PART_MAX, _PART_MIN = 400, 50

Chunk = pool.Chunk


def read(path: Path, notes: Sequence[str] = (), jobs: int | None = None
         ) -> tuple[Vault, list[Diagnostic]]:
    """Return the vault at `path` (a folder, or one .md note of it) and the warnings found.

    `notes` are vault-relative globs (`*` within a folder, `**` across folders, a folder
    name means everything under it) restricting which notes are read. Diagnostics name
    files as `path` joined with the note's vault-relative path. `jobs` caps the processes
    reading a big vault, this one included (None: one per CPU; 1: this process only).
    """
    path = Path(path)
    root, only = _locate(path)
    index, problems = build(root)
    selected = [only] if only is not None else _select(index.notes, notes, problems)
    chunks = _read_all(root, selected, index, _shown(path, only), jobs)
    ids = Ids()
    entries: list[Entry] = []
    for found, diags in chunks:
        entries.extend(e if ids.take(e.id) == e.id else replace(e, id=ids.last) for e in found)
        problems.extend(diags)
    return Vault(root, tuple(entries)), problems


def root_of(note: Path) -> Path:
    """Return the vault a note belongs to: the nearest folder above it with `.obsidian/`.

    A note in no such folder is a vault of its own folder. Only the folders written in
    `note` are looked at: resolve a relative path first.
    """
    note = Path(note)
    return next((p for p in note.parents if (p / ".obsidian").is_dir()), note.parent)


class Ids:
    """Entry ids for one read: the first image's stem, then `-2`, `-3`, … once it is taken."""

    def __init__(self) -> None:
        self._used: set[str] = set()
        self._next: dict[str, int] = {}
        self.last = ""

    def take(self, stem: str) -> str:
        """Return the first free id for `stem` (also kept as `last`) and mark it used."""
        candidate, n = stem, self._next.get(stem, 1)
        while candidate in self._used:   # resumes at the last suffix: linear, not quadratic
            n += 1
            candidate = f"{stem}-{n}"
        self._next[stem] = n
        self._used.add(candidate)
        self.last = candidate
        return candidate


def _shown(path: Path, only: str | None) -> Callable[[str], str]:
    """Return how diagnostics name a note: `path`, or `path` joined with the note."""
    if only is not None:
        return lambda _: str(path)
    prefix = str(path / "_")[:-1]   # what `path / note` puts before the note ("" for ".")
    if os.sep == "/":
        return lambda n: prefix + n   # `str(path / n)` without a Path per note
    return lambda n: prefix + n.replace("/", os.sep)


def _read_all(root: Path, selected: list[str], index: Index,
              shown: Callable[[str], str], jobs: int | None) -> list[Chunk]:
    """Return the entries and warnings of the selected notes, chunk by chunk, in order."""
    processes = _processes(len(selected), jobs)
    if processes == 1:
        return [read_chunk(root, selected, index, [shown(n) for n in selected])]
    parts = [(p, [shown(n) for n in p]) for p in _split(selected, processes)]
    return pool.read(root, index, parts, processes - 1,
                     lambda notes, names: read_chunk(root, notes, index, names))


def _processes(notes: int, jobs: int | None) -> int:
    """Return how many processes to read with, this one included."""
    if notes < 2 * _PARALLEL_MIN or not pool.command():
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(jobs or cpus or 1, cpus or 1, 8, notes // _PARALLEL_MIN))


def _split(notes: list[str], processes: int) -> list[list[str]]:
    """Return `notes` in consecutive parts, each a share of what is left (guided)."""
    parts, k = [], 0
    while k < len(notes):
        size = max(_PART_MIN, min(_PART_MAX, (len(notes) - k) // (3 * processes)))
        parts.append(notes[k:k + size])
        k += size
    return parts


def read_chunk(root: Path, notes: list[str], index: Index, shown: list[str]) -> Chunk:
    """Return the entries and warnings of some notes, read in this process."""
    entries: list[Entry] = []
    problems: list[Diagnostic] = []
    plain: dict[str, str] = {}
    for note, name in zip(notes, shown):
        text = _text(root / note, name, problems)
        if text is not None:
            found, diags = read_note(note, text, index, name, plain)
            entries.extend(found)
            problems.extend(diags)
    return entries, problems


def _locate(path: Path) -> tuple[Path, str | None]:
    """Return the vault root and, for a note path, the note's vault-relative path."""
    try:
        return _located(path)
    except OSError as exc:   # a name too long, a loop of symlinks, a folder gone
        raise VaultError(f"{markup_shown(str(path))[:200]}: cannot read "
                         f"({exc.strerror or exc})") from None


def too_wide(folder: Path) -> bool:
    """Return whether a vault folder is a file-system root or the home folder itself
    (reading it would walk everything), unless it is an Obsidian vault (.obsidian/)."""
    folder = Path(os.path.abspath(folder))
    try:
        home = Path.home()
    except RuntimeError:
        home = None
    wide = folder == Path(folder.anchor) or folder == home
    return wide and not (folder / ".obsidian").is_dir()


def _located(path: Path) -> tuple[Path, str | None]:
    if path.is_dir() and too_wide(path):
        raise VaultError(f"{path}: a whole file system or home folder is not a vault; give "
                         "the folder of your notes (one that holds .obsidian/ or the notes)")
    if path.is_dir():
        try:
            os.scandir(path).close()
        except OSError as exc:
            raise VaultError(f"{path}: cannot read the vault folder ({exc.strerror})") from exc
        return path.resolve(), None
    if not path.exists():
        raise VaultError(f"{path}: no such vault folder or note")
    if not path.is_file() or path.suffix.lower() != ".md":
        raise VaultError(f"{path}: not a vault folder or a Markdown (.md) note")
    note = path.resolve()
    root = root_of(note)
    return root, note.relative_to(root).as_posix()


def _text(file: Path, shown: str, problems: list[Diagnostic]) -> str | None:
    """Return a note's text; undecodable bytes are replaced and reported."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        problems.append(warning(f"cannot read note: {exc.strerror or exc}", shown))
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problems.append(warning("text is not valid UTF-8; undecodable bytes replaced by"
                                " \ufffd", shown, line))
        text = data.decode("utf-8", errors="replace")
    # Separators from PDFs (U+2029, NEL, U+001C-1F) become spaces before anything reads
    # or measures the text; lines stay where they are.
    return normal_text(text[1:] if text.startswith("\ufeff") else text)


def _select(all_notes: Sequence[str], globs: Sequence[str],
            problems: list[Diagnostic]) -> list[str]:
    """Return the notes matching any of `globs` (all notes when there are none)."""
    if not globs:
        return list(all_notes)
    patterns = [(g, glob_regex(g)) for g in globs]
    keys = [unicodedata.normalize("NFC", n) for n in all_notes]
    hits = {g: False for g in globs}
    selected = []
    for note, key in zip(all_notes, keys):
        matched = [g for g, rx in patterns if rx.fullmatch(key)]
        for g in matched:
            hits[g] = True
        if matched:
            selected.append(note)
    problems.extend(warning(f"no note matches {g!r}") for g, hit in hits.items() if not hit)
    return selected


def glob_regex(pattern: str) -> re.Pattern[str]:
    """Return the regex of a vault-relative glob; it also matches everything under a folder."""
    p = unicodedata.normalize("NFC", pattern.strip()).removeprefix("./").strip("/")
    out, i = [], 0
    while i < len(p):
        if p.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif p.startswith("**", i):
            out.append(".*")
            i += 2
        elif p[i] in "*?":
            out.append("[^/]*" if p[i] == "*" else "[^/]")
            i += 1
        elif p[i] == "[" and "]" in p[i + 2:]:
            close = p.index("]", i + 2)
            body = p[i + 1:close]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body)
                       .replace("\\", "\\\\") + "]")
            i = close + 1
        else:
            out.append(re.escape(p[i]))
            i += 1
    return re.compile("".join(out) + "(?:/.*)?", re.IGNORECASE | re.DOTALL)
