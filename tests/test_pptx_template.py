"""Building on the speaker's own PowerPoint template: its master, logo, footer band and
layouts are kept, deckbuilder's slides sit on its layouts, and nothing covers its logo."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.shapes.shapetree import SlideShapes
from pptx.util import Emu, Inches

from _decks import draw
from _office import to_pdf
from conftest import require_tool
from deckbuilder.build import build
from deckbuilder.errors import DeckError

BRAND = {"Title Slide": "Brand Title", "Section Header": "Brand Section",
         "Picture with Caption": "Brand Picture", "Title and Content": "Brand Content",
         "Title Only": "Brand Title Only"}
LOGO = (Inches(11.6), Inches(0.2), Inches(1.4), Inches(0.8))     # top right
BAND = (0, Inches(6.6), Inches(13.333), Inches(0.9))             # bottom
INSIDE = {"title": (Inches(0.6), Inches(0.3), Inches(10.6), Inches(1.0)),
          "other": (Inches(0.6), Inches(1.4), Inches(12.1), Inches(5.0)),
          "footer": (Inches(0.6), Inches(6.8), Inches(6), Inches(0.5)),
          "number": (Inches(11.5), Inches(6.8), Inches(1.2), Inches(0.5))}


def make_template(path: Path, layouts=BRAND) -> Path:
    """Write a brand template: beige master, a logo and a footer band on the master,
    renamed layouts whose placeholders avoid both, and one slide of its own."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = Emu(12192000), Emu(6858000)
    master = prs.slide_master
    master.background.fill.solid()
    master.background.fill.fore_color.rgb = RGBColor(0xF3, 0xEF, 0xE6)
    shapes = SlideShapes(master.shapes._spTree, master)
    logo = draw(path.parent / "logo.png", (280, 160), "darkorange")
    shapes.add_picture(str(logo), *LOGO).name = "Brand logo"
    band = shapes.add_shape(MSO_SHAPE.RECTANGLE, *BAND)
    band.fill.solid()
    band.fill.fore_color.rgb = RGBColor(0x12, 0x4E, 0x3A)
    band.name = "Brand band"
    for layout in list(master.slide_layouts):
        if layout.name not in layouts:
            master.slide_layouts.remove(layout)
            continue
        layout._element.cSld.set("name", layouts[layout.name])
        for ph in layout.placeholders:
            kind = ph.placeholder_format.type
            where = ("title" if "TITLE" in str(kind) and "SUB" not in str(kind) else
                     "footer" if "FOOTER" in str(kind) else
                     "number" if "SLIDE_NUMBER" in str(kind) else "other")
            ph.left, ph.top, ph.width, ph.height = INSIDE[where]
    prs.slides.add_slide(master.slide_layouts[0]).shapes.title.text = "Template's own slide"
    prs.save(str(path))
    return path


def talk(root: Path, template: str = "brand.pptx") -> Path:
    vault = root / "vault"
    draw(vault / "wide.png", (1600, 900))
    draw(vault / "tall.png", (700, 1200), "darkgreen")
    (vault / "N.md").write_text("![[wide.png]]\nA wide chart, with a caption long enough to "
                                "wrap onto a second line\nFrom: https://example.org/w\n\n"
                                "![[tall.png]]\nA tall phone screenshot\n", encoding="utf-8")
    spec = root / "t.yaml"
    spec.write_text(f"title: Branded\nauthor: Ada\nevent: BrandConf\nvault: vault\n"
                    f"pptx_template: {template}\nslides:\n  - title\n  - section: Part one\n"
                    "  - image: wide.png\n  - image: tall.png\n"
                    "  - text: |\n      ## Points\n      - one\n      - two\n"
                    "  - credits\n  - closing\n", encoding="utf-8")
    return spec


@pytest.fixture(scope="module")
def branded(tmp_path_factory):
    root = tmp_path_factory.mktemp("brand")
    make_template(root / "brand.pptx")
    result = build(talk(root), ("pptx",), cache_dir=root / "cache")
    return root, result


