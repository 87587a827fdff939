"""Generate a vault of N realistic screenshots, one entry each, for bench_build.py.

Unlike make_vault.py (many notes, every image a hard link to one tiny PNG, for the
reader), this vault is for timing builds, so its images cost what real ones cost: N
distinct pictures of 800×600 to 3000×2000 px, about 3 in 4 PNG screenshots (flat
colours, window chrome, anti-aliased text, charts, sometimes a photo-like region of
gradient and grain) and 1 in 4 JPEG photos (of a slide on a screen, of a whiteboard),
which come to about 360 KiB each on average, as the real vault of issue 11 does
(200 images ≈ 71 MiB). Each image is an entry of its own in a note of up to 25 entries:
the embed, a source line, a caption.

Deterministic: image i depends only on (seed, i) and the generator's VERSION, so the
first 200 images of the 1,000-image vault are those of the 200-image vault, and both
link (hard links) to one pool of generated files under OUT/pool-sSEED-vVERSION/.
Drawing uses Pillow only (no numpy in the project's venv); noise comes from
random.Random.randbytes, so it is the same on every machine.

The same slides, one per image, caption as the title and source as a speaker note, are
written as Markdown for pandoc and for Marp by `write_pandoc_markdown` and
`write_marp_markdown`, and as a talk spec for deckbuilder by `write_spec`.

Usage: python benchmarks/make_screens.py OUT --images 200 [--seed 0]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from PIL import Image, ImageDraw, ImageFont

VERSION = 2          # bump when the drawing changes, so cached pools are redrawn
PER_NOTE = 25        # entries per note: a long screenshot note, as people keep them
JPEG_SHARE = 0.25
# Screenshot sizes seen in real vaults: laptop and desktop screens at 1× and 2×,
# cropped windows, phone-camera photos. Sizes are (width, height), all within
# 800×600 .. 3000×2000.
SIZES = [(800, 600), (1024, 768), (1280, 800), (1366, 768), (1440, 900), (1600, 1000),
         (1920, 1080), (1920, 1200), (2048, 1152), (2560, 1440), (2560, 1600),
         (2880, 1800), (3000, 2000), (1200, 900), (1800, 1200)]
WORDS = ("model data token loss layer attention training benchmark judge filter prompt "
         "context embedding gradient batch corpus label score metric baseline ablation "
         "scale compute memory latency dataset evaluation reward policy sample the of "
         "and to in is for with on we our results table figure shows").split()
SITES = ["YouTube", "Twitter", "Discord", "the paper", "HN", "a blog post", "Lecture 7",
         "the reading group", "Example Conf", "a podcast"]
LIGHT = [((250, 250, 250), (32, 33, 36)), ((255, 255, 255), (20, 20, 20)),
         ((246, 248, 250), (36, 41, 47)), ((253, 246, 227), (88, 110, 117))]
DARK = [((30, 30, 30), (212, 212, 212)), ((13, 17, 23), (201, 209, 217)),
        ((40, 44, 52), (171, 178, 191))]
ACCENTS = [(47, 111, 222), (219, 68, 55), (15, 157, 88), (244, 180, 0), (156, 39, 176),
           (0, 150, 136), (255, 112, 67)]


@dataclass
class Picture:
    """One generated image: its file name in the vault, and the entry's text."""

    name: str
    caption: str
    site: str
    url: str


# --- drawing -----------------------------------------------------------------------

