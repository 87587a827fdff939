"""Planning the credits: every distinct source of the deck, grouped by site, with its
URL, flowed into the theme's columns and over as many slides as it takes."""

from __future__ import annotations

from typing import Sequence
from urllib.parse import urlsplit

from deckbuilder import markup
from deckbuilder.layout import measure
from deckbuilder.errors import Diagnostic, warning
from deckbuilder.model import Box, Entry, Item, Pick, Role, Slide, Source
from deckbuilder.layout.context import Ctx, fitted_text, md_text, text_block
from deckbuilder.layout.entry import source_label


Credit = tuple[str, str | None, tuple[int, ...]]   # label, URL, positions that show it


def source_groups(sources: Sequence[Source | None]) -> dict[str, dict[str, Credit]]:
    """Return sources grouped by site (host, or "" without a URL): (label, url, the
    positions in `sources` that have it) by key, groups in the credits' order.

    Sources with the same URL are one credit, whatever their text, so a bare-URL source
    line and a worded one for the same page are listed once, under the worded label.
    """
    out: dict[str, dict[str, Credit]] = {}
    for at, source in enumerate(sources):
        label = source_label(source)
        if not label or source is None:
            continue
        url = markup.safe_url(source.url)
        site = urlsplit(url).netloc.removeprefix("www.") if url else ""
        group = out.setdefault(site, {})
        key = url or label
        known, _, uses = group.get(key, (label, url, ()))
        group[key] = (label if known == urlsplit(url or "").netloc else known, url, uses + (at,))
    return dict(sorted(out.items(), key=lambda kv: (kv[0] == "", kv[0])))


def groups(entries: Sequence[Entry]) -> dict[str, dict[str, tuple[str, str | None, int]]]:
    """Return the entries' sources grouped as the credits show them: (label, url, how
    many entries use it) by key, by site."""
    return {site: {key: (label, url, len(uses)) for key, (label, url, uses) in found.items()}
            for site, found in source_groups([e.source for e in entries]).items()}


def _blocks(ctx: Ctx, entries: Sequence[Entry], width: float, diags: list[Diagnostic],
            line: int | None) -> list[tuple[Role, str, dict, float, bool]]:
    """Return (role, Markdown, style spec, height, starts a group) for every line."""
    cr = ctx.theme.get("credits")
    out: list[tuple[Role, str, dict, bool]] = []
    for site, sources in groups(entries).items():
        head = site or cr["no_link"]
        out.append(("credit-group", md_text(head), cr["group"], True))
        for label, url, count in sources.values():
            text = md_text(label) + (f" ({count} slides)" if count > 1 else "")
            if not url or label != urlsplit(url).netloc:  # a bare URL needs no label line
                out.append(("credit", text, cr["item"], False))
            if url:
                out.append(("credit-url", f"[{md_text(url)}](<{url}>)", cr["url"], False))
    # below the slide's title: what a column holds
    room = (ctx.frame("credits").content.h - ctx.fonts.pitch(cr["title_style"]["size"])
            - ctx.theme.get("canvas.gap"))
    placed = []
    for role, md, spec, first in out:
        fit, h = fitted_text(ctx, md, spec, width, room)
        if fit.overflow:  # a source longer than the whole slide: cut, and said so
            md = measure.to_markdown(fit.runs)
            diags.append(warning(f"credits: a source is too long for the slide and is cut: "
                                 f"{measure.plain(fit.runs)[:60]}", *ctx.where(line)))
        placed.append((role, md, spec, h, first))
    return placed


def credits_slides(ctx: Ctx, pick: Pick, entries: Sequence[Entry], diags: list[Diagnostic],
                   reserve: float = 0.0) -> list[Slide]:
    """Return the credits slides, leaving `reserve` px free at the right (for the QR
    code); none (with a warning) when no entry has a source."""
    cr, gap = ctx.theme.get("credits"), ctx.theme.get("canvas.gap")
    c = ctx.frame("credits").content
    c = Box(c.x, c.y, c.w - reserve, c.h)
    cols = int(cr["columns"])
    width = (c.w - gap * (cols - 1)) / cols
    blocks = _blocks(ctx, entries, width, diags, pick.line)
    if not blocks:
        diags.append(warning("credits: no picked entry has a source", *ctx.where(pick.line)))
        return []
    title_h = ctx.fonts.pitch(cr["title_style"]["size"])
    top = c.y + title_h + gap
    pages: list[list[Item]] = []
    col, y = cols, c.bottom + 1  # forces a first page
    head = blocks[0]
    for i, (role, md, spec, h, first) in enumerate(blocks):
        head = blocks[i] if first else head
        need = h + (blocks[i + 1][3] if first and i + 1 < len(blocks) else 0)  # no orphan head
        gap_before = cr["group_gap"] if first and y > top else 0
        if y + gap_before + need > c.bottom:
            col, y, gap_before = col + 1, top, 0
            if col >= cols:
                pages.append([text_block(ctx, md_text(cr["title"]), Box(c.x, c.y, c.w, title_h),
                                         "title", ctx.style(cr["title_style"]))])
                col = 0
            if not first:  # a group carried into a new column keeps its heading
                x = c.x + col * (width + gap)
                pages[-1].append(text_block(ctx, head[1] + md_text(cr["continued"]),
                                            Box(x, y, width, head[3]), head[0],
                                            ctx.style(head[2])))
                y += head[3] + cr["item_gap"]
        y += gap_before
        x = c.x + col * (width + gap)
        pages[-1].append(text_block(ctx, md, Box(x, y, width, h), role, ctx.style(spec)))
        follows = blocks[i + 1][0] if i + 1 < len(blocks) else ""
        y += h + (cr["item_gap"] if follows != "credit-url" else 0)
    return [Slide("credits", tuple(p), line=pick.line, title=cr["title"]) for p in pages]
