"""Full-bleed picture slides (`image_slide.layout: fullbleed`): the picture fills the
slide, the caption sits on a translucent band over the picture's lower edge, and the
source in the band's bottom-right corner. Used by `layout.entry`.

A picture is contained (shown whole, as large as the slide allows) unless the theme says
`fit: cover` and its aspect is within `cover_tolerance` of the slide's: then it fills the
slide and the renderers cut the planned fractions off two opposite edges. The band is
planned from the caption and source measured with the theme's fonts, so its text never
leaves it; a caption too long for the band's largest height is cut, the rest going to
the speaker notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from deckbuilder import markup
from deckbuilder.errors import Diagnostic, warning
from deckbuilder.layout import measure
from deckbuilder.layout.arrange import Picture, arrange, bounds, contain
from deckbuilder.layout.context import Ctx, fitted_text, text_block
from deckbuilder.model import Box, Item, Role
from deckbuilder.template import avoid

Crop = tuple[float, float, float, float]
NO_CROP: Crop = (0.0, 0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Bleed:
    """A planned full-bleed slide: picture boxes and crops, the band, its text."""

    boxes: list[Box]
    crops: list[Crop]
    band: list[Item]           # the translucent rect, or nothing without caption and source
    texts: list[Item]          # caption, then source
    diags: list[Diagnostic]
    overflow: str              # caption text that did not fit, for the notes


def region(ctx: Ctx) -> Box:
    """Return where full-bleed pictures go: the whole slide (a template's layout: what it
    leaves free), less the theme's logo on image slides."""
    whole = (ctx.template.frames["image"].content if ctx.template is not None
             and "image" in ctx.template.frames else Box(0, 0, ctx.width, ctx.height))
    logo = ctx.logo_box() if "image" in ctx.theme.get("logo.slides") else None
    return avoid(whole, [logo]) if logo else whole


def cover_crop(aspect: float, slide: float, tolerance: float) -> Crop | None:
    """Return the fractions cut off (left, top, right, bottom) for a picture of `aspect`
    to cover a slide of aspect `slide`, or None when its aspect is farther from the
    slide's than `tolerance` (a fraction of the slide's aspect)."""
    if abs(aspect / slide - 1) > tolerance + 1e-9:
        return None
    if aspect >= slide:     # wider: cut the sides
        side = (1 - slide / aspect) / 2
        return (side, 0.0, side, 0.0)
    edge = (1 - aspect / slide) / 2
    return (0.0, edge, 0.0, edge)


def place(ctx: Ctx, pics: Sequence[Picture], caption: str, source: str, note: str,
          line: int) -> Bleed:
    """Return the full-bleed layout of one slide's pictures with caption and source label."""
    fb = ctx.theme.get("image_slide.fullbleed")
    area = region(ctx)
    crops = [NO_CROP] * len(pics)
    crop = (cover_crop(pics[0].aspect, area.w / area.h, float(fb["cover_tolerance"]))
            if len(pics) == 1 and fb["fit"] == "cover" else None)
    if crop is not None:
        boxes, crops = [area], [crop]
    elif len(pics) == 1:   # the whole slide, whatever the picture's own size
        boxes = [contain(pics[0].aspect, area)]
    else:
        boxes = arrange([Picture(p.aspect, float("inf")) for p in pics], area, fb["gap"])
    group = bounds(boxes) if boxes else area
    band, texts, diags, overflow = _band(ctx, area, group, caption, source, note, line)
    return Bleed(boxes, crops, band, texts, diags, overflow)


def _balanced(ctx: Ctx, md: str, spec: dict, width: float) -> float:
    """Return the narrowest width that keeps the caption's line count (no lone last word)."""
    runs = measure.styled(markup.runs(md), bool(spec.get("bold")), bool(spec.get("italic")))
    lines = measure.lines_at(runs, spec["size"], width, ctx.fonts)
    if lines < 2 or measure.ELLIPSIS in md:
        return width
    lo, hi = width / 2, width
    while hi - lo > 4:
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if measure.lines_at(runs, spec["size"], mid, ctx.fonts) <= lines \
            else (mid, hi)
    return hi


def _band(ctx: Ctx, area: Box, group: Box, caption: str, source: str, note: str, line: int
          ) -> tuple[list[Item], list[Item], list[Diagnostic], str]:
    """Return the band over the lower edge of `group`, and its caption and source."""
    s = ctx.theme.get("image_slide")
    b = s["fullbleed"]["band"]
    pad = float(b["padding"])
    width = min(area.w, max(group.w, area.w * b["min_width"]))
    x = min(max(group.x + (group.w - width) / 2, area.x), area.right - width)
    inner = width - 2 * pad
    room = area.h * b["max_height"] - 2 * pad
    texts: list[tuple[Role, str, dict, float, str]] = []   # role, Markdown, style, height, align
    diags: list[Diagnostic] = []
    overflow = ""
    if source:
        src = s["source"]
        runs = [markup.Run(src["prefix"] + source)]
        fit = measure.fit(runs, inner, src["max_lines"] * ctx.fonts.pitch(src["size"]),
                          src["size"], src["size"], ctx.fonts)
        h = fit.lines * ctx.fonts.pitch(fit.size)
        texts.append(("source", measure.to_markdown(fit.runs), src, h, "right"))
        room -= h + src["gap"]
    if caption.strip():
        cap = s["caption"]
        fit, h = fitted_text(ctx, caption, cap, inner, max(room, ctx.fonts.pitch(cap["min_size"])))
        if fit.overflow:
            overflow = measure.plain(fit.overflow)
            diags.append(warning("caption too long for its band at the minimum size; the "
                                 "rest is in the speaker notes", note, line))
        texts.insert(0, ("caption", measure.to_markdown(fit.runs), dict(cap, size=fit.size), h,
                         "left"))
    if not texts:
        return [], [], diags, overflow
    gap = s["source"]["gap"]
    height = 2 * pad + sum(t[3] for t in texts) + gap * (len(texts) - 1)
    # Over the lower edge: the band's bottom is the pictures' (half over the picture and
    # half over a bar below it would read as two bands).
    bottom = min(group.bottom, area.bottom)
    top = max(area.y, bottom - height)
    band = Item("rect", Box(x, top, width, height), role="band",
                fill=ctx.theme.color(b["color"]), opacity=float(b["opacity"]))
    items, y = [], top + pad
    for role, md, spec, h, align in texts:
        w = _balanced(ctx, md, spec, inner) if role == "caption" else inner
        items.append(text_block(ctx, md, Box(x + pad, y, w, h), role,
                                ctx.style(spec, spec["size"], align=align)))
        y += h + gap
    return [band], items, diags, overflow
