"""What an image carries besides its pixels never reaches the deck, and its colours do.

A JPEG comment (COM segment) can hold a name and a home address; EXIF and XMP hold GPS
positions and camera owners. None of that may survive normalisation, whatever path an
image takes (freshly converted, or found in the cache). A CMYK JPEG's ICC profile
describes CMYK ink: its pixels are converted to RGB through that profile, and the
profile is not attached to the RGB result (where it would mean nonsense colours).
"""

from __future__ import annotations

import io
import itertools
import struct
import zipfile
from pathlib import Path

import pytest
from PIL import Image, ImageCms

from deckbuilder import images, theme
from deckbuilder.build import build
from deckbuilder.errors import Location

pytestmark = pytest.mark.hostile

SECRET = "Ada Example, 12 Home Street, Springfield"
WHERE = [Location("n.md", 1)]


# ------------------------------------------------------------ a CMYK ICC profile, by hand

def _s15(x: float) -> bytes:
    return struct.pack(">i", round(x * 65536))


D50 = (0.9642, 1.0, 0.8249)
SRGB_D50 = ((0.4360747, 0.3850649, 0.1430804), (0.2225045, 0.7168786, 0.0606169),
            (0.0139322, 0.0971045, 0.7141733))


def _naive(c: int, m: int, y: int, k: int) -> tuple[float, float, float]:
    return (1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k)


def _rotated(c: int, m: int, y: int, k: int) -> tuple[float, float, float]:
    r, g, b = _naive(c, m, y, k)
    return g, b, r     # a deliberately odd ink: only a profile-aware conversion gets it


def cmyk_profile(rgb_of=_rotated) -> bytes:
    """Return an ICC v2 CMYK output profile whose A2B0 maps each ink corner to rgb_of()."""
    clut = b""
    for corner in itertools.product((0, 1), repeat=4):
        rgb = rgb_of(*corner)
        xyz = [sum(SRGB_D50[i][j] * rgb[j] for j in range(3)) for i in range(3)]
        clut += b"".join(struct.pack(">H", min(0xFFFF, round(v * 0x8000))) for v in xyz)
    identity = (1, 0, 0, 0, 1, 0, 0, 0, 1)
    lut = (b"mft2" + bytes(4) + bytes([4, 3, 2, 0]) + b"".join(map(_s15, identity))
           + struct.pack(">HH", 2, 2) + struct.pack(">HH", 0, 0xFFFF) * 4 + clut
           + struct.pack(">HH", 0, 0xFFFF) * 3)
    text = b"Test CMYK\0"
    desc = b"desc" + bytes(4) + struct.pack(">I", len(text)) + text + bytes(8 + 3 + 67)
    tags = [(b"desc", desc), (b"wtpt", b"XYZ " + bytes(4) + b"".join(map(_s15, D50))),
            (b"cprt", b"text" + bytes(4) + b"none\0"), (b"A2B0", lut)]
    offset = 128 + 4 + 12 * len(tags)
    table, data = struct.pack(">I", len(tags)), b""
    for sig, body in tags:
        body += bytes(-len(body) % 4)
        table += sig + struct.pack(">II", offset + len(data), len(body))
        data += body
    header = (struct.pack(">I", offset + len(data)) + bytes(4) + struct.pack(">I", 0x02100000)
              + b"prtr" + b"CMYK" + b"XYZ " + bytes(12) + b"acsp" + bytes(28)
              + b"".join(map(_s15, D50)) + bytes(48))
    assert len(header) == 128
    return header + table + data


# ------------------------------------------------------------ looking inside a JPEG

def jpeg_markers(data: bytes) -> list[int]:
    """Return the marker bytes of a JPEG's segments up to the start of scan."""
    assert data[:2] == b"\xff\xd8"
    pos, found = 2, []
    while pos < len(data):
        marker = data[pos + 1]
        found.append(marker)
        if marker == 0xDA:
            break
        (size,) = struct.unpack(">H", data[pos + 2:pos + 4])
        pos += 2 + size
    return found


COM, APP1, APP2 = 0xFE, 0xE1, 0xE2


def profile_space(icc: bytes | None) -> str | None:
    """Return an ICC profile's colour space ('RGB', 'CMYK', …), or None without one."""
    return icc[16:20].decode().strip() if icc else None


