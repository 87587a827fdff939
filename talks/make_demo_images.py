"""Draw every picture of the demo vault (talks/demo-vault/attachments/) with Pillow.

The demo's screenshots are the project's own drawings, never third-party pictures:
charts, lecture slides, tables, code, a social-media card, a phone screenshot, a banner,
a tiny snippet, a photo-like JPEG with an EXIF orientation tag and a transparent PNG.
The output is deterministic (fixed seeds, no timestamps), so re-running the script leaves
the committed files unchanged. Usage: python talks/make_demo_images.py [OUT_DIR]
"""

from __future__ import annotations

import io
import random
import sys
from pathlib import Path
from typing import Callable

from PIL import Image, ImageDraw, ImageFilter

# The drawing primitives live beside this script (run as a script, its folder is on sys.path).
from demo_drawing import (ACCENT, INK, MUTED, bar_chart, canvas, center, code_window, font,
                          histogram, lecture_slide, line_chart, table)

OUT = Path(__file__).resolve().parent / "demo-vault" / "attachments"


# ---------------------------------------------------------------- one-off pictures


def pipeline_diagram() -> Image.Image:
    """Return the five-stage cleaning pipeline as boxes and arrows."""
    img, d = canvas(1200, 420, "#fdfdfb")
    d.text((40, 26), "A web-text cleaning pipeline", font=font(28, "bold"), fill=INK)
    stages = ["Extract\ntext", "Language\nID", "Heuristic\nfilters", "Dedup", "Quality\nclassifier"]
    fills = ["#dbe9ff", "#dbe9ff", "#ffe3d6", "#d4f3ef", "#fff0cc"]
    x = 40
    for i, (name, fill) in enumerate(zip(stages, fills)):
        d.rounded_rectangle((x, 140, x + 180, 260), 16, fill=fill, outline=INK, width=2)
        for j, part in enumerate(name.split("\n")):
            center(d, x + 90, 172 + j * 30 + (0 if "\n" in name else 15), part, font(21, "bold"))
        if i < len(stages) - 1:
            d.line((x + 186, 200, x + 222, 200), fill=INK, width=4)
            d.polygon([(x + 232, 200), (x + 218, 190), (x + 218, 210)], fill=INK)
        x += 236
    notes = ["HTML → text", "fastText, p > 0.65", "length, symbols, lines", "MinHash + LSH",
             "n-gram model"]
    for i, n in enumerate(notes):
        center(d, 130 + i * 236, 280, n, font(16), MUTED)
    d.text((40, 360), "Raw crawl in, training set out. Each stage only ever removes documents.",
           font=font(18), fill=MUTED)
    return img


def social_card() -> Image.Image:
    """Return a fictional social-media post, captured at 2x like CleanShot does."""
    img, d = canvas(1180, 660, "#f5f8fa")
    d.rounded_rectangle((40, 40, 1140, 620), 28, fill="white", outline="#d0d7de", width=2)
    d.ellipse((84, 84, 184, 184), fill="#e4572e")
    center(d, 134, 106, "RQ", font(40, "bold"), "white")
    d.text((210, 92), "Rosa Quill", font=font(34, "bold"), fill=INK)
    d.text((210, 138), "@rquill@example.net · 3h", font=font(28), fill=MUTED)
    lines = ["Counter-intuitive result from our data ablations:",
             "deduplication removed far more copies of the GOOD",
             "documents than of the bad ones. Good pages get quoted,",
             "mirrored and syndicated. After dedup the share of",
             "low-quality text went UP. Check your ratios!"]
    for i, line in enumerate(lines):
        d.text((84, 222 + i * 50), line, font=font(32), fill=INK)
    d.line((84, 500, 1096, 500), fill="#d0d7de", width=2)
    for i, s in enumerate(["↩ 48", "⟲ 312", "♥ 1.2k"]):
        d.text((84 + i * 220, 530), s, font=font(30), fill=MUTED)
    return img


