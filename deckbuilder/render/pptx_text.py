"""PPTX text: runs, paragraphs and text frames drawn exactly as the planner measured.

Shared by the slide writer (`pptx`) and the placeholder filling (`pptx_placeholders`).
Sizes, colours and boxes are the planner's; px become EMU and points here only.

Runs, paragraph and frame properties are written on the XML with lxml, as python-pptx's
setters write them (the same elements, in schema order, the same attributes in the same
order): through its proxies a text box's few properties cost ~1 ms, most of drawing a
slide. python-pptx still adds line breaks and links (a link is a relationship too).
"""

from __future__ import annotations

import itertools
import re

from lxml import etree
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Pt

from deckbuilder import fonts, markup
from deckbuilder.model import EMU_PER_PX, Box, Face, Item, TextStyle

SLIDENUM_GUID = "{B6F15528-21DE-4FAA-801E-634DDDAF4B2B}"  # constant: reproducible bytes
ALIGN = {"left": PP_ALIGN.LEFT, "center": PP_ALIGN.CENTER, "right": PP_ALIGN.RIGHT}
ANCHOR = {"top": MSO_ANCHOR.TOP, "middle": MSO_ANCHOR.MIDDLE, "bottom": MSO_ANCHOR.BOTTOM}
_AUTOFITS = (qn("a:noAutofit"), qn("a:normAutofit"), qn("a:spAutoFit"))
_AFTER_AUTOFIT = (qn("a:scene3d"), qn("a:sp3d"), qn("a:flatTx"), qn("a:extLst"))
# What python-pptx accepts: a font size in centipoints (ST_TextFontSize), a line
# pitch in EMU (ST_TextSpacingPoint)
FONT_SIZES, LINE_PITCHES = range(100, 400001), range(0, 20116801)
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


def _centipoints(length: Pt, allowed: range, of: int) -> str:
    """Return a length as python-pptx writes it in points: whole centipoints of whole
    EMU; like python-pptx, refuse one whose value `of` is outside `allowed`."""
    if not allowed.start <= of < allowed.stop:   # (`in` would count: `of` is an int subclass)
        raise ValueError(f"value must be in range {allowed.start} to {allowed.stop - 1} "
                         f"inclusive, got {of}")
    return str(length.centipoints)


def _highlight(rpr, color: str) -> None:
    h = etree.Element(qn("a:highlight"))
    etree.SubElement(h, qn("a:srgbClr")).set("val", color.lstrip("#").upper())
    rpr.insert_element_before(
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
    """Add one run, as python-pptx's add_run, then its text, size, bold, italic, colour
    and typeface, would: a:rPr before a:t, its attributes and children in that order."""
    rpr = _new_run(paragraph._p, text)
    size = pt(style.size)
    rpr.set("sz", _centipoints(size, FONT_SIZES, size.centipoints))
    _flag(rpr, "b", style.bold or r.bold)
    _flag(rpr, "i", style.italic or r.italic)
    fill = etree.SubElement(rpr, qn("a:solidFill"))
    etree.SubElement(fill, qn("a:srgbClr")).set("val", str(rgb(style.color)))
    if r.mark:
        _highlight(rpr, style.highlight)
    name = face.family if face is not None and face.slot == "latin" else \
        style.code_font if r.code else style.font
    if name is not None:
        etree.SubElement(rpr, qn("a:latin")).set("typeface", name)
    if face is not None and face.slot != "latin":
        _script_face(rpr, face)
    if r.link:
        paragraph.runs[-1].hyperlink.address = clean(r.link)


def _new_run(p, text: str):
    """Append a:r with its (empty) a:rPr and a:t to the paragraph, before its
    a:endParaRPr as the schema wants; return the a:rPr. The text is set whatever it is,
    as python-pptx sets it (an empty text is written <a:t></a:t>): `clean` has already
    dropped every control character python-pptx would escape."""
    end = p.find(qn("a:endParaRPr"))
    if end is None:
        run = etree.SubElement(p, qn("a:r"))
    else:
        run = p.makeelement(qn("a:r"))
        end.addprevious(run)
    rpr = etree.SubElement(run, qn("a:rPr"))
    etree.SubElement(run, qn("a:t")).text = text
    return rpr


def _flag(element, name: str, value: bool | None) -> None:
    """Set a boolean attribute as python-pptx does: "1"/"0", removed for None."""
    if value is None:
        element.attrib.pop(name, None)
    else:
        element.set(name, "1" if value else "0")


def _script_face(rpr, face: Face) -> None:
    """Name an East Asian (a:ea) or complex-script (a:cs) face on a run, in schema order."""
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
    # As word_wrap, auto_size (TEXT_TO_FIT_SHAPE), the four margins (0) and
    # vertical_anchor write it, in that order.
    body = frame._txBody.find(qn("a:bodyPr"))
    body.set("wrap", "square")
    for old in [child for child in body if child.tag in _AUTOFITS]:
        body.remove(old)
    autofit = body.makeelement(qn("a:normAutofit"))
    after = next((child for child in body if child.tag in _AFTER_AUTOFIT), None)
    if after is None:
        body.append(autofit)
    else:
        after.addprevious(autofit)
    for inset in ("lIns", "rIns", "tIns", "bIns"):
        body.set(inset, "0")
    body.set("anchor", ANCHOR[valign].xml_value)


def paragraph(p, item: Item, style: TextStyle) -> None:
    ppr = p._p.get_or_add_pPr()
    ppr.set("algn", ALIGN[style.align].xml_value)
    context = markup.plain(item.text)
    if fonts.is_rtl(context):   # Arabic, Hebrew: the paragraph reads right to left
        ppr.set("rtl", "1")
    _line_pitch(ppr, style.size * style.line_height)  # exact pitch, as planned
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


def _line_pitch(ppr, px: float) -> None:
    """Set the paragraph's line spacing to exactly `px`, as python-pptx's line_spacing
    does: a new a:lnSpc/a:spcPts, the first child a:pPr may have."""
    for old in ppr.findall(qn("a:lnSpc")):
        ppr.remove(old)
    spacing = ppr.makeelement(qn("a:lnSpc"))
    pitch = pt(px)
    etree.SubElement(spacing, qn("a:spcPts")).set("val", _centipoints(pitch, LINE_PITCHES, pitch))
    ppr.insert(0, spacing)


def plain_text(body, text: str) -> None:
    """Put plain text in a text body (a:txBody), as python-pptx's TextFrame.text does:
    its paragraphs replaced by one a:p per line, a line's text in one a:r, an empty line
    an empty a:p. Cleaned first, nothing is left that python-pptx would split or escape."""
    for old in body.findall(qn("a:p")):
        body.remove(old)
    for line in clean(text).split("\n"):
        p = etree.SubElement(body, qn("a:p"))
        if line:
            etree.SubElement(etree.SubElement(p, qn("a:r")), qn("a:t")).text = line


def fill_text(frame, item: Item) -> None:
    style = item.style or TextStyle(font="Calibri", size=18)
    frame_setup(frame, style.valign)
    paragraph(frame.paragraphs[0], item, style)