def normalised(tmp_path: Path, source: Path) -> Path:
    done, problems = images.normalise({source: WHERE}, theme.load("default"), "16:9",
                                      tmp_path / "cache")
    assert problems == []
    return done[source].path


def photo(mode: str = "RGB", color=(200, 60, 30)) -> Image.Image:
    im = Image.new(mode, (320, 200), color)
    for x in range(0, 320, 20):   # some detail, so the file is a photo and not flat
        im.paste(tuple(v // 2 for v in color) if isinstance(color, tuple) else 0,
                 (x, 0, x + 10, 200))
    return im


# ------------------------------------------------------------ comments and metadata


def _exif_with_gps() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010E] = SECRET                       # ImageDescription
    exif[0x013B] = "Ada Example"                # Artist
    exif.get_ifd(0x8825)[2] = (51.0, 30.0, 0.0)  # GPSLatitude
    return exif


XMP = (f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/'
       f'02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" '
       f'dc:creator="{SECRET}"/></rdf:RDF></x:xmpmeta>').encode()


def _jpeg_with_everything(path: Path) -> Path:
    photo().save(path, "JPEG", quality=90, comment=SECRET.encode(), exif=_exif_with_gps(),
                 xmp=XMP)
    data = path.read_bytes()
    assert SECRET.encode() in data and COM in jpeg_markers(data)
    return path


SOURCES = {
    "jpeg with COM, EXIF GPS and XMP": lambda p: _jpeg_with_everything(p / "a.jpg"),
    "png with text chunks and eXIf": lambda p: _png_with_text(p / "a.png"),
    "gif with a comment": lambda p: _saved(p / "a.gif", photo().convert("P"), "GIF",
                                           comment=SECRET.encode()),
    "webp with EXIF and XMP": lambda p: _saved(p / "a.webp", photo(), "WEBP",
                                               exif=_exif_with_gps(), xmp=XMP),
}


def _saved(path: Path, im: Image.Image, fmt: str, **options: object) -> Path:
    im.save(path, fmt, **options)
    assert SECRET.encode() in path.read_bytes()
    return path


def _png_with_text(path: Path) -> Path:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", SECRET)
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    return _saved(path, photo(), "PNG", pnginfo=info, exif=_exif_with_gps())


@pytest.mark.parametrize("case", sorted(SOURCES))
def test_comments_and_metadata_are_stripped(tmp_path, case):
    source = SOURCES[case](tmp_path)
    out = normalised(tmp_path, source)
    data = out.read_bytes()
    assert SECRET.encode() not in data and b"Ada Example" not in data
    with Image.open(out) as im:
        assert not set(im.info) & {"comment", "exif", "xmp", "XML:com.adobe.xmp", "Comment"}
        assert not im.getexif()
        if im.format == "JPEG":
            assert not {COM, APP1} & set(jpeg_markers(data))


