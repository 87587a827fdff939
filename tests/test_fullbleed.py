"""Full-bleed pictures and the theme's background pictures.

`image_slide.layout: fullbleed`: each picture fills the slide (contained; covered only
with `fit: cover` and within the tolerance), the caption and source on a translucent
band over the picture's lower edge, in both renderers. `backgrounds`: a picture under
every slide, and others under title and section slides: the master's and layouts'
backgrounds in the PPTX, the first thing drawn on the HTML canvas; a missing or broken
file is an error at its theme.yaml line, a picture that would hide the text a warning.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from pptx import Presentation

from _office import to_pdf, words_outside_their_boxes
from deckbuilder import theme as themes
from deckbuilder import theme_kit
from deckbuilder.build import build
from deckbuilder.errors import DeckError, ThemeError
from deckbuilder.layout.arrange import contain
from deckbuilder.layout.fullbleed import cover_crop
from deckbuilder.model import Box
from test_themes_gallery import demo_with

W, H = 1280, 720
A_NS = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


def theme_folder(spec: Path, name: str, text: str) -> Path:
    """Write themes/NAME/theme.yaml beside the spec; return the folder."""
    folder = spec.parent / "themes" / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "theme.yaml").write_text(text, encoding="utf-8")
    return folder


def picture(path: Path, size: tuple[int, int], colour: str, stripes: str = "") -> Path:
    im = Image.new("RGB", size, colour)
    if stripes:
        pen = ImageDraw.Draw(im)
        for x in range(0, size[0], 24):
            pen.rectangle((x, 0, x + 11, size[1]), fill=stripes)
    im.save(path)
    return path


def build_with(tmp_path: Path, name: str, text: str, files: dict[str, tuple] = {},
               formats=("pptx", "html")):
    spec = demo_with(name, tmp_path / "talk")
    folder = theme_folder(spec, name, text)
    for file, args in files.items():
        picture(folder / file, *args)
    return build(spec, formats, tmp_path / "out", cache_dir=tmp_path.parent / "cache")


@pytest.fixture(scope="module")
def bleed(tmp_path_factory):
    """The demo built with the built-in fullbleed theme (fit: cover), both formats."""
    folder = tmp_path_factory.mktemp("fullbleed")
    return build(demo_with("fullbleed", folder), ("pptx", "html"), folder / "build",
                 cache_dir=tmp_path_factory.getbasetemp() / "cache")


@pytest.fixture(scope="module")
def contained(tmp_path_factory):
    """The demo built with fullbleed set to `fit: contain`."""
    folder = tmp_path_factory.mktemp("contained")
    spec = demo_with("contained", folder)
    theme_folder(spec, "contained", "extends: fullbleed\nimage_slide:\n  fullbleed:\n"
                                    "    fit: contain\n")
    return build(spec, ("pptx", "html"), folder / "build",
                 cache_dir=tmp_path_factory.getbasetemp() / "cache")


def pictures(slide):
    return [i for i in slide.items if i.role == "picture"]


def one(slide, role):
    found = [i for i in slide.items if i.role == role]
    assert len(found) == 1, (role, slide.title)
    return found[0]


def entry_slides(result):
    return [s for s in result.deck.slides if s.kind in ("image", "multi-image")]


def aspect_of(result, item) -> float:
    with Image.open(item.image) as im:
        return im.width / im.height


def close(a: Box, b: Box) -> bool:
    return all(abs(x - y) < 0.01 for x, y in zip((a.x, a.y, a.w, a.h), (b.x, b.y, b.w, b.h)))


# ---------------------------------------------------------------- geometry


def test_the_theme_is_built_in_with_a_description():
    listed = {t.name: t for t in themes.catalogue(None)}
    assert listed["fullbleed"].description and listed["fullbleed"].problems == ()
    assert themes.load("fullbleed").get("image_slide.layout") == "fullbleed"


def test_contained_pictures_fill_the_slide_whole(contained):
    slides = [s for s in entry_slides(contained) if s.kind == "image"]
    assert len(slides) >= 10
    for slide in slides:
        (pic,) = pictures(slide)
        assert pic.crop == (0, 0, 0, 0)
        assert close(pic.box, contain(aspect_of(contained, pic), Box(0, 0, W, H))), slide.title
        # it touches two opposite edges of the slide and stays inside it
        assert (pic.box.w == pytest.approx(W)) or (pic.box.h == pytest.approx(H))
        assert pic.box.x >= -0.01 and pic.box.right <= W + 0.01
        assert pic.box.y >= -0.01 and pic.box.bottom <= H + 0.01


def test_cover_fills_the_slide_only_within_the_tolerance(bleed):
    tolerance = themes.load("fullbleed").get("image_slide.fullbleed.cover_tolerance")
    covered = 0
    for slide in entry_slides(bleed):
        if slide.kind != "image":
            continue
        (pic,) = pictures(slide)
        aspect = aspect_of(bleed, pic)
        if abs(aspect / (W / H) - 1) <= tolerance:
            covered += 1
            assert close(pic.box, Box(0, 0, W, H))
            left, top, right, bottom = pic.crop
            assert (left, right) == (pytest.approx(right), pytest.approx(left))
            # what is left of the picture has the slide's shape: cropped, not stretched
            shown = aspect * (1 - left - right) / (1 - top - bottom)
            assert shown == pytest.approx(W / H, rel=1e-6)
        else:
            assert pic.crop == (0, 0, 0, 0)
            assert close(pic.box, contain(aspect, Box(0, 0, W, H))), slide.title
    assert covered >= 4


def test_cover_crop_rules():
    assert cover_crop(16 / 9, 16 / 9, 0.1) == (0, 0, 0, 0)
    left, _, right, _ = cover_crop(1.9, 16 / 9, 0.1)
    assert left == right == pytest.approx((1 - (16 / 9) / 1.9) / 2)
    _, top, _, bottom = cover_crop(1.6, 16 / 9, 0.1)       # 16:10: just within 0.1
    assert top == bottom == pytest.approx((1 - 1.6 / (16 / 9)) / 2)
    assert cover_crop(4 / 3, 16 / 9, 0.1) is None          # 0.25 away: contained
    assert cover_crop(9 / 19.5, 16 / 9, 0.1) is None       # a phone's screenshot


@pytest.mark.parametrize("which", ["bleed", "contained"])
def test_the_band_lies_over_the_lower_edge_and_holds_caption_and_source(which, request):
    result = request.getfixturevalue(which)
    band_settings = themes.load("fullbleed").get("image_slide.fullbleed.band")
    pad = band_settings["padding"]
    for slide in entry_slides(result):
        pics = pictures(slide)
        band = one(slide, "band")
        group_bottom = max(p.box.bottom for p in pics)
        assert band.box.bottom == pytest.approx(min(group_bottom, H))
        assert band.box.y < group_bottom and band.box.y >= 0
        assert band.box.x >= -0.01 and band.box.right <= W + 0.01
        assert band.box.w >= W * band_settings["min_width"] - 0.01
        assert band.box.h <= H * band_settings["max_height"] + 0.01
        assert band.opacity == band_settings["opacity"] and band.fill == "#000000"
        order = [i.role for i in slide.items]
        assert order.index("band") > max(i for i, r in enumerate(order) if r == "picture")
        texts = [i for i in slide.items if i.role in ("caption", "source")]
        assert texts and all(order.index(t.role) > order.index("band") for t in texts)
        for t in texts:   # inside the band, less its padding
            assert t.box.x >= band.box.x + pad - 0.01 and t.box.right <= band.box.right - pad + 0.01
            assert t.box.y >= band.box.y + pad - 0.01
            assert t.box.bottom <= band.box.bottom - pad + 0.01
        source = [t for t in texts if t.role == "source"]
        if source:        # in the band's bottom-right corner
            (s,) = source
            assert s.style.align == "right"
            assert s.box.right == pytest.approx(band.box.right - pad)
            assert s.box.bottom == pytest.approx(band.box.bottom - pad)
        assert not [i for i in slide.items if i.role in ("footer", "slide-number")]


def test_several_pictures_share_the_slide_contained(bleed):
    multi = [s for s in entry_slides(bleed) if s.kind == "multi-image"]
    assert multi
    for slide in multi:
        pics = pictures(slide)
        assert all(p.crop == (0, 0, 0, 0) for p in pics)
        for a in pics:
            assert a.box.x >= -0.01 and a.box.right <= W + 0.01
            assert abs(a.box.w / a.box.h - aspect_of(bleed, a)) < 0.01
            for b in pics:
                if a is not b:
                    assert a.box.right <= b.box.x + 0.01 or b.box.right <= a.box.x + 0.01 \
                        or a.box.bottom <= b.box.y + 0.01 or b.box.bottom <= a.box.y + 0.01


def test_a_caption_too_long_for_the_band_is_cut_and_kept_in_the_notes(tmp_path):
    spec = demo_with("fullbleed", tmp_path / "talk")
    long = " ".join(["a very long caption that goes on"] * 40)
    text = spec.read_text(encoding="utf-8").replace(
        "caption: Only about **8%** of the raw crawl's tokens reach the training set",
        f"caption: {long}")
    spec.write_text(text, encoding="utf-8")
    result = build(spec, ("pptx",), tmp_path / "out", cache_dir=tmp_path / "cache")
    assert any("caption too long for its band" in str(w) for w in result.warnings)
    slide = next(s for s in result.deck.slides if s.caption.startswith("a very long"))
    band, caption = one(slide, "band"), one(slide, "caption")
    assert caption.box.bottom <= band.box.bottom and caption.text.endswith("…")
    assert "Caption, continued: …" in slide.notes
    assert band.box.h <= H * 0.34 + 0.01


def test_the_contrast_report_reads_caption_and_source_on_the_band():
    pairs = {p.where: p for p in theme_kit.pairs(themes.load("fullbleed"))}
    worst = pairs["image_slide.caption (on the band over #FFFFFF)"]
    assert worst.background == theme_kit.blend("#000000", "#FFFFFF", 0.66)
    assert worst.ratio >= 7.0
    assert pairs["image_slide.source (on the band over #FFFFFF)"].ratio >= 4.5
    assert "image_slide.fullbleed.band" not in pairs   # a shape, not text


# ---------------------------------------------------------------- renderers


def test_pptx_band_is_a_see_through_rectangle_with_the_caption_on_it(bleed):
    prs = Presentation(str(bleed.outputs[0]))
    checked = 0
    for planned, slide in zip(bleed.deck.slides, prs.slides):
        if planned.kind not in ("image", "multi-image"):
            continue
        shapes = list(slide.shapes)
        band = next(s for s in shapes if s.name.startswith("band "))
        alpha = band._element.find(f".//{A_NS}solidFill/{A_NS}srgbClr/{A_NS}alpha")
        assert alpha is not None and alpha.get("val") == "66000"
        title = next(s for s in shapes if s.is_placeholder and s.text_frame.text)
        assert planned.caption and title.text_frame.text   # the caption, in the title
        assert band.left <= title.left and title.left + title.width <= band.left + band.width
        assert band.top <= title.top and title.top + title.height <= band.top + band.height
        assert shapes.index(band) < shapes.index(title)
        assert max(shapes.index(s) for s in shapes if s.shape_type == 13) < shapes.index(band)
        pic = next(i for i in planned.items if i.role == "picture")
        if any(pic.crop):
            shape = next(s for s in shapes if s.shape_type == 13)
            assert (shape.left, shape.top, shape.width, shape.height) == (0, 0, 12192000,
                                                                          6858000)
            assert (shape.crop_left, shape.crop_top) == (pytest.approx(pic.crop[0], abs=1e-4),
                                                         pytest.approx(pic.crop[1], abs=1e-4))
            checked += 1
    assert checked >= 4


def test_html_band_and_cropped_pictures_have_the_planned_geometry(bleed):
    page = bleed.outputs[1].read_text(encoding="utf-8")
    bands = re.findall(r'<div class="db-item db-rect db-band" style="([^"]+)"', page)
    assert len(bands) == len(entry_slides(bleed))
    assert all("opacity: 0.66" in b and "background-color: #000000" in b for b in bands)
    cropped = re.findall(r'<div class="db-item db-image db-picture" style="left: 0px; top: 0px; '
                         r'width: 1280px; height: 720px; overflow: hidden">(?:<a [^>]+>)?'
                         r'<img [^>]*style="([^"]+)"', page)
    assert len(cropped) >= 4
    assert all("position: absolute" in c and "max-width: none" in c for c in cropped)


@pytest.mark.tools
def test_libreoffice_keeps_every_word_of_the_fullbleed_demo_in_its_box(bleed, tmp_path):
    for hide in (False, True):
        pdf = to_pdf(bleed.outputs[0], tmp_path / f"pdf-{hide}", hide_font=hide)
        assert words_outside_their_boxes(bleed.outputs[0], pdf) == []


@pytest.fixture(scope="module")
def browser():
    from test_browser_html import browser as launch
    yield from launch.__wrapped__()


@pytest.mark.tools
def test_chromium_draws_the_band_and_the_crop_as_planned(bleed, browser):
    from test_browser_html import open_deck

    index = next(n for n, s in enumerate(bleed.deck.slides)
                 if s.kind == "image" and any(pictures(s)[0].crop))
    page = open_deck(browser, bleed.outputs[1], index)
    try:
        assert page.errors == []
        found = page.evaluate("""(() => {
            const s = document.querySelector('section.present');
            const canvas = s.querySelector('.db-canvas').getBoundingClientRect();
            const box = s.querySelector('.db-picture').getBoundingClientRect();
            const img = s.querySelector('.db-picture img').getBoundingClientRect();
            const band = s.querySelector('.db-band');
            const cap = s.querySelector('.db-caption').getBoundingClientRect();
            const b = band.getBoundingClientRect();
            const k = canvas.width / 1280;
            return {box: [box.left - canvas.left, box.width].map(v => v / k),
                    img: [img.left - box.left, img.width].map(v => v / k),
                    band: [b.top - canvas.top, b.bottom - canvas.top].map(v => v / k),
                    cap: [cap.top - canvas.top, cap.bottom - canvas.top].map(v => v / k),
                    opacity: getComputedStyle(band).opacity};
        })()""")
        pic = pictures(bleed.deck.slides[index])[0]
        band = one(bleed.deck.slides[index], "band")
        assert found["box"] == [pytest.approx(0, abs=0.5), pytest.approx(1280, abs=0.5)]
        width = 1280 / (1 - pic.crop[0] - pic.crop[2])
        assert found["img"] == [pytest.approx(-pic.crop[0] * width, abs=0.5),
                                pytest.approx(width, abs=0.5)]
        assert found["band"] == [pytest.approx(band.box.y, abs=0.5),
                                 pytest.approx(band.box.bottom, abs=0.5)]
        assert band.box.y <= found["cap"][0] and found["cap"][1] <= band.box.bottom + 0.5
        assert found["opacity"] == "0.66"
    finally:
        page.close()


# ---------------------------------------------------------------- background pictures

BACKGROUNDS = ("extends: default\nbackgrounds:\n  image: all.png\n  title: title.jpg\n"
               "  section: section.png\n  veil: 0.5\ncolors:\n  background: '#FFFFFF'\n"
               "  text: '#000000'\n")
FILES = {"all.png": ((1600, 900), "#000000"), "title.jpg": ((1200, 900), "#300000"),
         "section.png": ((2000, 900), "#003000")}


@pytest.fixture(scope="module")
def backed(tmp_path_factory):
    return build_with(tmp_path_factory.mktemp("backed"), "backed", BACKGROUNDS, FILES)


def _blip(owner) -> str | None:
    bg = owner._element.cSld.bg
    if bg is None:
        return None
    blip = bg.find(f".//{A_NS}blip")
    return None if blip is None else owner.part.related_part(
        blip.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed")
    ).blob


def test_background_pictures_are_the_masters_and_layouts_backgrounds(backed):
    prs = Presentation(str(backed.outputs[0]))
    master = _blip(prs.slide_master)
    by_kind = {p.kind: s for p, s in zip(backed.deck.slides, prs.slides)}
    title, section = (_blip(by_kind[k].slide_layout) for k in ("title", "section"))
    assert master and title and section and len({master, title, section}) == 3
    for kind in ("image", "text", "credits", "closing"):
        assert _blip(by_kind[kind].slide_layout) is None   # inherited from the master
    for slide in prs.slides:
        assert slide._element.cSld.bg is None              # nothing per slide to undo
        assert not [s for s in slide.shapes if s.name.startswith("background")]
    with Image.open(__import__("io").BytesIO(master)) as im:   # cut to 16:9, veiled white
        assert im.width / im.height == pytest.approx(16 / 9, abs=0.01)
        assert im.getpixel((0, 0))[:3] == pytest.approx((128, 128, 128), abs=2)


def test_background_pictures_are_drawn_first_in_the_html(backed):
    page = backed.outputs[1].read_text(encoding="utf-8")
    sections = page.split('<section class="db-slide')[1:]
    assert len(sections) == len(backed.deck.slides)
    srcs = []
    for planned, html in zip(backed.deck.slides, sections):
        first = re.search(r'<div class="db-canvas">\s*<div class="db-item db-image '
                          r'db-background" style="left: 0px; top: 0px; width: 1280px; '
                          r'height: 720px"><img src="([^"]+)" alt="">', html)
        assert first, planned.kind
        srcs.append((planned.kind, first.group(1)))
    kinds = dict(srcs)
    assert len({kinds["title"], kinds["section"], kinds["image"]}) == 3
    assert len({src for kind, src in srcs if kind not in ("title", "section")}) == 1
    section = next(s for s in backed.deck.slides if s.kind == "section")
    assert section.background is None     # the picture, not section_background


@pytest.mark.tools
def test_libreoffice_draws_the_background_pictures(backed, tmp_path):
    import subprocess

    pdf = to_pdf(backed.outputs[0], tmp_path)
    kinds = [s.kind for s in backed.deck.slides]
    seen = {}
    for kind in ("title", "section", "image"):
        page = kinds.index(kind) + 1
        subprocess.run(["pdftoppm", "-r", "24", "-png", "-singlefile", "-f", str(page), "-l",
                        str(page), str(pdf), str(tmp_path / kind)], check=True)
        with Image.open(tmp_path / f"{kind}.png") as im:
            seen[kind] = im.convert("RGB").getpixel((2, 2))
    # each background veiled at 0.5 (with white, with section_background): not the canvas
    assert seen["image"] == pytest.approx((128, 128, 128), abs=6)
    assert seen["title"] == pytest.approx((152, 128, 128), abs=6)
    section = Image.new("RGB", (1, 1), themes.load("default").color("section_background"))
    expected = Image.blend(Image.new("RGB", (1, 1), "#003000"), section, 0.5).getpixel((0, 0))
    assert seen["section"] == pytest.approx(expected, abs=6)
    assert words_outside_their_boxes(backed.outputs[0], pdf) == []


def test_a_missing_background_picture_is_an_error_at_its_line(tmp_path):
    spec = demo_with("nobg", tmp_path / "talk")
    theme_folder(spec, "nobg", "extends: default\nbackgrounds:\n  image: ''\n"
                               "  section: gone.png\n")
    with pytest.raises(ThemeError) as e:
        themes.load("nobg", spec.parent)
    (problem,) = e.value.diagnostics
    assert str(problem.location).endswith("themes/nobg/theme.yaml:4")
    assert "backgrounds.section: gone.png is missing" in problem.message
    with pytest.raises(DeckError) as e:
        build(spec, ("pptx",), tmp_path / "out", cache_dir=tmp_path / "cache")
    assert "theme.yaml:4: error: backgrounds.section" in str(e.value)
    assert not (tmp_path / "out").exists()


def test_an_unreadable_background_picture_is_an_error_at_its_line(tmp_path):
    spec = demo_with("badbg", tmp_path / "talk")
    folder = theme_folder(spec, "badbg", "extends: default\nbackgrounds:\n"
                                         "  title: notes.png\n")
    (folder / "notes.png").write_text("not a picture", encoding="utf-8")
    with pytest.raises(DeckError) as e:
        build(spec, ("pptx", "html"), tmp_path / "out", cache_dir=tmp_path / "cache")
    assert re.search(r"themes/badbg/theme\.yaml:3: error: the theme's picture: unreadable "
                     r"image notes\.png", str(e.value)), str(e.value)
    assert not (tmp_path / "out").exists()


def test_a_background_that_hides_the_text_is_warned_about_at_its_line(tmp_path):
    result = build_with(tmp_path, "glare", "extends: dark\nbackgrounds:\n  image: glare.png\n",
                        {"glare.png": ((800, 450), "#F0F0F0")}, formats=("pptx",))
    (warned,) = [w for w in result.warnings if "contrast" in w.message]
    assert str(warned.location).endswith("themes/glare/theme.yaml:3")
    assert "backgrounds.image" in warned.message and "raise backgrounds.veil" in warned.message
    calm = build_with(tmp_path / "calm", "calm", "extends: dark\nbackgrounds:\n"
                      "  image: glare.png\n  veil: 0.9\n", {"glare.png": ((800, 450), "#F0F0F0")},
                      formats=("pptx",))
    assert not [w for w in calm.warnings if "contrast" in w.message]


@pytest.mark.parametrize("setting, value, message", [
    ("image_slide:\n  layout", "wide", "image_slide.layout must be one of framed, fullbleed"),
    ("image_slide:\n  fullbleed:\n    fit", "stretch", "must be one of contain, cover"),
    ("backgrounds:\n  veil", "1.5", "backgrounds.veil must be between 0 and 1"),
])
def test_bad_values_are_errors_at_their_line(tmp_path, setting, value, message):
    theme_folder(tmp_path / "talk.yaml", "odd", f"extends: default\n{setting}: {value}\n")
    with pytest.raises(ThemeError) as e:
        themes.load("odd", tmp_path)
    (problem,) = e.value.diagnostics
    assert message in problem.message
    assert problem.location.line == setting.count("\n") + 2


def test_a_template_keeps_its_own_background(tmp_path):
    from test_pptx_template import make_template, talk

    make_template(tmp_path / "brand.pptx")
    spec = talk(tmp_path)
    theme_folder(spec, "backed", BACKGROUNDS)
    for file, args in FILES.items():
        picture(spec.parent / "themes" / "backed" / file, *args)
    spec.write_text(spec.read_text(encoding="utf-8") + "theme: backed\n", encoding="utf-8")
    result = build(spec, ("pptx",), cache_dir=tmp_path / "cache")
    assert any("background pictures are not drawn on a PowerPoint template" in str(w)
               for w in result.warnings)
    assert not [i for s in result.deck.slides for i in s.items if i.role == "background"]
