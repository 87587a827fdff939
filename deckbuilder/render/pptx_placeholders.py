"""PPTX placeholders: each slide's title, subtitle and body go into its layout's
placeholders, so outlines, the slide sorter, "Reuse slides" and screen readers find them.
"""

from __future__ import annotations

import copy
from typing import Sequence

from lxml import etree
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.oxml.ns import qn
from pptx.oxml.shapes.groupshape import CT_GroupShape
from pptx.shapes.shapetree import SlideShapeFactory

from deckbuilder.model import EMU_PER_PX, Box, Item, Slide, TextStyle
from deckbuilder.render.pptx_text import clean, emu, fill_text, frame_setup, paragraph, pt

PH = PP_PLACEHOLDER
PH_OF = {"title": PH.TITLE, "center-title": PH.CENTER_TITLE, "subtitle": PH.SUBTITLE}
BODY_ROLES = ("heading", "paragraph", "bullet", "marker")
FOOTER_OF = {"footer": PH.FOOTER, "slide-number": PH.SLIDE_NUMBER}
_AFTER_BULLET = ("a:tabLst", "a:defRPr", "a:extLst")   # what follows a bullet in a:pPr
_NVPR, _PH = qn("p:nvPr"), qn("p:ph")


# ---------------------------------------------------------------- a slide's shapes
# python-pptx finds a shape's placeholder with an xpath, for every shape, every time a
# shape collection is listed or a proxy made (~40 a slide); these read the XML as it
# does, one lookup per level.


def shape_elements(tree) -> list:
    """Return the shapes of a shape tree as python-pptx's collections list them: its
    children of a shape's tag, in order."""
    return [e for e in tree.iterchildren() if e.tag in CT_GroupShape._shape_tags]


def ph_element(shape):
    """Return the shape's p:ph (where python-pptx looks: ./*[1]/p:nvPr/p:ph), or None
    when it is not a placeholder."""
    first = next(shape.iterchildren(etree.Element), None)
    nvpr = first.find(_NVPR) if first is not None else None
    return nvpr.find(_PH) if nvpr is not None else None


def ph_type(ph) -> PP_PLACEHOLDER:
    return PH.from_xml(ph.get("type", "obj"))   # python-pptx's default: an object


def slide_placeholders(slide) -> list[tuple[PP_PLACEHOLDER, etree._Element]]:
    """Return the slide's placeholders as python-pptx's slide.placeholders lists them
    (in idx order), each as its type and its element (`proxy` makes python-pptx's
    object of one that is filled: most are removed unused)."""
    found = [(e, ph) for e in shape_elements(slide.shapes._spTree)
             if (ph := ph_element(e)) is not None]
    found.sort(key=lambda pair: int(pair[1].get("idx", "0")))   # its default idx: 0
    return [(ph_type(ph), e) for e, ph in found]


def proxy(slide, element):
    """Return python-pptx's object for a placeholder of the slide, as slide.placeholders
    makes it."""
    return SlideShapeFactory(element, slide.shapes)


def first_of(holders: dict, *kinds: PP_PLACEHOLDER):
    """Return the placeholder element of the first of these types the slide has, or None."""
    return next((holders[kind] for kind in kinds if kind in holders), None)


def notes_body(page):
    """Return the a:txBody of a notes page's notes, where python-pptx's
    notes_text_frame finds it (the first body placeholder, in document order), or None
    when the page has none (python-pptx#983: odd notes masters have no body)."""
    for shape in shape_elements(page._element.cSld.spTree):
        ph = ph_element(shape)
        if ph is not None and ph_type(ph) == PH.BODY:
            return shape.get_or_add_txBody()
    return None


def placeholder_roles(planned: Slide) -> dict[int, str]:
    """Return which planned items go into the layout's placeholders, by item id.

    Every slide's title placeholder holds its title: the title or section name, an
    image slide's caption, a text slide's leading heading. A text slide's other blocks
    are one body placeholder; a title slide's subtitle its subtitle placeholder.
    """
    items, roles = planned.items, {}
    texts = [i for i in items if i.kind == "text"]
    if planned.kind in ("title", "section", "closing", "credits"):
        title = next((i for i in texts if i.role == "title"), None)
        if title is not None:
            roles[id(title)] = "center-title" if planned.kind == "title" else "title"
        sub = next((i for i in texts if i.role == "subtitle"), None)
        if planned.kind == "title" and sub is not None:
            roles[id(sub)] = "subtitle"
    elif planned.kind in ("image", "multi-image"):
        caption = next((i for i in texts if i.role == "caption"), None)
        if caption is not None:
            roles[id(caption)] = "title"
    elif planned.kind == "text":
        blocks = [i for i in texts if i.role in BODY_ROLES]
        if blocks and blocks[0].role == "heading":
            roles[id(blocks.pop(0))] = "title"
        roles.update((id(i), "body") for i in blocks)
    return roles


