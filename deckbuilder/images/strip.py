"""Metadata removed from PNG and JPEG files at the chunk and segment level, pixels untouched.

An image that needs no change keeps its compressed pixel data byte for byte; only what
can carry private data goes: PNG text chunks (tEXt, zTXt, iTXt), eXIf, tIME and every
other ancillary chunk that does not change how the picture looks; JPEG APP1 (EXIF,
XMP), APP13 (Photoshop IPTC), COM and every APPn but JFIF (APP0), the ICC profile (APP2)
and Adobe's colour-transform marker (APP14). Parsing is strict: any file this code
cannot vouch for (a bad CRC, a length past the end, no IEND/EOI, an unknown critical
chunk, a coding consumers may not decode) returns None, and the caller re-encodes it
through Pillow, whose decoder is the judge of what is readable.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass

from deckbuilder.pixels import SIGNATURE, png_chunk

# The chunks that decide what the picture looks like (iCCP only when the caller keeps it).
PNG_KEPT = frozenset({b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM",
                      b"sRGB", b"sBIT"})
# Metadata chunks Pillow reads the orientation from, and only before the first IDAT.
PNG_ORIENTING = frozenset({b"eXIf", b"tEXt", b"zTXt", b"iTXt"})
# IHDR colour type -> allowed bit depths that every consumer (PowerPoint, browsers,
# LibreOffice) shows as they are: 16-bit samples are re-encoded to 8.
PNG_DEPTHS = {0: (1, 2, 4, 8), 2: (8,), 3: (1, 2, 4, 8), 4: (8,), 6: (8,)}

SOI, EOI, SOS, COM = 0xD8, 0xD9, 0xDA, 0xFE
APP0, APP2, APP14 = 0xE0, 0xE2, 0xEE
# Baseline, extended sequential and progressive Huffman coding: what browsers and
# PowerPoint decode; arithmetic coding, lossless and hierarchical JPEGs are re-encoded.
JPEG_FRAMES = frozenset({0xC0, 0xC1, 0xC2})
# Segments with no bearing on metadata, kept as they are.
JPEG_TABLES = frozenset({0xC4, 0xDB, 0xDD, 0xCC})   # DHT, DQT, DRI, DAC
STANDALONE = frozenset(range(0xD0, 0xD8)) | {0x01}  # RSTn, TEM: no length
# In entropy-coded data: 0xFF then a byte that is no stuffing (00), restart (D0-D7) or fill
_MARKER_AFTER_ENTROPY = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


@dataclass(frozen=True)
class Stripped:
    """A file with its metadata removed, and what the caller needs to know of it."""

    data: bytes
    icc: bytes | None        # the ICC profile it carried (kept only if `keep_icc` said so)
    late_metadata: bool      # PNG metadata after the pixels (Pillow reads it only on decode)


def png(data: bytes, keep_icc: bool) -> Stripped | None:
    """Return the PNG without metadata chunks, or None if it is not one to pass through."""
    if not data.startswith(SIGNATURE):
        return None
    view = memoryview(data)   # chunk bodies as views: the image data is never copied
    kept, icc, late, seen_idat = [(0, len(SIGNATURE))], None, False, False
    pos = len(SIGNATURE)
    first = True
    while True:
        chunk = png_chunk(view, pos)
        if chunk is None:
            return None
        kind, body, end = chunk
        if first and (kind != b"IHDR" or not _png_header_ok(body)):
            return None
        first = False
        if kind == b"IDAT":
            seen_idat = True
        elif seen_idat and kind in PNG_ORIENTING:
            late = True
        if kind == b"iCCP":
            icc = _iccp_profile(bytes(body))
            if icc is None:
                return None
        if kind in PNG_KEPT or (kind == b"iCCP" and keep_icc):
            kept.append((pos, end))
        elif kind[0] & 0x20 == 0 or kind in (b"acTL", b"fcTL", b"fdAT"):
            return None   # an unknown critical chunk, or an animation: Pillow decides
        pos = end
        if kind == b"IEND":
            return Stripped(_joined(data, kept), icc, late) if seen_idat else None


def _joined(data: bytes, kept: list[tuple[int, int]]) -> bytes:
    """Return the (start, end) ranges of `data` joined: `data` itself when they are all
    of it, as for most screenshots, which carry nothing to cut (no 0.4 MB copies)."""
    if kept[0][0] == 0 and kept[-1][1] == len(data) and \
            all(a[1] == b[0] for a, b in zip(kept, kept[1:])):
        return data
    view = memoryview(data)
    return b"".join(view[start:end] for start, end in kept)


def _png_header_ok(body: bytes | memoryview) -> bool:
    if len(body) != 13:
        return False
    width, height, depth, colour, compression, filtering, interlace = \
        struct.unpack(">IIBBBBB", body)
    return (width > 0 and height > 0 and depth in PNG_DEPTHS.get(colour, ())
            and compression == 0 and filtering == 0 and interlace in (0, 1))


def _iccp_profile(body: bytes) -> bytes | None:
    """Return the profile an iCCP chunk holds (name, NUL, method 0, zlib data)."""
    name_end = body.find(b"\0", 0, 80)
    if name_end < 1 or len(body) < name_end + 2 or body[name_end + 1] != 0:
        return None
    try:
        inflate = zlib.decompressobj()
        profile = inflate.decompress(body[name_end + 2:], 64 << 20)  # a profile is small
    except zlib.error:
        return None
    return profile if inflate.eof and not inflate.unconsumed_tail else None


def jpeg(data: bytes, keep_icc: bool) -> Stripped | None:
    """Return the JPEG without metadata segments, or None if it is not one to pass through."""
    if data[:2] != b"\xff\xd8":
        return None
    icc_parts: list[bytes]   # the APP2 segments' bodies
    kept: list[tuple[int, int]]
    kept, icc_parts, pos, framed = [(0, 2)], [], 2, False
    while True:
        found = _jpeg_marker(data, pos)
        if found is None:
            return None
        marker, start = found
        if marker == EOI:
            kept.append((start, start + 2))
            icc = _icc_of(icc_parts)
            if not framed or (icc_parts and icc is None):
                return None
            return Stripped(_joined(data, kept), icc, False)
        if start + 4 > len(data):
            return None
        (size,) = struct.unpack_from(">H", data, start + 2)
        end = start + 2 + size
        if size < 2 or end > len(data):
            return None
        body = data[start + 4:end]
        if marker in JPEG_FRAMES:
            if framed or not _frame_ok(body):
                return None
            framed = True
        elif marker == APP2 and body.startswith(b"ICC_PROFILE\0"):
            icc_parts.append(body)
        elif marker not in JPEG_TABLES and marker != SOS and not 0xE0 <= marker <= 0xEF \
                and marker != COM:
            return None   # another frame type, DNL, EXP, JPG extensions: re-encoded
        if _jpeg_keeps(marker, body, keep_icc):
            kept.append((start, end))
        pos = end
        if marker == SOS:
            if not framed:
                return None
            pos = _entropy_end(data, pos)
            kept.append((end, pos))


def _jpeg_marker(data: bytes, pos: int) -> tuple[int, int] | None:
    """Return the marker at `pos` (after any fill bytes) and its offset, or None."""
    if pos >= len(data) or data[pos] != 0xFF:
        return None
    while pos + 1 < len(data) and data[pos + 1] == 0xFF:
        pos += 1          # fill bytes
    if pos + 1 >= len(data):
        return None
    marker = data[pos + 1]
    if marker in STANDALONE or marker in (0x00, SOI):
        return None       # not where a segment may start
    return marker, pos


def _frame_ok(body: bytes) -> bool:
    """Return whether a frame header is 8-bit with 1 (grey) or 3 (colour) components."""
    if len(body) < 6:
        return False
    precision, height, width, components = struct.unpack_from(">BHHB", body)
    return precision == 8 and width > 0 and height > 0 and components in (1, 3) \
        and len(body) == 6 + 3 * components


def _jpeg_keeps(marker: int, body: bytes, keep_icc: bool) -> bool:
    if marker == APP0:
        return body.startswith(b"JFIF\0")     # JFXX (a thumbnail) and others go
    if marker == APP2:
        return keep_icc and body.startswith(b"ICC_PROFILE\0")
    if marker == APP14:
        return body.startswith(b"Adobe")      # says whether the pixels are RGB or YCbCr
    return not 0xE0 <= marker <= 0xEF and marker != COM


def _entropy_end(data: bytes, pos: int) -> int:
    """Return the offset of the first marker after entropy-coded data at `pos`: the
    first 0xFF not followed by a stuffed 0x00, a restart marker or another 0xFF (fill).
    A regular expression, because entropy data holds a 0xFF every few hundred bytes and
    a Python loop over them cost 5 ms a photo."""
    found = _MARKER_AFTER_ENTROPY.search(data, pos)
    return found.start() if found else len(data)   # no marker: then no EOI is found


def _icc_of(parts: list[bytes]) -> bytes | None:
    """Return the ICC profile of APP2 chunks (sequence number, count, data), if whole."""
    if not parts:
        return None
    numbered = sorted((p[12], p[13], p[14:]) for p in parts if len(p) >= 14)
    count = numbered[0][1] if numbered else 0
    if len(numbered) != len(parts) or [n for n, _, _ in numbered] != list(range(1, count + 1)) \
            or any(c != count for _, c, _ in numbered):
        return None
    return b"".join(d for _, _, d in numbered)
