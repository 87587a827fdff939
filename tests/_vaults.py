"""Small vaults written inline for the vault reader's tests."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from deckbuilder.errors import Diagnostic
from deckbuilder.model import Entry
from deckbuilder.vault import read


def png(path: Path, size: tuple[int, int] = (40, 30)) -> Path:
    """Draw a small stand-in PNG at `path` (folders created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, "teal").save(path)
    return path


def vault(root: Path, files: dict[str, str | bytes], images: tuple[str, ...] = ()) -> Path:
    """Write notes (text or bytes) and stand-in images under `root`; return `root`."""
    root.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    for name in images:
        png(root / name)
    return root


def entries_of(root: Path, note: str, images: tuple[str, ...] = ()
               ) -> tuple[list[Entry], list[Diagnostic]]:
    """Return the entries and warnings of a vault holding one note `Note.md`."""
    v, diags = read(vault(root, {"Note.md": note}, images))
    return list(v.entries), diags


def messages(diags: list[Diagnostic]) -> list[str]:
    """Return diagnostics as `file:line: severity: message` strings."""
    return [str(d) for d in diags]
