"""Images that need nothing pass through (metadata cut out, pixels byte for byte); the
rest are re-encoded; warm runs read no image; workers change nothing in the output."""

from __future__ import annotations

import io
import os
import random
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageCms
from PIL.PngImagePlugin import PngInfo

from deckbuilder import images, theme
from deckbuilder.build import build
from deckbuilder.errors import Location
from deckbuilder.images import strip
from deckbuilder.images.index import NAME as INDEX_NAME

WHERE = [Location("Notes.md", 7)]
SECRET = b"Ada Example, 12 Home Street"
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
LONG_AGO = 1_600_000_000 * 10**9   # an mtime well past the index's "racy" window


@pytest.fixture(scope="module")
def th():
    return theme.load("default")


def shot(size=(640, 400), mode="RGB") -> Image.Image:
    rng = random.Random(3)
    im = Image.new(mode, size, "white")
    for _ in range(40):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        im.paste(tuple(rng.randrange(256) for _ in mode), (x, y, x + 50, y + 12))
    return im


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    pos, out = 8, []
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        out.append((data[pos + 4:pos + 8], data[pos:pos + 12 + n]))
        pos += 12 + n
    return out


def jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """Return (marker, whole segment) up to SOS, then the rest as one piece (marker 0)."""
    pos, out = 2, []
    while data[pos + 1] != 0xDA:
        (n,) = struct.unpack(">H", data[pos + 2:pos + 4])
        out.append((data[pos + 1], data[pos:pos + 2 + n]))
        pos += 2 + n
    return out + [(0, data[pos:])]


def png_with_metadata(path: Path) -> Path:
    info = PngInfo()
    info.add_text("Comment", SECRET.decode())
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>" + SECRET.decode() + "</x:xmpmeta>",
                  zip=True)
    info.add(b"tIME", bytes([7, 234, 1, 2, 3, 4, 5]))
    exif = Image.Exif()
    exif[0x013B] = SECRET.decode()
    exif[0x0112] = 1
    shot().save(path, "PNG", pnginfo=info, exif=exif, icc_profile=SRGB, dpi=(144, 144))
    return path


def jpeg_with_metadata(path: Path) -> Path:
    exif = Image.Exif()
    exif[0x013B] = SECRET.decode()
    exif[0x0112] = 1
    shot().save(path, "JPEG", quality=90, exif=exif, comment=SECRET, icc_profile=SRGB,
                xmp=b"<x:xmpmeta>" + SECRET + b"</x:xmpmeta>")
    data = path.read_bytes()   # and a Photoshop IPTC block (APP13) after SOI
    app13 = b"Photoshop 3.0\0" + SECRET
    path.write_bytes(data[:2] + b"\xff\xed" + struct.pack(">H", len(app13) + 2) + app13
                     + data[2:])
    return path


def normalised(th, tmp_path: Path, *sources: Path, **options) -> dict:
    done, problems = images.normalise({s: WHERE for s in sources}, th, "16:9",
                                      tmp_path / "cache", **options)
    assert problems == []
    return done


def pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as im:
        return im.convert("RGBA").tobytes()


# ------------------------------------------------------------ pass-through


def test_a_fitting_png_is_its_own_bytes_less_the_metadata_chunks(th, tmp_path):
    source = png_with_metadata(tmp_path / "shot.png")
    out = normalised(th, tmp_path, source)[source].path.read_bytes()
    kept = [raw for kind, raw in png_chunks(source.read_bytes())
            if kind in (b"IHDR", b"iCCP", b"IDAT", b"IEND")]
    assert out == b"\x89PNG\r\n\x1a\n" + b"".join(kept)   # every kept chunk, byte for byte
    dropped = {k for k, _ in png_chunks(source.read_bytes())} - {k for k, _ in png_chunks(out)}
    assert dropped == {b"tEXt", b"iTXt", b"tIME", b"eXIf", b"pHYs"}
    assert SECRET not in out and pixels(out) == pixels(source.read_bytes())
    with Image.open(io.BytesIO(out)) as im:
        assert im.info.get("icc_profile") == SRGB   # an RGB profile on RGB pixels stays


