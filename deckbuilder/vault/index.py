"""One walk of the vault, and link resolution through the index it builds.

Obsidian resolves a link as: exact vault path, then the linking note's folder, then the
shortest path among files with that name; case-insensitive, and deckbuilder compares
NFC-normalised names because macOS stores NFD (obsidian-format.md §6). The index is
built once, so resolving an embed never touches the filesystem.
"""

from __future__ import annotations

import os
import posixpath
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from deckbuilder.errors import Diagnostic, warning

IMAGE_EXTENSIONS = frozenset({".avif", ".bmp", ".gif", ".jpeg", ".jpg", ".png", ".svg", ".webp"})


def fold(text: str) -> str:
    """Return the comparison key of a name or path: NFC, lower case."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return text.lower()


def is_image_name(name: str) -> bool:
    """Return whether a file name has an image extension (case-insensitive)."""
    dot = name.rfind(".")
    return dot > name.rfind("/") and name[dot:].lower() in IMAGE_EXTENSIONS


@dataclass(frozen=True)
class Index:
    """Every file of a vault (dot-folders and .trash/ excluded), by path and by name."""

    root: Path
    files: tuple[str, ...]                               # vault-relative, '/', sorted
    by_path: dict[str, str] = field(repr=False)          # fold(path) -> path
    by_name: dict[str, tuple[str, ...]] = field(repr=False)  # fold(name) -> shortest first
    # Files reached through a symbolic link that leads out of the vault: they are read,
    # as Obsidian reads them, but a deck made of them is warned about (--strict refuses).
    outside: frozenset[str] = field(default=frozenset(), repr=False)

    @property
    def notes(self) -> tuple[str, ...]:
        """Return the vault-relative paths of the Markdown notes, in code-point order."""
        return tuple(f for f in self.files if f[-3:].lower() == ".md")

    def resolve(self, link: str, note: str) -> str | None:
        """Return the file a wikilink path names from `note`, or None (then `link`.md)."""
        return self._find(link, note) or self._find(link + ".md", note) if link else None

    def resolve_markdown(self, dest: str, note: str) -> str | None:
        """Return the file a Markdown destination names: note-relative, root, then by name."""
        dest = unquote(dest)
        if not dest:
            return None
        folder = note.rpartition("/")[0]
        for candidate in (posixpath.join(folder, dest), dest):
            hit = self.by_path.get(fold(_normal(candidate)))
            if hit:
                return hit
        return self.resolve(dest, note)

    def _find(self, link: str, note: str) -> str | None:
        link = link.strip()
        simple = "/" not in link and not link.startswith(".")   # a bare name: no normalising
        key = fold(link) if simple else fold(_normal(link))
        hit = self.by_path.get(key) if key else None
        folder = note.rpartition("/")[0]
        if not hit and folder:
            hit = self.by_path.get(fold(folder) + "/" + key if simple
                                   else fold(_normal(posixpath.join(folder, link))))
        if hit:
            return hit
        candidates = self.by_name.get(fold(link.rpartition("/")[2]), ())
        if "/" in key:   # a partial path "b/Note" names files under some folder "…/b/"
            suffix = "/" + key
            candidates = tuple(c for c in candidates if fold(c).endswith(suffix))
        return candidates[0] if candidates else None


def _normal(path: str) -> str:
    # "/x" is the vault root; "./x" and "../x" are relative to where they were joined.
    path = posixpath.normpath(path.strip().lstrip("/")) if path.strip() else ""
    return "" if path in (".", "..") or path.startswith("../") else path


def build(root: Path) -> tuple[Index, list[Diagnostic]]:
    """Return the index of every file under `root`, and warnings for unreadable folders."""
    files: list[str] = []
    problems: list[Diagnostic] = []
    seen: set[tuple[int, int]] = set()
    outside: set[str] = set()
    real_root = os.path.realpath(root)
    stack = [(str(root), "", False)]
    while stack:
        folder, prefix, away = stack.pop()
        try:
            info = os.stat(folder)
            if (info.st_dev, info.st_ino) in seen:   # a symlink loop
                continue
            seen.add((info.st_dev, info.st_ino))
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError as exc:
            problems.append(warning(f"cannot read folder: {exc.strerror or exc}",
                                    str(Path(folder))))
            continue
        for entry in entries:
            if entry.name.startswith("."):   # .obsidian/, .trash/, .git/, hidden files
                continue
            rel = prefix + entry.name
            try:
                leaves = away or (entry.is_symlink() and not _within(entry.path, real_root))
                if entry.is_dir():
                    stack.append((entry.path, rel + "/", leaves))
                elif entry.is_file():
                    files.append(rel)
                    if leaves:
                        outside.add(rel)
            except OSError:
                continue   # a dangling symlink: nothing to index
    return _make(root, files, frozenset(outside)), problems


def _within(path: str, real_root: str) -> bool:
    real = os.path.realpath(path)
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


def _make(root: Path, files: list[str], outside: frozenset[str] = frozenset()) -> Index:
    files.sort()
    by_path: dict[str, str] = {}
    by_name: dict[str, list[str]] = {}
    for f in files:
        key = fold(f)
        by_path.setdefault(key, f)
        by_name.setdefault(key.rpartition("/")[2], []).append(f)
    ordered = {k: tuple(v) if len(v) == 1 else tuple(sorted(v, key=lambda p: (len(p), p)))
               for k, v in by_name.items()}
    return Index(root, tuple(files), by_path, ordered, outside)