def phone_screenshot() -> Image.Image:
    """Return a tall phone screenshot of a (fictional) dataset-viewer app."""
    img, d = canvas(540, 1170, "#f2f2f7")
    d.text((28, 18), "9:41", font=font(22, "bold"), fill=INK)
    d.text((420, 18), "● ● ▮", font=font(20), fill=INK)
    d.text((28, 80), "Sample viewer", font=font(36, "bold"), fill=INK)
    d.text((28, 130), "crawl-2024-04 · after filters · seed 7", font=font(18), fill=MUTED)
    rng = random.Random(7)
    verdicts = [("keep", "#17a398"), ("keep", "#17a398"), ("broken HTML", "#e4572e"),
                ("keep", "#17a398"), ("broken HTML", "#e4572e")]
    for i, (verdict, color) in enumerate(verdicts):
        y = 180 + i * 192
        d.rounded_rectangle((20, y, 520, y + 176), 18, fill="white")
        d.text((40, y + 16), f"doc #{rng.randrange(10**6, 10**7)}", font=font(19, "bold"), fill=INK)
        d.rounded_rectangle((330, y + 12, 500, y + 44), 14, fill=color)
        center(d, 415, y + 16, verdict, font(17, "bold"), "white")
        for j in range(4):  # grey bars stand for lines of text, of random length
            d.rounded_rectangle((40, y + 62 + j * 26, 40 + rng.randrange(240, 460), y + 76 + j * 26),
                                6, fill="#c7ccd1" if verdict == "keep" else "#f3b7a6")
    d.rounded_rectangle((180, 1146, 360, 1154), 4, fill=INK)
    return img


def banner() -> Image.Image:
    """Return a wide project banner for the fictional 'tidyset' library."""
    img, d = canvas(1600, 360, "#0b3954")
    for i in range(12):  # a band of stacked slanted stripes as decoration
        d.polygon([(1000 + i * 60, 360), (1120 + i * 60, 0), (1150 + i * 60, 0),
                   (1030 + i * 60, 360)], fill=["#087e8b", "#0f5a74", "#bfd7ea"][i % 3])
    d.text((80, 90), "tidyset", font=font(96, "bold"), fill="white")
    d.text((84, 220), "composable data-cleaning pipelines, laptop to cluster",
           font=font(34), fill="#bfd7ea")
    d.text((84, 282), "v1.0   ·   example.com/tidyset", font=font(22, "mono"),
           fill="#ffd166")
    return img


def snippet() -> Image.Image:
    """Return a tiny 300x120 crop of a formula."""
    img, d = canvas(300, 120, "#fffbea")
    d.rectangle((0, 0, 299, 119), outline="#f2a541", width=2)
    center(d, 150, 20, "keep document d if", font(17), MUTED)
    center(d, 150, 52, "PPL(d) < 1,000", font(30, "bold"))
    return img


