"""`deckbuilder export`: slides PDF, handout and bundle, checked with poppler and python-pptx.

Chromium is slow to start on a small machine, so the demo talk is exported once per
module (all three outputs from one launch) and the tests read those files.
"""

from __future__ import annotations

import io
import math
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from pptx import Presentation

from _decks import draw
from conftest import require_tool
from deckbuilder import theme as themes
from deckbuilder.cli import main
from deckbuilder.errors import BuildError, DeckError
from deckbuilder.export import ExportResult, export
from deckbuilder.export.bundle import bundle_zip
from deckbuilder.export.handout import handout_page
from deckbuilder.model import Deck, Slide
from deckbuilder.export.pdf import with_info

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "talks" / "demo.yaml"
TITLE = "How LLM training data gets cleaned"
tool = pytest.mark.tools


def tools() -> None:
    """Skip (fail in CI) unless Chromium and poppler are installed."""
    require_tool("chromium", "chromium-browser", "google-chrome")
    for name in ("pdfinfo", "pdftotext", "pdftoppm"):
        require_tool(name)


def pdfinfo(path: Path) -> dict[str, str]:
    """Return pdfinfo's fields for `path`."""
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    pairs = (line.split(":", 1) for line in out.stdout.splitlines() if ":" in line)
    return {k.strip(): v.strip() for k, v in pairs}


def pdftext(path: Path, page: int | None = None) -> str:
    """Return the text of one page of `path` (or of all pages), as poppler reads it."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-layout", *pages, str(path), "-"],
                          capture_output=True, text=True, check=True).stdout


def raster(path: Path, page: int, tmp: Path) -> Image.Image:
    """Return page `page` of `path` rendered by poppler at 30 dpi."""
    stem = tmp / f"{path.stem}-{page}"
    subprocess.run(["pdftoppm", "-r", "30", "-png", "-singlefile", "-f", str(page), "-l",
                    str(page), str(path), str(stem)], check=True)
    return Image.open(f"{stem}.png").convert("RGB")


def inked(image: Image.Image) -> tuple[float, int]:
    """Return the share of pixels that are not near-white, and the number of colours."""
    colours = image.getcolors(maxcolors=image.width * image.height) or []
    dark = sum(count for count, rgb in colours if min(rgb) < 235)
    return dark / (image.width * image.height), len(colours)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[ExportResult, Path]:
    """The demo talk exported once (PDF, handout and bundle), and its output folder."""
    tools()
    tmp = tmp_path_factory.mktemp("export")
    result = export(DEMO, ("pdf", "handout", "bundle"), tmp / "out",
                    cache_dir=tmp / "cache")
    return result, tmp / "out"


@pytest.fixture(scope="module")
def kinds(demo) -> list[str]:
    """The kind of every slide of the demo, read from the bundle's HTML deck."""
    with zipfile.ZipFile(demo[1] / "demo-bundle.zip") as z:
        page = z.read("demo.html").decode("utf-8")
    return re.findall(r'<section class="db-slide db-([\w-]+)"', page)


@tool
def test_outputs_are_named_after_the_spec(demo):
    result, out = demo
    assert result.outputs == (out / "demo.pdf", out / "demo-handout.pdf",
                              out / "demo-bundle.zip")
    assert sorted(p.name for p in out.iterdir()) == ["demo-bundle.zip", "demo-handout.pdf",
                                                     "demo.pdf"]
    summary = result.summary()
    assert summary.startswith(f"{result.slides} slides, ")
    assert f"demo.pdf ({result.slides} pages, " in summary


@tool
def test_pdf_has_one_page_per_slide_at_the_canvas_size(demo, kinds):
    result, out = demo
    info = pdfinfo(out / "demo.pdf")
    assert len(kinds) == result.slides == 23
    assert int(info["Pages"]) == result.slides
    assert info["Page size"].startswith("960 x 540 pts")
    assert info["Title"] == TITLE and info["Author"] == "Ada Example"


