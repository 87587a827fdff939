"""Time a plain python-pptx deck of N pictured slides with notes: python-pptx alone
against the same script on `render.pptx_package` (indexed lookups, one zip pass).

Each run is a fresh child process (`--child`); its CPU time comes from
`resource.getrusage(RUSAGE_CHILDREN)`. The pictures are N distinct small PNGs, so the
figures are python-pptx's package work, not image bytes.

Usage: python benchmarks/bench_pptx_package.py [--sizes 250,1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import resource
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out" / "pptx-package"


def pictures(n: int) -> list[Path]:
    """Return n distinct small PNGs (made once under benchmarks/out/)."""
    from PIL import Image
    OUT.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = OUT / f"{i}.png"
        if not path.exists():
            Image.new("RGB", (40 + i % 50, 30 + i // 50), (i % 256, 80, 160)).save(path)
        paths.append(path)
    return paths


def child(n: int, indexed: bool) -> None:
    """Build and write the deck in this process (the measured part)."""
    from pptx import Presentation
    from pptx.util import Inches

    from deckbuilder.render import pptx_package
    paths = pictures(n)
    prs = Presentation()
    add = pptx_package.index(prs.part.package) if indexed else prs.slides.add_slide
    for i, path in enumerate(paths):
        slide = add(prs.slide_layouts[6])
        slide.shapes.add_picture(str(path), Inches(1), Inches(1), Inches(4), Inches(3))
        slide.notes_slide.notes_text_frame.text = f"notes {i}"
    out = io.BytesIO()
    if indexed:
        pptx_package.write(prs.part.package, out)
    else:
        prs.save(out)


def measure(n: int, indexed: bool) -> tuple[float, float]:
    """Return (wall s, CPU s) of one child run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    subprocess.run([sys.executable, __file__, "--child", str(n), str(int(indexed))],
                   check=True)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    """Parse the command line and print one line per size and variant (best of N)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="250,1000")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        child(int(a.child[0]), a.child[1] == "1")
        return
    for n in map(int, a.sizes.split(",")):
        pictures(n)
        for indexed in (False, True):
            runs = [measure(n, indexed) for _ in range(a.repeat)]
            wall, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
            label = "pptx_package" if indexed else "python-pptx alone"
            print(f"{n:>6} slides  {label:<18} wall {wall:6.2f} s  CPU {cpu:6.2f} s")


if __name__ == "__main__":
    main()