def funnel() -> Image.Image:
    """Return a funnel diagram on a transparent background (RGBA)."""
    img = Image.new("RGBA", (800, 640), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    stages = [("Raw crawl", "100%"), ("Text extracted", "62%"), ("Right language", "41%"),
              ("Passed heuristics", "23%"), ("Deduplicated", "12%"), ("Training set", "8%")]
    for i, (name, share) in enumerate(stages):
        top, bottom = 760 - i * 110, 760 - (i + 1) * 110
        y = 20 + i * 102
        d.polygon([(400 - top / 2, y), (400 + top / 2, y), (400 + bottom / 2, y + 92),
                   (400 - bottom / 2, y + 92)], fill=(47, 111, 222, 235 - i * 30))
        center(d, 400, y + 22, name, font(22, "bold"), "white" if i < 4 else INK)
        center(d, 400, y + 52, share, font(20), "white" if i < 4 else INK)
    return img


def photo() -> Image.Image:
    """Return an upright photo-like picture: a projected slide seen from the back row."""
    rng = random.Random(42)
    w, h = 800, 600
    img = Image.linear_gradient("L").resize((w, h)).point(lambda v: 20 + v // 6)
    img = Image.merge("RGB", (img, img.point(lambda v: v * 9 // 10), img.point(lambda v: v * 8 // 10)))
    slide, sd = canvas(520, 292, "#f4f1e8")
    sd.text((24, 18), "Where each filter sits", font=font(28, "bold"), fill="#1d3557")
    for i, s in enumerate(["crawl → extract → lang ID", "→ heuristics → dedup", "→ classifier → mix"]):
        sd.text((24, 80 + i * 52), s, font=font(24), fill=INK)
    slide = slide.transform((w, h), Image.Transform.QUAD,  # keystone: seen from below-left
                            (-150, -60, -110, 392, 640, 330, 620, -20), Image.Resampling.BICUBIC)
    mask = Image.new("L", (520, 292), 255).transform((w, h), Image.Transform.QUAD,
                                                    (-150, -60, -110, 392, 640, 330, 620, -20))
    img.paste(slide, (0, 0), mask)
    d = ImageDraw.Draw(img)
    for _ in range(14):  # heads in the rows in front
        x, r = rng.randrange(-40, w), rng.randrange(50, 90)
        d.ellipse((x, h - r - rng.randrange(0, 40), x + 2 * r, h + r), fill=(18, 16, 20))
    noise = Image.frombytes("L", (w, h), rng.randbytes(w * h)).point(lambda v: 118 + v // 24)
    img = Image.blend(img, Image.merge("RGB", (noise,) * 3), 0.12)
    return img.filter(ImageFilter.GaussianBlur(0.8))


# ---------------------------------------------------------------- the catalogue

MINHASH = '''
import hashlib

def shingles(text, k=5):
    words = text.split()
    return {" ".join(words[i:i + k]) for i in range(len(words) - k + 1)}

def minhash(text, num_perm=128):
    """The signature: per seed, the smallest hash of any shingle."""
    grams = shingles(text)
    return [min(h(seed, g) for g in grams) for seed in range(num_perm)]

def h(seed, gram):
    digest = hashlib.blake2b(f"{seed}:{gram}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big")

def similarity(a, b):
    return sum(x == y for x, y in zip(a, b)) / len(a)
'''

TIDYSET = '''
from tidyset import Pipeline, readers, filters, dedup, writers

pipeline = Pipeline([
    readers.Warc("s3://example-crawl/2024-04/"),
    filters.Language("en", min_score=0.65),
    filters.Heuristics(mean_word_len=(3, 10), max_symbol_ratio=0.1),
    dedup.MinHash(bands=16, rows=8),          # ~0.8 Jaccard
    filters.Perplexity(max_ppl=1_000),
    writers.Jsonl("out/clean/"),
])

if __name__ == "__main__":
    pipeline.run(workers=64)                  # or: tasks=1 on a laptop
'''


def catalogue() -> dict[str, Callable[[], Image.Image]]:
    """Return file name -> drawing function, for every picture the demo vault embeds."""
    return {
        "Pasted image 20240312101530.png": pipeline_diagram,
        "Pasted image 20240312102210.png": lambda: histogram(
            "Raw crawl", [6, 34, 22, 16, 11, 6, 3, 2], "boilerplate spike", hot=1),
        "Pasted image 20240312102245.png": lambda: histogram(
            "After heuristic filters", [0, 4, 18, 29, 24, 15, 7, 3], "short pages gone"),
        "Pasted image 20240415155657.png": lambda: bar_chart(
            "Tokens remaining after each stage (ExampleWeb)",
            ["raw\ncrawl", "text\nextracted", "language\nID", "heuristic\nfilters", "dedup",
             "quality\nclassifier"], [100, 62, 41, 23, 12, 8], (1100, 600), 100, "{:.0f}%",
            "share of raw tokens", ["#9fb3c8", ACCENT]),
        "Pasted image 20240415160930.png": lambda: lecture_slide(
            "Heuristic quality filters",
            ["Advantages:", "  controlled, robust, clear priors", "Drawbacks:",
             "  surface level only; may remove too much", "  thresholds take time to tune",
             "Alternative: a small classifier, or perplexity"],
            "Mara Lindqvist · Example Data Summit 2024 · 14 / 31"),
        "Pasted image 20240415161204.png": lambda: table(
            "Table 2: Heuristic filter thresholds",
            ["Signal", "Keep if", "Removed"],
            [["mean word length", "3 – 10 characters", "4.1%"],
             ["symbol-to-word ratio", "< 0.1", "2.7%"],
             ["lines ending in “…”", "≤ 30%", "1.9%"],
             ["lines starting with a bullet", "≤ 90%", "3.3%"],
             ["stop words present", "≥ 2 of the, be, to, of, and", "6.8%"]],
            [330, 330, 140]),
        "Pasted image 20240416093012.png": snippet,
        "Screenshot 2024-04-20 at 10.21.39 PM.png": lambda: code_window(
            MINHASH, (1000, 560), True, "minhash.py — example.com/eng"),
        "Pasted image 20240420223015.png": lambda: lecture_slide(
            "Exact vs fuzzy deduplication",
            ["Exact:", "  hash whole documents", "  suffix array for substrings",
             "  cheap to run, catches little", "Fuzzy:", "  MinHash + LSH", "  Bloom filter",
             "  finds near-copies, costs memory"],
            "CS 999 · Lecture 7 · Example University", columns=2),
        "Pasted image 20240421101500.png": lambda: line_chart(
            "Near-duplicate documents per crawl snapshot", [2019, 2020, 2021, 2022, 2023, 2024],
            {"near-duplicates": [18, 21, 25, 27, 31, 34], "exact copies": [6, 7, 7, 8, 9, 9]},
            (1000, 560), 40, "{:.0f}%", "share of documents", "snapshot year", ticks=4),
        "CleanShot 2024-05-16 at 01.07.06@2x.png": social_card,
        "Pasted image 20240502141233.png": lambda: line_chart(
            "1B-model ablations: average of 6 benchmarks", [0, 10, 20, 30, 40, 50],
            {"unfiltered": [25, 36, 41, 44, 46, 47], "heuristics": [25, 37, 43, 47, 49, 50],
             "heuristics + classifier": [25, 36, 45, 50, 53, 55]},
            (1100, 600), 60, "{:.0f}", "score", "training tokens (B)", ticks=6),
        "Pasted image 20240502142010.png": lambda: table(
            "High-signal benchmarks for data ablations",
            ["Benchmark", "Task", "Seed std"],
            [["ExampleQA", "common-sense questions", "0.3"],
             ["ClozeBench", "sentence completion", "0.4"],
             ["SciPick", "science multiple choice", "0.5"],
             ["PhysIQ", "physical reasoning", "0.4"],
             ["CoRef-X", "pronoun resolution", "0.6"]],
            [230, 360, 150]),
        "Pasted image 20240503090045.png": phone_screenshot,
        "Pasted image 20240503091530.png": banner,
        "Pasted image 20240503092000.png": lambda: code_window(
            TIDYSET, (1000, 430), False, "clean.py"),
        "quality-funnel.png": funnel,
        "IMG_20240418_183012.jpg": photo,
    }


def encode(name: str, img: Image.Image) -> bytes:
    """Return the file bytes: palette PNGs, and a JPEG stored sideways with EXIF Orientation 6."""
    buf = io.BytesIO()
    if name.endswith(".jpg"):
        exif = Image.Exif()
        exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
        img.transpose(Image.Transpose.ROTATE_90).save(buf, "JPEG", quality=72, exif=exif,
                                                     optimize=True)
    elif img.mode == "RGBA":
        img.save(buf, "PNG", optimize=True)
    else:  # screenshots are flat colours: 64 colours keep them crisp and small
        img.quantize(64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            buf, "PNG", optimize=True)
    return buf.getvalue()


def main(out: Path = OUT) -> None:
    """Write every picture to `out`, reporting sizes."""
    out.mkdir(parents=True, exist_ok=True)
    total = 0
    for name, draw in catalogue().items():
        data = encode(name, draw())
        (out / name).write_bytes(data)
        total += len(data)
        print(f"{len(data) / 1024:6.1f} KB  {name}")
    print(f"{total / 1024:6.1f} KB  total, {len(catalogue())} files in {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
