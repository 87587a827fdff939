"""Deck -> editable PowerPoint: real text boxes, real pictures, notes in the notes pane.

Every box is the planner's, converted from canvas px to EMU here and nowhere else.
Text sizes are the planner's too (auto-fit is off: PowerPoint ignores it until the
text is edited). The file is byte-identical for identical input: fixed core
properties, a constant field GUID, deterministic images, and a zip with fixed
timestamps (tech brief §1.9), written atomically.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

from lxml import etree
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml.ns import qn
from pptx.util import Emu, Pt

from deckbuilder import markup
from deckbuilder.fsutil import atomic_write_bytes, reproducible_zip
from deckbuilder.model import EMU_PER_PX, Box, Deck, Item, Slide, TextStyle

SLIDE_EMU = {(1280, 720): (12192000, 6858000), (960, 720): (9144000, 6858000)}
SLIDENUM_GUID = "{B6F15528-21DE-4FAA-801E-634DDDAF4B2B}"  # constant: reproducible bytes
EPOCH = datetime(1980, 1, 1)   # core properties of an undated deck
ALIGN = {"left": PP_ALIGN.LEFT, "center": PP_ALIGN.CENTER, "right": PP_ALIGN.RIGHT}
ANCHOR = {"top": MSO_ANCHOR.TOP, "middle": MSO_ANCHOR.MIDDLE, "bottom": MSO_ANCHOR.BOTTOM}
_BAD_XML = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff\ud800-\udfff]")


def clean(text: str) -> str:
    """Return text safe for XML: vertical tab and form feed become newlines, other
    control characters, U+FFFE/U+FFFF and lone surrogates are dropped."""
    return _BAD_XML.sub("", text.replace("\v", "\n").replace("\f", "\n").replace("\r\n", "\n"))


def _rgb(color: str) -> RGBColor:
    return RGBColor.from_string(color.lstrip("#").upper())


def _emu(box: Box) -> tuple[Emu, Emu, Emu, Emu]:
    # Convert the edges, not the sizes, so a box ending at the canvas edge ends at the
    # slide edge exactly and rounding can never push a shape outside.
    left, top = round(box.x * EMU_PER_PX), round(box.y * EMU_PER_PX)
    right, bottom = round(box.right * EMU_PER_PX), round(box.bottom * EMU_PER_PX)
    return Emu(left), Emu(top), Emu(right - left), Emu(bottom - top)


def _pt(px: float) -> Pt:
    return Pt(px * 0.75)


# ---------------------------------------------------------------- text


def _highlight(run, color: str) -> None:
    h = etree.Element(qn("a:highlight"))
    etree.SubElement(h, qn("a:srgbClr")).set("val", color.lstrip("#").upper())
    run._r.get_or_add_rPr().insert_element_before(
        h, "a:uLnTx", "a:uLn", "a:uFillTx", "a:uFill", "a:latin", "a:ea", "a:cs", "a:sym",
        "a:hlinkClick", "a:hlinkMouseOver", "a:rtl", "a:extLst")


def _add_run(paragraph, r: markup.Run, style: TextStyle) -> None:
    run = paragraph.add_run()
    run.text = clean(r.text)
    font = run.font
    font.size = _pt(style.size)
    font.bold = style.bold or r.bold
    font.italic = style.italic or r.italic
    font.color.rgb = _rgb(style.color)
    if r.mark:
        _highlight(run, style.highlight)
    font.name = style.code_font if r.code else style.font
    if r.link:
        run.hyperlink.address = clean(r.link)


def _slide_number(paragraph, text: str, style: TextStyle) -> None:
    fld = etree.SubElement(paragraph._p, qn("a:fld"))
    fld.set("id", SLIDENUM_GUID)
    fld.set("type", "slidenum")
    rpr = etree.SubElement(fld, qn("a:rPr"))
    rpr.set("lang", "en-US")
    rpr.set("sz", str(round(style.size * 75)))
    fill = etree.SubElement(etree.SubElement(rpr, qn("a:solidFill")), qn("a:srgbClr"))
    fill.set("val", style.color.lstrip("#").upper())
    etree.SubElement(rpr, qn("a:latin")).set("typeface", style.font)
    etree.SubElement(fld, qn("a:t")).text = text


def _fill_text(frame, item: Item) -> None:
    style = item.style or TextStyle(font="Calibri", size=18)
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.NONE
    frame.margin_left = frame.margin_right = frame.margin_top = frame.margin_bottom = Emu(0)
    frame.vertical_anchor = ANCHOR[style.valign]
    p = frame.paragraphs[0]
    p.alignment = ALIGN[style.align]
    p.line_spacing = _pt(style.size * style.line_height)  # exact pitch, as planned
    if item.role == "slide-number":
        _slide_number(p, item.text, style)
        return
    for r in markup.runs(item.text):
        if r.text == "\n":
            p.add_line_break()
        else:
            _add_run(p, r, style)


def _text(slide, item: Item) -> None:
    shape = slide.shapes.add_textbox(*_emu(item.box))
    shape.name = f"{item.role or 'text'} {len(slide.shapes)}"
    _fill_text(shape.text_frame, item)


# ---------------------------------------------------------------- shapes


def _rect(slide, item: Item):
    shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, *_emu(item.box))
    shape.name = f"{item.role or 'rect'} {len(slide.shapes)}"
    shape.shadow.inherit = False
    shape.fill.solid()
    shape.fill.fore_color.rgb = _rgb(item.fill or "#000000")
    shape.line.fill.background()
    return shape


def _placeholder(slide, item: Item) -> None:
    shape = _rect(slide, item)
    color = item.style.color if item.style else "#B42318"
    shape.line.color.rgb = _rgb(color)
    shape.line.width = Pt(2)
    shape.line.dash_style = MSO_LINE_DASH_STYLE.DASH
    shape._element._nvXxPr.cNvPr.set("descr", clean(item.alt))
    _fill_text(shape.text_frame, item)


def _picture(slide, item: Item) -> None:
    assert item.image is not None
    pic = slide.shapes.add_picture(str(item.image), *_emu(item.box))
    pic.name = f"picture {len(slide.shapes)}"
    # python-pptx puts the file name here; alt text must never be a path.
    pic._element._nvXxPr.cNvPr.set("descr", clean(item.alt))
    if item.link:
        pic.click_action.hyperlink.address = clean(item.link)


def _draw(slide, item: Item) -> None:
    if item.kind == "image":
        (_placeholder if item.placeholder or item.image is None else _picture)(slide, item)
    elif item.kind == "rect":
        _rect(slide, item)
    else:
        _text(slide, item)


def _add_slide(prs, layout, planned: Slide) -> None:
    slide = prs.slides.add_slide(layout)
    # The slide's name keeps the planned kind, for outlines and for tests that re-open it.
    slide._element.cSld.set("name", clean(f"{planned.kind}: {planned.title}"[:120]))
    if planned.background:
        slide.background.fill.solid()
        slide.background.fill.fore_color.rgb = _rgb(planned.background)
    for item in planned.items:
        _draw(slide, item)
    if planned.notes:
        frame = slide.notes_slide.notes_text_frame
        if frame is not None:  # python-pptx#983: odd notes masters have no body
            frame.text = clean(planned.notes)


# ---------------------------------------------------------------- package


def _blank_layout(prs):
    for master in prs.slide_masters:
        for layout in master.slide_layouts:
            if layout.name == "Blank":
                return layout
    return min(prs.slide_layouts, key=lambda lay: len(lay.placeholders))


def _properties(prs, deck: Deck) -> None:
    props = prs.core_properties
    when = datetime(deck.date.year, deck.date.month, deck.date.day) if deck.date else EPOCH
    props.title = clean(deck.title)
    props.subject = clean(deck.subtitle)
    props.author = clean(deck.author)
    props.keywords = clean(deck.event)
    props.last_modified_by = "deckbuilder"
    props.comments = ""
    props.revision = 1
    props.created = props.modified = when
    rels = prs.part.package._rels
    for rid, rel in list(rels.items()):
        if rel.reltype == RT.THUMBNAIL:  # the template's blank thumbnail would mislead
            rels.pop(rid)


def _link_colour(prs, colour: str) -> None:
    # PowerPoint and LibreOffice draw hyperlinks in the theme's hlink colour, whatever
    # colour the run asks for; set it (and folHlink, for visited links) to the deck's.
    theme_part = prs.slide_master.part.part_related_by(RT.THEME)
    root = etree.fromstring(theme_part.blob)
    for name in ("a:hlink", "a:folHlink"):
        for slot in root.iter(qn(name)):
            for child in list(slot):
                slot.remove(child)
            etree.SubElement(slot, qn("a:srgbClr")).set("val", colour.lstrip("#").upper())
    theme_part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                      standalone=True)


def normalise_zip(data: bytes) -> bytes:
    """Return the zip with fixed timestamps and attributes, member order kept."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        members = [(info.filename, z.read(info.filename)) for info in z.infolist()]
    return reproducible_zip(members, compresslevel=6, unix=False)


def to_bytes(deck: Deck) -> bytes:
    """Return the deck as .pptx bytes."""
    prs = Presentation()
    width, height = SLIDE_EMU[(deck.width, deck.height)]
    prs.slide_width, prs.slide_height = Emu(width), Emu(height)
    master_bg = prs.slide_master.background.fill
    master_bg.solid()
    master_bg.fore_color.rgb = _rgb(deck.background)
    _link_colour(prs, deck.link)
    layout = _blank_layout(prs)
    for planned in deck.slides:
        _add_slide(prs, layout, planned)
    _properties(prs, deck)
    buf = io.BytesIO()
    prs.save(buf)
    return normalise_zip(buf.getvalue())


def write(deck: Deck, path: Path) -> Path:
    """Write the deck to `path` atomically; return `path`."""
    return atomic_write_bytes(path, to_bytes(deck))
