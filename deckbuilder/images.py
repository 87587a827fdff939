"""Image normalisation shared by every renderer, cached by content.

Every picked image is decoded once (as `check` decodes it), turned upright (EXIF),
converted to RGB/RGBA (CMYK and grey through their own ICC profile), downscaled to the
theme's ppi for the largest box a slide can give it, and saved as PNG (graphics,
alpha) or JPEG (photos) with nothing but the pixels and an RGB profile: no EXIF, XMP,
comments or text chunks. The bytes are deterministic, so decks are reproducible and
python-pptx stores an image used twice only once.
"""

from __future__ import annotations

import hashlib
import io
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Mapping, Sequence

import PIL
import segno
from PIL import Image, ImageCms

# Images are decoded as `check` decodes them: bigger ones and other formats (EPS, which
# Pillow would hand to Ghostscript) are refused, and what check passes, the build reads.
from deckbuilder.check import PILLOW_FORMATS, decode
from deckbuilder.errors import BuildError, Diagnostic, Location
# cache_root lives in fsutil: `remote`, an earlier stage, downloads into the same cache.
from deckbuilder.fsutil import atomic_write_bytes, cache_root, clean_stale
from deckbuilder.model import CANVAS, Normalised
from deckbuilder.theme import Theme

PIPELINE_VERSION = "2"        # bump when the output of `_convert` changes
GRAPHIC_FORMATS = frozenset({"PNG", "GIF", "BMP"})
CANVAS_PPI = 96               # canvas px per inch: 1280 px across a 13.333 in slide
QR_MODULE_PX = 16             # PNG pixels per QR module: sharp even on a full-screen slide


def target_size(theme: Theme, aspect: str) -> tuple[int, int]:
    """Return the largest pixel size any picture needs: the content area at the theme's ppi."""
    width, height = CANVAS[aspect]
    m = theme.get("canvas.margin")
    scale = theme.get("images.ppi") / CANVAS_PPI
    return (round((width - m["left"] - m["right"]) * scale),
            round((height - m["top"] - m["bottom"]) * scale))


def _has_alpha(im: Image.Image) -> bool:
    if im.mode in ("RGBA", "LA") or (im.mode == "P" and "transparency" in im.info):
        alpha = im.convert("RGBA").getchannel("A")
        return alpha.getextrema()[0] < 255
    return False


def _profile_space(icc: bytes | None) -> str | None:
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
    space = _profile_space(icc)
    if space == "RGB" and im.mode in ("RGB", "RGBA", "P", "PA"):
        return im.convert(mode), icc
    if space in ("CMYK", "GRAY") and (im.mode, space) in (("CMYK", "CMYK"), ("L", "GRAY")):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))  # type: ignore[arg-type]
            return ImageCms.profileToProfile(im, source, ImageCms.createProfile("sRGB"),
                                             outputMode=mode), None
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unusable profile: converted as if it had none
    return im.convert(mode), None


def _convert(data: bytes, box: tuple[int, int], quality: int) -> tuple[bytes, str]:
    """Return the normalised bytes and their extension for one source image."""
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
        im.save(out, "PNG", optimize=True, **extra)
        return out.getvalue(), "png"
    im.save(out, "JPEG", quality=quality, optimize=True, **extra)
    return out.getvalue(), "jpg"


def _one(source: Path, root: Path, box: tuple[int, int], quality: int) -> Normalised:
    data = source.read_bytes()
    key = hashlib.sha256(data)
    key.update(f"|{box}|{quality}|{PIPELINE_VERSION}|{PIL.__version__}".encode())
    digest = key.hexdigest()
    folder = root / digest[:2]
    cached = sorted(folder.glob(f"{digest}.*")) if folder.is_dir() else []
    for path in cached:
        with Image.open(path, formats=PILLOW_FORMATS) as im:
            if _clean(im):
                return Normalised(source, path, im.width, im.height)
        path.unlink(missing_ok=True)  # written by a version that kept comments or profiles
    blob, ext = _convert(data, box, quality)
    try:   # written in the cache's tmp/, where the next run finds what a killed one left
        path = atomic_write_bytes(folder / f"{digest}.{ext}", blob, root / "tmp")
    except OSError as e:   # a full disk is not an unreadable image
        raise BuildError(f"cannot write {e.filename}: {e.strerror or e}") from None
    with Image.open(path, formats=PILLOW_FORMATS) as im:
        return Normalised(source, path, im.width, im.height)


def _clean(im: Image.Image) -> bool:
    """Return whether a normalised file carries nothing but pixels (and an RGB profile)."""
    private = {"comment", "exif", "xmp", "XML:com.adobe.xmp", "Comment", "Description"}
    icc = im.info.get("icc_profile")
    return (im.mode in ("RGB", "RGBA") and not private & set(im.info)
            and (icc is None or _profile_space(icc) == "RGB"))


def qr_code(url: str, cache_dir: Path | None = None) -> Normalised:
    """Return the QR code of `url`: a cached black-on-white PNG with its quiet zone."""
    code = segno.make(url, error="m", micro=False)   # segno raises the level when it fits
    out = io.BytesIO()
    # Whole pixels per module and pure black on white: crisp at any size, and scanners
    # need the contrast (a theme's colours could be too dark or inverted).
    code.save(out, kind="png", scale=QR_MODULE_PX, border=4, dark="#000000", light="#FFFFFF")
    blob = out.getvalue()
    digest = hashlib.sha256(blob).hexdigest()
    path = cache_root(cache_dir) / digest[:2] / f"{digest}.png"
    if not path.is_file():
        atomic_write_bytes(path, blob)
    side = code.symbol_size(scale=QR_MODULE_PX, border=4)[0]
    return Normalised(path, path, side, side)


def normalise(sources: Mapping[Path, Sequence[Location]], theme: Theme, aspect: str,
              cache_dir: Path | None = None) -> tuple[dict[Path, Normalised], list[Diagnostic]]:
    """Return the normalised image per source path, and an error per use of a bad one."""
    box = target_size(theme, aspect)
    quality = int(theme.get("images.jpeg_quality"))
    root = cache_root(cache_dir)
    clean_stale(root / "tmp")
    paths = sorted(sources)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        futures = [pool.submit(_one, p, root, box, quality) for p in paths]
    done: dict[Path, Normalised] = {}
    problems: list[Diagnostic] = []
    for path, future in zip(paths, futures):
        exc = future.exception()
        if exc is None:
            done[path] = future.result()
            continue
        message = _describe(path, exc)
        problems += [Diagnostic("error", message, loc) for loc in sources[path]]
    return done, problems


def _describe(path: Path, exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return f"image not found: {path.name}"
    if isinstance(exc, (Image.DecompressionBombError, Image.DecompressionBombWarning)):
        return f"image too large: {path.name}"
    if isinstance(exc, (OSError, ValueError, SyntaxError, Image.UnidentifiedImageError)):
        detail = str(exc) if not isinstance(exc, Image.UnidentifiedImageError) else "not an image"
        return f"unreadable image {path.name}: {detail}"
    raise exc  # a bug, not bad input: let it surface with its traceback