def _overlap(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def test_the_output_keeps_the_templates_master_logo_and_layouts(branded):
    _, result = branded
    prs = Presentation(str(result.outputs[0]))
    assert (prs.slide_width, prs.slide_height) == (12192000, 6858000)
    names = [s.name for s in prs.slide_master.shapes]
    assert "Brand logo" in names and "Brand band" in names
    assert prs.slide_master.background.fill.fore_color.rgb == RGBColor(0xF3, 0xEF, 0xE6)
    used = [s.slide_layout.name for s in prs.slides]
    assert used[:4] == ["Brand Title", "Brand Section", "Brand Picture", "Brand Picture"]
    assert used[4] == "Brand Content"
    assert all(s.shapes.title is not None and s.shapes.title.text_frame.text for s in prs.slides)
    assert "Template's own slide" not in [s.shapes.title.text_frame.text for s in prs.slides]
    assert len(prs.slides) == len(result.deck.slides)


def test_nothing_is_placed_over_the_logo_or_the_footer_band(branded):
    _, result = branded
    prs = Presentation(str(result.outputs[0]))
    for slide in prs.slides:
        for shape in slide.shapes:
            box = (shape.left, shape.top, shape.width, shape.height)
            assert not _overlap(box, LOGO), (slide.slide_layout.name, shape.name)
            if shape.shape_type == 13:   # a picture
                assert not _overlap(box, BAND), (slide.slide_layout.name, shape.name)


@pytest.mark.tools
def test_libreoffice_draws_the_logo_and_every_picture(branded):
    root, result = branded
    pdf = to_pdf(result.outputs[0], root / "pdf")
    subprocess.run([require_tool("pdftoppm"), "-r", "40", "-png", str(pdf), str(root / "p")],
                   check=True)
    pages = sorted(root.glob("p-*.png"))
    assert len(pages) == len(result.deck.slides)
    for planned, page in zip(result.deck.slides, pages):
        with Image.open(page) as im:
            rgb = im.convert("RGB")
            scale = im.width / 12192000
            cx, cy = (LOGO[0] + LOGO[2] / 2) * scale, (LOGO[1] + LOGO[3] / 2) * scale
            r, g, b = rgb.getpixel((int(cx), int(cy)))
            assert r > 180 and 80 < g < 170 and b < 60, (planned.kind, (r, g, b))  # orange
            for item in (i for i in planned.items if i.role == "picture"):
                px = rgb.width / result.deck.width
                region = rgb.convert("L").crop((int(item.box.x * px) + 2, int(item.box.y * px) + 2,
                                                int(item.box.right * px) - 2,
                                                int(item.box.bottom * px) - 2))
                lo, hi = region.getextrema()
                assert lo < 128 and hi - lo > 30, planned.title


def test_a_missing_layout_is_an_error_listing_the_templates_layouts(tmp_path):
    make_template(tmp_path / "brand.pptx", {"Title Slide": "Only Title", "Blank": "Nothing"})
    with pytest.raises(DeckError) as e:
        build(talk(tmp_path), ("pptx",), cache_dir=tmp_path / "cache")
    message = str(e.value)
    assert "has no layout for" in message and "'Only Title' (title)" in message
    assert "'Nothing' (blank)" in message and "section" in message
    assert not (tmp_path / "build").exists()


@pytest.mark.parametrize("content, expected", [
    (b"not a zip", "is not a usable .pptx/.potx file"),
    (None, "does not exist"),
])
def test_a_broken_or_missing_template_is_a_clear_error(tmp_path, content, expected):
    if content is not None:
        (tmp_path / "brand.pptx").write_bytes(content)
    with pytest.raises(DeckError) as e:
        build(talk(tmp_path), ("pptx",), cache_dir=tmp_path / "cache")
    assert expected in str(e.value) and "brand.pptx" in str(e.value)


def test_footers_go_into_the_templates_footer_placeholders(branded):
    _, result = branded
    prs = Presentation(str(result.outputs[0]))
    image_slide = prs.slides[2]
    kinds = {str(ph.placeholder_format.type).split()[0]: ph for ph in image_slide.placeholders}
    assert kinds["FOOTER"].text_frame.text == "BrandConf"
    fields = kinds["SLIDE_NUMBER"]._element.findall(".//{*}fld")
    assert [f.get("type") for f in fields] == ["slidenum"]
    assert (kinds["FOOTER"].left, kinds["FOOTER"].top) == INSIDE["footer"][:2]


def test_a_theme_may_name_the_template_relative_to_its_folder(tmp_path):
    folder = tmp_path / "themes" / "brand"
    folder.mkdir(parents=True)
    make_template(folder / "brand.pptx")
    (folder / "theme.yaml").write_text("extends: default\npptx:\n  template: brand.pptx\n",
                                       encoding="utf-8")
    spec = talk(tmp_path)
    spec.write_text(spec.read_text(encoding="utf-8").replace("pptx_template: brand.pptx\n",
                                                             "theme: brand\n"),
                    encoding="utf-8")
    result = build(spec, ("pptx",), cache_dir=tmp_path / "cache")
    prs = Presentation(str(result.outputs[0]))
    assert prs.slides[0].slide_layout.name == "Brand Title"
    assert "Brand logo" in [s.name for s in prs.slide_master.shapes]


def test_a_themes_logo_sits_in_its_corner_and_pictures_keep_clear_of_it(tmp_path):
    from deckbuilder.build import build as build_talk

    folder = tmp_path / "themes" / "logoed"
    draw(folder / "mark.png", (300, 120), "darkorange")
    (folder / "theme.yaml").write_text(
        "extends: default\nlogo:\n  file: mark.png\n  corner: top-right\n  height: 80\n"
        "  slides: [image, text]\n", encoding="utf-8")
    spec = talk(tmp_path)
    spec.write_text(spec.read_text(encoding="utf-8").replace("pptx_template: brand.pptx\n",
                                                             "theme: logoed\n"),
                    encoding="utf-8")
    result = build_talk(spec, ("pptx", "html"), cache_dir=tmp_path / "cache")
    for planned in result.deck.slides:
        logos = [i for i in planned.items if i.role == "logo"]
        assert len(logos) == (planned.kind in ("image", "text")), planned.kind
        for logo in logos:
            assert logo.box.right == pytest.approx(1280 - 12) and logo.box.y == 12
            assert logo.box.w == pytest.approx(200)            # the image's 5:2 shape
            for other in planned.items:
                if other is not logo:
                    b = other.box
                    assert not (b.x < logo.box.right and logo.box.x < b.right
                                and b.y < logo.box.bottom and logo.box.y < b.bottom), other.role
    prs = Presentation(str(result.outputs[0]))
    image_slide = next(s for s, p in zip(prs.slides, result.deck.slides) if p.kind == "image")
    assert sum(1 for sh in image_slide.shapes if sh.shape_type == 13) == 2   # picture + logo
    html = (tmp_path / "build" / "t" / "index.html").read_text(encoding="utf-8")
    assert html.count('alt="Logo"') == 3   # two image slides and the text slide
