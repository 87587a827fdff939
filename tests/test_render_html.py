"""The reveal.js renderer without a browser: structure, escaping, assets, one-file output."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pytest
from PIL import Image

from _decks import talk
from deckbuilder import layout
from deckbuilder import theme as themes
from deckbuilder.errors import BuildError
from deckbuilder.model import Box, Deck, Item, Pick, Slide, TextStyle
from deckbuilder.render import html, html_bundle, html_css

ROOT = Path(__file__).resolve().parent.parent
PAYLOAD = ("Look <script>window.__xss=1;alert(1)</script> and "
           "<img src=x onerror=\"window.__xss=2\"> [click](javascript:window.__xss=3) "
           "[ok](https://example.org/a?b=1&c=2)")


@pytest.fixture
def fake_vendor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tiny stand-in for deckbuilder/_vendor, so these tests need no npm."""
    vendor = tmp_path / "vendor"
    files = {"revealjs/reveal.js": "window.Reveal={initialize(){}};",
             "revealjs/plugin/notes.js": "var s='<script></script><!--';window.RevealNotes={};",
             "revealjs/reveal.css": ".reveal{color:red}/* </style><script>x</script> */",
             "revealjs/reset.css": "html{margin:0}", "revealjs/LICENSE": "MIT",
             "fonts/carlito/LICENSE": "OFL"}
    for subset in ("latin", "latin-ext"):
        for face in ("400-normal", "400-italic", "700-normal", "700-italic"):
            files[f"fonts/carlito/files/carlito-{subset}-{face}.woff2"] = f"wOF2 {subset} {face}"
    for rel, text in files.items():
        (vendor / rel).parent.mkdir(parents=True, exist_ok=True)
        (vendor / rel).write_text(text)
    monkeypatch.setattr(html, "VENDOR", vendor)
    return vendor


@pytest.fixture
def theme() -> themes.Theme:
    """The built-in default theme."""
    return themes.load("default")


