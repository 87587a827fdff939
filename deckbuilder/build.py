"""`deckbuilder build`: the whole pipeline as one readable function.

Read everything and validate everything first (spec, vault, picks, theme, every
picked image); only then plan and render. Every format is rendered in memory before
anything is written; then all outputs replace their previous versions together
(`fsutil.Batch`): when one cannot be written, none changes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import AbstractSet, Callable, Sequence

from deckbuilder import cache as cache_mod
from deckbuilder import images as images_mod
from deckbuilder import layout
from deckbuilder import outputs as output_guard
from deckbuilder import template as template_mod
from deckbuilder import theme as theme_mod
from deckbuilder import theme_images
from deckbuilder.check import CheckReport, unreadable_diagnostics
from deckbuilder.check import check as check_talk
from deckbuilder.errors import BuildError, Diagnostic, Location, check, error, errors_in
from deckbuilder.fsutil import Batch, cache_root
from deckbuilder.model import QR_IMAGE, Deck, Normalised, Pick, Talk, Template, Vault
from deckbuilder.pixels import Unreadable

Progress = Callable[[str], None]

# Each renderer is imported by its own format's functions: python-pptx alone takes some
# 60 ms to import, jinja2 some 20 ms, and a build that writes one format needs neither
# of the other's.


def _write_pptx(deck: Deck, out_dir: Path, name: str, batch: Batch,
                cache_dir: Path | None = None, **_: object) -> Path:
    from deckbuilder.render import pptx

    # Drawn now (slides drawn by an earlier build taken from the cache); the zip is
    # written (pictures streamed from their files) when the batch commits, so the
    # deck's bytes are never all in memory.
    return batch.file(_pptx_target(out_dir, name), pptx.writer(deck, cache_root(cache_dir)))


def _pptx_target(out_dir: Path, name: str, **_: object) -> Path:
    return out_dir / f"{name}.pptx"


def _write_html(deck: Deck, out_dir: Path, name: str, batch: Batch, theme: theme_mod.Theme,
                single_file: bool = False, cdn: bool = False, cache_dir: Path | None = None,
                **_: object) -> Path:
    from deckbuilder.render import html

    return html.write(deck, out_dir, name, theme, single_file=single_file, cdn=cdn,
                      batch=batch, cache=cache_root(cache_dir))


def _html_target(out_dir: Path, name: str, single_file: bool = False, **_: object) -> Path:
    from deckbuilder.render import html

    return html.target(out_dir, name, single_file)


# One line per format: a renderer takes the deck, the output folder, the base name and
# the batch it adds its output to (written when every format has been rendered); its
# target says, before anything is drawn, which path the renderer will replace.
RENDERERS: dict[str, Callable[..., Path]] = {
    "pptx": _write_pptx,
    "html": _write_html,
}
TARGETS: dict[str, Callable[..., Path]] = {
    "pptx": _pptx_target,
    "html": _html_target,
}


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote, with its size, and the warnings it printed."""

    outputs: tuple[Path, ...]
    slides: int
    images: int
    bytes: int
    seconds: float
    warnings: tuple[Diagnostic, ...]
    # The picked image files the deck was made from (`serve` watches them for changes).
    inputs: tuple[Path, ...] = ()
    # The planned deck, its talk and its theme, for later stages (`export` prints the
    # handout from them, loading nothing again).
    deck: Deck | None = field(default=None, repr=False, compare=False)
    talk: Talk | None = field(default=None, repr=False, compare=False)
    theme: theme_mod.Theme | None = field(default=None, repr=False, compare=False)
    # The vault as read (`serve`'s picker shows its entries without reading it again).
    vault: Vault | None = field(default=None, repr=False, compare=False)

    def summary(self) -> str:
        """Return the one-line summary the CLI prints."""
        where = ", ".join(str(p) for p in self.outputs)
        return (f"{self.slides} slides, {self.images} images, {format_size(self.bytes)}, "
                f"{self.seconds:.1f} s: {where}")


def format_size(n: int) -> str:
    """Return a byte count as the summaries print it: "1.5 MB", or "12 kB" below 0.1 MB."""
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.0f} kB"


def image_uses(picks: Sequence[Pick], vault: Vault, skip: AbstractSet[Path] = frozenset()
               ) -> dict[Path, list[Location]]:
    """Return each picked image file (less `skip`) with every note:line that uses it."""
    uses: dict[Path, list[Location]] = {}
    for pick in picks:
        if pick.entry is None:
            continue
        for ref in pick.entry.images:
            path = vault.file(ref)
            if path is not None and path not in skip:
                where = Location(str(vault.root / pick.entry.note), pick.entry.line)
                uses.setdefault(path, []).append(where)
    return uses


def remote_uses(report: CheckReport) -> dict[Path, list[Location]]:
    """Return each downloaded remote image's cached file with every note:line using it."""
    uses: dict[Path, list[Location]] = {}
    for pick in report.picks:
        if pick.entry is None:
            continue
        for ref in pick.entry.images:
            if ref.remote and ref.target in report.remote:
                where = Location(str(report.vault.root / pick.entry.note), pick.entry.line)
                uses.setdefault(report.remote[ref.target], []).append(where)
    return uses


