"""What a talk depends on, and a cheap poller that notices when any of it changes.

`deckbuilder serve` rebuilds when the spec, a vault note, a picked image or a theme
file changes, or when an image file appears or goes away (a missing picked image that
gets pasted in). Polling stats: portable, needs no dependency, and works on the
network and sync folders vaults often live in, where inotify sees nothing. To stay
cheap on a vault of thousands of notes, a folder is listed again only when its own
mtime changed; otherwise one poll is one `stat` per folder, note and picked image.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from deckbuilder import spec
from deckbuilder.cache import RACY_NS
from deckbuilder import theme as themes
from deckbuilder.vault import is_image_name, root_of

# (mtime in ns, size, inode): an editor's atomic save gives a new inode even when the
# size and the coarse timestamp happen to repeat. None: the file is not there.
Signature = tuple[int, int, int] | None
Snapshot = Mapping[str, Signature]
# A folder whose mtime is more recent than RACY_NS is listed again: a file added in the
# same clock tick as the last listing would leave the mtime unchanged (git's "racy").


@dataclass(frozen=True)
class Watched:
    """The files and folders a talk's deck is made from."""

    files: tuple[Path, ...]        # stat each: the spec, picked images, a one-note vault
    vault: Path | None = None      # walk: its .md notes (stat) and its image names
    trees: tuple[Path, ...] = ()   # walk: every file (the theme folders)


def watched(spec_path: Path, images: Sequence[Path] = ()) -> Watched:
    """Return what the talk at `spec_path` depends on, given its last picked image files.

    The spec is parsed again (YAML only, milliseconds) because an edit may change the
    vault or the theme; its errors are the build's to report, so they are ignored here.
    """
    spec_path = Path(spec_path).resolve()
    talk, _ = spec.parse(spec_path)
    files = [spec_path, *images]
    vault = None
    if talk is not None:
        if talk.vault.is_file():
            files.append(talk.vault)
            vault = root_of(talk.vault)   # images resolve anywhere in the note's vault
        elif talk.vault.is_dir():
            vault = talk.vault
    # Every theme on the search path: a talk's `themes/` folder and the built-in ones,
    # so fixing a theme's `extends:` chain or a misspelt theme name is noticed too.
    return Watched(tuple(dict.fromkeys(files)), vault, tuple(themes.search_path(spec_path.parent)))


@dataclass(frozen=True)
class _Listing:
    """One folder's listing as of its mtime: subfolders, files to stat, names to note."""

    mtime: int
    inode: tuple[int, int]     # (device, inode): a folder reached twice is walked once
    folders: tuple[str, ...]
    stat: tuple[str, ...]
    images: Signature   # of the image names: one value per folder keeps polls cheap


class Poller:
    """Takes snapshots of a `Watched`, remembering folder listings between polls."""

    def __init__(self) -> None:
        self._listings: dict[tuple[str, bool], _Listing] = {}

    def snapshot(self, what: Watched) -> dict[str, Signature]:
        """Return the signature of every watched file, and of each folder's image names."""
        seen: set[tuple[str, bool]] = set()
        snap: dict[str, Signature] = {}
        roots = [(str(t), True) for t in what.trees]
        if what.vault is not None:
            roots.append((str(what.vault), False))
        for root, everything in roots:
            stack, walked = [root], set()
            while stack:
                folder = stack.pop()
                listing = self._listing(folder, everything)
                if listing is not None and listing.inode in walked:
                    continue   # a symlink loop, or a folder linked twice: once is enough
                seen.add((folder, everything))
                snap[folder] = listing.images if listing else None
                if listing is None:
                    continue
                walked.add(listing.inode)
                stack.extend(listing.folders)
                snap.update((p, signature(p)) for p in listing.stat)
        # After the walks: a picked image is stat'ed, not just noted as present.
        snap.update((str(f), signature(str(f))) for f in what.files)
        # Forget folders that went away, so the cache cannot grow over a long session.
        for key in self._listings.keys() - seen:
            del self._listings[key]
        return snap

    def _listing(self, folder: str, everything: bool) -> _Listing | None:
        """Return the folder's listing, from the cache while its mtime is unchanged."""
        try:
            info = os.stat(folder)
        except OSError:
            return None
        mtime = info.st_mtime_ns
        cached = self._listings.get((folder, everything))
        if cached is not None and cached.mtime == mtime and time.time_ns() - mtime > RACY_NS:
            return cached
        listing = _list(folder, mtime, (info.st_dev, info.st_ino), everything)
        if listing is not None:
            self._listings[(folder, everything)] = listing
        return listing


def _list(folder: str, mtime: int, inode: tuple[int, int], everything: bool
          ) -> _Listing | None:
    """Return a fresh listing; dot-entries (.obsidian/, .git/, editor swap files) are skipped."""
    folders, stat, present = [], [], []
    try:
        with os.scandir(folder) as it:
            for entry in it:
                if entry.name.startswith("."):
                    continue
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    continue  # a dangling symlink
                if is_dir:
                    folders.append(entry.path)
                elif everything or entry.name[-3:].lower() == ".md":
                    stat.append(entry.path)
                elif is_image_name(entry.name):
                    present.append(entry.name)
    except OSError:
        return None
    names = tuple(sorted(present))
    return _Listing(mtime, inode, tuple(folders), tuple(stat), (0, len(names), hash(names)))


def signature(path: str) -> Signature:
    """Return a file's (mtime ns, size, inode), or None when it cannot be stat'ed."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def changes(before: Snapshot, after: Snapshot) -> list[str]:
    """Return the paths added, removed or modified between two snapshots, sorted."""
    keys: Iterable[str] = before.keys() | after.keys()
    return sorted(k for k in keys if before.get(k, ...) != after.get(k, ...))


def rebase(before: Snapshot, after: Snapshot) -> dict[str, Signature]:
    """Return `after`'s keys with `before`'s signatures where it has them.

    A build reads files after `before` was taken; comparing the next poll with this
    (rather than with a snapshot taken after the build) catches edits made during it.
    """
    return {k: before[k] if k in before else v for k, v in after.items()}
