"""Image normalisation shared by every renderer, cached by content.

Every picked image is decoded once, turned upright (EXIF), converted to RGB/RGBA,
downscaled to the theme's ppi for the largest box a slide can give it, and saved as
PNG (graphics, alpha) or JPEG (photos) without metadata. The bytes are deterministic,
so decks are reproducible and python-pptx stores an image used twice only once.
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Mapping, Sequence

import PIL
from PIL import Image, ImageOps

# Bigger sources are refused, as `check` does, and so are other formats (EPS: Ghostscript).
from deckbuilder.check import MAX_PIXELS, PILLOW_FORMATS
from deckbuilder.errors import Diagnostic, Location
from deckbuilder.fsutil import atomic_write_bytes
from deckbuilder.model import CANVAS, Normalised
from deckbuilder.theme import Theme

PIPELINE_VERSION = "1"        # bump when the output of `_convert` changes
GRAPHIC_FORMATS = frozenset({"PNG", "GIF", "BMP"})
CANVAS_PPI = 96               # canvas px per inch: 1280 px across a 13.333 in slide


def cache_root(cache_dir: Path | None = None) -> Path:
    """Return the image cache folder: `cache_dir`, else $XDG_CACHE_HOME/deckbuilder/img."""
    if cache_dir is not None:
        return cache_dir
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "deckbuilder" / "img"


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


def _convert(data: bytes, box: tuple[int, int], quality: int) -> tuple[bytes, str]:
    """Return the normalised bytes and their extension for one source image."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        im = Image.open(io.BytesIO(data), formats=PILLOW_FORMATS)
        if im.width * im.height > MAX_PIXELS:
            raise ValueError(f"image too large: {im.width}x{im.height} px")
        graphic = im.format in GRAPHIC_FORMATS
        if im.format == "JPEG":
            im.draft("RGB", box)  # decode at 1/2, 1/4 or 1/8 scale when that is enough
        icc = im.info.get("icc_profile")
        im = ImageOps.exif_transpose(im)
    alpha = _has_alpha(im)
    im = im.convert("RGBA" if alpha else "RGB")
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
    if cached:
        path = cached[0]
    else:
        blob, ext = _convert(data, box, quality)
        path = atomic_write_bytes(folder / f"{digest}.{ext}", blob)
    with Image.open(path, formats=PILLOW_FORMATS) as im:
        return Normalised(source, path, im.width, im.height)


def normalise(sources: Mapping[Path, Sequence[Location]], theme: Theme, aspect: str,
              cache_dir: Path | None = None) -> tuple[dict[Path, Normalised], list[Diagnostic]]:
    """Return the normalised image per source path, and an error per use of a bad one."""
    box = target_size(theme, aspect)
    quality = int(theme.get("images.jpeg_quality"))
    root = cache_root(cache_dir)
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