@tool
def test_pdf_text_links_and_pictures(demo, kinds, tmp_path):
    result, out = demo
    pdf = out / "demo.pdf"
    assert TITLE in pdftext(pdf, 1)
    credits = kinds.index("credits") + 1
    assert "https://example.net/stats/duplicates" in pdftext(pdf, credits)
    urls = subprocess.run(["pdfinfo", "-url", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    assert re.search(rf"^\s*{credits}\s+Annotation\s+https://example\.net/stats/duplicates$",
                     urls, re.M), urls
    picture = kinds.index("image") + 1
    share, colours = inked(raster(pdf, picture, tmp_path))
    assert share > 0.1 and colours > 50
    assert inked(raster(pdf, 1, tmp_path))[0] < share  # the title page is mostly paper


@tool
def test_handout_two_slides_per_a4_page_with_their_notes(demo, tmp_path):
    result, out = demo
    handout = out / "demo-handout.pdf"
    info = pdfinfo(handout)
    pages = math.ceil(result.slides / 2)
    assert int(info["Pages"]) == pages
    assert "(A4)" in info["Page size"]
    assert info["Title"] == f"{TITLE} (handout)" and info["Author"] == "Ada Example"
    second = pdftext(handout, 2)
    assert TITLE in second and f"2 / {pages}" in second
    assert "Data pipelines.md:12" in second           # slide 3's notes end with note:line
    assert "Source: Example Lectures" in second
    assert f"{pages} / {pages}" in pdftext(handout, pages)
    share, colours = inked(raster(handout, 2, tmp_path))
    assert share > 0.05 and colours > 50
    assert result.warnings == ()


@tool
def test_bundle_holds_the_five_files_and_a_pptx_that_opens(demo, tmp_path):
    result, out = demo
    with zipfile.ZipFile(out / "demo-bundle.zip") as z:
        assert z.namelist() == ["README.txt", "demo.pptx", "demo.pdf", "demo.html",
                                "demo-handout.pdf"]
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert z.read("demo.pdf") == (out / "demo.pdf").read_bytes()
        assert z.read("demo-handout.pdf") == (out / "demo-handout.pdf").read_bytes()
        readme = z.read("README.txt").decode("utf-8")
        (tmp_path / "demo.pptx").write_bytes(z.read("demo.pptx"))
        html = z.read("demo.html").decode("utf-8")
    for name in ("demo.pptx", "demo.pdf", "demo.html", "demo-handout.pdf", "USB", "PowerPoint"):
        assert name in readme
    assert len(Presentation(str(tmp_path / "demo.pptx")).slides) == result.slides
    assert 'src="data:image/' in html and 'src="img/' not in html  # the one-file deck


def test_bundle_zip_is_reproducible():
    members = [("README.txt", b"read me"), ("a.pptx", b"PK" + bytes(100)), ("a.pdf", b"%PDF")]
    assert bundle_zip(members) == bundle_zip(members)
    with zipfile.ZipFile(io.BytesIO(bundle_zip(members))) as z:
        assert [i.compress_type for i in z.infolist()] == [8, 0, 8]
        assert z.read("a.pptx") == b"PK" + bytes(100)


def test_pdf_info_update_is_skipped_for_a_file_it_does_not_recognise():
    assert with_info(b"not a pdf", {"Author": "Ada"}) == b"not a pdf"


def test_handout_page_escapes_hostile_notes(tmp_path):
    hostile = '<script>alert(1)</script> <img src=x onerror="alert(2)"> [x](javascript:alert(3))'
    deck = Deck("T <b>", 1280, 720, (Slide("text", (), notes=hostile, title="<i>t</i>"),),
                author="Ada")
    page = handout_page(deck, themes.load("default"), [b"jpeg"], tmp_path / "h")
    text = page.read_text(encoding="utf-8")
    assert "<script>alert" not in text and "<img src=x" not in text
    assert "javascript:" not in text.split("<body>")[1].replace("[x](javascript", "")
    assert "&lt;script&gt;" in text and "T &lt;b&gt;" in text and "&lt;i&gt;t&lt;/i&gt;" in text
    assert (tmp_path / "h" / "slide-001.jpg").read_bytes() == b"jpeg"


def broken_talk(tmp_path: Path) -> Path:
    """Write a one-note vault whose second image is missing, and a spec picking both."""
    vault = tmp_path / "vault"
    draw(vault / "a.png", (800, 450))
    (vault / "Note.md").write_text("![[a.png]]\nFirst\n\n![[gone.png]]\nSecond\n",
                                   encoding="utf-8")
    spec = tmp_path / "talk.yaml"
    spec.write_text("title: Broken\nvault: vault\nslides:\n  - image: a.png\n"
                    "  - image: gone.png\n", encoding="utf-8")
    return spec


@tool
def test_missing_image_writes_nothing_and_keeps_the_previous_pdf(tmp_path):
    tools()
    spec = broken_talk(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "talk.pdf").write_bytes(b"%PDF previous")
    with pytest.raises(DeckError) as e:
        export(spec, ("pdf", "handout", "bundle"), out, cache_dir=tmp_path / "cache")
    assert "Note.md:4: error: image not found: gone.png" in str(e.value)
    assert [p.name for p in out.iterdir()] == ["talk.pdf"]
    assert (out / "talk.pdf").read_bytes() == b"%PDF previous"


@tool
def test_cli_reports_the_error_with_note_and_line(tmp_path):
    tools()
    spec = broken_talk(tmp_path)
    run = CliRunner().invoke(main, ["export", str(spec), "--handout", "-o", str(tmp_path / "o"),
                                    "--cache-dir", str(tmp_path / "cache")])
    assert run.exit_code == 1
    assert "Note.md:4: error: image not found: gone.png" in run.output
    assert not (tmp_path / "o").exists()


def test_cli_help_names_every_output():
    run = CliRunner().invoke(main, ["export", "--help"])
    assert run.exit_code == 0
    for word in ("--pdf", "--handout", "--bundle", "--out-dir", "--strict", "--allow-missing",
                 "--cache-dir", "DECKBUILDER_CHROME", "A4"):
        assert word in run.output


def test_missing_chromium_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("DECKBUILDER_CHROME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no browser on it
    spec = broken_talk(tmp_path)
    with pytest.raises(BuildError) as e:
        export(spec, ("pdf",), tmp_path / "out", cache_dir=tmp_path / "cache")
    assert "install" in str(e.value) and "DECKBUILDER_CHROME" in str(e.value)
    assert not (tmp_path / "out").exists()


def long_notes_talk(tmp_path: Path) -> Path:
    """Write a 4:3 talk of three picture slides, the second with pages of notes."""
    vault = tmp_path / "vault"
    for name, colour in (("a", "navy"), ("b", "darkgreen"), ("c", "darkred")):
        draw(vault / f"{name}.png", (800, 600), colour)
    (vault / "Note.md").write_text("![[a.png]]\nOne\n\n![[b.png]]\nTwo\n\n![[c.png]]\nThree\n",
                                   encoding="utf-8")
    spec = tmp_path / "talk.yaml"
    words = " ".join(f"word{i}" for i in range(1500))
    spec.write_text(f'title: Long notes\nauthor: Ada\naspect: "4:3"\nvault: vault\nslides:\n'
                    f"  - image: a.png\n  - image: b.png\n    notes: {words}\n"
                    f"  - image: c.png\n", encoding="utf-8")
    return spec


@tool
def test_long_notes_are_cut_with_a_warning_and_strict_keeps_the_last_pdf(tmp_path):
    tools()
    spec, out = long_notes_talk(tmp_path), tmp_path / "out"
    result = export(spec, ("pdf", "handout"), out, cache_dir=tmp_path / "cache")
    assert pdfinfo(out / "talk.pdf")["Page size"].startswith("720 x 540 pts")
    assert int(pdfinfo(out / "talk.pdf")["Pages"]) == 3
    assert int(pdfinfo(out / "talk-handout.pdf")["Pages"]) == 2
    assert [d.code for d in result.warnings] == ["handout-notes-cut"]
    assert str(result.warnings[0]).startswith(f"{spec}:7: warning: slide 2: the speaker notes")
    text = " ".join(pdftext(out / "talk-handout.pdf", 1).split())
    assert "word0 word1 " in text and "continue in the deck)" in text
    assert "word1499" not in text
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(DeckError, match="too long for the handout"):
        export(spec, ("pdf", "handout"), out, strict=True, cache_dir=tmp_path / "cache")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