class _Late:
    """The verdicts on the images passed through unverified, which come while the deck
    is drawn (`images.Verifying`), told as `check` would have told them."""

    def __init__(self, verifying: images_mod.Verifying, report: CheckReport,
                 uses: dict[Path, list[Location]], allow_missing: bool) -> None:
        self._verifying, self._report = verifying, report
        self._uses, self._allow_missing = uses, allow_missing

    def problems(self) -> list[Diagnostic]:
        """Return an error per use of an unreadable one (waiting for the last verdict)."""
        return _failures(self._report, self._verifying.failed(), self._uses,
                         self._allow_missing)

    def cancel(self) -> None:
        """Stop verifying: the build stops."""
        self._verifying.cancel()


def _images(report: CheckReport, theme: theme_mod.Theme, allow_missing: bool,
            cache_dir: Path | None, say: Progress = lambda _stage: None
            ) -> tuple[dict[str, Normalised], list[Diagnostic], _Late]:
    """Return the normalised images by vault-relative path, any that failed, and the
    verdicts to come on those passed through unverified (not with `allow_missing`, which
    plans a placeholder for an unreadable one)."""
    vault = report.vault
    known_bad = {p for p in (vault.file(x.image) for x in report.image_problems) if p}
    uses = image_uses(report.picks, vault, known_bad)
    downloaded = remote_uses(report)
    # `check` left the picked files to verify here (the cache vouched for the others),
    # and verified every downloaded one.
    checked = (set(uses) - report.unverified) | set(downloaded)
    done, failed, verifying = images_mod.normalise_each(
        uses | downloaded, theme, report.talk.aspect, cache_dir, checked=checked,
        progress=say, defer=not allow_missing)
    late = _Late(verifying, report, uses, allow_missing)
    problems = _failures(report, failed, uses, allow_missing)
    # Planned by vault path; a downloaded image by its URL (ImageRef.key).
    url_of = {path: url for url, path in report.remote.items()}
    found = {url_of.get(p) or p.relative_to(vault.root).as_posix(): n for p, n in done.items()}
    if report.talk.slides_url:  # made here, so that the planner stays pure
        found[QR_IMAGE] = images_mod.qr_code(report.talk.slides_url, cache_dir)
    own, bad = theme_images.prepare(theme, report.talk.aspect, cache_dir)  # logo, backgrounds
    found.update(own)
    return found, problems + bad, late


def _failures(report: CheckReport, failed: dict[Path, BaseException],
              uses: dict[Path, list[Location]], allow_missing: bool) -> list[Diagnostic]:
    """Return an error per use of each image that could not be normalised (a warning with
    `allow_missing`): what check would have said of an unreadable one, in its words."""
    reasons = {p: str(e) for p, e in failed.items()
               if isinstance(e, Unreadable) and p in report.unverified}
    problems = unreadable_diagnostics(report, reasons, allow_missing)
    others = images_mod.describe({p: e for p, e in failed.items() if p not in reasons}, uses)
    if allow_missing:  # drawn as marked placeholders instead
        others = [Diagnostic("warning", d.message, d.location) for d in others]
    return problems + others


def _formats(formats: Sequence[str]) -> list[str]:
    unknown = [f for f in formats if f not in RENDERERS]
    if unknown:
        raise BuildError([error(f"unknown format {f!r}; choose from "
                                f"{', '.join(sorted(RENDERERS))}") for f in unknown])
    return list(dict.fromkeys(formats))


def build(spec_path: Path, formats: Sequence[str] = ("pptx",), out_dir: Path | None = None,
          strict: bool = False, allow_missing: bool = False, progress: Progress | None = None,
          cache_dir: Path | None = None, single_file: bool = False,
          cdn: bool = False, fetch_remote: bool = False) -> BuildResult:
    """Return what building the talk at `spec_path` wrote; raise DeckError on any error.

    `check` reads the spec and the vault, picks the entries and looks at every picked
    image (all problems at once); images are then normalised, the deck planned, and
    each format rendered. Nothing is written before every check has passed (but for
    the image cache, where `fetch_remote` also downloads the picked remote images).
    """
    if _first_build(Path(spec_path), cache_dir):
        # It reads every picked image: the image stage's worker processes start up now
        # (~0.2 s of CPU each), on the other cores, while `check` reads the vault.
        images_mod.start_workers_ahead()
    try:
        with cache_mod.in_use(cache_dir):   # no prune deletes a file this build looked up
            return _build(spec_path, formats, out_dir, strict, allow_missing, progress,
                          cache_dir, single_file, cdn, fetch_remote)
    finally:   # those the image stage did not take (a failed check, few images to read)
        images_mod.drop_workers_ahead()


