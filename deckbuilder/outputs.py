"""What a run may replace: only files and folders deckbuilder made, never the user's.

An output path is worked out from the spec's name and `--out-dir`, so a careless pair
(`notes.yaml` with `vault: notes` built with `-o .`, or a spec called `..yaml`) can
point it at the vault, the talk's folder or unrelated files. Before anything is
written, every target is checked here: it must not be (or hold) the vault, the spec's
folder, the output folder or the spec itself, and if something is already there it
must carry deckbuilder's mark. Each format leaves a mark a later run can recognise
without a manifest that could be lost or go stale: a marker file in deck folders, the
`lastModifiedBy` property of a PPTX, the generator line of an HTML deck, the PDF's
Creator, the bundle's README.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Sequence

from deckbuilder.errors import Diagnostic, error

DECK_MARKER = ".deckbuilder-deck"    # written into every deck folder
HTML_MARKER = "<!-- made by deckbuilder: rebuilding replaces this file -->"
# What earlier versions wrote into a deck folder; such a folder without the marker file
# is still recognised as a deck by its index.html.
_DECK_FOLDER_CONTENTS = {"index.html", "assets", "img", DECK_MARKER}
_SNIFF = 8192                        # bytes read from the ends of an HTML file
_BAD_STEMS = {"", ".", ".."}


def bad_name(spec: Path) -> Diagnostic | None:
    """Return an error if the spec's name cannot name its outputs (`.yaml`, `..yaml`)."""
    if spec.stem.strip() in _BAD_STEMS:
        return error(f"the spec's file name {spec.name!r} cannot name its outputs (they "
                     "are called after the name without '.yaml'); rename the spec",
                     str(spec))
    return None


def claim(targets: Sequence[Path], protected: dict[str, Path]) -> list[Diagnostic]:
    """Return an error for each target that deckbuilder must not replace.

    `protected` names the paths that are never replaced, nor any folder holding one
    (for example {"the vault": …, "the talk's folder": …}).
    """
    guarded = {what: _real(path) for what, path in protected.items()}
    problems = []
    for target in targets:
        reason = _refusal(target, guarded)
        if reason:
            problems.append(error(f"will not replace {target}: {reason}; move it away or "
                                  "choose another --out-dir", code="output-not-ours"))
    return problems


def _refusal(target: Path, guarded: dict[str, Path]) -> str | None:
    real = _real(target)
    for what, path in guarded.items():
        if real == path:
            return f"it is {what}"
        if path.is_relative_to(real):
            return f"it holds {what}"
    if not os.path.lexists(target):
        return None
    if target.is_symlink():
        return "it is a symbolic link"
    if target.is_dir():
        return None if is_deck_folder(target) else "it is a folder deckbuilder did not make"
    return None if is_ours(target) else "it is not a file deckbuilder made"


def is_ours(path: Path) -> bool:
    """Return whether the file at `path` is an output deckbuilder wrote (by its mark)."""
    sniff = _SNIFFERS.get(path.suffix.lower())
    return sniff is not None and path.is_file() and _safely(sniff, path)


def is_deck_folder(folder: Path) -> bool:
    """Return whether `folder` is a reveal.js deck folder written by deckbuilder."""
    if (folder / DECK_MARKER).is_file():
        return True
    names = {p.name for p in folder.iterdir()}
    index = folder / "index.html"
    return names <= _DECK_FOLDER_CONTENTS and index.is_file() and _safely(_html_is_ours, index)


def _real(path: Path) -> Path:
    return Path(os.path.realpath(os.path.abspath(path)))


def _safely(sniff: Callable[[Path], bool], path: Path) -> bool:
    try:
        return sniff(path)
    except (OSError, ValueError, KeyError):
        return False


def _html_is_ours(path: Path) -> bool:
    with path.open("rb") as f:
        head = f.read(_SNIFF)
        f.seek(max(0, path.stat().st_size - _SNIFF))
        tail = f.read()
    return (HTML_MARKER.encode() in tail
            or b'<meta name="generator" content="deckbuilder' in head)


def _member(path: Path, name: str) -> bytes:
    """Return a member of the zip file `path`; raise ValueError if it is no zip."""
    import zipfile   # only when a PPTX or a bundle is in the way (zipfile takes ~5 ms)

    try:
        with zipfile.ZipFile(path) as z:
            return z.read(name)
    except zipfile.BadZipFile as e:
        raise ValueError(str(e)) from None


def _pptx_is_ours(path: Path) -> bool:
    core = _member(path, "docProps/core.xml")
    return b"<cp:lastModifiedBy>deckbuilder</cp:lastModifiedBy>" in core


def _pdf_is_ours(path: Path) -> bool:
    from pypdf import PdfReader   # only when a PDF is in the way: pypdf is slow to import
    from pypdf.errors import PyPdfError

    try:
        info = PdfReader(path).metadata
    except PyPdfError:
        return False
    return info is not None and str(info.get("/Creator", "")).startswith("deckbuilder")


def _zip_is_ours(path: Path) -> bool:
    return b"Made by deckbuilder" in _member(path, "README.txt")


_SNIFFERS: dict[str, Callable[[Path], bool]] = {
    ".html": _html_is_ours,
    ".pptx": _pptx_is_ours,
    ".pdf": _pdf_is_ours,
    ".zip": _zip_is_ours,
}


def mark_text(html: str) -> str:
    """Return an HTML page with deckbuilder's mark appended (after `</html>`)."""
    return html.rstrip("\n") + "\n" + HTML_MARKER + "\n"

