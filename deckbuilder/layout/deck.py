"""The planner: picks and a theme in, a format-independent Deck of boxes out.

`plan` is pure: it measures text with the theme's font files and reads nothing else,
writes nothing, and returns every problem as a Diagnostic. Renderers only draw what
it decides, so the PPTX and the HTML show the same slide.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Mapping, Sequence

from deckbuilder import markup
from deckbuilder.layout import measure, qr
from deckbuilder.layout.credits import credits_slides
from deckbuilder.errors import Diagnostic, warning
from deckbuilder.model import Normalised, Role
from deckbuilder.model import (CANVAS, LOGO_IMAGE, Box, Deck, Entry, Item, Pick, Slide, Talk,
                               Template, TextStyle, background_image)
from deckbuilder.layout.context import Ctx, fitted_text, format_date, md_text as _md, text_block
from deckbuilder.layout.entry import entry_slides
from deckbuilder.layout.text import text_slide
from deckbuilder.layout.measure import Fonts
from deckbuilder.layout.memo import Memo
from deckbuilder.theme import Theme


# ---------------------------------------------------------------- simple slides


def _stack(ctx: Ctx, kind: str, parts: Sequence[tuple[Role, str, Mapping]], align: str,
           diags: list[Diagnostic], line: int | None, rule: Mapping) -> list[Item]:
    """Return a rule and text lines (role, Markdown, style) stacked, centred vertically
    in the slide kind's content box, less the QR code's column when it shows one."""
    c = ctx.frame(kind).content
    c = Box(c.x, c.y, c.w - qr.reserve(ctx, kind), c.h)
    gap = ctx.theme.get("canvas.gap")
    placed: list[tuple[Role, str, TextStyle, float]] = []
    for role, md, spec in parts:
        if not md:
            continue
        fit, h = fitted_text(ctx, md, spec, c.w, c.h / 2)
        if fit.overflow:
            diags.append(warning(f"{role} too long for the slide; shortened", *ctx.where(line)))
        placed.append((role, measure.to_markdown(fit.runs), ctx.style(spec, fit.size, align), h))
    total = rule["height"] + gap + sum(h for *_, h in placed) + gap / 2 * (len(placed) - 1)
    y = c.y + max(0.0, (c.h - total) / 2)
    x = c.x if align == "left" else c.x + (c.w - rule["width"]) / 2
    items = [Item("rect", Box(x, y, rule["width"], rule["height"]), role="rule",
                  fill=ctx.theme.color(rule["color"]))]
    y += rule["height"] + gap
    for role, md, style, h in placed:
        items.append(text_block(ctx, md, Box(c.x, y, c.w, h), role, style))
        y += h + gap / 2
    return items


def title_slide(ctx: Ctx, pick: Pick, diags: list[Diagnostic]) -> list[Slide]:
    """Return the title slide: title, subtitle, and author, event and date."""
    t, s = ctx.talk, ctx.theme.get("title_slide")
    meta = s["meta_separator"].join(x for x in (t.author, t.event, format_date(t.date, ctx.theme))
                                    if x)
    items = _stack(ctx, "title", [("title", _md(t.title), s["title"]),
                         ("subtitle", _md(t.subtitle), s["subtitle"]),
                         ("meta", _md(meta), s["meta"])], s["align"], diags, pick.line,
                   s["rule"])
    items += qr.column(ctx, "title", middle=True)
    return [Slide("title", tuple(items), line=pick.line, title=t.title)]


def section_slide(ctx: Ctx, pick: Pick, diags: list[Diagnostic]) -> list[Slide]:
    """Return a section divider slide."""
    s = ctx.theme.get("section_slide")
    items = _stack(ctx, "section", [("title", pick.text, s["title"])], "left", diags, pick.line,
                   s["rule"])
    return [Slide("section", tuple(items), background=ctx.theme.color(s["background"]),
                  line=pick.line, title=markup.plain(pick.text))]


def closing_slide(ctx: Ctx, pick: Pick, diags: list[Diagnostic]) -> list[Slide]:
    """Return the closing slide: the theme's title, then author and event."""
    s, t = ctx.theme.get("closing"), ctx.talk
    meta = ctx.theme.get("title_slide.meta_separator").join(x for x in (t.author, t.event) if x)
    title = pick.text or s["title"]
    items = _stack(ctx, "closing",
                   [("title", _md(title), s["title_style"]), ("meta", _md(meta), s["meta"])],
                   ctx.theme.get("title_slide.align"), diags, pick.line,
                   ctx.theme.get("title_slide.rule"))
    items += qr.column(ctx, "closing", middle=True)
    return [Slide("closing", tuple(items), line=pick.line, title=title)]


# ---------------------------------------------------------------- the plan


def _footer(ctx: Ctx, slide: Slide, number: int, total: int) -> Slide:
    f = ctx.theme.get("footer")
    if not f["enabled"] or slide.kind in f["skip"]:
        return slide
    if slide.kind in ("image", "multi-image") and ctx.theme.get("image_slide.layout") == \
            "fullbleed":
        return slide   # the picture fills the slide, margins and footer band included
    m = ctx.theme.get("canvas.margin")
    c = ctx.content
    h = ctx.fonts.pitch(f["size"])
    y = ctx.height - m["bottom"] + (m["bottom"] - h) / 2
    frame = ctx.frame(slide.kind)
    # A template's footer and slide-number placeholders say where its footer band is.
    event_box = _in(frame.footer, h) or Box(c.x, y, c.w * 0.7, h)
    number_box = _in(frame.number, h) or Box(c.right - c.w * 0.2, y, c.w * 0.2, h)
    extra: list[Item] = []
    fields = _fields(ctx, number, total)
    text = f["text"].format_map(fields).strip()
    if f["event"] and text:
        extra.append(text_block(ctx, footer_text(ctx, text, event_box.w, f["size"]),
                                event_box, "footer", ctx.style(f, align="left")))
    if f["slide_number"]:
        extra.append(text_block(ctx, _md(f["number"].format_map(fields)), number_box,
                                "slide-number", ctx.style(f, align="right")))
    return replace(slide, items=slide.items + tuple(extra))