def _first_build(spec_path: Path, cache_dir: Path | None) -> bool:
    """Return whether the talk has not been built with this cache (it has no plan memo):
    a rebuild seldom has more than a few images to read."""
    try:
        return not layout.memo_path(spec_path, cache_dir).exists()
    except (OSError, RuntimeError):   # no cache folder to be had: the build will say so
        return False


def _build(spec_path: Path, formats: Sequence[str], out_dir: Path | None, strict: bool,
           allow_missing: bool, progress: Progress | None, cache_dir: Path | None,
           single_file: bool, cdn: bool, fetch_remote: bool) -> BuildResult:
    started = time.monotonic()
    say = progress or (lambda _stage: None)
    wanted = _formats(formats)
    say("checking the talk spec, the vault and the picked images")
    report = check_talk(Path(spec_path), strict, allow_missing, fetch_remote, cache_dir,
                        known_good=images_mod.known_good(cache_dir), defer_decoding=True)
    talk = report.talk
    out = Path(out_dir) if out_dir is not None else talk.path.parent / "build"
    targets = [TARGETS[fmt](out, talk.name, single_file=single_file) for fmt in wanted]
    check(claim_outputs(talk, out, targets), strict, BuildError)
    theme = theme_mod.load(talk.theme, talk.path.parent, cache_root(cache_dir))
    images, problems, late = _images(report, theme, allow_missing, cache_dir, say)
    try:
        diags = list(report.diagnostics) + theme_mod.shadows(theme) + problems
        _stop_if_errors(diags, late, strict)
        say("planning slides")
        template = _template(talk, report, theme)
        memo_file = layout.memo_path(talk.path, cache_dir)
        memo = layout.load_memo(memo_file)   # entries planned by the last build of this talk
        cache_mod.used(memo_file)   # its last use, for pruning
        deck, planned = layout.plan(talk, report.picks, theme, images, template, memo)
        diags += planned
        _stop_if_errors(diags, late, strict)
        outputs, batch = [], Batch()
        for fmt, target in zip(wanted, targets):
            say(f"rendering {fmt}")
            try:
                outputs.append(RENDERERS[fmt](deck, out, talk.name, batch, theme=theme,
                                              single_file=single_file, cdn=cdn,
                                              cache_dir=cache_dir))
            except OSError as e:
                raise BuildError(f"cannot write {target}: {e.strerror or e}") from None
        # The pictures passed through unverified were verified meanwhile, by the workers.
        diags += late.problems()
        check(diags, strict, BuildError)
    finally:
        late.cancel()   # a build stopped on its way: no more verifying
    # The memo before the outputs: once they are in place, nothing is left to do that a
    # stop (SIGTERM) could interrupt, and a memo of a deck not written is harmless.
    layout.save_memo(memo, memo_file)
    say(f"writing {', '.join(str(t) for t in targets)}")
    try:
        batch.commit()
    except OSError as e:   # named after the output it was writing, never a temporary name
        raise BuildError(f"cannot write {e.filename}: {e.strerror or e}") from None
    return BuildResult(tuple(outputs), len(deck.slides), _count_images(deck),
                       sum(_size(p) for p in outputs), time.monotonic() - started,
                       tuple(d for d in diags if not d.is_error),
                       tuple(sorted(image_uses(report.picks, report.vault))), deck, talk,
                       theme, report.vault)


def _stop_if_errors(diags: list[Diagnostic], late: _Late, strict: bool) -> None:
    """Raise BuildError if `diags` holds errors, telling the late verdicts too (every
    problem in one run)."""
    if errors_in(diags, strict):
        check(diags + late.problems(), strict, BuildError)


def _template(talk: Talk, report: CheckReport, theme: theme_mod.Theme) -> Template | None:
    """Return the speaker's PowerPoint template (the spec's, else the theme's) with a
    layout for every kind of slide the talk has; raise BuildError (listing the
    template's layouts) when one is missing."""
    path = talk.pptx_template or (Path(theme.get("pptx.template"))
                                  if theme.get("pptx.template") else None)
    if path is None:
        return None
    kinds: set[str] = {p.kind for p in report.picks if p.kind != "entry"}
    if any(p.kind == "entry" for p in report.picks):
        kinds |= {"image", "multi-image"}
    return template_mod.read(path, sorted(kinds))


def claim_outputs(talk: Talk, out: Path, targets: Sequence[Path]) -> list[Diagnostic]:
    """Return an error for each target that is not deckbuilder's to replace."""
    bad_name = output_guard.bad_name(talk.path)
    if bad_name is not None:
        return [bad_name]
    return output_guard.claim(targets, {
        "the vault": talk.vault, "the talk's folder": talk.path.parent,
        "the spec": talk.path, "the output folder": out})


def _count_images(deck: Deck) -> int:
    return sum(1 for s in deck.slides for i in s.items
               if i.kind == "image" and i.role != "background")   # the theme's, not the talk's


def _size(path: Path) -> int:
    # A folder deck is reported by its index.html, but what the user carries is the folder.
    if path.name == "index.html":
        path = path.parent
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size

