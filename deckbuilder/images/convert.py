"""One source image → the bytes every renderer uses: passed through, or re-encoded.

An image that fits its largest box at `images.max_ppi` (`limit`), is a PNG or a JPEG
every consumer decodes, is upright and has no colour profile that must be applied is
passed through: its bytes less its metadata (`strip`), so its pixels are exactly the
source's and nothing is decoded or compressed again (decoding it once to verify it is
the caller's choice: `check` has already done so in a build). Anything else is decoded
once, turned upright (EXIF), converted to RGB/RGBA (CMYK and grey through their own ICC
profile), downscaled to its box at `images.ppi` and saved as PNG (graphics, alpha) or JPEG (photos) with nothing but the pixels and an
RGB profile. Both paths are deterministic: the same source gives the same bytes.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageCms

# Images are decoded as `check` decodes them: bigger ones and other formats (EPS, which
# Pillow would hand to Ghostscript) are refused, and what check passes, the build reads.
from deckbuilder.images import strip
from deckbuilder.pixels import MAX_PIXELS, PILLOW_FORMATS, Unreadable, decode, unreadable

GRAPHIC_FORMATS = frozenset({"PNG", "GIF", "BMP"})
# PNG re-encoding: zlib level 3 without Pillow's `optimize` (which tries level 9 and
# more filters). On the real screenshots of the corpus vaults, shrunk as a re-encode
# shrinks them, it is 1.9x faster than level 6 and 3% smaller (zlib's lazy matching
# from level 4 up finds little in screenshots); benchmarks/README.md has the figures.
PNG_OPTIONS: dict[str, object] = {"compress_level": 3}
TURNED = frozenset(range(2, 9))   # EXIF orientations exif_transpose turns or flips
PRIVATE = frozenset({"comment", "exif", "xmp", "XML:com.adobe.xmp", "Comment", "Description"})
# The modes a passed-through file may have: what its consumers show as they are.
PASS_MODES = {"PNG": frozenset({"1", "L", "LA", "P", "RGB", "RGBA"}),
              "JPEG": frozenset({"L", "RGB"})}


def make(data: bytes, box: tuple[int, int], limit: tuple[int, int], quality: int,
         checked: bool, defer: bool = False) -> tuple[bytes, str, int, int, bool]:
    """Return the normalised bytes, their extension and pixel size for one source image
    (passed through when it needs nothing and fits `limit`, else re-encoded to fit
    `box`), and whether this call proved that its pixels decode.

    `checked`: the caller has verified these bytes already (as `check` does), so a file
    passed through is not verified again. Unchecked ones are verified as `check` verifies
    (`pixels.unreadable`: a PNG's data proven to decode, anything else decoded), and an
    unreadable one raises `Unreadable` with check's words; a re-encoded one is decoded
    anyway, which proves it, and only when that fails is `check`'s verdict sought.
    `defer`: a file passed through is left for the caller to verify (not proven).
    """
    try:
        passed = passed_through(data, limit)
        if passed is not None:
            if checked or defer:
                return (*passed, False)
            if why := unreadable(io.BytesIO(data)):
                raise Unreadable(why)
            return (*passed, True)
        return (*converted(data, box, quality), True)
    except Unreadable:
        raise
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        if not checked and (why := unreadable(io.BytesIO(data))):
            raise Unreadable(why) from None
        raise


def passed_through(data: bytes, limit: tuple[int, int]) -> tuple[bytes, str, int, int] | None:
    """Return the source less its metadata (and its size) if it needs nothing else and
    fits `limit`."""
    with _header(data) as im:
        fmt, mode, size = im.format, im.mode, im.size
        if fmt not in PASS_MODES or mode not in PASS_MODES[fmt]:
            return None
        if size[0] > limit[0] or size[1] > limit[1]:
            return None
        # Read from the header (EXIF, else XMP) as Pillow's exif_transpose reads it,
        # without PngImageFile.getexif's decoding of the whole file to look past the pixels.
        if Image.Image.getexif(im).get(0x0112, 1) in TURNED:
            return None
        icc = im.info.get("icc_profile")
    space = profile_space(icc)
    if icc and mode in ("1", "L", "LA"):
        return None       # a grey profile is applied; any other makes the result RGB
    keep = space == "RGB"
    cut = strip.png(data, keep) if fmt == "PNG" else strip.jpeg(data, keep)
    if cut is None or cut.late_metadata or (cut.icc or None) != (icc or None):
        return None       # a file the stripper cannot vouch for: Pillow decides
    return cut.data, "png" if fmt == "PNG" else "jpg", size[0], size[1]


def _header(data: bytes) -> Image.Image:
    """Return the image opened, its header read (nothing decoded), or raise as `check`."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        warnings.filterwarnings("ignore", "Corrupt EXIF", UserWarning)
        im = Image.open(io.BytesIO(data), formats=PILLOW_FORMATS)
    if im.width * im.height > MAX_PIXELS:
        im.close()
        raise ValueError(f"too large ({im.width}x{im.height} px)")
    return im


def converted(data: bytes, box: tuple[int, int], quality: int) -> tuple[bytes, str, int, int]:
    """Return the image decoded, upright, RGB(A), downscaled and saved as PNG or JPEG."""
    # JPEGs decode at 1/2, 1/4 or 1/8 scale when that is enough for `box`.
    with decode(io.BytesIO(data), box) as source:
        graphic = source.format in GRAPHIC_FORMATS
        alpha = _has_alpha(source)
        im, icc = _to_rgb(source, "RGBA" if alpha else "RGB")
        # Nothing the source carried (comments, EXIF, XMP, text chunks) is saved with it:
        # savers copy some of it from `info` on their own (a JPEG comment, for one).
        im.info = {}
        im.thumbnail(box, Image.Resampling.LANCZOS)  # only ever shrinks
        out = io.BytesIO()
        extra = {"icc_profile": icc} if icc else {}
        if alpha or graphic:
            im.save(out, "PNG", **PNG_OPTIONS, **extra)
            ext = "png"
        else:
            im.save(out, "JPEG", quality=quality, optimize=True, **extra)
            ext = "jpg"
        return out.getvalue(), ext, im.width, im.height


def clean(im: Image.Image) -> bool:
    """Return whether a normalised file carries nothing but pixels (and an RGB profile)."""
    icc = im.info.get("icc_profile")
    return (im.format in PASS_MODES and im.mode in PASS_MODES[im.format]
            and not PRIVATE & set(im.info)
            and (icc is None or (profile_space(icc) == "RGB" and im.mode not in ("1", "L", "LA"))))


def _has_alpha(im: Image.Image) -> bool:
    if im.mode in ("RGBA", "LA") or (im.mode == "P" and "transparency" in im.info):
        alpha = im.convert("RGBA").getchannel("A")
        return alpha.getextrema() != (255, 255)   # one band's (min, max): not all opaque
    return False


def profile_space(icc: bytes | None) -> str | None:
    """Return the colour space an ICC profile describes ("RGB", "CMYK", "GRAY"), if valid."""
    if not icc:
        return None
    try:
        return ImageCms.ImageCmsProfile(io.BytesIO(icc)).profile.xcolor_space.strip()
    except (ImageCms.PyCMSError, OSError, ValueError):
        return None


def _to_rgb(im: Image.Image, mode: str) -> tuple[Image.Image, bytes | None]:
    """Return the pixels as `mode` (RGB/RGBA), and the ICC profile that describes them.

    An RGB profile (Display P3 screenshots) stays with RGB pixels. A CMYK or grey
    profile describes the source's ink or grey, not the RGB result: the pixels are
    converted to sRGB through it and it is dropped. A profile that is broken or for
    other pixels is dropped, and the pixels converted plainly.
    """
    icc = im.info.get("icc_profile")
    space = profile_space(icc)
    if im.mode == mode:   # no copy: the caller owns the decoded image (a 24 MB copy saved)
        return im, icc if space == "RGB" else None
    if space == "RGB" and im.mode in ("RGB", "RGBA", "P", "PA"):
        return im.convert(mode), icc
    if space in ("CMYK", "GRAY") and (im.mode, space) in (("CMYK", "CMYK"), ("L", "GRAY")):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))  # type: ignore[arg-type]
            rgb = ImageCms.profileToProfile(im, source, ImageCms.createProfile("sRGB"),
                                            outputMode=mode)
            if rgb is not None:   # None only for a conversion in place
                return rgb, None
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unusable profile: converted as if it had none
    return im.convert(mode), None
