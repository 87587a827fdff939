"""Drawing primitives for talks/make_demo_images.py: fonts, charts, slides, tables, code.

Everything here is plain Pillow and deterministic; the pictures themselves are in
make_demo_images.py.
"""

from __future__ import annotations

import math
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Callable, Sequence

from PIL import Image, ImageDraw, ImageFont

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
CARLITO = Path(__file__).resolve().parent.parent / "deckbuilder/_vendor/fonts/carlito/files"
INK, MUTED, GRID, ACCENT = "#1f2933", "#616e7c", "#d9e2ec", "#2f6fde"
SERIES = ["#2f6fde", "#e4572e", "#17a398", "#f2a541"]
Draw = ImageDraw.ImageDraw


@lru_cache(maxsize=None)
def font(size: int, style: str = "") -> ImageFont.FreeTypeFont:
    """Return DejaVu Sans (style "", "bold", "mono", "mono-bold"), else Carlito."""
    names = {"": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf",
             "mono": "DejaVuSansMono.ttf", "mono-bold": "DejaVuSansMono-Bold.ttf"}
    path = DEJAVU / names[style]
    if not path.exists():  # no DejaVu: the vendored Carlito (woff2) still draws text
        bold = "bold" in style
        found = [p for p in sorted(CARLITO.glob("*.woff2"))
                 if ("700" in p.name) == bold and "italic" not in p.name]
        if not found:
            sys.exit(f"no font: install fonts-dejavu-core, or vendor Carlito into {CARLITO}")
        path = found[0]
    return ImageFont.truetype(str(path), size)


def canvas(w: int, h: int, bg: str = "white") -> tuple[Image.Image, Draw]:
    """Return a new RGB image and its drawing context."""
    img = Image.new("RGB", (w, h), bg)
    return img, ImageDraw.Draw(img)


def text_w(d: Draw, s: str, f: ImageFont.FreeTypeFont) -> float:
    """Return the drawn width of `s`."""
    return d.textlength(s, font=f)


def center(d: Draw, cx: float, y: float, s: str, f: ImageFont.FreeTypeFont,
           fill: str = INK) -> None:
    """Draw `s` centred horizontally on `cx`."""
    d.text((cx - text_w(d, s, f) / 2, y), s, font=f, fill=fill)


# ---------------------------------------------------------------- charts


def axes(d: Draw, box: tuple[int, int, int, int], ymax: float, yfmt: str,
         ylabel: str, ticks: int = 5) -> Callable[[float], float]:
    """Draw a y grid with labels in `box`; return value -> y pixel."""
    x0, y0, x1, y1 = box
    for i in range(ticks + 1):
        y = y1 - (y1 - y0) * i / ticks
        d.line((x0, y, x1, y), fill=GRID, width=1)
        label = yfmt.format(ymax * i / ticks)
        d.text((x0 - 10 - text_w(d, label, font(14)), y - 9), label, font=font(14), fill=MUTED)
    d.line((x0, y1, x1, y1), fill=INK, width=2)
    d.text((x0 - 60, y0 - 44), ylabel, font=font(15, "bold"), fill=MUTED)
    return lambda v: y1 - (y1 - y0) * v / ymax


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float], size: tuple[int, int],
              ymax: float, yfmt: str, ylabel: str, colors: Sequence[str] = (ACCENT,)) -> Image.Image:
    """Return a titled bar chart with value labels."""
    img, d = canvas(*size)
    w, h = size
    d.text((40, 22), title, font=font(24, "bold"), fill=INK)
    box = (100, 130, w - 40, h - 70)
    to_y = axes(d, box, ymax, yfmt, ylabel)
    step = (box[2] - box[0]) / len(values)
    for i, (label, v) in enumerate(zip(labels, values)):
        x = box[0] + i * step + step * 0.18
        d.rectangle((x, to_y(v), x + step * 0.64, box[3] - 1), fill=colors[i % len(colors)])
        center(d, x + step * 0.32, to_y(v) - 22, yfmt.format(v), font(14, "bold"))
        for j, part in enumerate(label.split("\n")):
            center(d, x + step * 0.32, box[3] + 8 + j * 18, part, font(14), MUTED)
    return img


def line_chart(title: str, xs: Sequence[float], series: dict[str, Sequence[float]],
               size: tuple[int, int], ymax: float, yfmt: str, ylabel: str, xlabel: str,
               ticks: int = 5) -> Image.Image:
    """Return a titled line chart with a legend."""
    img, d = canvas(*size)
    w, h = size
    d.text((40, 22), title, font=font(24, "bold"), fill=INK)
    legend_w = max(text_w(d, name, font(15)) for name in series) + 100
    box = (100, 130, int(w - legend_w), h - 80)
    to_y = axes(d, box, ymax, yfmt, ylabel, ticks)
    to_x = lambda v: box[0] + (box[2] - box[0]) * (v - xs[0]) / (xs[-1] - xs[0])  # noqa: E731
    for v in xs:
        center(d, to_x(v), box[3] + 8, f"{v:g}", font(14), MUTED)
    center(d, (box[0] + box[2]) / 2, box[3] + 36, xlabel, font(15, "bold"), MUTED)
    for k, (name, ys) in enumerate(series.items()):
        pts = [(to_x(x), to_y(y)) for x, y in zip(xs, ys)]
        d.line(pts, fill=SERIES[k], width=4, joint="curve")
        for x, y in pts:
            d.ellipse((x - 5, y - 5, x + 5, y + 5), fill=SERIES[k])
        d.rectangle((box[2] + 34, 150 + k * 34, box[2] + 54, 166 + k * 34), fill=SERIES[k])
        d.text((box[2] + 62, 148 + k * 34), name, font=font(15), fill=INK)
    return img


