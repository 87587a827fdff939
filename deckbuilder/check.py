"""`deckbuilder check`: load the spec, read the vault, pick, and look at every picked image.

Nothing is written. The report says what the deck will hold (slides per section,
entries without a source, missing or unreadable images) or raises a DeckError that
lists every problem found, in the spec and in the vault, in one run.
"""

from __future__ import annotations

import io
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from deckbuilder import jobpool
from deckbuilder import picks as picks_mod
from deckbuilder import remote, spec, vault
from deckbuilder.errors import Diagnostic, SpecError, error, errors_in, warning
from deckbuilder.errors import check as raise_if_errors
from deckbuilder.model import Entry, ImageRef, Pick, Talk, Vault

# Decoding lives in `pixels`, which the image stage's workers import without the rest.
from deckbuilder.pixels import unreadable
from deckbuilder.remote import Limits
from deckbuilder.vault import IMAGE_MISSING, IMAGE_REMOTE

# The picked images are decoded in worker processes when they hold this many bytes
# (starting one costs ~0.2 s of CPU); fewer are decoded here.
PROCESSES_FROM_BYTES = 4_000_000
WORKERS = "deckbuilder-check-worker"


@dataclass(frozen=True)
class ImageProblem:
    """A picked image the deck cannot show: missing, remote, not downloaded or unreadable."""

    entry: Entry
    image: ImageRef
    problem: str       # "missing" | "remote" | "download: <why>" | "unreadable: <why>"
    pick_line: int     # the spec line that picked the entry

    def describe(self) -> str:
        """Return the problem as a sentence naming the image."""
        if self.problem == "missing":
            return f"image not found: {self.image.target}"
        if self.problem == "remote":
            return (f"remote images are not downloaded: {self.image.target} (add "
                    "'remote_images: fetch' to the spec, or pass --fetch-remote)")
        if self.problem.startswith("download: "):
            return f"cannot download {self.image.target}: {self.problem.split(': ', 1)[1]}"
        return f"unreadable image {self.image.target}: {self.problem.split(': ', 1)[-1]}"


@dataclass(frozen=True)
class CheckReport:
    """What `check` found: the planned picks, warnings, and summary data."""

    talk: Talk
    vault: Vault
    picks: tuple[Pick, ...]
    diagnostics: tuple[Diagnostic, ...]      # warnings only: errors raise instead
    image_problems: tuple[ImageProblem, ...]
    hidden_warnings: int = 0                 # vault warnings about entries not picked
    # The downloaded remote images by URL (files in the image cache), for the build.
    remote: dict[str, Path] = field(default_factory=dict)
    # Picked image files left for the build to decode (`defer_decoding`).
    unverified: frozenset[Path] = frozenset()

    @property
    def entries(self) -> list[Entry]:
        """Return the picked entries in slide order, overrides applied."""
        return [p.entry for p in self.picks if p.entry is not None]

    def sections(self) -> list[tuple[str, int]]:
        """Return (section title, slides after it up to the next section); "" before the first."""
        counts: Counter[int] = Counter()
        titles = [""]
        for p in self.picks:
            if p.kind == "section":
                titles.append(p.text)
            else:
                counts[len(titles) - 1] += 1
        return [(t, counts[i]) for i, t in enumerate(titles) if t or counts[i]]

    def unsourced(self) -> list[Entry]:
        """Return the picked entries that have no source (credits will lack them)."""
        return [e for e in self.entries if e.source is None]


