"""pixels.png_decodes: True only for PNGs Pillow decodes; anything else left to Pillow."""

from __future__ import annotations

import io
import random
import zlib

import pytest
from _png import chunks as png_chunks
from _png import joined
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from deckbuilder import pixels


def _png(mode: str, size=(97, 61), **options) -> bytes:
    rng = random.Random(3)
    im = Image.new("RGB", size)
    im.putdata([(rng.randrange(256), x % 256, 40) for x in range(size[0] * size[1])])
    if mode == "I;16":
        im = im.convert("I").point(lambda v: v * 200).convert("I;16")
    else:
        im = im.convert(mode)
    out = io.BytesIO()
    im.save(out, "PNG", **options)
    return out.getvalue()


def _with_pixels(data: bytes, change) -> bytes:
    """The PNG with its inflated image data changed and compressed again."""
    chunks = png_chunks(data)
    raw = zlib.decompress(b"".join(b for k, b in chunks if k == b"IDAT"))
    others = [(k, b) for k, b in chunks if k != b"IDAT"]
    return joined(others[:-1] + [(b"IDAT", zlib.compress(change(raw)))] + others[-1:])


def _interlaced(data: bytes) -> bytes:
    """The PNG with its header saying Adam7 (Pillow writes no interlaced PNG)."""
    chunks = png_chunks(data)
    return joined([(b"IHDR", chunks[0][1][:-1] + b"\x01")] + chunks[1:])


def _decodes(data: bytes) -> bool:
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
        return True
    except Exception:   # noqa: BLE001 - any failure counts
        return False


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "RGB", "RGBA", "I;16"])
def test_every_plain_png_is_proven(mode):
    data = _png(mode)
    assert pixels.png_decodes(data) is True and _decodes(data)


def test_image_data_in_many_chunks_and_a_flat_image_are_proven():
    # a flat screenshot inflates ~1000x: inflated a piece at a time
    flat = io.BytesIO()
    Image.new("RGB", (3000, 2000), "white").save(flat, "PNG")
    assert pixels.png_decodes(flat.getvalue()) is True
    chunks = png_chunks(_png("RGB"))
    data = b"".join(b for k, b in chunks if k == b"IDAT")
    split = [(b"IDAT", data[i:i + 500]) for i in range(0, len(data), 500)]
    assert pixels.png_decodes(joined(chunks[:1] + split + chunks[-1:])) is True


@pytest.mark.parametrize("case", ["interlaced", "damaged zlib", "short data", "long data",
                                  "bad filter", "bad crc", "no iend", "trailing bytes",
                                  "not a png", "idat split by a chunk", "late exif"])
def test_what_it_cannot_vouch_for_is_left_to_pillow(case):
    good = _png("RGB")
    chunks = png_chunks(good)
    idat = next(i for i, (k, _) in enumerate(chunks) if k == b"IDAT")
    data = {
        "interlaced": lambda: _interlaced(good),
        "damaged zlib": lambda: joined([(k, b[:40] + bytes(80) + b[120:] if k == b"IDAT" else b)
                                         for k, b in chunks]),
        "short data": lambda: _with_pixels(good, lambda raw: raw[:-5]),
        "long data": lambda: _with_pixels(good, lambda raw: raw + bytes(5)),
        "bad filter": lambda: _with_pixels(good, lambda raw: bytes([7]) + raw[1:]),
        "bad crc": lambda: good[:-20] + bytes([good[-20] ^ 1]) + good[-19:],
        "no iend": lambda: good[:-12],
        "trailing bytes": lambda: good + b"junk",
        "not a png": lambda: b"GIF89a" + good[6:],
        "idat split by a chunk": lambda: joined(
            chunks[:idat] + [(b"IDAT", chunks[idat][1][:100]), (b"tEXt", b"a\0b"),
                             (b"IDAT", chunks[idat][1][100:])] + chunks[idat + 1:]),
        "late exif": lambda: joined(chunks[:-1] + [(b"eXIf", b"MM\0*\0\0\0\x08\0\0")]
                                     + chunks[-1:]),
    }[case]()
    assert pixels.png_decodes(data) is None


def test_a_png_is_proven_without_pillow_and_the_rest_left_to_it(tmp_path):
    plain, turned, interlaced = tmp_path / "a.png", tmp_path / "b.png", tmp_path / "c.png"
    plain.write_bytes(_png("RGB"))
    exif = Image.Exif()
    exif[pixels.ORIENTATION] = 6
    im = Image.open(io.BytesIO(_png("RGB")))
    im.save(turned, exif=exif)   # eXIf before the image data: the header says "turned"
    interlaced.write_bytes(_interlaced(_png("RGB")))
    assert pixels.proven(plain) and not pixels.proven(turned)
    assert not pixels.proven(interlaced)
    assert pixels.unreadable(plain) is None and pixels.unreadable(turned) is None
    # a header saying Adam7 over plain rows: Pillow, left to decide, finds it broken
    assert "when reading image file" in pixels.unreadable(interlaced)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["L", "RGB", "RGBA", "P"]), st.integers(0, 10_000),
       st.integers(0, 255), st.booleans())
def test_it_never_vouches_for_a_png_pillow_cannot_decode(mode, at, value, inflated):
    """Damage anywhere, with the CRCs made right again: a True is always a decodable PNG."""
    good = _png(mode, size=(40, 23))

    def poke(raw: bytes) -> bytes:
        i = at % len(raw)
        return raw[:i] + bytes([value]) + raw[i + 1:]

    if inflated:   # damage the pixel rows themselves (filter bytes among them)
        data = _with_pixels(good, poke)
    else:          # damage the compressed stream or a header field
        chunks = png_chunks(good)
        data = joined([(k, poke(b) if k in (b"IDAT", b"IHDR") and at % 2 else b)
                        for k, b in chunks])
    if pixels.png_decodes(data) is True:
        assert _decodes(data)