def histogram(title: str, counts: Sequence[float], note: str, hot: int = -1) -> Image.Image:
    """Return a small document-length histogram as pasted from a notebook."""
    img, d = canvas(640, 480, "#fbfbfb")
    d.text((24, 18), title, font=font(20, "bold"), fill=INK)
    box = (80, 100, 610, 400)
    to_y = axes(d, box, 40, "{:.0f}%", "share", ticks=4)
    step = (box[2] - box[0]) / len(counts)
    for i, c in enumerate(counts):
        x = box[0] + i * step
        if c:
            d.rectangle((x + 1, to_y(c), x + step - 1, box[3] - 1),
                        fill="#e4572e" if i == hot else ACCENT)
    for i, label in enumerate(["10", "100", "1k", "10k", "100k"]):
        center(d, box[0] + (box[2] - box[0]) * i / 4, box[3] + 8, label, font(14), MUTED)
    center(d, 345, 436, "document length (words, log scale)", font(15, "bold"), MUTED)
    d.text((box[2] - 20 - text_w(d, note, font(15)), box[1] + 10), note, font=font(15),
           fill="#e4572e")
    return img


# ---------------------------------------------------------------- slides, tables, code


def lecture_slide(title: str, bullets: Sequence[str], footer: str,
                  columns: int = 1) -> Image.Image:
    """Return a lecture slide: title bar, bullets in one or two columns, footer."""
    img, d = canvas(1024, 576, "#fdfdfb")
    d.rectangle((0, 0, 1024, 92), fill="#1d3557")
    d.text((48, 24), title, font=font(34, "bold"), fill="white")
    col_w = (1024 - 96) // columns
    per_col = math.ceil(len(bullets) / columns)
    y = 0
    for i, b in enumerate(bullets):
        sub = b.startswith("  ")
        y = 126 if i % per_col == 0 else y + (46 if sub else 62)
        x = 48 + (i // per_col) * col_w
        f = font(21 if sub else 25, "" if sub else "bold" if b.endswith(":") else "")
        d.text((x + (34 if sub else 0), y), ("– " if sub else "• ") + b.strip(), font=f,
               fill=MUTED if sub else INK)
    d.line((48, 528, 976, 528), fill=GRID, width=2)
    d.text((48, 538), footer, font=font(15), fill=MUTED)
    return img


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]],
          widths: Sequence[int]) -> Image.Image:
    """Return a zebra-striped table as pasted from a paper."""
    w, row_h = sum(widths) + 60, 44
    img, d = canvas(w, 80 + row_h * (len(rows) + 1) + 30)
    d.text((30, 24), title, font=font(22, "bold"), fill=INK)
    y = 80
    d.rectangle((30, y, w - 30, y + row_h), fill="#243b53")
    for r, row in enumerate([header, *rows]):
        if r and r % 2 == 0:
            d.rectangle((30, y, w - 30, y + row_h), fill="#f0f4f8")
        x = 30
        for cell, cw in zip(row, widths):
            d.text((x + 14, y + 12), cell, font=font(17, "bold" if r == 0 else ""),
                   fill="white" if r == 0 else INK)
            x += cw
        y += row_h
    d.line((30, y, w - 30, y), fill=INK, width=2)
    return img


CODE_TOKENS = re.compile(r"(?P<c>#.*)|(?P<s>\"[^\"]*\"|'[^']*')|(?P<n>\b\d[\d_.]*\b)"
                         r"|(?P<k>\b(?:def|return|for|in|import|from|with|as|if|not|lambda)\b)")


def code_window(code: str, size: tuple[int, int], dark: bool, title: str) -> Image.Image:
    """Return an editor window showing syntax-coloured Python."""
    bg, fg = ("#1e1f29", "#e6e6e6") if dark else ("#fafafa", "#24292f")
    colors = {"c": "#7f8c98", "s": "#a5d6a7" if dark else "#0a7d32",
              "n": "#f9c74f" if dark else "#b35900", "k": "#ff79c6" if dark else "#cf222e"}
    img, d = canvas(*size, bg)
    d.rectangle((0, 0, size[0], 40), fill="#2b2d3a" if dark else "#e8eaed")
    center(d, size[0] / 2, 11, title, font(15), "#c0c4cc" if dark else MUTED)
    f = font(18, "mono")
    for n, line in enumerate(code.strip("\n").split("\n")):
        y = 60 + n * 27
        d.text((18, y), f"{n + 1:>2}", font=f, fill="#5c6370")
        x, pos = 70.0, 0
        for m in [*CODE_TOKENS.finditer(line), None]:
            start = m.start() if m else len(line)
            d.text((x, y), line[pos:start], font=f, fill=fg)
            x += text_w(d, line[pos:start], f)
            if m:
                d.text((x, y), m.group(), font=f, fill=colors[m.lastgroup or "k"])
                x += text_w(d, m.group(), f)
                pos = m.end()
    return img
