"""Picture geometry: aspect-fit boxes and the arrangement of 1-4 pictures in a region.

Pure arithmetic on canvas pixels. Pictures are contained (never stretched or cropped)
and never drawn larger than their own limit (the theme's upscale limit, or the
Obsidian `|300` width when the theme honours it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Sequence

from deckbuilder.model import Box


@dataclass(frozen=True)
class Picture:
    """What arranging needs to know about one picture: its aspect and size limit."""

    aspect: float        # width / height
    max_width: float     # canvas px; float("inf") for no limit


def contain(aspect: float, cell: Box, max_width: float = float("inf")) -> Box:
    """Return the largest box of `aspect` inside `cell` (and max_width), centred in it."""
    w = min(cell.w, cell.h * aspect, max_width)
    h = w / aspect
    return Box(cell.x + (cell.w - w) / 2, cell.y + (cell.h - h) / 2, w, h)


def _compositions(n: int) -> Iterator[tuple[int, ...]]:
    """Yield every way to split n pictures, in order, into rows (1 row first)."""
    if n == 0:
        yield ()
        return
    for first in range(n, 0, -1):
        for rest in _compositions(n - first):
            yield (first, *rest)


def _rows(pics: Sequence[Picture], split: tuple[int, ...]) -> list[list[Picture]]:
    rows, i = [], 0
    for k in split:
        rows.append(list(pics[i:i + k]))
        i += k
    return rows


def _justify(rows: list[list[Picture]], region: Box, gap: float) -> list[Box]:
    """Return cells with every row filling the width, scaled down to fit the height."""
    heights = [(region.w - gap * (len(r) - 1)) / sum(p.aspect for p in r) for r in rows]
    room = region.h - gap * (len(rows) - 1)
    scale = min(1.0, room / sum(heights)) if room > 0 else 0.0
    cells, y = [], region.y + (region.h - sum(heights) * scale - gap * (len(rows) - 1)) / 2
    for row, h in zip(rows, heights):
        h *= scale
        row_w = sum(p.aspect * h for p in row) + gap * (len(row) - 1)
        x = region.x + (region.w - row_w) / 2
        for p in row:
            cells.append(Box(x, y, p.aspect * h, h))
            x += p.aspect * h + gap
        y += h + gap
    return cells


def arrange(pics: Sequence[Picture], region: Box, gap: float) -> list[Box]:
    """Return one box per picture: the row split that shows the most picture area."""
    if not pics:
        return []
    best: list[Box] = []
    best_area = -1.0
    for split in _compositions(len(pics)):
        cells = _justify(_rows(pics, split), region, gap)
        boxes = [contain(p.aspect, c, p.max_width) for p, c in zip(pics, cells)]
        area = sum(b.w * b.h for b in boxes)
        if area > best_area * 1.001:  # prefer fewer rows on a near tie
            best, best_area = boxes, area
    return best


def bounds(boxes: Sequence[Box]) -> Box:
    """Return the smallest box around `boxes` (an empty box for none)."""
    if not boxes:
        return Box(0, 0, 0, 0)
    x0, y0 = min(b.x for b in boxes), min(b.y for b in boxes)
    x1, y1 = max(b.right for b in boxes), max(b.bottom for b in boxes)
    return Box(x0, y0, x1 - x0, y1 - y0)


def moved(box: Box, dx: float, dy: float) -> Box:
    """Return `box` shifted by (dx, dy)."""
    return Box(box.x + dx, box.y + dy, box.w, box.h)

