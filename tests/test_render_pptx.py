"""The PowerPoint renderer, checked by re-opening the file with python-pptx and by
rendering it with LibreOffice (never mocked)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from dataclasses import replace

import pytest
from PIL import Image
from pptx import Presentation
from pptx.util import Emu

from _office import to_pdf
from _decks import sample
from conftest import require_tool
from deckbuilder import markup
from deckbuilder.model import Box, Face, Item, Slide, TextStyle
from deckbuilder.render import pptx, pptx_text

A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("deck")
    deck, _, _ = sample(root)
    path = pptx.write(deck, root / "out" / "talk.pptx")
    return deck, path


def shapes_by_role(slide, role: str):
    return [s for s in slide.shapes if s.name.split(" ")[0] == role]


def test_reopens_with_the_planned_slides_and_size(built):
    deck, path = built
    prs = Presentation(str(path))
    assert (prs.slide_width, prs.slide_height) == (12192000, 6858000)
    assert len(prs.slides) == len(deck.slides) == 9
    kinds = [s._element.cSld.get("name").split(":")[0] for s in prs.slides]
    assert kinds == [s.kind for s in deck.slides]


def test_every_shape_lies_inside_the_slide(built):
    _, path = built
    prs = Presentation(str(path))
    for slide in prs.slides:
        for shape in slide.shapes:
            assert 0 <= shape.left and 0 <= shape.top, shape.name
            assert shape.left + shape.width <= prs.slide_width, shape.name
            assert shape.top + shape.height <= prs.slide_height, shape.name


def test_notes_alt_text_and_links(built):
    deck, path = built
    prs = Presentation(str(path))
    for planned, slide in zip(deck.slides, prs.slides):
        if planned.notes:
            assert slide.notes_slide.notes_text_frame.text == planned.notes
    first = prs.slides[2]
    assert first.notes_slide.notes_text_frame.text.endswith("Longer notes.\n\nNotes.md:10")
    pics = [s for s in first.shapes if s.shape_type == 13]
    assert len(pics) == 1
    assert pics[0]._element._nvXxPr.cNvPr.get("descr") == "Heuristic quality filters in Yi"
    assert pics[0].click_action.hyperlink.address == "https://arxiv.org/abs/2403.04652"
    bare = [s for s in prs.slides[3].shapes if s.shape_type == 13][0]
    assert bare._element._nvXxPr.cNvPr.get("descr") == \
        "Screenshot from the Yi paper, 15 April 2024"
    for slide in prs.slides:
        for s in slide.shapes:
            descr = s._element._nvXxPr.cNvPr.get("descr") or ""
            assert "/" not in descr and ".png" not in descr and ".jpg" not in descr


def test_caption_runs_carry_bold_highlight_and_exact_size(built):
    deck, path = built
    prs = Presentation(str(path))
    caption = shapes_by_role(prs.slides[2], "caption")[0]
    planned = next(i for i in deck.slides[2].items if i.role == "caption")
    runs = caption.text_frame.paragraphs[0].runs
    assert "".join(r.text for r in runs) == "Heuristic quality filters in Yi"
    assert [r.text for r in runs if r.font.bold] == ["quality"]
    marked = [r.text for r in runs if r._r.find(f"{A}rPr/{A}highlight") is not None]
    assert marked == ["Yi"]
    assert {r.font.size.pt for r in runs} == {planned.style.size * 0.75}
    assert caption.text_frame.word_wrap is True
    assert (caption.left, caption.width) == (round(planned.box.x * 9525),
                                            round(planned.box.right * 9525)
                                            - round(planned.box.x * 9525))


def test_slide_number_is_a_field_and_properties_come_from_the_deck(built):
    _, path = built
    prs = Presentation(str(path))
    number = shapes_by_role(prs.slides[2], "slide-number")[0]
    fld = number.text_frame.paragraphs[0]._p.find(f"{A}fld")
    assert fld.get("type") == "slidenum" and fld.findtext(f"{A}t") == "3"
    props = prs.core_properties
    assert props.title == "What goes into an LLM's training data"
    assert props.author == "Ada Example" and props.last_modified_by == "deckbuilder"
    assert props.created.year == 2026 and props.modified == props.created
    with zipfile.ZipFile(path) as z:
        assert not any("thumbnail" in n for n in z.namelist())
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_hyperlinks_take_the_themes_link_colour(built, tmp_path):
    # Office and LibreOffice colour hyperlinks from the theme's hlink slot, not the run.
    deck, path = built
    for d, p in ((deck, path), (replace(deck, link="#C2410C"), tmp_path / "orange.pptx")):
        if p != path:
            pptx.write(d, p)
        with zipfile.ZipFile(p) as z:
            xml = z.read("ppt/theme/theme1.xml").decode()
        want = d.link.lstrip("#").upper()
        assert f'<a:hlink><a:srgbClr val="{want}"/></a:hlink>' in xml
        assert f'<a:folHlink><a:srgbClr val="{want}"/></a:folHlink>' in xml


def test_same_deck_gives_identical_bytes(built, tmp_path):
    deck, path = built
    assert pptx.write(deck, tmp_path / "again.pptx").read_bytes() == path.read_bytes()


def test_control_characters_are_sanitised(tmp_path):
    style = TextStyle(font="Calibri", size=20)
    deck, _, _ = sample(tmp_path)
    evil = Slide("text", (Item("text", Box(10, 10, 500, 100), role="paragraph",
                               text="bell\x07 tab\t ff\f end\ufffe", style=style),),
                 notes="note\x00s\x1b")
    deck = replace(deck, slides=(evil,))
    prs = Presentation(str(pptx.write(deck, tmp_path / "x.pptx")))
    slide = prs.slides[0]
    assert "_x0007_" not in slide.shapes[0].text_frame.text
    assert slide.notes_slide.notes_text_frame.text == "notes"


def test_failed_write_leaves_previous_deck_and_no_temp_file(built, tmp_path):
    deck, path = built
    target = tmp_path / "talk.pptx"
    target.write_bytes(b"previous deck")
    broken = Item("image", Box(0, 0, 10, 10), role="picture", image=tmp_path / "gone.png")
    bad = replace(deck, slides=deck.slides + (Slide("image", (broken,)),))
    with pytest.raises(FileNotFoundError):
        pptx.write(bad, target)
    assert target.read_bytes() == b"previous deck"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["talk.pptx"]


def test_four_to_three(tmp_path):
    deck, _, _ = sample(tmp_path, "4:3")
    prs = Presentation(str(pptx.write(deck, tmp_path / "t.pptx")))
    assert (prs.slide_width, prs.slide_height) == (Emu(9144000), Emu(6858000))


# ---------------------------------------------------------------- LibreOffice


@pytest.mark.tools
def test_libreoffice_renders_every_slide_and_every_picture(built, tmp_path):
    deck, path = built
    pdftoppm = require_tool("pdftoppm")
    pdf = to_pdf(path, tmp_path)
    subprocess.run([pdftoppm, "-r", "48", "-png", str(pdf), str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) == len(deck.slides)
    for planned, page in zip(deck.slides, pages):
        with Image.open(page) as im:
            im = im.convert("L")
            scale = im.width / deck.width
            for item in (i for i in planned.items if i.role == "picture"):
                b = item.box
                region = im.crop((int(b.x * scale) + 1, int(b.y * scale) + 1,
                                  int(b.right * scale) - 1, int(b.bottom * scale) - 1))
                lo, hi = region.getextrema()
                # The test images are dark with white stripes: a blank region is all white.
                assert lo < 128 and hi - lo > 30, (planned.kind, planned.title)


# ---------------------------------------------------------------- text, as python-pptx writes it
# pptx_text writes runs, paragraph and frame properties with lxml; these are python-pptx's
# own setters for the same properties (what it used before), to compare the XML with.


def _frame_by_setters(frame, valign: str) -> None:
    from pptx.enum.text import MSO_AUTO_SIZE

    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
    frame.margin_left = frame.margin_right = frame.margin_top = frame.margin_bottom = Emu(0)
    frame.vertical_anchor = pptx_text.ANCHOR[valign]


def _paragraph_by_setters(p, style: TextStyle, rtl: bool) -> None:
    p.alignment = pptx_text.ALIGN[style.align]
    if rtl:
        p._p.get_or_add_pPr().set("rtl", "1")
    p.line_spacing = pptx_text.pt(style.size * style.line_height)


def _piece_by_setters(paragraph, r, text: str, style: TextStyle, face) -> None:
    run = paragraph.add_run()
    run.text = text
    font = run.font
    font.size = pptx_text.pt(style.size)
    font.bold = style.bold or r.bold
    font.italic = style.italic or r.italic
    font.color.rgb = pptx_text.rgb(style.color)
    if r.mark:
        pptx_text._highlight(run._r.get_or_add_rPr(), style.highlight)
    font.name = face.family if face is not None and face.slot == "latin" else \
        style.code_font if r.code else style.font
    if face is not None and face.slot != "latin":
        pptx_text._script_face(run._r.get_or_add_rPr(), face)
    if r.link:
        run.hyperlink.address = pptx_text.clean(r.link)


def _two_frames(placeholder: bool):
    """Two slides' text frames, a text box's (or a placeholder's), with their parts."""
    prs = Presentation()
    frames = []
    for _ in range(2):
        slide = prs.slides.add_slide(prs.slide_layouts[1 if placeholder else 6])
        shape = slide.placeholders[1] if placeholder else slide.shapes.add_textbox(0, 0, 9, 9)
        frames.append((shape.text_frame, slide.part))
    return frames


def _xml(element) -> bytes:
    from lxml import etree

    return etree.tostring(element)


@pytest.mark.parametrize("placeholder", [False, True])
@pytest.mark.parametrize("valign", ["top", "middle", "bottom"])
def test_frames_are_set_up_as_python_pptx_sets_them_up(placeholder, valign):
    (ours, _), (theirs, _) = _two_frames(placeholder)
    for frame in (ours, theirs):   # what a template's own footer may bring along
        frame._txBody.bodyPr.set("anchor", "b")
    pptx_text.frame_setup(ours, valign)
    _frame_by_setters(theirs, valign)
    assert _xml(ours._txBody) == _xml(theirs._txBody)


@pytest.mark.parametrize("align", ["left", "center", "right"])
@pytest.mark.parametrize("text", ["plain", "שלום עולם"])
def test_paragraphs_are_set_as_python_pptx_sets_them(align, text):
    style = TextStyle(font="Inter", size=27.3, align=align, line_height=1.37)
    item = Item("text", Box(0, 0, 100, 40), "caption", text, style)
    (ours, _), (theirs, _) = _two_frames(False)
    for frame in (ours, theirs):   # a paragraph with spacing of its own already
        frame.paragraphs[0].space_before = pptx_text.pt(12)
        frame.paragraphs[0].line_spacing = 1.5
    pptx_text.paragraph(ours.paragraphs[0], item, style)
    _paragraph_by_setters(theirs.paragraphs[0], style, text != "plain")
    for r in markup.runs(text):
        _piece_by_setters(theirs.paragraphs[0], r, pptx_text.clean(r.text), style, None)
    assert _xml(ours._txBody) == _xml(theirs._txBody)


@pytest.mark.parametrize("run", [
    markup.Run("plain"), markup.Run("bold", bold=True), markup.Run("it", italic=True),
    markup.Run("marked", mark=True), markup.Run("x = 1", code=True), markup.Run(""),
    markup.Run("linked", link="https://example.org/?a=1&b=2"),
    markup.Run("all", bold=True, italic=True, mark=True, link="https://example.org/"),
])
@pytest.mark.parametrize("slot", [None, "latin", "ea", "cs"])
def test_runs_are_written_as_python_pptx_writes_them(run, slot):
    face = None if slot is None else Face(f"Face {slot}", f"Face {slot}", slot,
                                          ("", "", "", ""), "ko" if slot == "ea" else "")
    style = TextStyle(font="Inter", size=21.5, color="#1b1f24", bold=slot == "cs")
    (ours, ours_part), (theirs, theirs_part) = _two_frames(False)
    for frame in (ours, theirs):   # a paragraph ending in its end properties
        frame.paragraphs[0]._p.get_or_add_endParaRPr().set("lang", "en-US")
    pptx_text._add_piece(ours.paragraphs[0], run, run.text, style, face)
    _piece_by_setters(theirs.paragraphs[0], run, run.text, style, face)
    assert _xml(ours._txBody) == _xml(theirs._txBody)
    assert [(r.reltype, r.target_ref) for r in ours_part.rels.values()] == [
        (r.reltype, r.target_ref) for r in theirs_part.rels.values()]


def test_sizes_python_pptx_refuses_are_refused():
    style = TextStyle(font="Inter", size=0.5)
    item = Item("text", Box(0, 0, 100, 40), "caption", "tiny", style)
    (frame, _), _ = _two_frames(False)
    with pytest.raises(ValueError):
        pptx_text.fill_text(frame, item)


@pytest.mark.parametrize("text", ["one line", "a\n\nb", "tab\there", "", "trailing\n",
                                  "ü 日本 — &<>", "vertical\vtab"])
def test_notes_are_written_where_and_as_python_pptx_writes_them(text):
    from deckbuilder.render import pptx_placeholders

    prs = Presentation()
    ours, theirs = (prs.slides.add_slide(prs.slide_layouts[6]).notes_slide for _ in range(2))
    body = pptx_placeholders.notes_body(ours.part)
    assert body is ours.notes_text_frame._txBody
    pptx_text.plain_text(body, text)
    theirs.notes_text_frame.text = pptx_text.clean(text)
    assert ours.part.blob == theirs.part.blob
    page = prs.slides.add_slide(prs.slide_layouts[6]).notes_slide
    page.notes_placeholder.element.getparent().remove(page.notes_placeholder.element)
    assert pptx_placeholders.notes_body(page.part) is None   # python-pptx#983


_IMPORT_ONCE = """
import gc, sys
import deckbuilder.build
gc.collect()
if sys.argv[1] == "off":
    gc.disable()
passes = []
gc.callbacks.append(lambda phase, info: passes.append(phase == "start"))
import deckbuilder.render.pptx
print(gc.isenabled(), sum(passes))
"""


@pytest.mark.parametrize("before", ["on", "off"])
def test_the_renderer_imports_python_pptx_without_collector_passes(before):
    # Its objects live as long as the process: passes over them while python-pptx is
    # imported would find nothing (some 40 of them). Afterwards the collector is as it
    # was, and one pass over the young objects may follow.
    done = subprocess.run([sys.executable, "-c", _IMPORT_ONCE, before], check=True,
                          capture_output=True, text=True)
    enabled, passes = done.stdout.split()
    assert enabled == str(before == "on") and int(passes) <= 1
