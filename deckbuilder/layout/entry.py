"""Entry slides: an entry's pictures laid out with its caption and source line, the
speaker notes, and each picture's alt text. Used by `layout.plan`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence
from urllib.parse import urlsplit

from deckbuilder import markup
from deckbuilder.layout import fullbleed, measure
from deckbuilder.layout.arrange import Picture, arrange, bounds, moved
from deckbuilder.errors import Diagnostic, warning
from deckbuilder.layout.context import Ctx, fitted_text, format_date, md_text as _md, text_block
from deckbuilder.model import Box, Entry, ImageRef, Item, Pick, Slide, SlideKind, Source

def source_label(source: Source | None) -> str:
    """Return how a source is shown: its text, else its URL's host."""
    if source is None:
        return ""
    if source.text:
        return source.text
    return urlsplit(source.url).netloc if source.url else ""


def alt_text(entry: Entry, ref: ImageRef, ctx: Ctx, index: int, count: int) -> str:
    """Return alt text: the caption's plain text, else a description; never a path."""
    text = markup.plain(entry.caption)
    if not text:
        label = source_label(entry.source)
        when = format_date(entry.date, ctx.theme)
        text = "Screenshot" + (f" from {label}" if label else "") + (f", {when}" if when else "")
    return f"{text} (image {index} of {count})" if count > 1 else text


def _picture(ctx: Ctx, ref: ImageRef) -> Picture:
    found = ctx.images.get(ref.key)
    if found is None:
        return Picture(float(ctx.theme.get("images.placeholder_aspect")), float("inf"))
    limit = found.width * ctx.theme.get("images.max_upscale")
    if ctx.theme.get("images.honour_embed_width") and ref.width:
        limit = min(limit, ref.width * ctx.theme.get("images.embed_width_scale"))
    return Picture(found.width / found.height, limit)


def _texts(ctx: Ctx, entry: Entry, width: float, max_h: float,
           align: str) -> tuple[list[tuple[Item, float]], list[Diagnostic], str]:
    """Return caption and source items (at y=0) with heights, warnings, overflow text."""
    s = ctx.theme.get("image_slide")
    out: list[tuple[Item, float]] = []
    diags: list[Diagnostic] = []
    label = source_label(entry.source)
    if label:
        src = s["source"]
        # Plain, small and muted: the URL is the picture's click action and in the notes.
        runs = [markup.Run(src["prefix"] + label)]
        room = src["max_lines"] * ctx.fonts.pitch(src["size"])
        fit = measure.fit(runs, width, room, src["size"], src["size"], ctx.fonts)
        h = fit.lines * ctx.fonts.pitch(fit.size)
        out.append((text_block(ctx, measure.to_markdown(fit.runs), Box(0, 0, width, h),
                               "source", ctx.style(src, align=align)), h))
        max_h -= h + src["gap"]
    overflow = ""
    if entry.caption.strip():
        cap = s["caption"]
        fit, h = fitted_text(ctx, entry.caption, cap, width, max_h)
        if fit.overflow:
            overflow = measure.plain(fit.overflow)
            diags.append(warning("caption too long for its box at the minimum size; the rest "
                                 "is in the speaker notes", entry.note, entry.line))
        box = _balanced(ctx, fit, width, h) if align == "center" else Box(0, 0, width, h)
        out.insert(0, (text_block(ctx, measure.to_markdown(fit.runs), box,
                                  "caption", ctx.style(cap, fit.size, align=align)), h))
    return out, diags, overflow


def _balanced(ctx: Ctx, fit: measure.Fit, width: float, h: float) -> Box:
    """Return the narrowest centred box that keeps the line count: no one-word last line."""
    if fit.lines < 2 or fit.overflow:
        return Box(0, 0, width, h)
    lo, hi = width / 2, width
    while hi - lo > 4:
        mid = (lo + hi) / 2
        fewer = measure.lines_at(fit.runs, fit.size, mid, ctx.fonts) <= fit.lines
        lo, hi = (lo, mid) if fewer else (mid, hi)
    return Box((width - hi) / 2, 0, hi, h)


def _stack_texts(texts: list[tuple[Item, float]], x: float, y: float, gap: float) -> list[Item]:
    items = []
    for item, h in texts:
        box = Box(x + item.box.x, y, item.box.w, h)
        items.append(Item(item.kind, box, item.role, item.text, item.style, link=item.link))
        y += h + gap
    return items


def _texts_height(texts: list[tuple[Item, float]], gap: float) -> float:
    return sum(h for _, h in texts) + gap * max(0, len(texts) - 1)


@dataclass(frozen=True)
class _Placed:
    """One way to lay out an entry slide: picture boxes, caption and source, and costs."""

    boxes: list[Box]
    texts: list[Item]
    area: float                # picture area shown: the bigger the better
    diags: list[Diagnostic]
    overflow: str              # caption text that did not fit, for the notes
    crops: tuple[fullbleed.Crop, ...] = ()   # per picture, when a full-bleed one is cut
    under: tuple[Item, ...] = ()             # drawn between the pictures and the texts


