"""Read a vault (or one note of it) into entries: locate, index once, read notes in order."""

from __future__ import annotations

import gc
import multiprocessing
import os
import re
import threading
import unicodedata
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from deckbuilder.errors import Diagnostic, VaultError, warning
from deckbuilder.model import Entry, Vault
from deckbuilder.vault.entries import from_rows, read_note, to_rows
from deckbuilder.vault.index import Index, build

# Below this many notes per process, starting a process costs more than it saves.
_PARALLEL_MIN = 500


def read(path: Path, notes: Sequence[str] = (), jobs: int | None = None
         ) -> tuple[Vault, list[Diagnostic]]:
    """Return the vault at `path` (a folder, or one .md note of it) and the warnings found.

    `notes` are vault-relative globs (`*` within a folder, `**` across folders, a folder
    name means everything under it) restricting which notes are read. Diagnostics name
    files as `path` joined with the note's vault-relative path. `jobs` caps the worker
    processes used for big vaults (None: one per CPU; 1: read in this process only).
    """
    path = Path(path)
    root, only = _locate(path)
    with collector_paused():
        return _read(path, root, only, notes, jobs)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector inside the block (restored afterwards).

    Reading a vault (or writing its JSON) allocates hundreds of thousands of small acyclic
    objects, which makes the collector run over and over for nothing: pausing it saves
    a tenth of the reading time and half of the JSON time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _read(path: Path, root: Path, only: str | None, notes: Sequence[str], jobs: int | None
          ) -> tuple[Vault, list[Diagnostic]]:
    """Return `read`'s result once the vault is located."""
    index, problems = build(root)
    selected = [only] if only is not None else _select(index.notes, notes, problems)
    shown = (lambda _: str(path)) if only is not None else (lambda n: str(path / n))
    chunks = _read_all(root, selected, index, shown, jobs)
    ids = Ids()
    entries: list[Entry] = []
    for found, diags in chunks:
        entries.extend(e if ids.take(e.id) == e.id else replace(e, id=ids.last) for e in found)
        problems.extend(diags)
    return Vault(root, tuple(entries)), problems


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


Chunk = tuple[list[Entry], list[Diagnostic]]


def _read_all(root: Path, selected: list[str], index: Index,
              shown: Callable[[str], str], jobs: int | None) -> list[Chunk]:
    """Return the entries and warnings of the selected notes, chunk by chunk, in order."""
    workers = _workers(len(selected), jobs)
    size = -(-len(selected) // workers) if selected else 1
    parts = [selected[k:k + size] for k in range(0, len(selected), size)] or [[]]
    names = [[shown(n) for n in part] for part in parts]
    # Forked children inherit the index instead of receiving a pickled copy; only their
    # entries travel back, as plain tuples.
    context = multiprocessing.get_context("fork") if len(parts) > 1 else None
    children = [_start(context, root, part, index, part_names)
                for part, part_names in zip(parts[1:], names[1:])] if context else []
    chunks = [_read_chunk(root, parts[0], index, names[0])]
    for (child, pipe), part, part_names in zip(children, parts[1:], names[1:]):
        chunks.append(_collect(child, pipe) or _read_chunk(root, part, index, part_names))
    return chunks


def _start(context: Any, root: Path, part: list[str], index: Index, names: list[str]
           ) -> tuple[Any, Any]:
    """Start a child process reading `part`; return it and the end its result arrives at."""
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(send, root, part, index, names), daemon=True)
    child.start()
    send.close()
    return child, receive


def _child(send: Any, root: Path, part: list[str], index: Index, names: list[str]) -> None:
    """Read `part` in a child process and send the rows back (nothing when it fails)."""
    try:
        send.send(_read_rows(root, part, index, names))
    finally:
        send.close()


def _collect(child: Any, pipe: Any) -> Chunk | None:
    """Return a child's entries, or None when it died (the caller then reads its part)."""
    try:
        rows, diags = pipe.recv()
    except EOFError:
        rows = None
    finally:
        pipe.close()
        child.join()
    return None if rows is None else (from_rows(rows), diags)


def _workers(notes: int, jobs: int | None) -> int:
    """Return how many processes to read with: 1 unless the vault is big and fork is safe."""
    # Forking while other threads run (a live-preview watcher, say) can deadlock the child
    # on a lock one of them held; such callers read in their own process.
    if notes < 2 * _PARALLEL_MIN or threading.active_count() > 1 \
            or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(jobs or cpus or 1, cpus or 1, 8, notes // _PARALLEL_MIN))


def _read_chunk(root: Path, notes: list[str], index: Index, shown: list[str]) -> Chunk:
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


def _read_rows(root: Path, notes: list[str], index: Index, shown: list[str]
               ) -> tuple[list[tuple[Any, ...]], list[Diagnostic]]:
    """Return `_read_chunk` with entries as plain tuples: far cheaper to send between processes."""
    entries, problems = _read_chunk(root, notes, index, shown)
    return to_rows(entries), problems


def _locate(path: Path) -> tuple[Path, str | None]:
    """Return the vault root and, for a note path, the note's vault-relative path."""
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
    root = next((p for p in note.parents if (p / ".obsidian").is_dir()), note.parent)
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
    return text[1:] if text.startswith("\ufeff") else text


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