def noise(rng: random.Random, size: tuple[int, int], cell: int) -> Image.Image:
    """Return grey value noise: random bytes on a grid of `cell`-px cells, smoothly scaled up."""
    w, h = max(2, size[0] // cell), max(2, size[1] // cell)
    small = Image.frombytes("L", (w, h), rng.randbytes(w * h))
    return small.resize(size, Image.BICUBIC if cell > 2 else Image.BILINEAR)


def photo(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """Return a photo-like RGB picture: a few colour blotches, texture and sensor grain.

    What matters for the benchmark is that it compresses like a photo: PNG gains
    little on it, JPEG a lot.
    """
    w, h = size
    cw, ch = rng.randint(3, 6), rng.randint(2, 4)
    field = Image.frombytes("RGB", (cw, ch), rng.randbytes(cw * ch * 3)).resize(size, Image.BICUBIC)
    texture = Image.merge("RGB", [noise(rng, size, rng.choice([12, 24, 48]))] * 3)
    grain = Image.merge("RGB", [noise(rng, size, 1 if w * h < 1_500_000 else 2)] * 3)
    return Image.blend(Image.blend(field, texture, 0.3), grain, rng.uniform(0.04, 0.09))


def text_lines(draw: ImageDraw.ImageDraw, rng: random.Random, box: tuple[int, int, int, int],
               colour: tuple[int, int, int], size: int) -> None:
    """Fill `box` with lines of anti-aliased words in the default font, as a page of text."""
    font = ImageFont.load_default(size=size)
    x0, y0, x1, y1 = box
    space = font.getlength(" ")
    y = y0
    while y + size < y1:
        words, width, limit = [], 0.0, (x1 - x0) * rng.uniform(0.3, 1.0)
        while True:   # words until the line is full, as text wraps in its column
            word = rng.choice(WORDS)
            width += font.getlength(word) + space
            if width > limit:
                break
            words.append(word)
        draw.text((x0, y), " ".join(words).capitalize(), fill=colour, font=font)
        y += int(size * rng.choice([1.4, 1.5, 1.6, 2.8]))   # now and then a paragraph break


def chart(draw: ImageDraw.ImageDraw, rng: random.Random, box: tuple[int, int, int, int],
          fg: tuple[int, int, int]) -> None:
    """Draw a bar chart with axes and labels in `box`."""
    x0, y0, x1, y1 = box
    draw.line((x0, y1, x1, y1), fill=fg, width=2)
    draw.line((x0, y0, x0, y1), fill=fg, width=2)
    bars = rng.randint(4, 14)
    step = (x1 - x0) / bars
    for i in range(bars):
        top = y0 + rng.random() * (y1 - y0) * 0.9
        draw.rectangle((x0 + i * step + step * 0.15, top, x0 + (i + 1) * step - step * 0.15, y1 - 1),
                       fill=rng.choice(ACCENTS))
    font = ImageFont.load_default(size=max(12, (y1 - y0) // 18))
    for i in range(bars):
        draw.text((x0 + i * step + step * 0.2, y1 + 6), rng.choice(WORDS), fill=fg, font=font)


def screenshot(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """Return a screenshot-like picture: window chrome, sidebar, text, a chart or a photo."""
    w, h = size
    bg, fg = rng.choice(DARK if rng.random() < 0.3 else LIGHT)
    img = Image.new("RGB", size, bg)
    draw = ImageDraw.Draw(img)
    scale = w / 1280
    bar = int(36 * scale)
    draw.rectangle((0, 0, w, bar), fill=tuple(max(0, c - 18) for c in bg))
    for i, colour in enumerate([(255, 95, 86), (255, 189, 46), (39, 201, 63)]):
        r = int(7 * scale)
        draw.ellipse((bar // 2 + i * 3 * r - r, bar // 2 - r, bar // 2 + i * 3 * r + r, bar // 2 + r),
                     fill=colour)
    side = int(w * rng.uniform(0.12, 0.22)) if rng.random() < 0.6 else 0
    if side:
        draw.rectangle((0, bar, side, h), fill=tuple(min(255, c + 8) for c in bg))
        text_lines(draw, rng, (int(12 * scale), bar + int(16 * scale), side, h),
                   fg, int(13 * scale))
    left, top = side + int(32 * scale), bar + int(28 * scale)
    heading = ImageFont.load_default(size=int(30 * scale))
    draw.text((left, top), " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6))).title(),
              fill=fg, font=heading)
    top += int(56 * scale)
    r = rng.random()
    if r < 0.35:   # a figure in the page: a photo, a video frame, a rendered plot
        pw, ph = int((w - left) * rng.uniform(0.3, 0.8)), int((h - top) * rng.uniform(0.3, 0.6))
        img.paste(photo(rng, (pw, ph)), (left, top))
        top += ph + int(20 * scale)
    elif r < 0.65:
        cw, chh = int((w - left) * rng.uniform(0.4, 0.8)), int((h - top) * rng.uniform(0.3, 0.6))
        chart(draw, rng, (left + int(40 * scale), top, left + cw, top + chh), fg)
        top += chh + int(40 * scale)
    text_lines(draw, rng, (left, top, w - int(24 * scale), h - int(16 * scale)), fg,
               int(rng.choice([14, 15, 16, 18]) * scale))
    if rng.random() < 0.4:   # a highlighted selection, a button
        x, y = rng.randint(left, max(left, w // 2)), rng.randint(top, max(top, h - 80))
        draw.rounded_rectangle((x, y, x + int(140 * scale), y + int(40 * scale)),
                               radius=int(8 * scale), fill=rng.choice(ACCENTS))
    return img


def camera_photo(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """Return a photo of a projected slide or a whiteboard: a photo with a bright, text-filled quad."""
    img = photo(rng, size)
    w, h = size
    draw = ImageDraw.Draw(img)
    x0, y0 = int(w * rng.uniform(0.05, 0.2)), int(h * rng.uniform(0.05, 0.2))
    x1, y1 = int(w * rng.uniform(0.75, 0.95)), int(h * rng.uniform(0.7, 0.9))
    draw.rectangle((x0, y0, x1, y1), fill=(rng.randint(215, 245),) * 3)
    text_lines(draw, rng, (x0 + w // 40, y0 + h // 30, x1 - w // 40, y1 - h // 30),
               (40, 40, 60), max(14, h // 30))
    return img


def draw_picture(seed: int, index: int) -> tuple[bytes, str]:
    """Return the encoded bytes and the extension ("png" or "jpg") of image `index`."""
    rng = random.Random(f"screens:{VERSION}:{seed}:{index}")
    size = rng.choice(SIZES)
    buf = io.BytesIO()
    if rng.random() < JPEG_SHARE:
        camera_photo(rng, size).save(buf, "JPEG", quality=rng.choice([85, 90, 92]))
        return buf.getvalue(), "jpg"
    # compress_level 6 is what most screenshot tools' libpng default gives
    screenshot(rng, size).save(buf, "PNG", compress_level=6)
    return buf.getvalue(), "png"


# --- the pool of images and the vault ------------------------------------------------

def picture_meta(seed: int, index: int, ext: str) -> Picture:
    """Return the name, caption and source of image `index` (a pasted-image name by date)."""
    rng = random.Random(f"meta:{seed}:{index}")
    when = datetime(2024, 1, 1, 9, 0, 0) + timedelta(minutes=37 * index, seconds=index % 60)
    name = (f"Pasted image {when:%Y%m%d%H%M%S}.png" if ext == "png"
            else f"IMG_{when:%Y%m%d_%H%M%S}.jpg")
    caption = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 12))).capitalize()
    return Picture(name, f"{caption} ({index + 1})", rng.choice(SITES),
                   f"https://example.org/{rng.choice(WORDS)}/{index}")


def _draw_to(args: tuple[int, int, str]) -> tuple[int, str]:
    """Draw image `index` into the pool folder unless it is there; return (index, ext)."""
    seed, index, pool = args
    for ext in ("png", "jpg"):
        if (Path(pool) / f"{index:05d}.{ext}").exists():
            return index, ext
    data, ext = draw_picture(seed, index)
    tmp = Path(pool) / f".{index:05d}.{ext}.tmp"
    tmp.write_bytes(data)
    tmp.replace(Path(pool) / f"{index:05d}.{ext}")   # a killed run leaves no half image
    return index, ext


def image_pool(out: Path, n: int, seed: int = 0, jobs: int | None = None) -> list[Path]:
    """Return the first n pool images under OUT, drawing (in parallel) those not yet there."""
    pool = out / f"pool-s{seed}-v{VERSION}"
    pool.mkdir(parents=True, exist_ok=True)
    work = [(seed, i, str(pool)) for i in range(n)]
    jobs = jobs or os.cpu_count() or 1
    if n < 8 or jobs == 1:
        done = [_draw_to(w) for w in work]
    else:
        with ProcessPoolExecutor(jobs) as ex:
            done = list(ex.map(_draw_to, work, chunksize=4))
    return [pool / f"{i:05d}.{ext}" for i, ext in sorted(done)]


@dataclass
class VaultStats:
    """What a generated screenshot vault holds."""

    images: int
    png: int
    jpeg: int
    bytes: int
    notes: int
    seed: int
    version: int = VERSION


def entry_lines(pic: Picture) -> list[str]:
    """Return one entry as written in a note: embed, source line, caption, blank line."""
    return [f"![[{pic.name}]]", f"(From {pic.site}: {pic.url})", pic.caption, ""]


def make_screens_vault(root: Path, n: int, seed: int = 0, pool_dir: Path | None = None,
                       jobs: int | None = None) -> tuple[VaultStats, list[Picture]]:
    """Write a fresh vault of n screenshot entries at `root`; return its stats and pictures.

    Images are hard links into the pool (copies where links fail), kept in the vault's
    attachments/ folder as Obsidian does; notes are `Screens 001.md`, … at the root.
    """
    pool = image_pool(pool_dir or root.parent, n, seed, jobs)
    if root.exists():
        shutil.rmtree(root)
    (root / ".obsidian").mkdir(parents=True)
    (root / ".obsidian" / "app.json").write_text('{"attachmentFolderPath": "attachments"}\n')
    (root / "attachments").mkdir()
    pictures, size = [], 0
    for i, src in enumerate(pool):
        pic = picture_meta(seed, i, src.suffix[1:])
        target = root / "attachments" / pic.name
        try:
            os.link(src, target)
        except OSError:
            shutil.copyfile(src, target)
        size += target.stat().st_size
        pictures.append(pic)
    notes = 0
    for start in range(0, n, PER_NOTE):
        notes += 1
        lines = [f"# Screenshots {notes:03d}", ""]
        for pic in pictures[start:start + PER_NOTE]:
            lines += entry_lines(pic)
        (root / f"Screens {notes:03d}.md").write_text("\n".join(lines), encoding="utf-8")
    jpeg = sum(p.name.endswith(".jpg") for p in pictures)
    return VaultStats(n, n - jpeg, jpeg, size, notes, seed), pictures


def copy_for_editing(root: Path, copy: Path) -> None:
    """Copy the vault to `copy`: images as hard links, notes as real copies.

    The notes must be copies, not links: editing a linked note would edit the cached
    original, and the next cold build would not start from the vault it claims to.
    """
    if copy.exists():
        shutil.rmtree(copy)

    def link_images(src: str, dst: str) -> None:
        if src.endswith(".md"):
            shutil.copyfile(src, dst)
        else:
            try:
                os.link(src, dst)
            except OSError:
                shutil.copyfile(src, dst)

    shutil.copytree(root, copy, copy_function=link_images)


def change_one_caption(root: Path, pictures: list[Picture], text: str) -> None:
    """Replace the first entry's caption in a vault made by copy_for_editing (never the original)."""
    note = root / "Screens 001.md"
    old = note.read_text(encoding="utf-8")
    lines = old.split("\n")
    at = lines.index(f"(From {pictures[0].site}: {pictures[0].url})") + 1
    lines[at] = text
    note.unlink()   # a fresh inode, should the copy still be a link after all
    note.write_text("\n".join(lines), encoding="utf-8")


# --- the same slides for deckbuilder, pandoc and Marp ----------------------------------

def write_spec(path: Path, vault: Path, n: int) -> Path:
    """Write a deckbuilder talk spec with one slide per entry of the vault, in note order."""
    rel = os.path.relpath(vault, path.parent)
    path.write_text(f"title: Build benchmark, {n} screenshots\n"
                    f"date: 2026-12-01\n"
                    f"vault: {json.dumps(rel)}\n"
                    "slides:\n"
                    "  - select: {order: note}\n", encoding="utf-8")
    return path


def image_url(vault: Path, pic: Picture, base: Path) -> str:
    """Return the image's path relative to `base`, percent-encoded for a Markdown link."""
    return quote(os.path.relpath(vault / "attachments" / pic.name, base).replace(os.sep, "/"))


def write_pandoc_markdown(path: Path, vault: Path, pictures: list[Picture]) -> Path:
    """Write pandoc Markdown: a `##` slide per image, caption as title, source as a note.

    No title block, so pandoc makes exactly one slide per image, as the deckbuilder spec
    (no `- title` item) and the Marp file do.
    """
    parts = []
    for pic in pictures:
        parts.append(f"## {pic.caption}\n\n![]({image_url(vault, pic, path.parent)})\n\n"
                     f"::: notes\nFrom {pic.site}: <{pic.url}>\n:::\n")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def write_marp_markdown(path: Path, vault: Path, pictures: list[Picture]) -> Path:
    """Write Marp Markdown (`marp: true`): the same slides, notes as HTML comments.

    The picture is sized to the slide's free height (`h:`, a Marpit image keyword), as
    deckbuilder and pandoc fit it, instead of overflowing the slide.
    """
    slides = [f"## {pic.caption}\n\n![h:520]({image_url(vault, pic, path.parent)})\n\n"
              f"<!-- From {pic.site}: {pic.url} -->\n" for pic in pictures]
    # the front matter's closing `---` is no slide break; the ones between slides are
    path.write_text("---\nmarp: true\n---\n\n" + "\n---\n\n".join(slides), encoding="utf-8")
    return path


def main() -> None:
    """Generate a vault from the command line and print its stats as JSON."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", type=Path, help="the vault folder to (re)create")
    p.add_argument("--images", type=int, required=True, help="how many screenshots")
    p.add_argument("--seed", type=int, default=0, help="generator seed")
    p.add_argument("--jobs", type=int, default=None, help="drawing processes (default: cores)")
    a = p.parse_args()
    stats, _ = make_screens_vault(a.out, a.images, a.seed, jobs=a.jobs)
    json.dump(asdict(stats), sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
