"""Every built-in theme builds the demo in both formats; `contrast` keeps every text pair
at WCAG 7:1; the PPTX keeps words in their boxes with the font substituted (LibreOffice)
and the HTML deck loads without a console error (Chromium); `themes new` starts a theme
that changes nothing until a setting is uncommented."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import yaml
from _office import pdf_fonts, to_pdf, words_outside_their_boxes
from click.testing import CliRunner

from deckbuilder import theme as themes
from deckbuilder import theme_kit
from deckbuilder.build import build
from deckbuilder.cli import main

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "talks" / "demo.yaml"
BUILTIN = themes.names(None)
NEW = ("contrast", "paper", "mono", "midnight", "fullbleed")


def demo_with(theme: str, folder: Path) -> Path:
    """Return a copy of the demo talk in `folder` that uses `theme`."""
    text = DEMO.read_text(encoding="utf-8")
    text = text.replace("theme: default", f"theme: {theme}").replace(
        "vault: demo-vault", f"vault: {(ROOT / 'talks' / 'demo-vault').as_posix()}")
    folder.mkdir(parents=True, exist_ok=True)
    spec = folder / "demo.yaml"
    spec.write_text(text, encoding="utf-8")
    return spec


def build_demo(theme: str, folder: Path, cache: Path):
    return build(demo_with(theme, folder), ("pptx", "html"), folder / "build", cache_dir=cache)


def test_there_are_seven_built_in_themes_with_descriptions():
    assert set(NEW) | {"default", "dark"} <= set(BUILTIN)
    for listed in themes.catalogue(None):
        assert listed.problems == () and listed.description, listed.name


@pytest.mark.parametrize("name", BUILTIN)
def test_every_theme_builds_the_demo_in_both_formats(name, tmp_path, tmp_path_factory):
    result = build_demo(name, tmp_path, tmp_path_factory.getbasetemp() / "cache")
    assert result.warnings == ()
    assert [p.name for p in result.outputs] == ["demo.pptx", "index.html"]
    assert result.slides == 24
    found = themes.load(name)
    assert result.deck.font == found.get("fonts.body.family")
    assets = {p.name for p in (tmp_path / "build" / "demo" / "assets" / "fonts").iterdir()}
    assert {found.font_file(b, i).name for b in (False, True) for i in (False, True)} <= assets


def test_wcag_formula():
    assert theme_kit.ratio("#FFFFFF", "#000000") == pytest.approx(21.0)
    assert theme_kit.ratio("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)


def test_the_contrast_theme_keeps_every_text_pair_at_7_to_1():
    pairs = theme_kit.pairs(themes.load("contrast"))
    wheres = {p.where for p in pairs}
    assert {"link", "footer", "image_slide.source", "highlight (text on it)", "section_text",
            "placeholder_text", "section_slide.title", "credits.url"} <= wheres
    assert [p for p in pairs if p.ratio < 7.0] == []
    found = themes.load("contrast")
    assert found.get("image_slide.caption.min_size") > themes.load("default").get(
        "image_slide.caption.min_size")
    assert min(found.get(f"{k}.rule.height") for k in ("title_slide", "section_slide")) >= 10


@pytest.mark.parametrize("name", BUILTIN)
def test_contrast_report(name, capsys):
    low = theme_kit.minimum(themes.load(name))
    with capsys.disabled():
        print(f"\n{name}: lowest contrast {low.ratio:.2f}:1 ({low.where}, {low.text} on "
              f"{low.background})")


# ---------------------------------------------------------------- real consumers


@pytest.mark.tools
@pytest.mark.parametrize("name", BUILTIN)
def test_no_word_leaves_its_box_with_the_font_substituted(name, tmp_path, tmp_path_factory):
    result = build_demo(name, tmp_path, tmp_path_factory.getbasetemp() / "cache")
    pptx = result.outputs[0]
    pdf = to_pdf(pptx, tmp_path / "pdf", hide_font=True)
    assert "Carlito" not in pdf_fonts(pdf)
    assert words_outside_their_boxes(pptx, pdf) == []


@pytest.fixture(scope="module")
def browser():
    from test_browser_html import browser as launch
    yield from launch.__wrapped__()


@pytest.mark.tools
@pytest.mark.parametrize("name", BUILTIN)
def test_the_html_deck_loads_without_a_console_error(name, browser, tmp_path,
                                                     tmp_path_factory):
    from test_browser_html import open_deck

    result = build_demo(name, tmp_path, tmp_path_factory.getbasetemp() / "cache")
    page = open_deck(browser, result.outputs[1])
    try:
        family = themes.load(name).get("fonts.body.web_family")
        assert page.errors == []
        assert page.evaluate(f"document.fonts.check('28px \"{family}\"')")
        assert page.evaluate("document.querySelectorAll('.slides section').length") == 24
    finally:
        page.close()


# ---------------------------------------------------------------- themes new


def test_themes_new_writes_a_theme_that_changes_nothing(tmp_path, tmp_path_factory):
    spec = demo_with("mine", tmp_path / "talk")
    result = CliRunner().invoke(main, ["themes", "new", "mine", "--from", "paper", str(spec)])
    assert result.exit_code == 0, result.output
    written = tmp_path / "talk" / "themes" / "mine" / "theme.yaml"
    text = written.read_text(encoding="utf-8")
    assert "extends: paper\n" in text and "#   accent: '#A23E1E'\n" in text
    assert "!default/deck.html.j2" in (written.parent / "templates" / "README.md").read_text()
    again = CliRunner().invoke(main, ["themes", "new", "mine", str(spec)])
    assert again.exit_code == 1 and "already exists" in again.output
    assert written.read_text(encoding="utf-8") == text
    cache = tmp_path_factory.getbasetemp() / "cache"
    mine = build(spec, ("pptx", "html"), tmp_path / "mine", cache_dir=cache)
    parent = build_demo("paper", tmp_path / "parent", cache)
    assert mine.deck.slides == parent.deck.slides


def _parts(result) -> dict[str, bytes]:
    pptx, html = result.outputs
    with zipfile.ZipFile(pptx) as z:
        parts = {n: z.read(n) for n in z.namelist() if not n.startswith("docProps/")}
    for path in sorted(html.parent.rglob("*")):
        if path.is_file():
            parts[str(path.relative_to(html.parent))] = path.read_bytes()
    return parts


def test_uncommenting_two_colours_changes_exactly_those(tmp_path, tmp_path_factory):
    cache = tmp_path_factory.getbasetemp() / "cache"
    base = build_demo("default", tmp_path / "base", cache)
    spec = demo_with("mine", tmp_path / "talk")
    written = theme_kit.new("mine", "default", spec)
    text = written.read_text(encoding="utf-8")
    for old in ("# colors:\n", "#   muted: '#6A737D'\n", "#   section_background: '#1B2A41'\n"):
        assert old in text
    text = (text.replace("# colors:\n", "colors:\n")
            .replace("#   muted: '#6A737D'\n", "  muted: '#A1122B'\n")
            .replace("#   section_background: '#1B2A41'\n", "  section_background: '#0F5A33'\n"))
    written.write_text(text, encoding="utf-8")
    mine = build(spec, ("pptx", "html"), tmp_path / "mine", cache_dir=cache)
    assert mine.deck.slides != base.deck.slides
    before, after = _parts(base), _parts(mine)
    assert before.keys() == after.keys()
    swap = [(b"6A737D", b"A1122B"), (b"1B2A41", b"0F5A33"), (b"6a737d", b"a1122b"),
            (b"1b2a41", b"0f5a33"), (b'theme "default"', b'theme "mine"'),
            (b'"deckbuilder default"', b'"deckbuilder mine"'), (b'Scheme name="default"',
                                                               b'Scheme name="mine"')]
    changed = 0
    for name, data in before.items():
        expected = data
        for old, new in swap:
            expected = expected.replace(old, new)
        changed += expected != data
        assert after[name] == expected, name
    assert changed >= 3     # slides of both formats, and the CSS


def _keys(node, path=""):
    if not isinstance(node, dict):
        return {path}
    return set().union(*(_keys(v, f"{path}.{k}" if path else k) for k, v in node.items()))


@pytest.mark.parametrize("parent", ["default", "fullbleed"])
def test_themes_new_lists_every_setting_with_its_value(parent, tmp_path):
    written = theme_kit.new("mine", parent, demo_with("mine", tmp_path / "talk"))
    text = written.read_text(encoding="utf-8")
    listed = text.split("description:", 1)[1].split("\n", 1)[1]
    assert all(line.startswith("# ") or not line.strip() for line in listed.splitlines())
    settings = yaml.safe_load("\n".join(line[2:] for line in listed.splitlines()))
    found = themes.load(parent)
    expected = theme_kit.plain(found.settings, found.dirs)
    expected.pop("description")
    assert _keys(settings) == _keys(expected)
    assert {"backgrounds.image", "backgrounds.title", "backgrounds.section", "backgrounds.veil",
            "image_slide.layout", "image_slide.fullbleed.fit",
            "image_slide.fullbleed.cover_tolerance",
            "image_slide.fullbleed.band.opacity"} <= _keys(settings)
    assert settings == expected
    if parent == "fullbleed":   # its pictures by their names, not this machine's paths
        assert settings["backgrounds"]["title"] == "title.jpg"
        assert str(themes.builtin_dir()) not in text