def _layout(ctx: Ctx, entry: Entry, refs: Sequence[ImageRef], placement: str) -> _Placed:
    """Return the layout of an entry slide with the caption at the bottom or right."""
    s, gap = ctx.theme.get("image_slide"), ctx.theme.get("canvas.gap")
    c = ctx.frame("image").content
    sgap = s["source"]["gap"]
    pics = [_picture(ctx, r) for r in refs]
    if placement == "right":
        col = c.w * s["right_width"]
        texts, diags, overflow = _texts(ctx, entry, col, c.h, "left")
        region = Box(c.x, c.y, c.w - (col + gap if texts else 0), c.h)
        boxes = arrange(pics, region, gap)
        block = bounds(boxes) if boxes else Box(c.x, c.y, 0, 0)
        # Pictures and caption column read as one group, centred on the slide.
        left = c.x + (c.w - block.w - (col + gap if texts else 0)) / 2
        boxes = [moved(b, left - block.x, 0) for b in boxes]
        th = _texts_height(texts, sgap)
        items = _stack_texts(texts, left + block.w + gap, c.y + (c.h - th) / 2, sgap)
    else:
        texts, diags, overflow = _texts(ctx, entry, c.w, c.h * s["bottom_max_height"], "center")
        th = _texts_height(texts, sgap)
        region = Box(c.x, c.y, c.w, c.h - (th + gap if texts else 0))
        boxes = arrange(pics, region, gap)
        block = bounds(boxes) if boxes else Box(c.x, c.y, 0, -gap)
        # Pictures and caption read as one group, centred on the slide.
        top = c.y + (c.h - block.h - (th + gap if texts else 0)) / 2
        boxes = [moved(b, 0, top - block.y) for b in boxes]
        items = _stack_texts(texts, c.x, top + block.h + gap, sgap)
    return _Placed(boxes, items, sum(b.w * b.h for b in boxes), diags, overflow)


def _bleed(ctx: Ctx, entry: Entry, refs: Sequence[ImageRef]) -> _Placed:
    pics = [_picture(ctx, r) for r in refs] or [_picture(ctx, ImageRef("", None))]
    b = fullbleed.place(ctx, pics, entry.caption, source_label(entry.source), entry.note,
                        entry.line)
    return _Placed(b.boxes[:len(refs)], b.texts, sum(x.w * x.h for x in b.boxes), b.diags,
                   b.overflow, tuple(b.crops), tuple(b.band))


def _choose(ctx: Ctx, entry: Entry, refs: Sequence[ImageRef]) -> _Placed:
    if ctx.theme.get("image_slide.layout") == "fullbleed":
        return _bleed(ctx, entry, refs)
    mode = ctx.theme.get("image_slide.caption_placement")
    if mode != "auto":
        return _layout(ctx, entry, refs, mode)
    bottom, right = (_layout(ctx, entry, refs, p) for p in ("bottom", "right"))
    return right if right.area > bottom.area * ctx.theme.get("image_slide.right_bias") else bottom


def _picture_item(ctx: Ctx, entry: Entry, ref: ImageRef, box: Box, i: int, n: int) -> Item:
    found = ctx.images.get(ref.key)
    link = markup.safe_url(entry.source.url) if entry.source else None
    alt = alt_text(entry, ref, ctx, i, n)
    if found is None:
        label = ctx.theme.get("images.placeholder_label")
        return Item("image", box, role="picture", text=_md(f"{label}: {ref.target}"),
                    alt=f"{label}. {alt}", link=link, placeholder=True,
                    fill=ctx.theme.color("placeholder_fill"),
                    style=ctx.style(ctx.theme.get("images.placeholder_style"), align="center",
                                    valign="middle"))
    return Item("image", box, role="picture", image=found.path, alt=alt, link=link)


def entry_notes(entry: Entry, overflow: str = "") -> str:
    """Return the speaker notes: source, the entry's notes, caption overflow, note:line."""
    parts = []
    if entry.source and (entry.source.text or entry.source.url):
        parts.append("Source: " + " — ".join(x for x in (entry.source.text, entry.source.url)
                                               if x))
    # A web-clipped picture's own address is its origin, whatever the source line says.
    parts += [f"Image: {ref.target}" for ref in entry.images if ref.remote]
    if entry.notes.strip():
        parts.append(entry.notes.strip())
    if overflow:
        parts.append(f"Caption, continued: …{overflow}")
    parts.append(f"{markup.shown(entry.note)}:{entry.line}")
    return "\n\n".join(parts)


def entry_slides(ctx: Ctx, pick: Pick, diags: list[Diagnostic]) -> list[Slide]:
    """Return the slides of one entry: one per group of up to max_per_slide images."""
    entry = pick.entry
    assert entry is not None
    per = int(ctx.theme.get("images.max_per_slide"))
    groups = [entry.images[i:i + per] for i in range(0, len(entry.images), per)] or [()]
    slides: list[Slide] = []
    for group in groups:
        placed = _choose(ctx, entry, group)
        diags += placed.diags
        pictures = [_picture_item(ctx, entry, r, b, i, len(entry.images))
                    for i, (r, b) in enumerate(zip(group, placed.boxes), 1 + len(slides) * per)]
        pictures = [replace(p, crop=c) for p, c in zip(pictures, placed.crops)] + \
            pictures[len(placed.crops):]
        kind: SlideKind = "image" if len(group) <= 1 else "multi-image"
        label = source_label(entry.source)
        # never a file name: outlines and screen readers read the title
        title = markup.plain(entry.caption) or (f"Screenshot from {label}" if label
                                                else "Screenshot")
        slides.append(Slide(kind, tuple(pictures) + placed.under + tuple(placed.texts),
                            notes=entry_notes(entry, placed.overflow),
                            line=pick.line, title=title[:80], caption=entry.caption,
                            source=entry.source, remarks=entry.notes))
    return slides
