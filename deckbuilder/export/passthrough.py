"""PNG pictures into the slides PDF as they are, not re-compressed by Chromium.

Chromium's PDF backend copies a JPEG's data as it is, but decodes every PNG and deflates
its pixels anew: for 150 screenshots that is some 12 s of a 14 s print. A PNG's IDAT
data already is what a PDF image can hold (Flate with PNG predictors), so the print view
gets a stand-in for each PNG picture that Chromium would draw unchanged: a 3×1 px PNG
whose pixels name the picture, stretched over the box the picture fills (the planner
gives a picture's box the picture's aspect: the matrix is the same to 1/10000 pt; a
picture that does not fill its box, such as a background of another aspect, stays). Once
printed, each stand-in's image object in the PDF gets its picture's own compressed
data; where and how it is drawn (matrix, clip, link) stays Chromium's. (An SVG of the
picture's size as the stand-in needs no stretching, but costs Chromium a document per
picture to load, and is drawn clipped: poppler then softens its edges.) PNGs Chromium
would convert (transparency, a colour profile, gamma, 16-bit, interlaced) and QR codes
are printed by Chromium as before.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping

from pypdf import PdfWriter
from pypdf.generic import (ArrayObject, ByteStringObject, DictionaryObject,
                           EncodedStreamObject, IndirectObject, NameObject, NumberObject)

from deckbuilder.errors import BuildError
from deckbuilder.model import Deck, Item
from deckbuilder.pixels import SIGNATURE, png_chunk

MAGIC = b"\xdb\x5e\x1d"          # the stand-in's first and last pixel; the middle one is its number
PLAIN = {0: 1, 2: 3, 3: 1}       # colour types drawn as they are (grey, RGB, palette): channels
FILL_PX = 0.05                   # how much less than its box a picture may fill, canvas px
# Colour chunks Chromium applies to the pixels; sRGB says they are sRGB already (and then
# decoders ignore gAMA and cHRM), which is what the PDF's colour space says too.
CONVERTED = (b"iCCP", b"gAMA", b"cHRM")


class Mismatch(Exception):
    """The printed PDF does not hold the stand-ins as expected (a Chromium that resamples
    or re-encodes small pictures): the caller prints the real pictures instead."""


@dataclass(frozen=True)
class Png:
    """A PNG's header fields, its palette and its compressed image data (IDAT joined)."""

    width: int
    height: int
    depth: int
    colour: int
    palette: bytes
    data: bytes


def read_png(path: Path, with_data: bool = True) -> Png | None:
    """Return the PNG at `path` if it can go into a PDF unchanged, else None (not a PNG,
    interlaced, transparent, 16-bit, or with colours Chromium would convert)."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise BuildError(f"cannot read {path}: {e.strerror}") from None
    if not raw.startswith(SIGNATURE):
        return None
    at, chunks, names = len(SIGNATURE), [], set()
    header = palette = b""
    while (chunk := png_chunk(raw, at)) is not None:
        name, body, at = chunk
        names.add(name)
        if name == b"IHDR":
            header = body
        elif name == b"PLTE":
            palette = body
        elif name == b"IDAT" and with_data:
            chunks.append(body)
        elif name == b"IEND":
            break
    if len(header) != 13 or b"tRNS" in names or (names & set(CONVERTED) and b"sRGB" not in names):
        return None
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if colour not in PLAIN or interlace or depth > 8 or (colour == 2 and depth != 8) \
            or (colour == 3 and not palette):
        return None
    return Png(width, height, depth, colour, palette, b"".join(chunks))


def _pictures(deck: Deck) -> list[Item]:
    return [i for s in deck.slides for i in s.items if i.kind == "image" and i.image is not None
            and not i.placeholder and i.role != "qr" and i.image.suffix.lower() == ".png"]


@dataclass(frozen=True)
class StandIns:
    """A deck whose PNG pictures are stand-ins, to be drawn stretched over their boxes
    (`files`), and the picture's file of each stand-in's number."""

    deck: Deck
    files: frozenset[Path]
    originals: dict[int, Path]


def stand_ins(deck: Deck, folder: Path) -> StandIns:
    """Return the deck with each PNG picture that can pass through replaced by its
    stand-in (written in `folder`), with the stand-ins' files and numbers."""
    numbers: dict[Path, int] = {}
    files: dict[Path, Path] = {}
    boxes: dict[Path, list[Item]] = {}
    for item in _pictures(deck):
        assert item.image is not None
        boxes.setdefault(item.image, []).append(item)
    for path, items in boxes.items():
        png = read_png(path, with_data=False)
        if png is None or not all(_fills(item, png) for item in items):
            continue      # printed by Chromium, as it is
        numbers[path] = len(numbers)
        folder.mkdir(parents=True, exist_ok=True)
        files[path] = folder / f"{numbers[path]}.png"
        files[path].write_bytes(_stand_in(numbers[path]))

    def swap(item: Item) -> Item:
        return replace(item, image=files[item.image]) if item.image in files else item

    shown = replace(deck, slides=tuple(replace(s, items=tuple(swap(i) for i in s.items))
                                       for s in deck.slides))
    return StandIns(shown, frozenset(files.values()),
                    {n: path for path, n in numbers.items()})


