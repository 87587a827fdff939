"""What `deckbuilder cache` does and prints, and the automatic prune after a build."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from deckbuilder import cache
from deckbuilder import images
from deckbuilder.build import format_size
from deckbuilder.fsutil import cache_root

# The kinds `deckbuilder cache` lists; the records and temporaries are "other".
SHOWN = ("images", "slides", "plans", "templates", "remote", "thumbnails")


def prune(cache_dir: Path | None, days: int, wait: bool = True) -> cache.Pruned | None:
    """Prune the cache folder (see `cache.prune`), the image index's records with it;
    return what went (None: builds hold the folder and `wait` is false)."""
    return cache.prune(cache_dir, days, wait=wait,
                       referenced=lambda: images.recorded(cache_dir),
                       forget=lambda: images.forget_pruned(cache_dir))


def prune_if_due(cache_dir: Path | None, days: int) -> None:
    """Prune after a build, when the folder was not pruned today (and `days` > 0); skip
    when other builds are using the folder (a later build prunes it)."""
    if cache.due(cache_dir, days):
        prune(cache_dir, days, wait=False)


def run(cache_dir: Path | None, prune_now: bool, days: int | None, clear: bool,
        say: Callable[[str], None]) -> str:
    """Return what `deckbuilder cache` prints: what --prune or --clear deleted, if asked,
    then the listing; `say` tells of a wait for running builds."""
    lines = ""
    if clear:
        gone = held(lambda wait: cache.clear(cache_dir, wait), say)
        lines = removed(gone, "") + "\n"
    elif prune_now:
        n = cache.DEFAULT_DAYS if days is None else days
        gone = held(lambda wait: prune(cache_dir, n, wait), say)
        lines = removed(gone, f" not used for {n} days or obsolete") + "\n"
    return lines + listing(cache_dir)


def held(action: Callable[[bool], cache.Pruned | None], say: Callable[[str], None]
         ) -> cache.Pruned:
    """Run `action(wait)` at once if no build holds the folder, else after saying so and
    waiting for the builds to finish."""
    done = action(False)
    if done is None:
        say("waiting for the builds using the cache to finish…")
        done = action(True)
    return done if done is not None else cache.Pruned()   # no lock on this system


def listing(cache_dir: Path | None) -> str:
    """Return where the cache folder is and what it holds per kind, with the total."""
    root = cache_root(cache_dir)
    found = cache.survey(cache_dir)
    rows = [(kind, found.files[kind], found.bytes[kind]) for kind in SHOWN]
    rows.append(("other", found.files["records"] + found.files["temporary"],
                 found.bytes["records"] + found.bytes["temporary"]))
    rows.append(("total", sum(found.files.values()), sum(found.bytes.values())))
    lines = [f"{root}{'' if root.is_dir() else ' (not made yet)'}"]
    lines += [f"  {label:<11} {files:>7} files  {format_size(size):>9}"
              for label, files, size in rows]
    if found.foreign:
        lines.append(f"  and {found.foreign} entries that are not deckbuilder's "
                     "(never deleted)")
    return "\n".join(lines) + "\n"


def removed(what: cache.Pruned, why: str) -> str:
    """Return the line saying what a prune or clear deleted."""
    return f"removed {what.files} files ({format_size(what.bytes)}){why}"
