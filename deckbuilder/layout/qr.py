"""The QR code of the talk's `slides_url`: the code, with the URL written under it, in a
column at the right of a slide's content box. The closing slide shows it; the theme's
`qr.slides` can add the title and credits slides.

The code's PNG is made by the image stage and handed in among the images (under
`model.QR_IMAGE`), so planning stays pure: it only places the picture.
"""

from __future__ import annotations

from typing import Sequence

from deckbuilder import markup
from deckbuilder.errors import Diagnostic, warning
from deckbuilder.layout.context import Ctx, md_text, text_block
from deckbuilder.model import QR_IMAGE, Box, Item, Pick

KINDS = ("closing", "title", "credits")
URL_SPREAD = 1.5               # the URL under the code may be this much wider than the code
# A URL breaks only after its hyphens: its box is this much wider than measured, so that
# it stays on one line where a wider font stands in for the theme's (LibreOffice without
# Carlito).
URL_SLACK = 1.25


def shown(ctx: Ctx, kind: str) -> bool:
    """Return whether slides of this kind show the QR code."""
    return (bool(ctx.talk.slides_url) and QR_IMAGE in ctx.images
            and kind in ctx.theme.get("qr.slides"))


def label(url: str) -> str:
    """Return the URL as written under the code: without the scheme and a final slash."""
    return url.split("://", 1)[-1].rstrip("/")


def _side(ctx: Ctx, kind: str) -> float:
    return float(ctx.theme.get("qr.size" if kind == "closing" else "qr.small_size"))


def _url_fit(ctx: Ctx, side: float) -> tuple[float, float]:
    """Return the URL's font size and drawn width: the largest size at which it is at most
    URL_SPREAD times the code's width, else the smallest."""
    spec, text = ctx.theme.get("qr.url"), label(ctx.talk.slides_url)
    run = markup.Run(text)
    fits = [(float(size), ctx.fonts.width(text, run, size) / ctx.fonts.safety)
            for size in range(int(spec["max_size"]), int(spec["min_size"]) - 1, -1)]
    return next((f for f in fits if f[1] <= side * URL_SPREAD), fits[-1])


def reserve(ctx: Ctx, kind: str) -> float:
    """Return the width the QR column takes from the right of the content box, gap
    included; 0 when slides of this kind do not show the code."""
    if not shown(ctx, kind):
        return 0.0
    return _width(ctx, kind) + ctx.theme.get("canvas.gap")


def _width(ctx: Ctx, kind: str) -> float:
    """Return the column's width: the code's, or the URL's box when that is wider."""
    side = _side(ctx, kind)
    return max(side, _url_fit(ctx, side)[1] * URL_SLACK)


def column(ctx: Ctx, kind: str, middle: bool) -> list[Item]:
    """Return the code and the URL under it at the right of the kind's content box,
    centred vertically (`middle`) or at the top; none when the kind does not show it."""
    if not shown(ctx, kind):
        return []
    url, c = ctx.talk.slides_url, ctx.frame(kind).content
    side, col = _side(ctx, kind), _width(ctx, kind)
    size = _url_fit(ctx, side)[0]
    gap, pitch = ctx.theme.get("qr.gap"), ctx.fonts.pitch(size)
    x = c.right - col
    y = c.y + (c.h - side - gap - pitch) / 2 if middle else c.y
    code = Item("image", Box(x + (col - side) / 2, y, side, side), role="qr",
                image=ctx.images[QR_IMAGE].path, alt=f"QR code: {url}", link=url)
    style = ctx.style(ctx.theme.get("qr.url"), size, align="center")
    text = text_block(ctx, f"[{md_text(label(url))}](<{url}>)",
                      Box(x, y + side + gap, col, pitch), "qr-url", style)
    return [code, text]


def problems(ctx: Ctx, picks: Sequence[Pick]) -> list[Diagnostic]:
    """Return warnings about the QR code: a slides_url no slide shows, a theme's unknown
    `qr.slides` kind, a URL too long to write under the code."""
    if not ctx.talk.slides_url:
        return []
    out = []
    on = ctx.theme.get("qr.slides")
    unknown = [k for k in on if k not in KINDS]
    if unknown:
        out.append(warning(f"theme setting qr.slides: unknown slide kind(s) "
                           f"{', '.join(map(str, unknown))}; choose from {', '.join(KINDS)}",
                           str(ctx.theme.dirs[0] / "theme.yaml")))
    kinds = [k for k in on if k in KINDS and any(p.kind == k for p in picks)]
    if not kinds:
        out.append(warning("slides_url is given but no slide shows its QR code: add a "
                           "'- closing' slide (or set the theme's qr.slides)", *ctx.where(None)))
    for kind in kinds:
        side = _side(ctx, kind)
        if _url_fit(ctx, side)[1] > ctx.frame(kind).content.w / 2:
            out.append(warning("slides_url is too long to write under its QR code on one "
                               "line; a shorter link reads better", *ctx.where(None)))
            break
    return out
