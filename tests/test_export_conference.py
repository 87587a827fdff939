"""Conference polish: the slides_url QR code (decoded from LibreOffice's and Chromium's
renderings), a smaller PDF for upload limits, what the handout shows the audience, the
sources list and the PDF outline, on small talks made here."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image, ImageFilter

from _decks import draw, talk
from _office import to_pdf
from conftest import require_tool
from deckbuilder import layout
from deckbuilder import theme as themes
from deckbuilder.build import build
from deckbuilder.cli import main
from deckbuilder.errors import DeckError, SpecError
from deckbuilder.export import export
from deckbuilder.export.browser import Browser
from deckbuilder.export.handout import audience, public_notes
from deckbuilder.export.pdf import outline
from deckbuilder.export import sources
from deckbuilder.images import qr_code
from deckbuilder.model import QR_IMAGE, Deck, Pick, Slide, Source
from deckbuilder.spec import load

URL = "https://example.org/talks/qr-test"
READY = ("window.Reveal && Reveal.isReady() && document.fonts.status === 'loaded' "
         "&& [...document.images].every(i => i.complete)")


def qr_talk(tmp_path: Path, everywhere: bool = True) -> Path:
    """Write a four-slide talk with a slides_url; its own theme shows the code on the
    title, credits and closing slides."""
    vault = tmp_path / "vault"
    draw(vault / "a.png", (800, 450))
    (vault / "Note.md").write_text("![[a.png]]\nA chart\nSource: https://example.com/a\n",
                                   encoding="utf-8")
    if everywhere:
        theme = tmp_path / "themes" / "qr-everywhere"
        theme.mkdir(parents=True)
        (theme / "theme.yaml").write_text("qr:\n  slides: [title, credits, closing]\n",
                                          encoding="utf-8")
    spec = tmp_path / "talk.yaml"
    spec.write_text(f"title: QR\nauthor: Ada\ndate: 2026-05-14\nvault: vault\n"
                    f"slides_url: {URL}\n"
                    + ("theme: qr-everywhere\n" if everywhere else "")
                    + "slides:\n  - title\n  - image: a.png\n  - credits\n  - closing\n",
                    encoding="utf-8")
    return spec


def decoded(png: Path) -> list[str]:
    """Return what zbar reads in an image: one line per code found."""
    zbar = require_tool("zbarimg")
    run = subprocess.run([zbar, "-q", "--raw", str(png)], capture_output=True, text=True)
    return run.stdout.split()


# ---------------------------------------------------------------- the QR code


def test_the_planner_places_the_code_and_its_url_on_the_closing_slide(tmp_path):
    code = qr_code(URL, tmp_path / "cache")
    with Image.open(code.path) as im:   # whole pixels per module, black on white
        assert im.size == (code.width, code.height)
        assert sorted(v for _, v in im.convert("L").getcolors()) == [0, 255]
    t = talk(tmp_path, slides_url=URL)
    picks = [Pick("title", 1), Pick("closing", 2)]
    deck, diags = layout.plan(t, picks, themes.load("default"), {QR_IMAGE: code})
    assert diags == []
    title, closing = deck.slides
    assert not [i for i in title.items if i.role == "qr"]           # the default: closing only
    [qr] = [i for i in closing.items if i.role == "qr"]
    [under] = [i for i in closing.items if i.role == "qr-url"]
    assert qr.kind == "image" and qr.image == code.path and qr.link == URL
    assert qr.alt == f"QR code: {URL}" and qr.box.w == qr.box.h == 264
    assert under.text == "[example.org/talks/qr-test](<https://example.org/talks/qr-test>)"
    assert under.box.y > qr.box.bottom and under.box.right <= deck.width - 72 + 0.01
    words = [i for i in closing.items if i.role == "title"]
    assert all(i.box.right < qr.box.x for i in words)                # the text keeps clear


def test_a_slides_url_no_slide_shows_is_a_warning(tmp_path):
    t = talk(tmp_path, slides_url=URL)
    code = qr_code(URL, tmp_path / "cache")
    deck, diags = layout.plan(t, [Pick("title", 1)], themes.load("default"), {QR_IMAGE: code})
    assert [d.message for d in diags] == ["slides_url is given but no slide shows its QR code: "
                                          "add a '- closing' slide (or set the theme's qr.slides)"]
    assert not [i for s in deck.slides for i in s.items if i.role == "qr"]


@pytest.mark.parametrize("value", ["example.org/slides", "ftp://example.org/x",
                                   "javascript:alert(1)", "https://"])
def test_slides_url_must_be_an_http_url(tmp_path, value):
    (tmp_path / "v").mkdir()
    spec = tmp_path / "t.yaml"
    spec.write_text(f"title: T\nvault: v\nslides_url: '{value}'\nslides: [closing]\n",
                    encoding="utf-8")
    message = r"t\.yaml:3: error: 'slides_url' must be an http\(s\) URL"
    with pytest.raises(SpecError, match=message):
        load(spec)


@pytest.mark.tools
def test_qr_codes_decode_from_libreoffice_and_chromium(tmp_path):
    spec = qr_talk(tmp_path)
    built = build(spec, ("pptx", "html"), tmp_path / "out", cache_dir=tmp_path / "cache",
                  single_file=True)
    pptx, page = built.outputs
    kinds = [s.kind for s in built.deck.slides]
    assert kinds == ["title", "image", "credits", "closing"]
    shows = [n for n, s in enumerate(built.deck.slides) if any(i.role == "qr" for i in s.items)]
    assert shows == [0, 2, 3]
    # LibreOffice: PPTX -> PDF -> PNG
    pdf = to_pdf(pptx, tmp_path / "lo")
    pdftoppm = require_tool("pdftoppm")
    subprocess.run([pdftoppm, "-r", "96", "-png", str(pdf), str(tmp_path / "lo" / "p")],
                   check=True)
    pngs = sorted((tmp_path / "lo").glob("p-*.png"))
    assert [decoded(p) for p in pngs] == [[URL], [], [URL], [URL]]
    # Chromium: the one-file reveal.js deck, slide by slide
    chrome = require_tool("chromium", "chromium-browser", "google-chrome")
    with Browser.launch(chrome) as browser:
        tab = browser.new_page(1280, 720)
        tab.goto(page.as_uri())
        tab.wait_for(READY)
        for n in range(len(kinds)):
            tab.evaluate(f"Reveal.slide({n})")
            tab.wait_for(f"Reveal.getIndices().h === {n}")
            time.sleep(0.6)    # reveal's fade between slides
            shot = tmp_path / f"html-{n}.png"
            shot.write_bytes(tab.screenshot())
            assert decoded(shot) == ([URL] if n in shows else []), n
        alts = tab.evaluate("[...document.querySelectorAll('.db-qr img')].map(i => i.alt)")
        assert alts == [f"QR code: {URL}"] * 3


# ---------------------------------------------------------------- smaller PDFs


def photo_talk(tmp_path: Path, theme_limit: float | None = None) -> Path:
    """Write a talk of two photo slides (noisy, so JPEG cannot make them small), one of
    four pictures in a grid."""
    vault = tmp_path / "vault"
    vault.mkdir(parents=True)
    for n in range(5):
        noise = Image.effect_noise((2400, 1600), 60 + n).filter(ImageFilter.GaussianBlur(0.6))
        flipped = noise.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        Image.merge("RGB", (noise, noise.rotate(180), flipped)).save(vault / f"p{n}.jpg",
                                                                     quality=95)
    (vault / "Note.md").write_text("![[p0.jpg]]\nOne photo\n\n"
                                   "![[p1.jpg]]![[p2.jpg]]![[p3.jpg]]![[p4.jpg]]\nFour photos\n",
                                   encoding="utf-8")
    theme = ""
    if theme_limit is not None:
        folder = tmp_path / "themes" / "small"
        folder.mkdir(parents=True)
        (folder / "theme.yaml").write_text(f"export:\n  max_pdf_mb: {theme_limit}\n",
                                           encoding="utf-8")
        theme = "theme: small\n"
    spec = tmp_path / "talk.yaml"
    spec.write_text(f"title: Photos\nvault: vault\n{theme}slides:\n  - image: p0.jpg\n"
                    "  - image: p1.jpg\n", encoding="utf-8")
    return spec


@pytest.mark.tools
def test_max_pdf_mb_resamples_pictures_for_print_and_the_theme_limit_warns(tmp_path):
    require_tool("chromium", "chromium-browser", "google-chrome")
    spec = photo_talk(tmp_path, theme_limit=1)
    cache = tmp_path / "cache"
    full = export(spec, ("pdf",), tmp_path / "full", cache_dir=cache)
    before = full.files[0].bytes
    assert before > 2_000_000
    [warned] = full.warnings
    assert warned.code == "pdf-too-large" and "over a common conference upload limit of 1 MB" \
        in warned.message and "--max-pdf-mb 1" in warned.message
    limit = before / 2 / 1e6
    small = export(spec, ("pdf",), tmp_path / "small", cache_dir=cache, max_pdf_mb=limit)
    after = small.files[0].bytes
    assert after <= limit * 1e6 < before
    assert "pictures at 150 ppi" in small.summary()
    # the same pages, the same text, still pictures
    out = subprocess.run(["pdftotext", str(tmp_path / "small" / "talk.pdf"), "-"],
                         capture_output=True, text=True, check=True).stdout
    assert "One photo" in out and "Four photos" in out
    images = subprocess.run(["pdfimages", "-list", str(tmp_path / "small" / "talk.pdf")],
                            capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert len(images) == 5 and all(line.split()[8] == "jpeg" for line in images)
    widths = sorted(int(line.split()[3]) for line in images)
    assert widths[-1] <= 1775 and widths[0] < 700     # the grid's pictures shrank the most


# ---------------------------------------------------------------- the audience


REMARKS = """Left: x
The long tail of boilerplate pages is most of what goes. #data/filtering
- Public: Always sample #data/filtering and read item #1
\t- fastText
public: Every stage is cheap; see https://x.org/a#frag #eval/ablation
#data/pipeline"""


