"""Smaller slides PDFs, for a conference's upload limit (`export --max-pdf-mb`).

The deck's pictures are normalised for the screen: as large as the content area at the
theme's ppi, whatever box a slide draws them in. For print, each picture only needs its
box's size at a print resolution: the deck is re-planned with no change but its picture
files, each re-sampled for its largest box at `ppi` (photos as JPEG), and printed again.
The layout, the text and the links stay exactly as they were.
"""

from __future__ import annotations

import hashlib
import io
import math
from dataclasses import replace
from pathlib import Path

from PIL import Image

from deckbuilder.images import CANVAS_PPI
from deckbuilder.model import Deck, Item

# (ppi, JPEG quality) tried in order until the PDF is small enough: print resolution
# first, then what a projector or a laptop screen still shows sharply.
STEPS = ((150, 85), (110, 75), (72, 65))
PHOTO_COLOURS = 4096          # more colours than this in a 128 px thumbnail: a photo


def _pictures(deck: Deck) -> list[Item]:
    return [i for s in deck.slides for i in s.items
            if i.kind == "image" and i.image is not None and not i.placeholder and i.role != "qr"]


def for_print(deck: Deck, folder: Path, ppi: int, quality: int) -> Deck:
    """Return the deck with every picture replaced by a copy at `ppi` for the largest box
    it is drawn in (never enlarged), photos as JPEG at `quality`; copies go in `folder`."""
    need: dict[Path, tuple[int, int]] = {}
    for item in _pictures(deck):
        assert item.image is not None
        left, top, right, bottom = item.crop   # a cropped picture is larger than its box
        w, h = (math.ceil(v * ppi / CANVAS_PPI) for v in (item.box.w / (1 - left - right),
                                                          item.box.h / (1 - top - bottom)))
        old = need.get(item.image, (0, 0))
        need[item.image] = (max(old[0], w), max(old[1], h))
    folder.mkdir(parents=True, exist_ok=True)
    made = {path: _resampled(path, size, folder, quality) for path, size in need.items()}

    def swap(item: Item) -> Item:
        return replace(item, image=made[item.image]) if item.image in made else item

    return replace(deck, slides=tuple(replace(s, items=tuple(swap(i) for i in s.items))
                                      for s in deck.slides))


def _is_photo(im: Image.Image) -> bool:
    if im.format == "JPEG":
        return True
    if "A" in im.getbands() or "transparency" in im.info:
        return False
    small = im.convert("RGB")
    small.thumbnail((128, 128))
    return small.getcolors(maxcolors=PHOTO_COLOURS) is None


def _resampled(path: Path, size: tuple[int, int], folder: Path, quality: int) -> Path:
    """Return a copy of the image at most `size` px, photos as JPEG; the file itself
    when that would not make it smaller."""
    im: Image.Image   # the opened file, then the copy that outlives it
    with Image.open(path) as im:
        photo = _is_photo(im)
        if im.width <= size[0] and im.height <= size[1] and not photo:
            return path
        # Passed-through palette and grey PNGs are resized in full colour (Pillow
        # resizes palette images by nearest neighbour only).
        im = (im.convert("RGB") if photo else im.copy() if im.mode in ("RGB", "RGBA")
              else im.convert("RGBA"))
    im.thumbnail(size, Image.Resampling.LANCZOS)   # keeps the aspect ratio; only shrinks
    out = io.BytesIO()
    if photo:
        im.save(out, "JPEG", quality=quality, optimize=True)
    else:
        im.save(out, "PNG", optimize=True)
    data = out.getvalue()
    if len(data) >= path.stat().st_size:
        return path
    target = folder / f"{hashlib.sha256(data).hexdigest()[:16]}.{'jpg' if photo else 'png'}"
    target.write_bytes(data)
    return target
