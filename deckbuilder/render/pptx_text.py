"""PPTX text: runs, paragraphs and text frames drawn exactly as the planner measured.

Shared by the slide writer (`pptx`) and the placeholder filling (`pptx_placeholders`).
Sizes, colours and boxes are the planner's; px become EMU and points here only.
"""

from __future__ import annotations

import itertools
import re

from lxml import etree
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Pt

from deckbuilder import fonts, markup
from deckbuilder.model import EMU_PER_PX, Box, Face, Item, TextStyle

SLIDENUM_GUID = "{B6F15528-21DE-4FAA-801E-634DDDAF4B2B}"  # constant: reproducible bytes
ALIGN = {"left": PP_ALIGN.LEFT, "center": PP_ALIGN.CENTER, "right": PP_ALIGN.RIGHT}
ANCHOR = {"top": MSO_ANCHOR.TOP, "middle": MSO_ANCHOR.MIDDLE, "bottom": MSO_ANCHOR.BOTTOM}
_NUMBER = re.compile(r"\d+")
_BAD_XML = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff\ud800-\udfff]")
# The language a run of a CJK face is marked with, so PowerPoint picks East Asian
# line breaking and proofing for it.
LANG_OF = {"ko": "ko-KR", "ja": "ja-JP", "zh": "zh-CN", "ar": "ar-SA", "he": "he-IL",
           "hi": "hi-IN"}


def clean(text: str) -> str:
    """Return text safe for XML: vertical tab and form feed become newlines, other
    control characters, U+FFFE/U+FFFF and lone surrogates are dropped."""
    return _BAD_XML.sub("", text.replace("\v", "\n").replace("\f", "\n").replace("\r\n", "\n"))


def rgb(color: str) -> RGBColor:
    return RGBColor.from_string(color.lstrip("#").upper())


def emu(box: Box) -> tuple[Emu, Emu, Emu, Emu]:
    # Convert the edges, not the sizes, so a box ending at the canvas edge ends at the
    # slide edge exactly and rounding can never push a shape outside.
    left, top = round(box.x * EMU_PER_PX), round(box.y * EMU_PER_PX)
    right, bottom = round(box.right * EMU_PER_PX), round(box.bottom * EMU_PER_PX)
    return Emu(left), Emu(top), Emu(right - left), Emu(bottom - top)


def pt(px: float) -> Pt:
    return Pt(px * 0.75)


def _highlight(run, color: str) -> None:
    h = etree.Element(qn("a:highlight"))
    etree.SubElement(h, qn("a:srgbClr")).set("val", color.lstrip("#").upper())
    run._r.get_or_add_rPr().insert_element_before(
        h, "a:uLnTx", "a:uLn", "a:uFillTx", "a:uFill", "a:latin", "a:ea", "a:cs", "a:sym",
        "a:hlinkClick", "a:hlinkMouseOver", "a:rtl", "a:extLst")


def _add_run(paragraph, r: markup.Run, style: TextStyle, context: str = "") -> None:
    """Add a run, cut where the planner measured its text with another face of the
    chain: each piece names its face (a:latin, a:ea or a:cs) so the consumer draws it
    with that font."""
    text = clean(r.text)
    if r.code or not style.faces or not text:
        _add_piece(paragraph, r, text, style, None)
        return
    segments = fonts.segments(text, style.faces, style.bold or r.bold,
                              style.italic or r.italic, context or text)
    # A CJK face comes as numbered slice files, so neighbouring characters of one face
    # are often separate segments; the PPTX names faces, not files: one run per face.
    for face, pieces in itertools.groupby(segments, key=lambda seg: seg.face):
        _add_piece(paragraph, r, "".join(seg.text for seg in pieces), style,
                   None if face == style.faces[0] else face)


def _add_piece(paragraph, r: markup.Run, text: str, style: TextStyle, face: Face | None
               ) -> None:
    run = paragraph.add_run()
    run.text = text
    font = run.font
    font.size = pt(style.size)
    font.bold = style.bold or r.bold
    font.italic = style.italic or r.italic
    font.color.rgb = rgb(style.color)
    if r.mark:
        _highlight(run, style.highlight)
    font.name = face.family if face is not None and face.slot == "latin" else \
        style.code_font if r.code else style.font
    if face is not None and face.slot != "latin":
        _script_face(run, face)
    if r.link:
        run.hyperlink.address = clean(r.link)


def _script_face(run, face: Face) -> None:
    """Name an East Asian (a:ea) or complex-script (a:cs) face on a run, in schema order."""
    rpr = run._r.get_or_add_rPr()
    element = etree.Element(qn(f"a:{face.slot}"))
    element.set("typeface", face.family)
    rpr.insert_element_before(element, *(("a:cs",) if face.slot == "ea" else ()), "a:sym",
                              "a:hlinkClick", "a:hlinkMouseOver", "a:rtl", "a:extLst")
    if face.lang in LANG_OF:
        rpr.set("lang", LANG_OF[face.lang])


def _slide_number(paragraph, text: str, style: TextStyle) -> None:
    fld = etree.Element(qn("a:fld"))
    end = paragraph._p.find(qn("a:endParaRPr"))   # the schema wants the field before it
    if end is None:
        paragraph._p.append(fld)
    else:
        end.addprevious(fld)
    fld.set("id", SLIDENUM_GUID)
    fld.set("type", "slidenum")
    rpr = etree.SubElement(fld, qn("a:rPr"))
    rpr.set("lang", "en-US")
    rpr.set("sz", str(round(style.size * 75)))
    fill = etree.SubElement(etree.SubElement(rpr, qn("a:solidFill")), qn("a:srgbClr"))
    fill.set("val", style.color.lstrip("#").upper())
    etree.SubElement(rpr, qn("a:latin")).set("typeface", style.font)
    etree.SubElement(fld, qn("a:t")).text = text


def frame_setup(frame, valign: str = "top") -> None:
    """Set a text frame up as planned: no insets, wrapped, anchored, shrink on overflow.

    The planner's sizes already fit; `normAutofit` is for the consumer: LibreOffice
    shrinks text that a substituted font makes overflow, and PowerPoint shrinks a
    speaker's later edit that no longer fits.
    """
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
    frame.margin_left = frame.margin_right = frame.margin_top = frame.margin_bottom = Emu(0)
    frame.vertical_anchor = ANCHOR[valign]


def paragraph(p, item: Item, style: TextStyle) -> None:
    p.alignment = ALIGN[style.align]
    context = markup.plain(item.text)
    if fonts.is_rtl(context):   # Arabic, Hebrew: the paragraph reads right to left
        p._p.get_or_add_pPr().set("rtl", "1")
    p.line_spacing = pt(style.size * style.line_height)  # exact pitch, as planned
    if item.role == "slide-number":
        # The number itself is a field PowerPoint keeps up to date; the rest ("/ 24") text.
        text = markup.plain(item.text)
        m = _NUMBER.search(text)
        if m is None:
            _add_run(p, markup.Run(text), style)
            return
        if m.start():
            _add_run(p, markup.Run(text[:m.start()]), style)
        _slide_number(p, m.group(), style)
        if text[m.end():]:
            _add_run(p, markup.Run(text[m.end():]), style)
        return
    for r in markup.runs(item.text):
        if r.text == "\n":   # a break the author wrote; the wrap is the renderer's
            p.add_line_break()
        else:
            _add_run(p, r, style, context)


def fill_text(frame, item: Item) -> None:
    style = item.style or TextStyle(font="Calibri", size=18)
    frame_setup(frame, style.valign)
    paragraph(frame.paragraphs[0], item, style)
