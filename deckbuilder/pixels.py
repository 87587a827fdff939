"""Whether an image file decodes: Pillow's decoding under deckbuilder's limits
(`decode`, `unreadable`), and for a PNG a proof that its pixel data decodes at a
fraction of the cost of decoding it (`png_decodes`, `proven`).

This is all `check` and the image stage share, kept apart from `check`'s spec, vault and
picks so that the image stage's worker processes start without importing them.

`check` must know that every picked image decodes, to say so with its spec line before
anything is built; but most screenshots are then passed through untouched, so their
pixels are never needed. Decoding a 3000×2000 PNG with Pillow costs ~60 ms, nearly all
of it zlib's inflate. `png_decodes` walks the chunks (every CRC checked), inflates the
image data with zlib-ng (5× faster than zlib, the same format; plain zlib where zlib-ng
is not installed), counts the bytes against the size the header promises and checks
every row's filter type: what Pillow's decoder checks, without unfiltering or storing
the pixels. It answers True only when Pillow would decode the file; anything it does
not vouch for (interlaced, animated, odd chunk order, EXIF after the image data,
trailing data) is None, and
Pillow decides, with its own words for what is wrong.
"""

from __future__ import annotations

import io
import struct
import warnings
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:   # Pillow (~20 ms to import) is imported where a picture is opened:
    from PIL import Image   # a warm build, its images vouched for by the cache, opens none

try:   # the same API as zlib; 5x faster to inflate (benchmarks/README.md)
    from zlib_ng import zlib_ng as zlib
except ImportError:  # pragma: no cover - a platform without zlib-ng's wheels
    import zlib  # type: ignore[no-redef]

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}   # colour type -> samples per pixel
DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
MAX_FILTER = 4       # None, Sub, Up, Average, Paeth
# Inflated a piece at a time: memory stays flat in the image (a flat screenshot's data
# inflates a thousandfold), and the unconsumed input copied per step stays small.
IN_PIECE, OUT_PIECE = 1 << 16, 1 << 20
_CHUNK = struct.Struct(">I4s")
_IHDR = struct.Struct(">IIBBBBB")


def png_decodes(data: bytes) -> bool | None:
    """Return True if `data` is a PNG whose pixel data decodes, None if undecided."""
    if not data.startswith(SIGNATURE):
        return None
    view = memoryview(data)   # chunk bodies as views: the image data is never copied
    idat: list[tuple[int, int]]   # (start, stop) of each IDAT chunk's body
    pos, header, idat, ended = len(SIGNATURE), None, [], False
    while pos + 12 <= len(data):
        chunk = png_chunk(view, pos)
        if chunk is None:
            return None
        kind, body, end = chunk
        if header is None and kind != b"IHDR" or kind in (b"acTL", b"fdAT"):
            return None   # not a plain PNG: Pillow decides
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            if idat and idat[-1][1] + 4 != pos:   # the last one ended right here
                return None   # image data split by another chunk: invalid
            idat.append((pos + 8, end - 4))
        elif kind == b"eXIf" and idat:
            return None   # Pillow decodes the whole file to find an orientation this late
        elif kind == b"IEND":
            ended = end == len(data)
            break
        pos = end
    if not ended or header is None or not idat:
        return None
    row = _row_bytes(header)
    if row is None:
        return None
    return _inflates_to(view, idat, row, _IHDR.unpack(header)[1]) or None


def png_chunk(data: bytes | memoryview, pos: int
              ) -> tuple[bytes, bytes | memoryview, int] | None:
    """Return (type, body, end offset) of the PNG chunk at `pos`, or None if it is
    damaged (cut short, a length past the end, a type that is not letters, a bad CRC).
    The body is a slice of `data`: a view of a memoryview, bytes of bytes."""
    if pos + 12 > len(data):
        return None
    size, kind = _CHUNK.unpack_from(data, pos)
    end = pos + 12 + size
    if size > 0x7FFFFFFF or end > len(data) or not kind.isalpha():
        return None
    body = data[pos + 8:end - 4]
    (crc,) = struct.unpack_from(">I", data, end - 4)
    if zlib.crc32(body, zlib.crc32(kind)) != crc:
        return None
    return kind, body, end


def _row_bytes(header: bytes | memoryview) -> int | None:
    """Return the bytes of one filtered row (filter byte included), or None if the
    header is one this proof does not handle."""
    if len(header) != _IHDR.size:
        return None
    width, height, depth, colour, compression, filtering, interlace = _IHDR.unpack(header)
    if (colour not in CHANNELS or depth not in DEPTHS[colour] or compression or filtering
            or interlace or not width or not height):
        return None
    return 1 + (width * CHANNELS[colour] * depth + 7) // 8