def test_a_fitting_jpeg_is_its_own_bytes_less_the_metadata_segments(th, tmp_path):
    source = jpeg_with_metadata(tmp_path / "photo.jpg")
    out = normalised(th, tmp_path, source)[source].path.read_bytes()
    segments = jpeg_segments(source.read_bytes())
    assert {m for m, _ in segments} >= {0xE1, 0xED, 0xFE, 0xE2}   # EXIF+XMP, IPTC, COM, ICC
    kept = [raw for m, raw in segments if m not in (0xE1, 0xED, 0xFE)]
    assert out == b"\xff\xd8" + b"".join(kept)
    assert SECRET not in out and pixels(out) == pixels(source.read_bytes())


def test_a_file_with_nothing_to_cut_is_not_copied_by_the_stripper(tmp_path):
    # Most screenshots carry no metadata: their bytes are handed on, not sliced and
    # joined again (two 0.4 MB copies a screenshot).
    plain_png, plain_jpeg = io.BytesIO(), io.BytesIO()
    shot().save(plain_png, "PNG")
    shot().save(plain_jpeg, "JPEG", quality=80)
    for cut, data in ((strip.png, plain_png.getvalue()), (strip.jpeg, plain_jpeg.getvalue())):
        stripped = cut(data, True)
        assert stripped is not None and stripped.data is data
    tagged = png_with_metadata(tmp_path / "shot.png").read_bytes()
    stripped = strip.png(tagged, True)
    assert stripped is not None and len(stripped.data) < len(tagged)


def test_a_palette_png_with_transparency_passes_through(th, tmp_path):
    source = tmp_path / "icon.png"
    im = shot((120, 80)).convert("P")
    im.save(source, transparency=0)
    out = normalised(th, tmp_path, source)[source].path.read_bytes()
    assert out == source.read_bytes()   # nothing to remove
    assert {k for k, _ in png_chunks(out)} >= {b"PLTE", b"tRNS"}


# ------------------------------------------------------------ re-encoded


def _rotated_jpeg(p: Path) -> Path:
    exif = Image.Exif()
    exif[0x0112] = 6
    shot().save(p, "JPEG", exif=exif)
    return p


REENCODED = {
    "oversize png": (lambda p: shot((4400, 2400)).save(p / "big.png") or p / "big.png",
                     "PNG", lambda w, h, box: w <= box[0] and h <= box[1]),
    "rotated jpeg": (lambda p: _rotated_jpeg(p / "turn.jpg"), "JPEG",
                     lambda w, h, box: (w, h) == (400, 640)),
    "cmyk jpeg": (lambda p: shot(mode="CMYK").save(p / "c.jpg") or p / "c.jpg", "JPEG",
                  lambda w, h, box: (w, h) == (640, 400)),
    "gif": (lambda p: shot().convert("P").save(p / "a.gif") or p / "a.gif", "PNG",
            lambda w, h, box: (w, h) == (640, 400)),
    "webp": (lambda p: shot().save(p / "a.webp", lossless=True) or p / "a.webp", "JPEG",
             lambda w, h, box: (w, h) == (640, 400)),
    "16-bit png": (lambda p: Image.new("I;16", (64, 48), 300).save(p / "d.png") or p / "d.png",
                   "PNG", lambda w, h, box: (w, h) == (64, 48)),
}


@pytest.mark.parametrize("case", sorted(REENCODED))
def test_what_needs_changing_is_re_encoded(th, tmp_path, case):
    make, fmt, size_ok = REENCODED[case]
    source = make(tmp_path)
    n = normalised(th, tmp_path, source)[source]
    out = n.path.read_bytes()
    assert out != source.read_bytes()
    with Image.open(n.path) as im:
        assert im.format == fmt and im.mode in ("RGB", "RGBA")
        assert size_ok(im.width, im.height, images.target_size(th, "16:9"))


