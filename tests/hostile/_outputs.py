"""Helpers for the tests that break builds on purpose: talks, CLI runs, deck checks."""

from __future__ import annotations

import ctypes
import os
import random
import re
import resource
import signal
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Callable

from PIL import Image

from deckbuilder.outputs import DECK_MARKER, HTML_MARKER

ROOT = Path(__file__).resolve().parents[2]


def make_talk(root: Path, title: str, images: int = 3, size: tuple[int, int] = (320, 180),
              name: str = "talk") -> Path:
    """Write a vault of `images` noise pictures and a spec picking them all; return the spec."""
    notes = root / "notes"
    notes.mkdir(parents=True, exist_ok=True)
    rng = random.Random(images)
    lines = []
    for n in range(images):
        path = notes / f"p{n:03}.png"
        if not path.exists():   # noise: big files, so writing them takes a while
            Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3)).save(path)
        lines.append(f"![[{path.name}]]\nPicture {n}\n")
    (notes / "n.md").write_text("\n".join(lines), encoding="utf-8")
    spec = root / f"{name}.yaml"
    spec.write_text(f"title: {title}\nvault: notes\nslides:\n  - title\n"
                    "  - select: {}\n", encoding="utf-8")
    return spec


def set_title(spec: Path, title: str) -> None:
    """Change the talk's title, so an old and a new deck can be told apart."""
    text = spec.read_text(encoding="utf-8")
    spec.write_text(re.sub(r"(?m)^title: .*$", f"title: {title}", text), encoding="utf-8")


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Return every file and folder under `root` with its bytes (None for folders)."""
    if not root.exists():
        return {}
    return {p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() else None)
            for p in sorted(root.rglob("*"))}


def leftovers(*folders: Path) -> list[str]:
    """Return the temporary names (dot-files, temp folders) left in `folders`."""
    found = []
    for folder in folders:
        if folder.is_dir():
            found += [str(p) for p in folder.iterdir() if p.name != DECK_MARKER
                      and (p.name.startswith(".") or p.name.startswith("deckbuilder-"))]
    return found


def cli(*args: str, env: dict[str, str] | None = None,
        preexec: Callable[[], None] | None = None, timeout: float = 300,
        ) -> subprocess.CompletedProcess[str]:
    """Run `deckbuilder ARGS` in a fresh interpreter; return what it did."""
    return subprocess.run([sys.executable, "-m", "deckbuilder", *args], capture_output=True,
                          text=True, env=env, timeout=timeout, check=False,
                          preexec_fn=preexec, cwd=ROOT)


def file_size_limit(limit: int) -> Callable[[], None]:
    """Return a preexec_fn that caps file sizes (`ulimit -f`): bigger writes fail, EFBIG."""
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # else the kernel kills the writer
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def without_permission_override() -> None:
    """A preexec_fn: root loses CAP_DAC_OVERRIDE, so folder permissions stop it as anyone."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):    # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, cap, 0, 0, 0) != 0:   # PR_CAPBSET_DROP, before exec
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def deck_title(out: Path, name: str = "talk") -> dict[str, str | None]:
    """Return the title each output in `out` carries, checking each is complete.

    A PPTX must open as a whole zip; a deck folder must have its index.html (ending
    with deckbuilder's mark), its marker, and every file its index.html refers to.
    """
    titles: dict[str, str | None] = {"pptx": None, "html": None}
    pptx = out / f"{name}.pptx"
    if pptx.exists():
        with zipfile.ZipFile(pptx) as z:
            assert z.testzip() is None, f"{pptx} is damaged"
            core = z.read("docProps/core.xml").decode()
        titles["pptx"] = re.search(r"<dc:title>(.*?)</dc:title>", core).group(1)
    folder = out / name
    if folder.exists():
        index = folder / "index.html"
        assert index.is_file(), f"{folder} has no index.html: {sorted(os.listdir(folder))}"
        page = index.read_text(encoding="utf-8")
        assert page.rstrip().endswith(HTML_MARKER), f"{index} is cut short"
        assert (folder / DECK_MARKER).is_file()
        for ref in re.findall(r'(?:src|href)="([^"#:]+)"', page):
            assert (folder / ref).is_file(), f"{index} refers to a missing {ref}"
        titles["html"] = re.search(r"<title>(.*?)</title>", page).group(1)
    return titles