def test_a_comment_never_reaches_either_deck(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    _jpeg_with_everything(notes / "photo.jpg")
    (notes / "n.md").write_text("![[photo.jpg]]\nA photo\n", encoding="utf-8")
    spec = tmp_path / "talk.yaml"
    spec.write_text("title: T\nvault: notes\nslides:\n  - image: photo.jpg\n", encoding="utf-8")
    build(spec, ("pptx", "html"), tmp_path / "out", cache_dir=tmp_path / "cache")
    build(spec, ("html",), tmp_path / "one", single_file=True, cache_dir=tmp_path / "cache")
    with zipfile.ZipFile(tmp_path / "out" / "talk.pptx") as deck:
        blobs = [deck.read(n) for n in deck.namelist()]
    blobs += [p.read_bytes() for p in (tmp_path / "out" / "talk").rglob("*") if p.is_file()]
    blobs.append((tmp_path / "one" / "talk.html").read_bytes())
    assert not [b for b in blobs if b"Home Street" in b or b"Ada Example" in b]


def test_a_dirty_file_in_the_cache_is_made_again(tmp_path):
    source = photo().save(tmp_path / "a.jpg", quality=90) or tmp_path / "a.jpg"
    cached = normalised(tmp_path, source)
    # Such a file was written by versions that kept comments and profiles.
    with Image.open(cached) as im:
        im.save(cached, "JPEG", comment=SECRET.encode(), icc_profile=cmyk_profile())
    again = normalised(tmp_path, source)
    assert SECRET.encode() not in again.read_bytes()
    with Image.open(again) as im:
        assert profile_space(im.info.get("icc_profile")) in (None, "RGB")


# ------------------------------------------------------------ colour profiles


def _cmyk_jpeg(path: Path, icc: bytes | None) -> Path:
    cyan = photo("CMYK", (255, 0, 0, 0))
    options = {"icc_profile": icc} if icc else {}
    cyan.save(path, "JPEG", quality=95, **options)
    with Image.open(path) as im:
        assert im.mode == "CMYK" and im.info.get("icc_profile") == icc
    return path


def _colour(path: Path) -> tuple[int, int, int]:
    with Image.open(path) as im:
        return im.convert("RGB").getpixel((15, 100))   # a full-strength stripe


def test_a_cmyk_jpeg_is_converted_through_its_profile_and_the_profile_dropped(tmp_path):
    out = normalised(tmp_path, _cmyk_jpeg(tmp_path / "cmyk.jpg", cmyk_profile()))
    with Image.open(out) as im:
        assert im.mode == "RGB"
        assert profile_space(im.info.get("icc_profile")) in (None, "RGB")
        assert APP2 not in jpeg_markers(out.read_bytes()) or im.info.get("icc_profile")
    # This profile's cyan ink looks yellow: a conversion that ignored it would give cyan.
    r, g, b = _colour(out)
    assert r > 220 and g > 220 and b < 40, (r, g, b)


def test_a_cmyk_jpeg_with_a_realistic_profile_keeps_its_colour(tmp_path):
    from deckbuilder.pixels import decode

    out = normalised(tmp_path, _cmyk_jpeg(tmp_path / "cmyk.jpg", cmyk_profile(_naive)))
    r, g, b = _colour(out)
    assert r < 40 and g > 220 and b > 220, (r, g, b)
    with decode(out) as im:
        assert im.mode == "RGB"


@pytest.mark.parametrize("icc", [None, b"not a profile at all" * 10,
                                 b"\0" * 16 + b"CMYK" + b"\0" * 200])
def test_a_cmyk_jpeg_with_no_or_a_broken_profile_is_converted_plainly(tmp_path, icc):
    out = normalised(tmp_path, _cmyk_jpeg(tmp_path / "cmyk.jpg", icc))
    with Image.open(out) as im:
        assert im.mode == "RGB" and "icc_profile" not in im.info
    r, g, b = _colour(out)
    assert r < 40 and g > 220 and b > 220, (r, g, b)


@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_a_profile_for_other_pixels_is_dropped(tmp_path, mode):
    path = tmp_path / "odd.jpg"
    photo(mode, (200, 60, 30) if mode == "RGB" else 120).save(path, quality=90,
                                                              icc_profile=cmyk_profile())
    out = normalised(tmp_path, path)
    with Image.open(out) as im:
        assert im.mode == "RGB" and "icc_profile" not in im.info


def test_an_rgb_profile_on_rgb_pixels_is_kept(tmp_path):
    # A Display P3 screenshot keeps its profile: the browser and PowerPoint use it.
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    path = tmp_path / "shot.png"
    photo().save(path, icc_profile=srgb)
    out = normalised(tmp_path, path)
    with Image.open(out) as im:
        assert im.info.get("icc_profile") == srgb


def test_a_cmyk_profile_never_reaches_the_pptx(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    _cmyk_jpeg(notes / "print.jpg", cmyk_profile())
    (notes / "n.md").write_text("![[print.jpg]]\nFrom the brochure\n", encoding="utf-8")
    spec = tmp_path / "talk.yaml"
    spec.write_text("title: T\nvault: notes\nslides:\n  - image: print.jpg\n", encoding="utf-8")
    build(spec, ("pptx",), tmp_path / "out", cache_dir=tmp_path / "cache")
    with zipfile.ZipFile(tmp_path / "out" / "talk.pptx") as deck:
        media = [deck.read(n) for n in deck.namelist() if n.startswith("ppt/media/")]
    assert media
    for blob in media:
        with Image.open(io.BytesIO(blob)) as im:
            assert im.mode in ("RGB", "RGBA")
            assert profile_space(im.info.get("icc_profile")) in (None, "RGB")