def check(spec_path: Path, strict: bool = False, allow_missing: bool = False,
          fetch_remote: bool = False, cache_dir: Path | None = None, *,
          known_good: Callable[[Path], bool] | None = None,
          limits: Limits = Limits(), defer_decoding: bool = False) -> CheckReport:
    """Return the check report of a talk spec; raise DeckError listing every error.

    A picked image that is missing, remote or unreadable is an error, as it is for
    `build`; with `allow_missing` it is a warning (build draws a placeholder). With
    `fetch_remote` (or `remote_images: fetch` in the spec) the picked remote images are
    downloaded into the cache, as the build would, so a failed download is found here.
    `known_good(path)` says an image file decoded before and is unchanged since (the
    image cache knows): it is not decoded again. With `defer_decoding` the picked image
    files are not decoded here but listed in the report's `unverified`, for a caller that
    decodes them anyway (the build's image stage, in its worker processes, reading each
    file once), unless the check fails anyway: then they are decoded, so that every
    problem is told in one run.
    """
    talk, diags = spec.parse(spec_path)
    if talk is None:  # no usable YAML or vault: nothing further can be looked at
        raise_if_errors(diags, strict, kind=SpecError)
    assert talk is not None
    read, vault_diags = vault.read(talk.vault, talk.notes)
    picks, pick_diags = picks_mod.of(talk, read)
    fetched, failed = _download(picks, fetch_remote or talk.remote_images == "fetch",
                                cache_dir, limits)
    files = picked_files(read, picks, known_good)
    verdicts = {} if defer_decoding else verify(files)
    problems = image_problems(read, picks, fetched, failed, verdicts)
    kept, hidden = relevant(vault_diags, picks, problems, fetched)
    # The spec's own problems first, in line order, then the vault's.
    told = sorted(diags + pick_diags, key=_line) + kept
    everything = told + problem_diagnostics(problems, spec_path, read, allow_missing)
    if defer_decoding and errors_in(everything, strict):   # failing: tell everything now
        problems = image_problems(read, picks, fetched, failed, verify(files))
        everything = told + problem_diagnostics(problems, spec_path, read, allow_missing)
    raise_if_errors(everything, strict)
    unverified = frozenset(files) if defer_decoding else frozenset()
    return CheckReport(talk, read, tuple(picks), tuple(everything), tuple(problems), hidden,
                       fetched, unverified)


def problem_diagnostics(problems: list[ImageProblem], spec_path: Path, read: Vault,
                        allow_missing: bool) -> list[Diagnostic]:
    """Return the diagnostics of image problems at their note:line, naming the spec line
    that picked them: errors, or warnings with `allow_missing` (placeholders are drawn)."""
    severity = warning if allow_missing else error
    return [severity(f"{p.describe()} (picked on {spec_path}:{p.pick_line})",
                     str(read.root / p.entry.note), p.entry.line) for p in problems]


def unreadable_diagnostics(report: CheckReport, reasons: dict[Path, str],
                           allow_missing: bool) -> list[Diagnostic]:
    """Return what `check` would have said of the unverified image files that turned out
    unreadable (`reasons`: file -> unreadable's words), as it would have said it."""
    if not reasons:
        return []
    problems = image_problems(report.vault, list(report.picks), verdicts=reasons)
    return problem_diagnostics([p for p in problems if p.problem.startswith("unreadable: ")],
                               report.talk.path, report.vault, allow_missing)


def _download(picks: list[Pick], wanted: bool, cache_dir: Path | None,
              limits: Limits) -> tuple[dict[str, Path], dict[str, str]]:
    """Return the picked remote images downloaded (or cached) and why others were not;
    nothing at all, and no request, unless the talk asked for them."""
    if not wanted:
        return {}, {}
    return remote.fetch(remote_urls(picks), _verify, cache_dir, limits)


def remote_urls(picks: list[Pick]) -> list[str]:
    """Return the URLs of the remote images of the picked entries, first use first."""
    urls = (i.target for p in picks for i in _images(p) if i.remote)
    return list(dict.fromkeys(urls))


def _verify(data: bytes) -> str | None:
    # A download is held to what the build will do with it: decoded as every image is.
    return unreadable(io.BytesIO(data))