def _inflates_to(view: memoryview, idat: list[tuple[int, int]], row: int, height: int) -> bool:
    """Return whether the image data inflates to exactly `height` rows of `row` bytes,
    each starting with a known filter type, and the zlib stream ends there."""
    expected, done = row * height, 0
    inflater = zlib.decompressobj()
    try:
        for start, stop in idat:
            for at in range(start, stop, IN_PIECE):
                pending: bytes | memoryview = view[at:min(at + IN_PIECE, stop)]
                while pending:
                    out = inflater.decompress(pending, OUT_PIECE)
                    pending = inflater.unconsumed_tail
                    if not _filters_ok(out, done, row) or done + len(out) > expected:
                        return False
                    done += len(out)
        out = inflater.flush()
    except zlib.error:  # type: ignore[misc]  # zlib_ng's stub declares error an instance
        return False
    return (not out and inflater.eof and not inflater.unused_data and done == expected)


def _filters_ok(out: bytes, offset: int, row: int) -> bool:
    """Return whether every row start within `out` (at `offset` of the stream) holds a
    filter type the decoder knows."""
    filters = out[(-offset) % row::row]
    return not filters or max(filters) <= MAX_FILTER


# Bigger images are refused (decompression bombs): here, and by the build (`images`).
MAX_PIXELS = 64_000_000
# The only formats Pillow may open (here and in `images`): what a vault embeds as an
# image. Anything else, an EPS file named x.png (Pillow would run Ghostscript on it),
# is "not an image Pillow can read". SVG is never given to Pillow.
PILLOW_FORMATS = ("PNG", "JPEG", "GIF", "WEBP", "BMP", "AVIF")
ORIENTATION = 0x0112   # the EXIF tag exif_transpose turns by


def decode(source: Path | IO[bytes], box: tuple[int, int] | None = None) -> Image.Image:
    """Return an image file's first frame decoded and upright; raise as Pillow does.

    `check` and the build's normalisation both decode through here, so an image that
    passes `check` is one the build can read: every byte of the pixel data is read
    (a file cut short or with damaged data fails), even when a JPEG is decoded at
    1/2 to 1/8 scale because `box` needs no more.
    """
    from PIL import Image, ImageOps

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        # A damaged EXIF block only loses the orientation: the picture is shown as stored,
        # without Pillow's raw "Corrupt EXIF data" UserWarning on the user's terminal.
        warnings.filterwarnings("ignore", "Corrupt EXIF", UserWarning)
        im = Image.open(source, formats=PILLOW_FORMATS)
        try:
            if im.width * im.height > MAX_PIXELS:
                raise ValueError(f"too large ({im.width}x{im.height} px)")
            if im.format == "JPEG" and box is not None:
                im.draft("RGB", box)
            ImageOps.exif_transpose(im, in_place=True)
        except BaseException:
            im.close()
            raise
    return im


class Unreadable(ValueError):
    """An image file `check` would call unreadable, with `unreadable`'s words for why:
    what the image stage raises for a file it was asked to verify (`check` deferred)."""


def unreadable(path: Path | IO[bytes]) -> str | None:
    """Return why the build could not read an image file, or None when it can."""
    from PIL import Image

    try:
        if proven(path):
            return None
        with decode(path, (1, 1)):
            pass
    except FileNotFoundError:
        return "the file is gone"
    except Image.UnidentifiedImageError:
        return "not an image Pillow can read"
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as e:
        return str(e) or type(e).__name__
    return None


def proven(path: Path | IO[bytes]) -> bool:
    """Return whether a PNG passes `decode` without Pillow inflating it: its header as
    `decode` reads it, upright, and `pixels` proves its data decodes (a fifth of the
    time). False leaves it to `decode`, which says what is wrong in Pillow's words."""
    from PIL import Image

    try:
        if isinstance(path, (str, Path)):
            data = Path(path).read_bytes()
        else:
            data = path.read()
            path.seek(0)
        if not data.startswith(SIGNATURE):
            return False
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            warnings.filterwarnings("ignore", "Corrupt EXIF", UserWarning)
            with Image.open(io.BytesIO(data), formats=("PNG",)) as im:
                # the EXIF of the header only, as passing through reads it (no decoding)
                if im.width * im.height > MAX_PIXELS or \
                        Image.Image.getexif(im).get(ORIENTATION, 1) != 1:
                    return False
        return png_decodes(data) is True
    except Exception:   # noqa: BLE001 - any doubt is decode's to settle, with its message
        return False
