"""The PPTX is a PowerPoint deck: named layouts, a title placeholder on every slide,
text that reflows, real lists, sections, the theme's colours and font in its theme."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from pptx import Presentation
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.opc.constants import RELATIONSHIP_TYPE as RT

from deckbuilder.build import build

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "talks" / "demo.yaml"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
P14 = "{http://schemas.microsoft.com/office/powerpoint/2010/main}"
LAYOUTS = {"Title Slide", "Section Header", "Picture with Caption", "Title and Content",
           "Credits", "Closing", "Blank"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("native")
    build(DEMO, ("pptx",), out, cache_dir=out / "cache")
    return Presentation(str(out / "demo.pptx"))


def test_every_slide_has_a_title_placeholder_with_text(demo):
    for n, slide in enumerate(demo.slides, 1):
        assert slide.shapes.title is not None, n
        assert slide.shapes.title.text_frame.text.strip(), n


def test_slides_sit_on_the_named_layouts_and_none_on_blank(demo):
    names = {lay.name for lay in demo.slide_layouts}
    assert names == LAYOUTS
    used = [s.slide_layout.name for s in demo.slides]
    assert "Blank" not in used
    kinds = {s._element.cSld.get("name").split(":")[0]: s.slide_layout.name for s in demo.slides}
    assert kinds["title"] == "Title Slide" and kinds["section"] == "Section Header"
    assert kinds["image"] == "Picture with Caption" and kinds["text"] == "Title and Content"
    assert kinds["credits"] == "Credits"


def test_no_slide_keeps_an_empty_placeholder(demo):
    for slide in demo.slides:
        for ph in slide.placeholders:
            assert ph.text_frame.text.strip(), (slide._element.cSld.get("name"), ph.name)


def test_captions_carry_no_inserted_line_breaks(demo):
    captions = [s.shapes.title for s in demo.slides
                if s.slide_layout.name == "Picture with Caption"]
    assert len(captions) >= 10
    long = [c for c in captions if len(c.text_frame.text) > 60]
    assert long, "the demo has captions that wrap"
    for c in captions:
        assert not c._element.findall(f".//{A}br"), c.text_frame.text
        body_pr = c._element.find(f".//{A}bodyPr")
        assert body_pr.find(f"{A}normAutofit") is not None and body_pr.get("wrap") == "square"


def test_a_text_slide_is_one_body_with_levels_and_list_style_bullets(tmp_path):
    spec = _talk(tmp_path, "  - text: |\n      ## Plan\n      - first\n        - nested one\n"
                           "      - second\n      1. one\n      2. two\n")
    build(spec, ("pptx",), cache_dir=tmp_path / "cache")
    prs = Presentation(str(tmp_path / "build" / "t.pptx"))
    slide = prs.slides[0]
    assert slide.shapes.title.text_frame.text == "Plan"
    bodies = [ph for ph in slide.placeholders if ph.placeholder_format.type == PP_PLACEHOLDER.OBJECT]
    assert len(bodies) == 1
    paras = bodies[0].text_frame.paragraphs
    assert [(p.text, p.level) for p in paras] == [
        ("first", 0), ("nested one", 1), ("second", 0), ("one", 0), ("two", 0)]
    bullets = paras[:3]
    for p in bullets:  # the bullet comes from the master's list style, not the paragraph
        ppr = p._p.find(f"{A}pPr")
        assert ppr.find(f"{A}buChar") is None and ppr.find(f"{A}buNone") is None
    body_style = prs.slide_master._element.find(".//{*}bodyStyle")
    assert body_style.find(f".//{A}buChar").get("char") == "•"
    numbers = [p._p.find(f"{A}pPr").find(f"{A}buAutoNum") for p in paras[3:]]
    assert [n.get("type") for n in numbers] == ["arabicPeriod"] * 2
    assert numbers[1].get("startAt") == "2"
    assert not slide.shapes._spTree.findall(f".//{A}br")


def test_spec_sections_are_powerpoint_sections(demo):
    ext = demo.part._element.find(f".//{P14}sectionLst")
    assert ext is not None
    sections = [(s.get("name"), len(s.findall(f".//{P14}sldId"))) for s in ext]
    assert [name for name, _ in sections] == [
        "Default Section", "Where the tokens go", "Filtering and deduplication", "Did it help?"]
    assert sum(n for _, n in sections) == len(demo.slides)


def test_the_theme_part_carries_the_decks_colours_and_font(demo):
    theme = etree.fromstring(demo.slide_master.part.part_related_by(RT.THEME).blob)
    def colour(slot):
        return theme.find(f".//{A}{slot}/{A}srgbClr").get("val")
    assert colour("accent1") == "2F6FEB" and colour("lt1") == "FFFFFF"  # default theme
    assert colour("hlink") == colour("folHlink")
    assert theme.find(f".//{A}minorFont/{A}latin").get("typeface") == "Calibri"


def _talk(tmp_path: Path, slides: str) -> Path:
    (tmp_path / "notes").mkdir()
    spec = tmp_path / "t.yaml"
    spec.write_text(f"title: T\nvault: notes\nslides:\n{slides}", encoding="utf-8")
    return spec