def test_up_to_max_ppi_an_image_passes_through_and_beyond_it_shrinks_to_ppi(th, tmp_path):
    box, limit = images.target_size(th, "16:9"), images.pass_limit(th, "16:9")
    assert limit == images.target_size(th, "16:9", th.get("images.max_ppi"))
    assert limit[0] > box[0] * 2.3 and limit[1] > box[1] * 2.3   # 350 ppi against 150
    inside, beyond = tmp_path / "inside.png", tmp_path / "beyond.png"
    shot(limit).save(inside)                       # exactly at the limit: as it is
    shot((limit[0] + 1, limit[1])).save(beyond)    # a pixel more: shrunk to the box
    done = normalised(th, tmp_path, inside, beyond)
    assert done[inside].path.read_bytes() == inside.read_bytes()
    assert (done[inside].width, done[inside].height) == limit
    assert done[beyond].width <= box[0] and done[beyond].height <= box[1]
    assert done[beyond].width > box[0] * 0.99 or done[beyond].height > box[1] * 0.99


def test_a_full_bleed_picture_may_fill_the_whole_slide_and_more(th, tmp_path):
    # Framed pictures sit in the content area; full-bleed ones fill the slide, and with
    # `fit: cover` are cut down from up to `cover_tolerance` more. Sized for the content
    # area, a full-bleed 4K screenshot was shrunk below what the slide shows of it.
    bleed = theme.load("fullbleed")
    assert bleed.get("image_slide.fullbleed.fit") == "cover"
    grow = 1 + bleed.get("image_slide.fullbleed.cover_tolerance")
    assert images.target_size(bleed, "16:9") == (round(1280 * grow * 150 / 96),
                                                 round(720 * grow * 150 / 96))
    framed = images.target_size(th, "16:9")
    assert framed[0] < 1280 * 150 / 96 and framed[1] < 720 * 150 / 96
    uhd = tmp_path / "uhd.png"
    shot((3840, 2160)).save(uhd)
    for look in (th, bleed):   # a whole 4K screen passes through in either
        done = normalised(look, tmp_path, uhd)
        assert done[uhd].path.read_bytes() == uhd.read_bytes()


def test_an_unchecked_png_with_damaged_pixel_data_is_still_refused(th, tmp_path):
    # Right CRCs, damaged zlib stream: only decoding finds it, and pass-through decodes
    # when `check` has not (normalise called on its own).
    data = io.BytesIO()
    shot().save(data, "PNG")
    chunks = []
    for kind, raw in png_chunks(data.getvalue()):
        body = raw[8:-4]
        if kind == b"IDAT":
            body = body[:50] + bytes(100) + body[150:]
        chunks.append(struct.pack(">I", len(body)) + kind + body
                      + struct.pack(">I", zlib.crc32(kind + body)))
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"".join(chunks))
    done, problems = images.normalise({bad: WHERE}, th, "16:9", tmp_path / "cache")
    assert done == {} and "unreadable image bad.png" in problems[0].message