def test_public_notes_are_the_marked_lines_without_tags():
    assert public_notes(REMARKS, "public") == ("- Always sample and read item #1\n\n"
                                               "Every stage is cheap; see https://x.org/a#frag")
    assert public_notes(REMARKS, "all") == (
        "Left: x\nThe long tail of boilerplate pages is most of what goes.\n"
        "- Always sample and read item #1\n\t- fastText\n"
        "Every stage is cheap; see https://x.org/a#frag")
    assert public_notes(REMARKS, "none") == ""


def test_the_handout_shows_caption_source_and_public_notes_never_note_lines():
    slide = Slide("image", (), notes="Source: S\n\nsecret\n\nNotes.md:12", title="Cap",
                  caption="**Cap** #tag", source=Source("S", "https://s.example/x"),
                  remarks="secret\nPublic: shared")
    shown = audience(slide, "public")
    assert shown == {"title": "", "alt": "Cap", "caption": "**Cap**", "source": "S",
                     "url": "https://s.example/x", "notes": "shared"}
    assert audience(Slide("section", (), title="Part 2"), "public")["title"] == "Part 2"
    unsafe = audience(Slide("image", (), source=Source("S", "javascript:x")), "all")
    assert unsafe["url"] is None


def test_an_unknown_handout_notes_setting_is_an_error(tmp_path):
    folder = tmp_path / "themes" / "odd"
    folder.mkdir(parents=True)
    (folder / "theme.yaml").write_text("handout:\n  notes: everything\n", encoding="utf-8")
    from deckbuilder.export.handout import handout_page
    theme = themes.load("odd", tmp_path)
    with pytest.raises(DeckError, match="handout.notes must be one of public, all, none"):
        handout_page(Deck("T", 1280, 720, ()), theme, [], tmp_path / "h")