class _Fields(dict):
    def __missing__(self, key: str) -> str:   # an unknown {field} stays as written
        return "{" + key + "}"


def _fields(ctx: Ctx, number: int, total: int) -> _Fields:
    t = ctx.talk
    return _Fields(title=t.title, subtitle=t.subtitle, author=t.author, event=t.event,
                   date=format_date(t.date, ctx.theme), n=number, total=total)


def footer_text(ctx: Ctx, text: str, width: float, size: float) -> str:
    """Return the footer's text as Markdown, cut with "…" to the one line it has."""
    fit = measure.fit([markup.Run(text)], width, ctx.fonts.pitch(size), int(size), int(size),
                      ctx.fonts)
    return measure.to_markdown(fit.runs)


def _logo(ctx: Ctx, slide: Slide) -> Slide:
    """Return the slide with the theme's logo in its corner, if its kind shows one."""
    box = ctx.logo_box()
    if box is None or slide.kind not in ctx.theme.get("logo.slides"):
        return slide
    logo = Item("image", box, role="logo", image=ctx.images[LOGO_IMAGE].path, alt="Logo")
    return replace(slide, items=slide.items + (logo,))


def _background(ctx: Ctx, slide: Slide) -> Slide:
    """Return the slide with the theme's background picture for its kind under everything
    (a section slide's colour gives way to it)."""
    key = background_image(slide.kind if slide.kind in ("title", "section") else "")
    found = ctx.images.get(key)
    if found is None or ctx.template is not None:   # a template's own background stays
        return slide
    item = Item("image", Box(0, 0, ctx.width, ctx.height), role="background",
                image=found.path, alt="")
    return replace(slide, items=(item,) + slide.items, background=None)


def _in(box: Box | None, h: float) -> Box | None:
    """Return a line of height `h` centred in `box` (None without a box)."""
    return None if box is None else Box(box.x, box.y + (box.h - h) / 2, box.w, h)


def _remembered(memo: Memo) -> Callable[[Ctx, Pick, list[Diagnostic]], list[Slide]]:
    """Return `entry_slides` through the memo: the slides and warnings of an entry
    planned before, else planned now."""
    def planner(ctx: Ctx, pick: Pick, diags: list[Diagnostic]) -> list[Slide]:
        def planned() -> tuple[list[Slide], list[Diagnostic]]:
            found: list[Diagnostic] = []
            return entry_slides(ctx, pick, found), found
        slides, found = memo.plan(ctx, pick, planned)
        diags += found
        return slides
    return planner


def plan(talk: Talk, picks: Sequence[Pick], theme: Theme, images: Mapping[str, Normalised],
         template: Template | None = None, memo: Memo | None = None
         ) -> tuple[Deck, list[Diagnostic]]:
    """Return the planned deck for the picks, and the layout's warnings.

    With a speaker's `template`, the slide size is the template's and every slide kind
    is planned inside its layout's placeholders. With a `memo`, entry slides planned
    before (from the same inputs) are taken from it, and the others added to it.
    """
    planners = {"title": title_slide, "section": section_slide,
                "entry": entry_slides if memo is None else _remembered(memo),
                "text": text_slide, "closing": closing_slide}
    width, height = (template.width, template.height) if template else CANVAS[talk.aspect]
    ctx = Ctx(talk, theme, Fonts.of(theme), width, height, images, template)
    if memo is not None:
        memo.measure(ctx)
    diags: list[Diagnostic] = []
    slides: list[Slide] = []
    entries: list[Entry] = [p.entry for p in picks if p.kind == "entry" and p.entry]
    for pick in picks:
        kind = "image" if pick.kind == "entry" else pick.kind
        if not theme.has_slide(kind):
            diags.append(warning(f"theme {theme.name!r} has no {kind} slides; skipped",
                                 *ctx.where(pick.line)))
            continue
        if pick.kind == "credits":
            code = qr.column(ctx, "credits", middle=False)
            slides += [replace(s, items=s.items + tuple(code)) for s in
                       credits_slides(ctx, pick, entries, diags, qr.reserve(ctx, "credits"))]
        else:
            slides += planners[pick.kind](ctx, pick, diags)
    slides = [_background(ctx, _logo(ctx, s)) for s in slides]
    if template is not None and any(k.startswith(background_image("")) for k in images):
        diags.append(warning("the theme's background pictures are not drawn on a PowerPoint "
                             "template, whose own background is kept", str(talk.path)))
    slides = [_footer(ctx, s, n, len(slides)) for n, s in enumerate(slides, 1)]
    if any(i.role == "footer" and measure.ELLIPSIS in i.text for s in slides for i in s.items):
        diags.append(warning("'event' is too long for the footer; it is shortened there "
                             "(the title slide shows it whole)", str(talk.path)))
    diags += qr.problems(ctx, picks)
    deck = Deck(talk.title, width, height, tuple(slides), subtitle=talk.subtitle,
                author=talk.author, event=talk.event, date=talk.date, theme=theme.name,
                background=theme.color("background"), link=theme.color("link"),
                text=theme.color("text"), accent=theme.color("accent"),
                font=theme.get("fonts.body.family"), bullet=theme.get("text_slide.bullet"),
                template=template, faces=ctx.fonts.chain)
    if memo is not None:
        memo.measured(ctx)
    return deck, diags