@pytest.mark.parametrize("damage", ["bad crc", "cut", "no iend"])
def test_the_png_stripper_refuses_what_it_cannot_vouch_for(damage):
    data = io.BytesIO()
    shot().save(data, "PNG")
    good = data.getvalue()
    assert strip.png(good, keep_icc=False).data == good
    bad = {"bad crc": good[:-20] + bytes([good[-20] ^ 1]) + good[-19:],
           "cut": good[:len(good) // 2], "no iend": good[:-12]}[damage]
    assert strip.png(bad, keep_icc=False) is None


@pytest.mark.parametrize("damage", ["cut", "no eoi", "bad length"])
def test_the_jpeg_stripper_refuses_what_it_cannot_vouch_for(damage):
    data = io.BytesIO()
    shot().save(data, "JPEG")
    good = data.getvalue()
    assert strip.jpeg(good, keep_icc=False) is not None
    bad = {"cut": good[:len(good) // 2], "no eoi": good[:-2],
           "bad length": good[:4] + b"\xff\xff" + good[6:]}[damage]
    assert strip.jpeg(bad, keep_icc=False) is None



def _entropy_end_by_loop(data: bytes, pos: int) -> int:
    """The byte-at-a-time scan the stripper used before its regular expression."""
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(data):
            return len(data)
        following = data[pos + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            pos += 1 if following == 0xFF else 2
            continue
        return pos


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([b"\xff", b"\x00", b"\xd0", b"\xd7", b"\xd8", b"\xd9",
                                 b"\xc4", b"\x12", b"\xfe"]), max_size=40),
       st.integers(min_value=0, max_value=40))
def test_the_end_of_entropy_data_is_where_the_byte_scan_found_it(pieces, start):
    data = b"".join(pieces)
    assert strip._entropy_end(data, start) == _entropy_end_by_loop(data, start)


def test_a_real_photo_ends_its_entropy_data_at_its_eoi():
    data = io.BytesIO()
    shot().save(data, "JPEG", quality=95)
    good = data.getvalue()
    sos = good.index(b"\xff\xda")
    after_header = sos + 2 + struct.unpack(">H", good[sos + 2:sos + 4])[0]
    assert strip._entropy_end(good, after_header) == len(good) - 2 == \
        _entropy_end_by_loop(good, after_header)


# ------------------------------------------------------------ the warm index


def _talk(tmp_path: Path, count: int = 3) -> tuple[Path, list[Path]]:
    notes = tmp_path / "notes"
    notes.mkdir()
    files, lines = [], []
    for i in range(count):
        path = notes / f"s{i}.png"
        shot((2400 if i else 500, 1400 if i else 300)).save(path)   # one passes, others shrink
        os.utime(path, ns=(LONG_AGO, LONG_AGO + i))
        files.append(path)
        lines += [f"![[s{i}.png]]", f"Caption {i}", ""]
    (notes / "n.md").write_text("\n".join(lines), encoding="utf-8")
    spec = tmp_path / "talk.yaml"
    spec.write_text("title: T\nvault: notes\nslides:\n  - select: {match: Caption}\n",
                    encoding="utf-8")
    return spec, files


def test_a_warm_build_reads_no_image(tmp_path):
    spec, files = _talk(tmp_path)
    first = build(spec, ("pptx",), tmp_path / "a", cache_dir=tmp_path / "cache")
    # Same size, mtime and inode, other bytes: a build that read, hashed or decoded any
    # of them would fail (not an image) or make another deck.
    for path in files:
        st = path.stat()
        with open(path, "r+b") as f:
            f.write(bytes(st.st_size))
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    note = tmp_path / "notes" / "n.md"
    note.write_text(note.read_text(encoding="utf-8").replace("Caption 1", "Caption one"),
                    encoding="utf-8")
    second = build(spec, ("pptx",), tmp_path / "b", cache_dir=tmp_path / "cache")
    assert first.images == second.images == 3
    import zipfile
    with zipfile.ZipFile(first.outputs[0]) as a, zipfile.ZipFile(second.outputs[0]) as b:
        media = sorted(n for n in a.namelist() if n.startswith("ppt/media/"))
        assert media and [a.read(n) for n in media] == [b.read(n) for n in media]


def test_a_changed_image_is_read_again(th, tmp_path):
    spec, files = _talk(tmp_path, 1)
    before = normalised(th, tmp_path, files[0])[files[0]].path.read_bytes()
    shot((500, 300), "RGBA").save(files[0])   # new bytes, new mtime
    os.utime(files[0], ns=(LONG_AGO, LONG_AGO + 99))
    after = normalised(th, tmp_path, files[0])[files[0]].path.read_bytes()
    assert after != before and pixels(after) == pixels(files[0].read_bytes())


def test_the_index_is_used_and_a_corrupt_one_is_rebuilt(th, tmp_path, monkeypatch):
    _, files = _talk(tmp_path)
    first = normalised(th, tmp_path, *files)
    index = tmp_path / "cache" / INDEX_NAME
    assert index.is_file()

    def no_open(*args, **kwargs):
        raise AssertionError("an image was opened")
    with monkeypatch.context() as m:
        m.setattr(Image, "open", no_open)
        warm = normalised(th, tmp_path, *files)   # from the index alone
    assert {p: n.path for p, n in warm.items()} == {p: n.path for p, n in first.items()}
    index.write_bytes(b'{"version": 1, "sources": {"x": [1, 2')   # cut short
    again = normalised(th, tmp_path, *files)
    assert {p: n.path for p, n in again.items()} == {p: n.path for p, n in first.items()}
    with monkeypatch.context() as m:
        m.setattr(Image, "open", no_open)
        normalised(th, tmp_path, *files)   # the index was written again, whole


def test_a_build_parses_the_index_once_while_its_file_is_unchanged(th, tmp_path, monkeypatch):
    from deckbuilder.images import index as index_mod

    _, files = _talk(tmp_path)
    normalised(th, tmp_path, *files)
    parsed: list[Path] = []
    real = index_mod._parse
    monkeypatch.setattr(index_mod, "_parse", lambda path: parsed.append(path) or real(path))
    assert all(map(images.known_good(tmp_path / "cache"), files))   # what check asks
    normalised(th, tmp_path, *files)   # then the image stage: the same entries
    assert parsed == [tmp_path / "cache" / INDEX_NAME]


def test_a_file_changed_within_the_same_timestamp_is_not_trusted(th, tmp_path):
    path = tmp_path / "fresh.png"
    shot((300, 200)).save(path)            # mtime: now, so too fresh to vouch for
    normalised(th, tmp_path, path)
    st = path.stat()
    shot((300, 200), "RGBA").save(path)    # same size is unlikely: force the stat back
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    out = normalised(th, tmp_path, path)[path].path.read_bytes()
    assert pixels(out) == pixels(path.read_bytes())


# ------------------------------------------------------------ worker processes


def test_the_same_bytes_whatever_the_number_of_workers(th, tmp_path):
    sources = []
    for i, (size, fmt) in enumerate([((2600, 1500), "PNG"), ((2200, 1600), "JPEG"),
                                     ((700, 500), "PNG"), ((900, 600), "WEBP"),
                                     ((3000, 2000), "JPEG")]):
        path = tmp_path / f"i{i}.{fmt.lower()}"
        shot(size).save(path, fmt)
        sources.append(path)
    results = []
    for jobs in (1, 3):
        done, problems = images.normalise({s: WHERE for s in sources}, th, "16:9",
                                          tmp_path / f"cache-{jobs}", jobs=jobs)
        assert problems == []
        results.append([done[s].path.read_bytes() for s in sources])
    assert results[0] == results[1]


def test_a_worker_that_cannot_start_costs_nothing_but_time(th, tmp_path, monkeypatch):
    from deckbuilder.images import pool

    sources = []
    for i in range(4):
        path = tmp_path / f"w{i}.png"
        shot((2500, 1500)).save(path)
        sources.append(path)
    first = normalised(th, tmp_path / "a", *sources, jobs=1)
    expected = [first[s].path.read_bytes() for s in sorted(sources)]
    monkeypatch.setattr(pool, "command", lambda: [sys.executable, "-c", "raise SystemExit(3)"])
    done = normalised(th, tmp_path / "b", *sources, jobs=3)
    assert [done[s].path.read_bytes() for s in sorted(sources)] == expected


CONCURRENT = """
import sys
from pathlib import Path
from deckbuilder import images, theme
from deckbuilder.errors import Location
done, problems = images.normalise({Path(p): [Location("n.md", 1)] for p in sys.argv[2:]},
                                  theme.load("default"), "16:9", Path(sys.argv[1]), jobs=1)
assert not problems, problems
"""


def test_concurrent_runs_share_one_cache_and_index(th, tmp_path):
    groups = []
    for g in range(2):
        group = []
        for i in range(6):
            path = tmp_path / f"g{g}-{i}.png"
            shot((300 + 10 * i, 200)).save(path)
            os.utime(path, ns=(LONG_AGO, LONG_AGO))
            group.append(str(path))
        groups.append(group)
    cache = tmp_path / "cache"
    runs = [subprocess.Popen([sys.executable, "-c", CONCURRENT, str(cache), *group])
            for group in groups * 2]   # each group twice, all at once
    assert [r.wait(timeout=120) for r in runs] == [0, 0, 0, 0]
    import json
    index = json.loads((cache / INDEX_NAME).read_bytes())   # whole, never half-written
    assert index["version"] == 1 and index["sources"]
    every = [Path(p) for group in groups for p in group]
    again, problems = images.normalise({p: WHERE for p in every}, th, "16:9", cache)
    assert problems == [] and len(again) == 12