def _fills(item: Item, png: Png) -> bool:
    """Return whether the picture fills the item's box (its uncropped extent) but for
    rounding, as a stand-in stretched over the box does; a theme's background drawn
    over a canvas of another aspect does not."""
    left, top, right, bottom = item.crop
    w, h = item.box.w / (1 - left - right), item.box.h / (1 - top - bottom)
    scale = min(w / png.width, h / png.height)     # what object-fit: contain draws
    return w - png.width * scale <= FILL_PX and h - png.height * scale <= FILL_PX


def _stand_in(number: int) -> bytes:
    """Return the stand-in PNG of picture `number`: its number between two marks."""
    return _png(3, 1, MAGIC + number.to_bytes(3, "big") + MAGIC)


def _png(width: int, height: int, rgb: bytes) -> bytes:
    """Return an 8-bit RGB PNG of these pixels (rows unfiltered)."""
    def chunk(name: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + name + body
                + struct.pack(">I", zlib.crc32(name + body)))
    rows = b"".join(b"\0" + rgb[y * width * 3:(y + 1) * width * 3] for y in range(height))
    return (SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def swap(writer: PdfWriter, originals: Mapping[int, Path]) -> None:
    """Give each stand-in image of the PDF its picture's own data; a picture drawn by
    several stand-in objects is kept once. Raise Mismatch when a stand-in is missing."""
    done: dict[int, IndirectObject] = {}
    for page in writer.pages:
        _swap_in(page.get("/Resources"), originals, done)
    if set(done) != set(originals):
        raise Mismatch(f"{len(originals) - len(done)} of {len(originals)} stand-ins not found")


def _swap_in(resources: object, originals: Mapping[int, Path],
             done: dict[int, IndirectObject]) -> None:
    """Swap the stand-ins among these resources' images, and inside their forms."""
    resources = getattr(resources, "get_object", lambda: resources)()
    if not isinstance(resources, DictionaryObject):
        return
    images = resources.get("/XObject")
    images = images.get_object() if images is not None else None
    if not isinstance(images, DictionaryObject):
        return
    for name, ref in list(images.items()):
        image = ref.get_object()
        if image.get("/Subtype") == "/Form":
            _swap_in(image.get("/Resources"), originals, done)
            continue
        number = _number(image)
        if number is None:
            continue
        if number not in originals:
            raise Mismatch(f"a stand-in numbered {number}, which no picture has")
        if number in done:
            images[NameObject(name)] = done[number]
            continue
        _fill(image, originals[number])
        done[number] = ref


def _number(image: EncodedStreamObject) -> int | None:
    """Return the number a stand-in image shows, or None for any other image."""
    if image.get("/Subtype") != "/Image" or image.get("/Width") != 3 or image.get("/Height") != 1:
        return None
    pixels = image.get_data()
    if len(pixels) != 9 or pixels[:3] != MAGIC or pixels[6:] != MAGIC:
        return None
    if "/SMask" in image or image.get("/BitsPerComponent") != 8:
        raise Mismatch("a stand-in image was printed with a mask or another depth")
    return int.from_bytes(pixels[3:6], "big")


def _fill(image: EncodedStreamObject, path: Path) -> None:
    """Make the stand-in image `image` hold the PNG at `path`, in the stand-in's colour
    space (Chromium's sRGB): its IDAT data with the PNG predictors that undo its filters."""
    png = read_png(path)
    if png is None:  # it was checked when the stand-in was made
        raise Mismatch(f"{path} changed while the deck was printed")
    rgb = image["/ColorSpace"]
    space = rgb if png.colour == 2 else ArrayObject([
        NameObject("/Indexed"), rgb, NumberObject(len(_palette(png)) // 3 - 1),
        ByteStringObject(_palette(png))])
    image.update({
        NameObject("/Width"): NumberObject(png.width),
        NameObject("/Height"): NumberObject(png.height),
        NameObject("/ColorSpace"): space,
        NameObject("/BitsPerComponent"): NumberObject(png.depth),
        NameObject("/Filter"): NameObject("/FlateDecode"),
        NameObject("/DecodeParms"): DictionaryObject({
            NameObject("/Predictor"): NumberObject(15),
            NameObject("/Colors"): NumberObject(PLAIN[png.colour]),
            NameObject("/BitsPerComponent"): NumberObject(png.depth),
            NameObject("/Columns"): NumberObject(png.width)}),
    })
    # pypdf writes a stream's data as it holds it; no public setter keeps it compressed.
    image._data = png.data
    image.decoded_self = None


def _palette(png: Png) -> bytes:
    """Return the sRGB palette of a palette or grey PNG (grey levels as grey colours)."""
    if png.colour == 3:
        return png.palette
    levels = (1 << png.depth) - 1
    return b"".join(bytes([v * 255 // levels] * 3) for v in range(levels + 1))
