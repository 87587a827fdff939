"""The theme's own pictures, through the image stage: its logo and its background pictures.

Each file goes through `images.normalise` like a vault image (upright, stripped, cached).
A background is then cut from its middle to the slide's shape (never stretched), laid
on the slide's background colour (a transparent PNG shows it), washed with the theme's
`backgrounds.veil`, and cached by content: one file per slide kind that both renderers
draw as it is. A problem with a file is reported at the theme.yaml line that names it,
and a background on which a slide's text would be hard to read is warned about there.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:   # Pillow (~20 ms to import) is imported where a picture is opened:
    from PIL import Image   # a warm build, its images vouched for by the cache, opens none

from deckbuilder import images as images_mod
from deckbuilder.cache import used
from deckbuilder.pixels import PILLOW_FORMATS
from deckbuilder.errors import BuildError, Diagnostic, Location
from deckbuilder.fsutil import cache_write
from deckbuilder.model import CANVAS, LOGO_IMAGE, Normalised, background_image
from deckbuilder.theme import Theme
from deckbuilder.theme_kit import luminance

VERSION = "1"             # bump when the output of `_background` changes
READABLE = 4.5            # WCAG AA for body text: the contrast a slide's text should keep
SHARE = 0.1               # ... on all but this share of the picture
SAMPLE = (64, 36)         # the picture is judged at this size


def _at(theme: Theme, dotted: str) -> Location:
    file, line = theme.where(dotted)
    return Location(file, line)


def prepare(theme: Theme, aspect: str, cache_dir: Path | None = None
            ) -> tuple[dict[str, Normalised], list[Diagnostic]]:
    """Return the theme's logo and background pictures by the planner's keys
    (`model.LOGO_IMAGE`, `model.background_image(kind)`), and their problems."""
    wanted = {"logo.file": theme.get("logo.file")}
    for kind in ("image", "title", "section"):
        wanted[f"backgrounds.{kind}"] = theme.get(f"backgrounds.{kind}")
    uses = {Path(f): [_at(theme, k) for k, g in wanted.items() if g == f]
            for f in wanted.values() if f}
    done, problems = images_mod.normalise(uses, theme, aspect, cache_dir)
    problems = [Diagnostic(d.severity, f"the theme's picture: {d.message}", d.location)
                for d in problems]
    found: dict[str, Normalised] = {}
    if wanted["logo.file"] and Path(wanted["logo.file"]) in done:
        found[LOGO_IMAGE] = done[Path(wanted["logo.file"])]
    low: dict[str, tuple[float, str, str]] = {}    # setting -> worst (ratio, text, slides)
    for kind, ground, ink, slides in (
            ("", "colors.background", "colors.text", "slides"),
            ("title", "colors.background", "title_slide.title.color", "the title slide"),
            ("section", "section_slide.background", "section_slide.title.color",
             "section slides")):
        setting = f"backgrounds.{kind}" if kind and wanted[f"backgrounds.{kind}"] \
            else "backgrounds.image"
        source = done.get(Path(wanted[setting])) if wanted[setting] else None
        if source is None:
            continue
        colour = theme.color(theme.get(ground))
        made = _background(source, CANVAS[aspect], colour, theme, cache_dir)
        found[background_image(kind)] = made
        text = theme.color(theme.get(ink))
        from PIL import Image

        with Image.open(made.path, formats=PILLOW_FORMATS) as im:
            ratio = contrast_floor(im, text)
        if ratio < READABLE and ratio < low.get(setting, (READABLE, "", ""))[0]:
            low[setting] = (ratio, text, slides)
    for setting, (ratio, text, slides) in low.items():
        problems.append(Diagnostic("warning", (
            f"{setting}: text on {slides} ({text}) has a contrast of only {ratio:.1f}:1 on a "
            f"tenth of {Path(wanted[setting]).name} (4.5:1 reads well); raise backgrounds.veil "
            f"(now {theme.get('backgrounds.veil'):g}) or choose a calmer picture"),
            _at(theme, setting)))
    return found, problems


def _background(source: Normalised, slide: tuple[int, int], colour: str, theme: Theme,
                cache_dir: Path | None) -> Normalised:
    """Return the picture cut to the slide's shape, laid on `colour`, veiled."""
    from PIL import Image

    veil = float(theme.get("backgrounds.veil"))
    data = source.path.read_bytes()
    ext = source.path.suffix.lstrip(".")
    key = f"{VERSION}:{hashlib.sha256(data).hexdigest()}:{slide}:{colour}:{veil}:{ext}"
    digest = hashlib.sha256(key.encode()).hexdigest()
    root = images_mod.cache_root(cache_dir)
    path = root / digest[:2] / f"{digest}.{ext}"
    for _ in range(2):   # twice: a file another run prunes between the look and the read
        if not used(path):
            blob = _draw(data, slide, colour, veil, ext, int(theme.get("images.jpeg_quality")))
            try:
                cache_write(path, blob, root / "tmp")
            except OSError as e:
                raise BuildError(f"cannot write {e.filename}: {e.strerror or e}") from None
        try:
            with Image.open(path, formats=PILLOW_FORMATS) as im:
                return Normalised(source.source, path, im.width, im.height)
        except FileNotFoundError:
            continue
    raise BuildError(f"cannot read {path}: it keeps vanishing from the cache")


def _draw(data: bytes, slide: tuple[int, int], colour: str, veil: float, ext: str,
          quality: int) -> bytes:
    from PIL import Image

    with Image.open(io.BytesIO(data), formats=PILLOW_FORMATS) as im:
        im.load()
        icc = im.info.get("icc_profile")
        ground = Image.new("RGB", im.size, colour)
        picture = im.convert("RGBA")
    ground.paste(picture, mask=picture.getchannel("A"))
    w, h = ground.size
    want = slide[0] / slide[1]
    if w / h > want:      # wider than the slide: cut the sides
        cut = round(w - h * want)
        ground = ground.crop((cut // 2, 0, cut // 2 + w - cut, h))
    else:                 # taller: cut top and bottom
        cut = round(h - w / want)
        ground = ground.crop((0, cut // 2, w, cut // 2 + h - cut))
    if veil > 0:
        ground = Image.blend(ground, Image.new("RGB", ground.size, colour), veil)
    out = io.BytesIO()
    extra = {"icc_profile": icc} if icc else {}
    if ext == "png":
        ground.save(out, "PNG", optimize=True, **extra)
    else:
        ground.save(out, "JPEG", quality=quality, optimize=True, **extra)
    return out.getvalue()


def contrast_floor(im: Image.Image, text: str) -> float:
    """Return the WCAG contrast `text` keeps on all but SHARE of the picture's area."""
    small = im.convert("RGB")
    small.thumbnail(SAMPLE)
    ink = luminance(text)
    data = small.tobytes()
    ratios = sorted((max(lum, ink) + 0.05) / (min(lum, ink) + 0.05)
                    for lum in (luminance("#%02X%02X%02X" % tuple(data[i:i + 3]))
                                for i in range(0, len(data), 3)))
    return ratios[int(len(ratios) * SHARE)]
