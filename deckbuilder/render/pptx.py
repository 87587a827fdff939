"""Deck -> a native PowerPoint deck: named layouts, placeholders, reflowing text, real
pictures, notes in the notes pane, sections.

Every box is the planner's, converted from canvas px to EMU at the edge (`pptx_text`).
Sizes are the planner's; text carries only the author's line breaks and the box width
makes the consumer wrap as planned, with `normAutofit` for fonts that differ. Master,
layouts and theme come from `pptx_master`, placeholders from `pptx_placeholders`. The
file is byte-identical for identical input: fixed core properties, constant GUIDs,
deterministic images, and a zip with fixed timestamps (tech brief §1.9) written in one
pass, pictures stored and streamed from their files (`pptx_package`).
"""

from __future__ import annotations

import gc
import io
from datetime import datetime
from pathlib import Path

# python-pptx's import makes ~20,000 objects that live as long as the process (classes,
# enums, element class maps): the collector's passes while it runs, a full one among
# them (~30 ms of a warm build at 200 slides), find nothing to free.
_COLLECTING = gc.isenabled()
gc.disable()
try:
    from pptx import Presentation
    from pptx.enum.dml import MSO_LINE_DASH_STYLE
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT
    from pptx.oxml.ns import qn
    from pptx.util import Emu, Pt

    from deckbuilder.fsutil import Writer, atomic_write_bytes
    from deckbuilder.model import Deck, Item, Slide
    from deckbuilder.render import pptx_background, pptx_cache, pptx_master, pptx_package
    from deckbuilder.render import pptx_placeholders as placeholders
    from deckbuilder.render.pptx_placeholders import PH, PH_OF
    from deckbuilder.render.pptx_text import clean, emu, fill_text, plain_text, rgb
    from deckbuilder.template import open_template
finally:
    if _COLLECTING:
        gc.enable()

SLIDE_EMU = {(1280, 720): (12192000, 6858000), (960, 720): (9144000, 6858000)}
EPOCH = datetime(1980, 1, 1)   # core properties of an undated deck


def _text(slide, item: Item) -> None:
    shape = slide.shapes.add_textbox(*emu(item.box))
    shape.name = f"{item.role or 'text'} {len(slide.shapes)}"
    fill_text(shape.text_frame, item)


# ---------------------------------------------------------------- shapes


def _rect(slide, item: Item):
    shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, *emu(item.box))
    shape.name = f"{item.role or 'rect'} {len(slide.shapes)}"
    shape.shadow.inherit = False
    shape.fill.solid()
    shape.fill.fore_color.rgb = rgb(item.fill or "#000000")
    if item.opacity < 1:   # a see-through fill (Format Shape > Fill > Transparency)
        colour = shape.fill._xPr.find(qn("a:solidFill")).find(qn("a:srgbClr"))
        colour.append(colour.makeelement(qn("a:alpha"), val=str(round(item.opacity * 100000))))
    shape.line.fill.background()
    return shape


def _placeholder(slide, item: Item) -> None:
    shape = _rect(slide, item)
    color = item.style.color if item.style else "#B42318"
    shape.line.color.rgb = rgb(color)
    shape.line.width = Pt(2)
    shape.line.dash_style = MSO_LINE_DASH_STYLE.DASH
    shape._element._nvXxPr.cNvPr.set("descr", clean(item.alt))
    fill_text(shape.text_frame, item)


def _picture(slide, item: Item) -> None:
    assert item.image is not None
    pic = slide.shapes.add_picture(str(item.image), *emu(item.box))
    pic.name = f"picture {len(slide.shapes)}"
    if any(item.crop):   # PowerPoint's own crop: Crop in the ribbon shows the rest again
        pic.crop_left, pic.crop_top, pic.crop_right, pic.crop_bottom = item.crop
    # python-pptx puts the file name here; alt text must never be a path.
    pic._element._nvXxPr.cNvPr.set("descr", clean(item.alt))
    if item.link:
        pic.click_action.hyperlink.address = clean(item.link)


def _draw(slide, item: Item) -> None:
    if item.role == "background":
        return   # the master's or the layout's background (pptx_background)
    if item.kind == "image":
        (_placeholder if item.placeholder or item.image is None else _picture)(slide, item)
    elif item.kind == "rect":
        _rect(slide, item)
    else:
        _text(slide, item)


def _add_slide(add_slide, layout, planned: Slide, deck: Deck):
    """Draw `planned` on a new slide on `layout`; return the slide."""
    slide = add_slide(layout)
    # The slide's name keeps the planned kind, for outlines and for tests that re-open it.
    slide._element.cSld.set("name", clean(f"{planned.kind}: {planned.title}"[:120]))
    if planned.background and deck.template is None:  # a template's layouts decide
        slide.background.fill.solid()
        slide.background.fill.fore_color.rgb = rgb(planned.background)
    cloned = placeholders.slide_placeholders(slide)
    holders = dict(cloned)   # elements by type, the last of a type kept
    roles = placeholders.placeholder_roles(planned)
    body = [i for i in planned.items if roles.get(id(i)) == "body"]
    used = set()
    for item in planned.items:
        role = roles.get(id(item))
        if role == "body":
            holder = placeholders.first_of(holders, PH.OBJECT, PH.BODY)
            if holder is None:          # a template's layout without a body: text boxes
                _draw(slide, item)
            elif item is body[0]:
                used.add(placeholders.body(slide, placeholders.proxy(slide, holder), body))
        elif role is not None and PH_OF[role] in holders:
            holder = placeholders.proxy(slide, holders[PH_OF[role]])
            used.add(placeholders.fill(slide, holder, item))
        elif deck.template is not None and item.role in placeholders.FOOTER_OF:
            if not placeholders.footer(slide, item):
                _draw(slide, item)
        else:
            _draw(slide, item)
    placeholders.hidden_title(slide, holders, used, planned)
    _theme_fonts(slide, deck.font)
    if deck.template is not None:
        _scheme_colours(slide, deck)
    for _, element in cloned:
        if element not in used:
            element.getparent().remove(element)  # type: ignore[union-attr]  # a shape's tree
    if planned.notes:
        body = placeholders.notes_body(add_slide.notes_page(slide.part))
        if body is not None:
            plain_text(body, planned.notes)
    return slide


