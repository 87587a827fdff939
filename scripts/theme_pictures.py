"""Draw the background pictures of the built-in `fullbleed` theme (deterministic):
themes/fullbleed/title.jpg and section.jpg, dark fields of soft out-of-focus light, as
behind a stage, on which white text keeps its contrast.

    .venv/bin/python scripts/theme_pictures.py
"""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "themes" / "fullbleed"
SIZE = (1920, 1080)


def picture(seed: int, ground: tuple[int, int, int], glow: tuple[int, int, int],
            lights: list[tuple[int, int, int]]) -> Image.Image:
    """Return a dark field: a vertical ground gradient, one broad glow, blurred lights."""
    rng = random.Random(seed)
    w, h = SIZE
    im = Image.new("RGB", SIZE, ground)
    shade = ImageDraw.Draw(im)
    for y in range(h):          # darker towards the bottom, where the text sits
        k = 1 - 0.55 * y / h
        shade.line([(0, y), (w, y)], fill=tuple(round(c * k) for c in ground))
    layer = Image.new("RGB", SIZE, (0, 0, 0))
    draw = ImageDraw.Draw(layer)
    gx, gy, gr = int(w * 0.78), int(h * 0.22), int(h * 0.75)
    draw.ellipse((gx - gr, gy - gr, gx + gr, gy + gr), fill=glow)
    layer = layer.filter(ImageFilter.GaussianBlur(220))
    im = Image.blend(im, Image.composite(layer, im, layer.convert("L")), 0.55)
    dots = Image.new("RGB", SIZE, (0, 0, 0))
    draw = ImageDraw.Draw(dots)
    for _ in range(46):
        x, y = rng.uniform(0.15, 1.0) * w, rng.uniform(0.0, 0.7) * h
        r = rng.uniform(18, 70)
        colour = rng.choice(lights)
        # fainter towards the left and the bottom, where the titles are
        k = rng.uniform(0.25, 0.7) * min(1.0, (x / w - 0.1) / 0.5) * (1 - 0.6 * y / h)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(round(c * k) for c in colour))
    dots = dots.filter(ImageFilter.GaussianBlur(9))
    im = Image.composite(dots, im, dots.convert("L").point(lambda v: min(255, v * 2)))
    noise = Image.effect_noise(SIZE, 10).convert("RGB")
    return Image.blend(im, noise, 0.035)


def main() -> None:
    """Write both pictures."""
    picture(1, (26, 20, 34), (150, 62, 40),
            [(255, 150, 90), (255, 196, 120), (230, 90, 80)]).save(
        OUT / "title.jpg", quality=84, optimize=True)
    picture(2, (12, 26, 34), (30, 96, 110),
            [(110, 220, 230), (90, 160, 255), (200, 240, 255)]).save(
        OUT / "section.jpg", quality=84, optimize=True)


if __name__ == "__main__":
    main()