def relevant(diags: list[Diagnostic], picks: list[Pick], problems: list[ImageProblem],
             fetched: dict[str, Path] | None = None) -> tuple[list[Diagnostic], int]:
    """Return the vault diagnostics about picked entries or whole notes, and how many others.

    A big vault has warnings about entries this talk never shows: with --strict they
    must not fail the talk, and without it they would bury the ones that matter. The
    reader's own missing/remote warnings for picked images are dropped too, since
    `check` reports those itself (and a downloaded one is no longer missing).
    """
    notes_at: dict[int, set[str]] = {}  # line -> notes with a picked entry there
    for p in picks:
        if p.entry is not None:
            notes_at.setdefault(p.entry.line, set()).add(p.entry.note)
    told = {(p.entry.note, p.entry.line) for p in problems if p.image.path is None}
    told |= {(p.entry.note, p.entry.line) for p in picks if p.entry is not None
             and any(i.target in (fetched or {}) for i in p.entry.images)}
    kept = []
    for d in diags:
        loc = d.location
        if loc is None or loc.line is None:
            kept.append(d)
            continue
        at = next(((n, loc.line) for n in notes_at.get(loc.line, ()) if _same_note(loc.file, n)),
                  None)
        if at and not (at in told and d.code in (IMAGE_MISSING, IMAGE_REMOTE)):
            kept.append(d)
    return kept, len(diags) - len(kept)


def _line(d: Diagnostic) -> int:
    return (d.location.line or 0) if d.location else 0


def _same_note(shown: str, note: str) -> bool:
    shown = shown.replace("\\", "/")
    return shown == note or shown.endswith("/" + note)


def picked_files(read: Vault, picks: list[Pick],
                 known_good: Callable[[Path], bool] | None = None) -> list[Path]:
    """Return the picked image files in the vault, first use first, less the `known_good`
    ones (decoded in an earlier run: the image cache vouches for them)."""
    found = {p: None for pick in picks for p in map(read.file, _images(pick)) if p}
    return [p for p in found if not (known_good and known_good(p))]


def verify(files: list[Path]) -> dict[Path, str | None]:
    """Return why each image file could not be read (None: it can)."""
    if len(files) > 1 and _bytes(files) >= PROCESSES_FROM_BYTES:
        # Decoding is most of check's time, and the Python around it holds the GIL:
        # worker processes (the image stage's kind) scale with the cores; threads did not.
        verdicts = jobpool.run(files, (os.cpu_count() or 1) - 1, unreadable, name=WORKERS)
        for verdict in verdicts:
            if isinstance(verdict, BaseException):
                raise verdict   # a bug, not a bad image (unreadable words those)
        return dict(zip(files, verdicts))  # type: ignore[arg-type]  # no exception left
    return {path: unreadable(path) for path in files}


def _bytes(files: list[Path]) -> int:
    total = 0
    for path in files:
        try:
            total += os.stat(path).st_size
        except OSError:
            pass   # unreadable says why
    return total


def image_problems(read: Vault, picks: list[Pick], fetched: dict[str, Path] | None = None,
                   failed: dict[str, str] | None = None,
                   verdicts: Mapping[Path, str | None] | None = None) -> list[ImageProblem]:
    """Return every picked image that is missing, remote (and not downloaded: `failed`
    says why) or not a readable image (`verdicts`: why a file is unreadable, or None);
    `fetched` remote images were decoded already."""
    fetched, failed, verdicts = fetched or {}, failed or {}, verdicts or {}
    out = []
    for p in picks:
        if p.entry is None:
            continue
        for image in p.entry.images:
            path = read.file(image)
            if image.remote and image.target in fetched:
                continue
            if image.remote and image.target in failed:
                out.append(ImageProblem(p.entry, image, f"download: {failed[image.target]}",
                                        p.line))
            elif path is None:
                out.append(ImageProblem(p.entry, image, "remote" if image.remote else "missing",
                                        p.line))
            elif verdicts.get(path):
                out.append(ImageProblem(p.entry, image, f"unreadable: {verdicts[path]}", p.line))
    return out


def _images(pick: Pick) -> tuple[ImageRef, ...]:
    return pick.entry.images if pick.entry else ()