def _slides(add_slide, layouts, deck: Deck, cache: pptx_cache.SlideCache) -> None:
    """Add every planned slide: from the slide cache when it kept the slide as drawn
    for the same input, else drawn (and then kept)."""
    for planned in deck.slides:
        layout = layouts.get(planned.kind, layouts[""])
        key = cache.key(planned)
        entry = cache.load(key)
        if entry is not None and pptx_cache.fits(entry, layout, planned):
            pptx_cache.place(entry, layout, add_slide)
            continue
        slide = _add_slide(add_slide, layout, planned, deck)
        drawn = pptx_cache.drawn(slide.part, planned)
        if drawn is not None:
            cache.store(key, drawn)


def _theme_fonts(slide, font: str) -> None:
    """Refer to the deck's font through the theme (+mj-lt in titles, +mn-lt elsewhere),
    so PowerPoint's Design → Fonts and a template's fonts apply to it."""
    for shape in placeholders.shape_elements(slide.shapes._spTree):
        ph = placeholders.ph_element(shape)
        title = ph is not None and placeholders.ph_type(ph) in (PH.TITLE, PH.CENTER_TITLE)
        for latin in shape.iter(qn("a:latin")):
            if latin.get("typeface") == font:
                latin.set("typeface", "+mj-lt" if title else "+mn-lt")


def _scheme_colours(slide, deck: Deck) -> None:
    """On a speaker's template, draw text in its text colour and rules in its accent:
    the theme's colours were chosen for the theme's backgrounds, not the template's."""
    for fill in slide._element.iter(qn("a:solidFill")):
        colour = fill.find(qn("a:srgbClr"))
        if colour is None:
            continue
        in_text = fill.getparent().tag in (qn("a:rPr"), qn("a:defRPr"), qn("a:endParaRPr"))
        slot = "tx1" if in_text else "accent1" if colour.get("val") == \
            deck.accent.lstrip("#").upper() else None
        if slot is not None:
            fill.replace(colour, fill.makeelement(qn("a:schemeClr"), val=slot))


# ---------------------------------------------------------------- package


def _properties(prs, deck: Deck) -> None:
    props = prs.core_properties
    when = datetime(deck.date.year, deck.date.month, deck.date.day) if deck.date else EPOCH
    # Core properties are limited to 255 characters (python-pptx enforces it); the
    # slides keep the whole text.
    props.title = _cut(deck.title)
    props.subject = _cut(deck.subtitle)
    props.author = _cut(deck.author)
    props.keywords = _cut(deck.event)
    props.last_modified_by = "deckbuilder"
    props.comments = ""
    props.revision = 1
    props.created = props.modified = when
    rels = prs.part.package._rels
    for rid, rel in list(rels.items()):
        if rel.reltype == RT.THUMBNAIL:  # the template's blank thumbnail would mislead
            rels.pop(rid)


def _cut(text: str, limit: int = 255) -> str:
    text = clean(text)
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def writer(deck: Deck, cache: Path | None = None) -> Writer:
    """Return a function writing the deck as .pptx into a binary file (on the speaker's
    template when the deck has one).

    Every slide is drawn here, or taken as drawn from the slide cache in the folder
    `cache` (None: none; `pptx_cache`); the function only writes the zip, streaming the
    pictures from their files, so that a batch can write it while it stages outputs.
    """
    if deck.template is None:
        prs = Presentation()
        width, height = SLIDE_EMU[(deck.width, deck.height)]
        prs.slide_width, prs.slide_height = Emu(width), Emu(height)
        layouts = pptx_master.prepare(prs, deck)
        pptx_background.place(prs, layouts, deck)
    else:
        prs = open_template(deck.template.path)
        layouts = pptx_master.template_layouts(prs, deck.template)
    add_slide = pptx_package.index(prs.part.package)
    slides = pptx_cache.SlideCache(cache, deck)
    _slides(add_slide, layouts, deck, slides)
    pptx_master.sections(prs, deck.slides)
    _properties(prs, deck)
    return lambda out: pptx_package.write(prs.part.package, out, slides.deflated(),
                                          slides.crcs())


def to_bytes(deck: Deck, cache: Path | None = None) -> bytes:
    """Return the deck as .pptx bytes (with the slide cache in `cache`, if given)."""
    buf = io.BytesIO()
    writer(deck, cache)(buf)
    return buf.getvalue()


def write(deck: Deck, path: Path, cache: Path | None = None) -> Path:
    """Write the deck to `path` atomically (with the slide cache in `cache`, if given);
    return `path`."""
    return atomic_write_bytes(path, writer(deck, cache))
