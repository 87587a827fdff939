"""The seed vault with stand-in images: its notes are real, its images are not shipped."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from PIL import Image


def seed_vault(shared: Path, dest: Path) -> Path:
    """Copy the seed's Screenshots.md into dest and draw a small PNG for every image it names."""
    dest.mkdir(parents=True, exist_ok=True)
    note = shutil.copy(shared / "seed" / "vault" / "Screenshots.md", dest / "Screenshots.md")
    names = set(re.findall(r"Pasted image \d{14}\.png", Path(note).read_text(encoding="utf-8")))
    for i, name in enumerate(sorted(names)):
        Image.new("RGB", (64, 36), (i % 256, 90, 160)).save(dest / name)
    return dest