# ---------------------------------------------------------------- sources and outline


def test_sources_group_as_the_credits_and_escape_markdown():
    a, b = Source("A *star* [x]", "https://a.example/1"), Source("", "https://www.b.example/2")
    deck = Deck("Talk", 1280, 720, (Slide("title", ()), Slide("image", (), source=a),
                                    Slide("image", (), source=b), Slide("image", (), source=a),
                                    Slide("image", (), source=Source("Book")),
                                    Slide("image", ())), author="Ada")
    groups = sources.collect(deck)
    assert [(g.site, [(c.label, c.url, c.slides) for c in g.credits]) for g in groups] == [
        ("a.example", [("A *star* [x]", "https://a.example/1", (2, 4))]),
        ("b.example", [("www.b.example", "https://www.b.example/2", (3,))]),
        ("", [("Book", None, (5,))])]
    md = sources.markdown(deck, groups, themes.load("default"), URL)
    assert md.splitlines() == [
        "# Sources: Talk", "", "Ada", "", f"Slides: <{URL}>", "",
        "## a.example", "", "- A \\*star\\* \\[x\\] — <https://a.example/1> (slides 2, 4)", "",
        "## b.example", "", "- <https://www.b.example/2> (slide 3)", "",
        "## Other sources", "", "- Book (slide 5)"]
    page = sources.page(deck, groups, themes.load("default"), URL)
    assert '<a href="https://a.example/1">https://a.example/1</a>' in page
    assert "A *star* [x] — " in page and "(slides 2, 4)" in page


def test_outline_nests_slides_under_their_sections():
    s = [Slide("title", (), title="Talk"), Slide("section", (), title="One"),
         Slide("image", (), title="Pic", caption="Pic"),
         Slide("image", (), title="Long capt", caption="Long caption cut"),
         Slide("section", (), title="Two"), Slide("text", (), title=""),
         Slide("credits", (), title="Sources"), Slide("credits", (), title="Sources"),
         Slide("closing", (), title="Thanks")]
    marks = outline(Deck("Talk", 1280, 720, tuple(s)))
    assert [(m.title, m.page, [(c.title, c.page) for c in m.children]) for m in marks] == [
        ("Talk", 0, []), ("One", 1, [("Pic", 2), ("Long capt…", 3)]),
        ("Two", 4, [("Slide 6", 5)]), ("Sources", 6, []), ("Thanks", 8, [])]


def test_sources_alone_need_no_browser(tmp_path, monkeypatch):
    spec = qr_talk(tmp_path, everywhere=False)
    monkeypatch.delenv("DECKBUILDER_CHROME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))    # no Chromium on it
    run = CliRunner().invoke(main, ["export", str(spec), "--sources", "-o", str(tmp_path / "o"),
                                    "--cache-dir", str(tmp_path / "cache")])
    assert run.exit_code == 0, run.output
    md = (tmp_path / "o" / "talk-sources.md").read_text(encoding="utf-8")
    assert "- <https://example.com/a> (slide 2)" in md
    assert "talk-sources.html (1 source, " in run.output