def picture(path: Path, color: str, size: tuple[int, int] = (400, 250)) -> Path:
    """Draw a small PNG and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path)
    return path


def style(size: float = 28, **kw: object) -> TextStyle:
    """A body-font text style."""
    return TextStyle("Calibri", size, "#1B1F24", **kw)  # type: ignore[arg-type]


def sample_deck(tmp_path: Path, caption: str = "A *caption* with ==mark==") -> Deck:
    """Four slides: title, an image twice (two paths, same bytes), text, and a placeholder."""
    a = picture(tmp_path / "img" / "a.png", "#3366AA")
    b = picture(tmp_path / "img" / "copy-of-a.png", "#3366AA")
    c = picture(tmp_path / "img" / "c.png", "#AA6633")
    title = Slide("title", (
        Item("rect", Box(72, 250, 96, 6), role="rule", fill="#2F6FEB"),
        Item("text", Box(72, 290, 1136, 72), role="title", text="The **talk**",
             style=style(60, bold=True))), notes="Welcome everyone.", title="The talk")
    image = Slide("image", (
        Item("image", Box(72, 48, 760, 475), role="picture", image=a, alt="A blue square"),
        Item("text", Box(860, 48, 348, 300), role="caption", text=caption,
             style=style(28, align="right", valign="middle")),
        Item("text", Box(1000, 680, 208, 17), role="slide-number", text="2",
             style=style(14, align="right"))), notes="Source: *the web* <b>x</b>")
    again = Slide("multi-image", (
        Item("image", Box(72, 48, 500, 312.5), role="picture", image=a, alt="First again"),
        Item("image", Box(600, 48, 500, 312.5), role="picture", image=b, alt="Same bytes"),
        Item("image", Box(72, 400, 400, 250), role="picture", image=c, alt="Brown",
             link="https://example.org/c")))
    text = Slide("text", (  # as the planner makes them: one box per block and per marker
        Item("text", Box(72, 48, 1136, 62), role="heading", text="Why", style=style(51, bold=True)),
        Item("text", Box(72, 130, 1136, 39), role="paragraph", text="Because **data**.",
             style=style(32)),
        Item("text", Box(72, 189, 35, 39), role="marker", text="1.", style=style(32)),
        Item("text", Box(107, 189, 1101, 39), role="bullet", text="first", style=style(32))))
    missing = Slide("image", (
        Item("image", Box(72, 48, 600, 400), role="picture", alt="Screenshot of 3 May 2024",
             placeholder=True),
        Item("image", Box(700, 48, 500, 300), role="picture", alt="Missing image. A chart",
             placeholder=True, text="Missing image: chart.png", fill="#F4F1F1",
             style=style(20, bold=True, align="center", valign="middle"))))
    return Deck("Data <quality>", 1280, 720, (title, image, again, text, missing))


def test_folder_output_has_index_assets_and_images(tmp_path, fake_vendor, theme):
    out = html.write(sample_deck(tmp_path), tmp_path / "out", "talk", theme)
    assert out == tmp_path / "out" / "talk" / "index.html"
    folder = out.parent
    for rel in ("assets/reveal/reveal.js", "assets/reveal/plugin/notes.js",
                "assets/reveal/reveal.css", "assets/reveal/reset.css", "assets/deck.css",
                "assets/reveal/LICENSE", "assets/fonts/LICENSE",
                "assets/fonts/carlito-latin-400-normal.woff2"):
        assert (folder / rel).is_file(), rel
    # Three image uses of one picture (two paths, same bytes) and one other: two files.
    images = sorted(p.name for p in (folder / "img").iterdir())
    assert len(images) == 2
    digest = hashlib.sha256((tmp_path / "img" / "a.png").read_bytes()).hexdigest()[:16]
    assert f"{digest}.png" in images
    page = out.read_text()
    assert page.count(f'src="img/{digest}.png"') == 3
    assert not list((tmp_path / "out").glob(".*"))  # no staging leftovers


def test_latin_ext_fonts_only_when_the_text_needs_them(tmp_path, fake_vendor, theme):
    plain = html.write(sample_deck(tmp_path), tmp_path / "o1", "t", theme).parent
    assert not list((plain / "assets" / "fonts").glob("*latin-ext*"))
    polish = html.write(sample_deck(tmp_path, "Łódź"), tmp_path / "o2", "t", theme).parent
    assert len(list((polish / "assets" / "fonts").glob("*latin-ext*"))) == 4


def test_sections_items_and_reveal_config(tmp_path, fake_vendor, theme):
    deck = sample_deck(tmp_path)
    page = html.write(deck, tmp_path / "out", "talk", theme).read_text()
    assert page.count("<section ") == len(deck.slides)
    config = json.loads(re.search(r"Reveal\.initialize\(Object\.assign\((\{.*?\}),", page)[1])
    assert (config["width"], config["height"], config["margin"]) == (1280, 720, 0)
    assert config["center"] is False
    assert config["showSlideNumber"] == "speaker"  # the deck draws its own numbers
    assert "plugins: [RevealNotes]" in page
    assert 'style="left: 72px; top: 48px; width: 760px; height: 475px"' in page
    assert "width: 500px; height: 312.5px" in page
    caption = re.search(r'<div class="db-item db-text db-caption" style="([^"]*)"', page)[1]
    assert "font-size: 28px" in caption and "color: #1B1F24" in caption
    assert "text-align: right" in caption and "justify-content: center" in caption
    assert 'alt="A blue square"' in page and 'alt="Brown"' in page
    assert '<a href="https://example.org/c"><img' in page
    assert 'role="img" aria-label="Screenshot of 3 May 2024"' in page
    assert '<div class="db-t" aria-hidden="true">Missing image</div>' in page  # theme label
    placeholder = re.search(r'aria-label="Missing image. A chart" style="([^"]*)"><div class='
                            r'"db-t" aria-hidden="true">Missing image: chart.png<', page)
    assert placeholder and "background-color: #F4F1F1" in placeholder[1]
    assert "font-weight: 700" in placeholder[1] and "justify-content: center" in placeholder[1]
    assert "<mark>mark</mark>" in page and "<em>caption</em>" in page


def test_text_slide_draws_the_planned_blocks_and_markers(tmp_path, fake_vendor, theme):
    # The planner numbers the lists and places every marker; the renderer only draws.
    md = "## Take-aways\n- one **bold**\n  - nested\n1. first\n2. second\n"
    planned = layout.plan(talk(tmp_path), [Pick("text", 3, text=md)], theme, {})[0]
    page = html.write(planned, tmp_path / "out", "t", theme).read_text()
    drawn = re.findall(r'<div class="db-item db-text db-(\w+)" style="[^"]*">'
                       r'<div class="db-t">(.*?)</div></div>', page)
    assert [d for d in drawn if d[0] not in ("footer", "slide-number")] == [
        ("heading", "Take-aways"), ("marker", "•"), ("bullet", "one <strong>bold</strong>"),
        ("marker", "•"), ("bullet", "nested"), ("marker", "1."), ("bullet", "first"),
        ("marker", "2."), ("bullet", "second")]
    assert not re.search(r"<(ul|ol|li)[ >]", page)


def test_notes_are_asides_and_escaped(tmp_path, fake_vendor, theme):
    page = html.write(sample_deck(tmp_path), tmp_path / "out", "t", theme).read_text()
    assert page.count('<aside class="notes">') == 2  # slides without notes get none
    assert "<em>the web</em> &lt;b&gt;x&lt;/b&gt;" in page


def test_hostile_caption_title_and_alt_are_escaped(tmp_path, fake_vendor, theme):
    deck = sample_deck(tmp_path, PAYLOAD)
    slides = list(deck.slides)
    first = slides[2].items[0]
    slides[2] = Slide("image", (Item("image", first.box, image=first.image,
                                     alt='x" onload="window.__xss=4'),))
    deck = Deck('</title><script>alert("t")</script>', 1280, 720, tuple(slides))
    page = html.write(deck, tmp_path / "out", "t", theme).read_text()
    assert "&lt;script&gt;window.__xss=1;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=" in page
    assert "javascript:" not in page.replace("[click](javascript:window.__xss=3)", "")
    assert '<a href="https://example.org/a?b=1&amp;c=2">ok</a>' in page
    assert 'alt="x&#34; onload=&#34;window.__xss=4"' in page
    assert "<title>&lt;/title&gt;&lt;script&gt;" in page
    parsed = Tags.of(page)
    assert [a.get("src") for a in parsed.tags("script")][-1] is None  # only the init script
    assert len(parsed.tags("script")) == 3
    assert not [i for i in parsed.tags("img") if i.get("src") == "x"]
    assert all("onerror" not in t and "onload" not in t for t in parsed.attrs_seen)


def test_autoescape_is_forced_on_for_files_and_strings(theme):
    env = html.environment(theme)
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    assert env.autoescape("deck.html.j2") is True and env.autoescape("anything.txt") is True


def test_css_values_cannot_break_out(tmp_path, fake_vendor, theme):
    assert html_css.css_string('a"b</style>') == '"a\\22 b\\3c /style\\3e "'
    with pytest.raises(BuildError, match="not a colour"):
        html_css.color("red;background:url(https://evil)")
    deck = sample_deck(tmp_path)
    bad = Slide("image", (Item("rect", Box(0, 0, 10, 10), fill="#fff;x:y"),))
    with pytest.raises(BuildError):
        html.write(Deck("t", 1280, 720, deck.slides + (bad,)), tmp_path / "out", "t", theme)
    assert not (tmp_path / "out" / "t").exists()


def test_single_file_inlines_everything(tmp_path, fake_vendor, theme):
    out = html.write(sample_deck(tmp_path), tmp_path / "out", "talk", theme, single_file=True)
    assert out == tmp_path / "out" / "talk.html"
    assert sorted(p.name for p in out.parent.iterdir()) == ["talk.html"]
    page = out.read_text()
    parsed = Tags.of(page)
    loaded = [t.get("src") for t in parsed.tags("script", "img") if t.get("src")]
    loaded += [t.get("href") for t in parsed.tags("link")]
    assert loaded and all(u.startswith("data:") for u in loaded)
    assert not parsed.tags("link")
    assert all(u.startswith(('"data:font/woff2;base64,', "data:"))
               for u in re.findall(r"url\(([^)]*)\)", page))
    # The vendored CSS said "</style>" in a comment: it must not end the element early.
    assert "</style><script>x" not in page and "<\\/style><script>x" in page
    scripts = [base64.b64decode(t["src"].split(",", 1)[1]) for t in parsed.tags("script")
               if t.get("src")]
    assert b"<script></script><!--" in scripts[1]  # carried intact inside a data: URI
    # Four picture uses of two distinct images: a one-file deck repeats the bytes.
    assert page.count("data:image/png;base64,") == 4
    assert len(set(re.findall(r'src="(data:image/png;base64,[^"]+)"', page))) == 2


def test_cdn_links_pinned_copies_with_integrity(tmp_path, fake_vendor, theme):
    out = html.write(sample_deck(tmp_path), tmp_path / "out", "t", theme, cdn=True)
    page = out.read_text()
    assert not (out.parent / "assets" / "reveal").exists()
    assert (out.parent / "assets" / "deck.css").is_file()
    for name, sri in html.SRI.items():
        url = f"https://cdn.jsdelivr.net/npm/reveal.js@{html.REVEAL_VERSION}/dist/{name}"
        assert re.search(rf'"{re.escape(url)}" integrity="{re.escape(sri)}" '
                         r'crossorigin="anonymous"', page), name


def test_output_is_deterministic_and_replaced_atomically(tmp_path, fake_vendor, theme):
    deck = sample_deck(tmp_path)
    first = html.write(deck, tmp_path / "out", "t", theme).read_bytes()
    (tmp_path / "out" / "t" / "stale.txt").write_text("old")
    second = html.write(deck, tmp_path / "out", "t", theme).read_bytes()
    assert first == second
    assert not (tmp_path / "out" / "t" / "stale.txt").exists()
    one = html.write(deck, tmp_path / "s", "t", theme, single_file=True).read_bytes()
    assert one == html.write(deck, tmp_path / "s", "t", theme, single_file=True).read_bytes()


def test_missing_assets_and_images_are_build_errors(tmp_path, fake_vendor, theme):
    deck = sample_deck(tmp_path)
    (tmp_path / "img" / "c.png").unlink()
    with pytest.raises(BuildError, match="c.png"):
        html.write(deck, tmp_path / "out", "t", theme)
    (fake_vendor / "revealjs" / "reveal.js").unlink()
    picture(tmp_path / "img" / "c.png", "#AA6633")
    with pytest.raises(BuildError, match="scripts/setup"):
        html.write(deck, tmp_path / "out", "t", theme)
    assert not (tmp_path / "out" / "t").exists()


def local_theme(spec_dir: Path, name: str, templates: dict[str, str],
                extends: str = "default") -> themes.Theme:
    """Write a talk-local theme with these templates; return it loaded."""
    folder = spec_dir / "themes" / name
    (folder / "templates").mkdir(parents=True)
    (folder / "theme.yaml").write_text(f"extends: {extends}\n")
    for rel, text in templates.items():
        (folder / "templates" / rel).write_text(text)
    return themes.load(name, spec_dir)


TITLE_ONLY = ('{% extends "!default/deck.html.j2" %}\n'
              "{% block title %}[{{ super() }}]{% endblock %}\n")


def test_a_theme_template_can_extend_the_default_one(tmp_path, fake_vendor, theme):
    deck = sample_deck(tmp_path)
    mine = local_theme(tmp_path / "talk", "mine", {"deck.html.j2": TITLE_ONLY})
    ours = html.write(deck, tmp_path / "a", "t", mine).read_text()
    default = html.write(deck, tmp_path / "b", "t", theme).read_text()
    title = "<title>Data &lt;quality&gt;</title>"
    assert title in default
    # One block replaced; the rest, slides included, exactly as the default draws it.
    assert ours == default.replace(title, "<title>[Data &lt;quality&gt;]</title>")


def test_prefixed_names_follow_that_themes_chain(tmp_path, fake_vendor, theme):
    deck = sample_deck(tmp_path)
    spec_dir = tmp_path / "talk"
    default = html.write(deck, tmp_path / "b", "t", theme).read_text()
    # dark has no templates of its own: "!dark/..." finds what dark extends.
    via_dark = local_theme(spec_dir, "via-dark", {"deck.html.j2": TITLE_ONLY.replace(
        "!default/", "!dark/")}, extends="dark")
    assert "<title>[Data &lt;quality&gt;]</title>" in html.write(
        deck, tmp_path / "c", "t", via_dark).read_text()
    # A talk's own "default" overriding the built-in one extends the original, not itself;
    # its items.html.j2 is still found first by the unprefixed names the original uses.
    items = (ROOT / "themes" / "default" / "templates" / "items.html.j2").read_text()
    own = local_theme(spec_dir, "default", {
        "deck.html.j2": TITLE_ONLY,
        "items.html.j2": items.replace('<div class="db-t">', '<div class="db-t own">')})
    page = html.write(deck, tmp_path / "d", "t", own).read_text()
    assert "<title>[Data &lt;quality&gt;]</title>" in page
    assert page.count('<div class="db-t own">') == default.count('<div class="db-t">') > 0
    with pytest.raises(jinja2.TemplateNotFound):
        html.environment(own).get_template("!nosuch/deck.html.j2")


def test_px_and_font_stack(theme):
    px = html_css.px
    assert px(312.5) == "312.5px" and px(48.0) == "48px" and px(1 / 3) == "0.33px"
    assert html_css.font_stack("Calibri", theme) == '"Carlito", "Calibri", sans-serif'
    assert html_css.font_stack("Courier New", theme).endswith("monospace")


def test_sri_hashes_match_the_vendored_reveal(fake_vendor):
    real = ROOT / "deckbuilder" / "_vendor" / "revealjs"
    if not (real / "reveal.js").is_file():
        pytest.skip("reveal.js is not vendored here (run scripts/setup)")
    for name, sri in html.SRI.items():
        digest = base64.b64encode(hashlib.sha384((real / name).read_bytes()).digest()).decode()
        assert sri == f"sha384-{digest}", name
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]["reveal.js"]
    assert pinned == html.REVEAL_VERSION


class Tags(HTMLParser):
    """Every start tag of a page, with its attributes, as the browser's tokenizer sees it."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []
        self.attrs_seen: list[str] = []

    @classmethod
    def of(cls, page: str) -> Tags:
        parser = cls()
        parser.feed(page)
        return parser

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {k: v or "" for k, v in attrs}))
        self.attrs_seen += [k for k, _ in attrs]

    def tags(self, *names: str) -> list[dict[str, str]]:
        """Return the attributes of every start tag named one of `names`."""
        return [a for t, a in self.found if t in names]


def test_a_one_file_deck_is_the_same_with_the_standard_librarys_base64(tmp_path, fake_vendor,
                                                                      theme, monkeypatch):
    # pybase64 is only faster: where its wheels are missing, the deck's bytes are the same.
    deck = sample_deck(tmp_path)
    fast = html.write(deck, tmp_path / "fast", "t", theme, single_file=True).read_bytes()
    monkeypatch.setattr(html_bundle, "b64encode", base64.b64encode)
    plain = html.write(deck, tmp_path / "plain", "t", theme, single_file=True).read_bytes()
    assert fast == plain and b";base64," in fast
