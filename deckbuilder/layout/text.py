"""Text slides from block Markdown: headings, paragraphs and lists, at the largest size
that fits the content box. Used by `layout.plan`."""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from deckbuilder import markup
from deckbuilder.errors import Diagnostic, warning
from deckbuilder.layout import measure as measure
from deckbuilder.layout.context import Ctx, md_text as _md, text_block
from deckbuilder.model import Box, Item, Pick, Slide


def markers(blocks: Sequence[markup.Block], bullet: str) -> list[str]:
    """Return each block's list marker: `bullet`, its number in its list ("2."), or "".

    Numbers count per list level: a deeper list starts again at 1, going back up
    continues the outer list, and anything that is not a list item ends every list.
    The renderers draw these markers as planned; none of them numbers lists itself.
    """
    counters: dict[int, int]   # list level -> number of its last item
    out, counters = [], {}
    for b in blocks:
        if b.kind in ("bullet", "number"):
            counters = {k: v for k, v in counters.items() if k <= b.level}
            counters[b.level] = counters.get(b.level, 0) + 1 if b.kind == "number" else 0
            out.append(f"{counters[b.level]}." if b.kind == "number" else bullet)
        else:
            counters = {}
            out.append("")
    return out


def _block_items(ctx: Ctx, blocks: Sequence[markup.Block], size: float, width: float
                 ) -> list[tuple[list[Item], float]]:
    """Return each block's items (at y=0) and height at body size `size`."""
    t = ctx.theme.get("text_slide")
    out = []
    for b, marker in zip(blocks, markers(blocks, t["bullet"])):
        scale = t["heading_scale"][b.level - 1] if b.kind == "heading" else 1.0
        spec = {"color": t["heading_color"] if b.kind == "heading" else t["body"]["color"],
                "bold": b.kind == "heading"}
        indent = t["indent"] * size * max(0, b.level - 1) if b.kind != "heading" else 0
        if b.kind in ("bullet", "number"):
            indent += t["indent"] * size
        style = ctx.style(spec, size * scale)
        drawn = measure.styled(b.runs, style.bold, style.italic)
        h = measure.lines_at(drawn, size * scale, width - indent, ctx.fonts) * ctx.fonts.pitch(
            size * scale)
        items = [text_block(ctx, measure.to_markdown(b.runs), Box(indent, 0, width - indent, h),
                            b.kind if b.kind != "number" else "bullet", style)]
        if marker:
            items[0] = replace(items[0], level=max(0, b.level - 1), marker=marker)
        if marker:
            items.insert(0, text_block(ctx, _md(marker), Box(indent - t["indent"] * size, 0,
                                       t["indent"] * size, ctx.fonts.pitch(size)), "marker", style))
        out.append((items, h))
    return out


def _height(placed: list[tuple[list[Item], float]], gap: float) -> float:
    return sum(h for _, h in placed) + gap * max(0, len(placed) - 1)


def text_slide(ctx: Ctx, pick: Pick, diags: list[Diagnostic]) -> list[Slide]:
    """Return a text slide: headings, paragraphs and lists, at the largest size that fits."""
    t, c = ctx.theme.get("text_slide"), ctx.frame("text").content
    blocks = markup.blocks(pick.text)
    if markup.lost_words(pick.text, blocks):
        diags.append(warning("part of this text slide is not shown: the Markdown parser "
                             "drops lists nested more deeply than it allows; flatten the list",
                             *ctx.where(pick.line)))
    gap_em = ctx.theme.get("text.paragraph_gap")
    lo, hi = int(t["body"]["min_size"]), int(t["body"]["max_size"])
    while lo < hi:
        mid = (lo + hi + 1) // 2
        fits = _height(_block_items(ctx, blocks, mid, c.w), mid * gap_em) <= c.h
        lo, hi = (mid, hi) if fits else (lo, mid - 1)
    placed = _block_items(ctx, blocks, lo, c.w)
    overflow: list[str]   # the blocks that do not fit, as plain text
    kept, overflow, y = [], [], c.y
    for items, h in placed:
        if y + h > c.bottom + 0.01 or overflow:
            overflow.append(" ".join(markup.plain(i.text) for i in items))
            continue
        kept += [replace(i, box=Box(c.x + i.box.x, y, i.box.w, i.box.h)) for i in items]
        y += h + lo * gap_em
    if overflow:
        diags.append(warning("text slide too long at the minimum size; the rest is in the "
                             "speaker notes", *ctx.where(pick.line)))
    title = next((markup.plain(measure.to_markdown(b.runs)) for b in blocks), "")
    return [Slide("text", tuple(kept), notes="\n".join(overflow), line=pick.line, title=title)]