def fill(slide, ph, item: Item):
    """Fill a placeholder with a text item at the item's box; return the placeholder."""
    ph.left, ph.top, ph.width, ph.height = emu(item.box)
    ph.name = f"{item.role} {len(slide.shapes)}"
    fill_text(ph.text_frame, item)
    to_front(slide, ph)
    return ph._element


def hidden_title(slide, holders, used, planned: Slide) -> None:
    """Give a slide without a visible title a hidden one, for outlines and screen readers."""
    element = first_of(holders, PH.TITLE, PH.CENTER_TITLE)
    if element is None or element in used:
        return
    proxy(slide, element).text_frame.text = clean(planned.title or planned.kind)
    element.nvSpPr.cNvPr.set("hidden", "1")
    used.add(element)


def body(slide, ph, items: Sequence[Item]):
    """Fill the body placeholder with a text slide's blocks, one paragraph each.

    Levels and bullets come from the master's list style; positions from the plan:
    the body spans the blocks, each paragraph is indented to its block and spaced
    from the one above as planned, so the consumer's flow draws the planned layout.
    """
    blocks = [i for i in items if i.role != "marker"]
    markers = {round(i.box.y, 2): i for i in items if i.role == "marker"}
    box = Box(min(i.box.x for i in items), blocks[0].box.y,
              max(i.box.right for i in items) - min(i.box.x for i in items),
              max(i.box.bottom for i in items) - blocks[0].box.y)
    ph.left, ph.top, ph.width, ph.height = emu(box)
    ph.name = f"body {len(slide.shapes)}"
    frame = ph.text_frame
    frame_setup(frame)
    below = box.y
    for n, item in enumerate(blocks):
        p = frame.paragraphs[0] if n == 0 else frame.add_paragraph()
        style = item.style or TextStyle(font="Calibri", size=18)
        p.level = item.level if item.marker else 0
        p.space_before = pt(max(0.0, item.box.y - below))
        paragraph(p, item, style)
        _list_format(p, item, markers.get(round(item.box.y, 2)), box)
        below = item.box.bottom
    to_front(slide, ph)
    return ph._element


def _list_format(p, item: Item, marker: Item | None, body: Box) -> None:
    """Indent a paragraph to its planned box; number it, or keep the list style's bullet."""
    ppr = p._p.get_or_add_pPr()
    hang = (item.box.x - marker.box.x) if marker is not None else 0.0
    ppr.set("marL", str(round((item.box.x - body.x) * EMU_PER_PX)))
    ppr.set("indent", str(-round(hang * EMU_PER_PX)))
    if not item.marker:
        ppr.insert_element_before(etree.Element(qn("a:buNone")), *_AFTER_BULLET)
    elif item.marker[:-1].isdigit():
        num = etree.Element(qn("a:buAutoNum"), type="arabicPeriod")
        if item.marker != "1.":
            num.set("startAt", item.marker[:-1])
        ppr.insert_element_before(num, *_AFTER_BULLET)


def to_front(slide, shape) -> None:
    # Placeholders are cloned first; moving each to the end as it is filled keeps the
    # planned drawing order.
    tree = slide.shapes._spTree
    tree.remove(shape._element)
    tree.append(shape._element)


def footer(slide, item: Item) -> bool:
    """Draw a footer item in the layout's own footer or slide-number placeholder, in the
    template's style (its colour, its band); return False when the layout has none."""
    wanted = FOOTER_OF[item.role]
    source = next((ph for ph in slide.slide_layout.placeholders
                   if ph.placeholder_format.type == wanted), None)
    if source is None:
        return False
    element = copy.deepcopy(source._element)
    # a shape id of its own: the layout's id may already be taken on the slide
    element.nvSpPr.cNvPr.set("id", str(slide.shapes._next_shape_id))
    slide.shapes._spTree.append(element)
    ph = next(p for p in slide.placeholders if p._element is element)
    ph.text_frame.clear()   # the layout's own sample text or ‹#› field
    fill_text(ph.text_frame, item)
    for props in element.iter(qn("a:rPr")):          # the template's colour, not ours
        for colour in props.findall(qn("a:solidFill")):
            props.remove(colour)
    return True
