"""Time (and optionally profile) builds of a vault of realistic screenshots.

Generates, once, under benchmarks/out/shots-N/: N screenshot-like images (800×600 to
3000×2000 px; three in four PNG with flat UI areas and text-like strokes, the rest JPEG
photos, some with EXIF), one note entry per image (caption and source), and a talk that
picks every entry. Then, each in-process with a fresh cache folder:

- PPTX cold (empty image cache), PPTX warm (cache filled, one caption edited);
- one-file HTML cold and warm (likewise).

Usage: python benchmarks/bench_images.py [--n 200] [--profile DIR] [--demo]
Prints wall and CPU time (this process and its worker processes) per case and per
build stage (check, normalise, plan, render, write); with --profile, a cProfile .prof
file per case in DIR and the top functions by own time (cProfile sees this process
only, and slows Python-heavy stages: time without it).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
SIZES = [(800, 600), (1024, 768), (1280, 800), (1440, 900), (1600, 1000), (1920, 1080),
         (2048, 1280), (2560, 1440), (2880, 1800), (3000, 2000)]


def screenshot(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """Return a UI-like picture: flat panels, text-like strokes, one photo-like region."""
    w, h = size
    im = Image.new("RGB", size, rng.choice([(255, 255, 255), (30, 30, 36), (246, 247, 249)]))
    draw = ImageDraw.Draw(im)
    for _ in range(rng.randint(3, 8)):   # panels
        x, y = rng.randrange(w), rng.randrange(h)
        draw.rectangle((x, y, x + rng.randint(100, w // 2), y + rng.randint(40, h // 3)),
                       fill=tuple(rng.randrange(256) for _ in range(3)))
    ink = (20, 20, 20)
    for row in range(40, h - 20, 22):    # lines of "text"
        x = rng.randint(20, 80)
        while x < w * rng.uniform(0.5, 0.95):
            word = rng.randint(12, 70)
            draw.rectangle((x, row, x + word, row + rng.randint(8, 12)), fill=ink)
            x += word + 7
    pw, ph = w // 4, h // 4              # a photo-like region: noise compresses badly
    noise = Image.frombytes("RGB", (pw // 4, ph // 4), rng.randbytes((pw // 4) * (ph // 4) * 3))
    im.paste(noise.resize((pw, ph), Image.Resampling.BILINEAR), (w - pw - 20, 20))
    return im


def make_vault(out: Path, n: int, seed: int = 1) -> Path:
    """Return the talk spec of a generated vault of `n` screenshots (made once)."""
    spec = out / "talk.yaml"
    if spec.is_file():
        return spec
    rng = random.Random(seed)
    att = out / "vault" / "attachments"
    att.mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(n):
        size = rng.choice(SIZES)
        im = screenshot(rng, size)
        if rng.random() < 0.75:
            name = f"shot-{i:04d}.png"
            im.save(att / name, "PNG", compress_level=6)
        else:
            name = f"photo-{i:04d}.jpg"
            exif = Image.Exif()
            exif[0x010F] = "PhoneMaker"
            if rng.random() < 0.1:
                exif[0x0112] = 6          # a sideways phone photo: must be turned
            im.save(att / name, "JPEG", quality=90, exif=exif)
        lines += [f"![[{name}]]", f"Source: https://example.org/{i}",
                  f"Screenshot number {i} with a caption", ""]
    (out / "vault" / "Shots.md").write_text("\n".join(lines), encoding="utf-8")
    spec.write_text("title: Shots\nvault: vault\nslides:\n  - select: {match: 'Screenshot'}\n",
                    encoding="utf-8")
    return spec


def cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(label: str, fn, profile_dir: Path | None) -> None:
    """Run fn(progress) and print its wall and CPU time, in all and per build stage."""
    prof = cProfile.Profile() if profile_dir else None
    stages: list[tuple[str, float, float]] = []
    last = [time.perf_counter(), cpu(), "start"]

    def say(stage: str) -> None:
        t, c = time.perf_counter(), cpu()
        stages.append((str(last[2]).split()[0], t - float(last[0]), c - float(last[1])))
        last[:] = [t, c, stage]

    c0, t0 = cpu(), time.perf_counter()
    if prof:
        prof.enable()
    fn(say)
    if prof:
        prof.disable()
    say("end")
    wall, used = time.perf_counter() - t0, cpu() - c0
    detail = "  ".join(f"{name} {w:.2f}/{c:.2f}" for name, w, c in stages[1:])
    print(f"{label:<30} wall {wall:6.2f} s  cpu {used:6.2f} s | stages wall/cpu: {detail}",
          flush=True)
    if prof and profile_dir:
        path = profile_dir / (label.replace(" ", "_").replace(",", "") + ".prof")
        prof.dump_stats(path)
        stats = io.StringIO()
        pstats.Stats(str(path), stream=stats).sort_stats("tottime").print_stats(12)
        print("\n".join(stats.getvalue().splitlines()[6:22]))


def edit_caption(spec: Path) -> None:
    note = next((spec.parent / "vault").glob("*.md"), None) or \
        next(spec.parent.rglob("*.md"))
    text = note.read_text(encoding="utf-8")
    note.write_text(text.replace("caption", "caption!", 1) if "caption" in text
                    else text + "\n", encoding="utf-8")


def run(spec: Path, profile_dir: Path | None, label: str) -> None:
    from deckbuilder.build import build

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for fmt, one in (("pptx", False), ("html", True)):
            cache = work / f"cache-{fmt}"
            what = "one-file html" if one else fmt
            for case in ("cold", "warm"):
                if case == "warm":
                    edit_caption(spec)
                timed(f"{label} {what} {case}", lambda say: build(
                    spec, (fmt,), work / "out", cache_dir=cache, single_file=one,
                    progress=say), profile_dir)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--demo", action="store_true", help="also time the demo talk")
    args = parser.parse_args()
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    sys.setrecursionlimit(10000)
    if args.demo:
        with tempfile.TemporaryDirectory() as tmp:   # a copy: its caption gets edited
            shutil.copytree(HERE.parent / "talks", Path(tmp) / "talks")
            run(Path(tmp) / "talks" / "demo.yaml", args.profile, "demo")
    spec = make_vault(HERE / "out" / f"shots-{args.n}", args.n)
    size = sum(p.stat().st_size for p in (spec.parent / "vault").rglob("*") if p.is_file())
    print(f"vault: {args.n} images, {size / 2**20:.0f} MiB")
    run(spec, args.profile, f"{args.n} shots")


if __name__ == "__main__":
    main()
