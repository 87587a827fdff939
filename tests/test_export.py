"""`deckbuilder export`: slides PDF, handout, sources list and bundle, checked with
poppler, pypdf, zbar and python-pptx.

Chromium is slow to start on a small machine, so the demo talk is exported once per
module (every output from one launch) and the tests read those files.
"""

from __future__ import annotations

import io
import math
import re
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image, ImageChops
from pptx import Presentation

from _decks import draw
from conftest import require_tool
from deckbuilder import theme as themes
from deckbuilder.build import build
from deckbuilder.cli import main
from deckbuilder.errors import BuildError, DeckError
from deckbuilder.export import ExportResult, export
from deckbuilder.export.bundle import bundle_zip
from deckbuilder.export.handout import handout_page
from deckbuilder.model import Deck, Slide, Source
from deckbuilder.export import passthrough
from deckbuilder.export.pdf import finished

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
    """The demo talk exported once (PDF, handout, sources and bundle), and its folder."""
    tools()
    tmp = tmp_path_factory.mktemp("export")
    result = export(DEMO, ("pdf", "handout", "sources", "bundle"), tmp / "out",
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
                              out / "demo-sources.md", out / "demo-sources.html",
                              out / "demo-bundle.zip")
    assert sorted(p.name for p in out.iterdir()) == [
        "demo-bundle.zip", "demo-handout.pdf", "demo-sources.html", "demo-sources.md",
        "demo.pdf"]
    summary = result.summary()
    assert summary.startswith(f"{result.slides} slides, ")
    assert f"demo.pdf ({result.slides} pages, " in summary
    assert re.search(r"demo-sources\.md \(14 sources, \d+ kB\)", summary), summary
    assert "demo-bundle.zip (7 files, " in summary


@tool
def test_pdf_has_one_page_per_slide_at_the_canvas_size(demo, kinds):
    result, out = demo
    info = pdfinfo(out / "demo.pdf")
    assert len(kinds) == result.slides == 24
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
                                "demo-handout.pdf", "demo-sources.md", "demo-sources.html"]
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert z.read("demo.pdf") == (out / "demo.pdf").read_bytes()
        assert z.read("demo-handout.pdf") == (out / "demo-handout.pdf").read_bytes()
        assert z.read("demo-sources.md") == (out / "demo-sources.md").read_bytes()
        readme = z.read("README.txt").decode("utf-8")
        (tmp_path / "demo.pptx").write_bytes(z.read("demo.pptx"))
        html = z.read("demo.html").decode("utf-8")
    for name in ("demo.pptx", "demo.pdf", "demo.html", "demo-handout.pdf", "demo-sources.md",
                 "USB", "PowerPoint"):
        assert name in readme
    assert len(Presentation(str(tmp_path / "demo.pptx")).slides) == result.slides
    assert 'src="data:image/' in html and 'src="img/' not in html  # the one-file deck


def test_bundle_zip_is_reproducible():
    members = [("README.txt", b"read me"), ("a.pptx", b"PK" + bytes(100)), ("a.pdf", b"%PDF")]
    assert bundle_zip(members) == bundle_zip(members)
    with zipfile.ZipFile(io.BytesIO(bundle_zip(members))) as z:
        assert [i.compress_type for i in z.infolist()] == [8, 0, 8]
        assert z.read("a.pptx") == b"PK" + bytes(100)


def test_pdf_rewrite_is_skipped_for_a_file_it_does_not_recognise():
    assert finished(b"not a pdf", {"Author": "Ada"}, None) == b"not a pdf"


def test_handout_page_escapes_hostile_notes(tmp_path):
    hostile = '<script>alert(1)</script> <img src=x onerror="alert(2)"> [x](javascript:alert(3))'
    slide = Slide("image", (), notes=hostile, title="<i>t</i>", caption="<b>c</b> " + hostile,
                  source=Source("<u>s</u>", "javascript:alert(4)"), remarks="Public: " + hostile)
    deck = Deck("T <b>", 1280, 720, (slide, Slide("text", (), title="<i>t</i>")), author="Ada")
    page = handout_page(deck, themes.load("default"), [b"jpeg", b"jpeg"], tmp_path / "h")
    text = page.read_text(encoding="utf-8")
    assert "<script>alert" not in text and "<img src=x" not in text and "<b>c" not in text
    assert "javascript:" not in text.split("<body>")[1].replace("[x](javascript", "")
    assert "&lt;script&gt;" in text and "T &lt;b&gt;" in text and "&lt;i&gt;t&lt;/i&gt;" in text
    assert "&lt;u&gt;s&lt;/u&gt;" in text
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
    for word in ("--pdf", "--handout", "--sources", "--bundle", "--max-pdf-mb", "--out-dir",
                 "--strict", "--allow-missing", "--cache-dir", "DECKBUILDER_CHROME", "A4",
                 "Public:", "outline"):
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
                    f"  - image: a.png\n  - image: b.png\n    notes: 'Public: {words}'\n"
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
    assert str(result.warnings[0]).startswith(f"{spec}:7: warning: slide 2: the notes shown")
    text = " ".join(pdftext(out / "talk-handout.pdf", 1).split())
    # the "… (shortened for the handout)" mark sits over the last line of the box
    assert "word0 word1 " in text and "… (shortened" in text and "for the handout)" in text
    assert "word1499" not in text
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(DeckError, match="on the handout are too long"):
        export(spec, ("pdf", "handout"), out, strict=True, cache_dir=tmp_path / "cache")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def png_kinds_talk(tmp_path: Path) -> tuple[Path, dict[str, Image.Image]]:
    """Write a talk of one picture of each PNG kind, a JPEG and a half-transparent PNG;
    return it and the pictures as drawn."""
    vault, noise = tmp_path / "vault", Image.effect_noise((240, 160), 60)
    rgb = Image.merge("RGB", (noise, noise.rotate(90), noise.transpose(0)))
    clear = rgb.copy()
    clear.putalpha(Image.linear_gradient("L").resize(rgb.size))
    pictures = {"rgb.png": rgb, "palette.png": rgb.quantize(64), "grey.png": noise,
                "bits.png": noise.convert("1"), "photo.jpg": rgb, "clear.png": clear}
    vault.mkdir()
    for name, im in pictures.items():
        im.save(vault / name)
    (vault / "Note.md").write_text("".join(f"![[{n}]]\n{n}\n\n" for n in pictures),
                                   encoding="utf-8")
    spec = tmp_path / "talk.yaml"
    spec.write_text("title: Kinds\nvault: vault\nslides:\n"
                    + "".join(f"  - image: {n}\n" for n in pictures), encoding="utf-8")
    return spec, pictures


@tool
def test_png_pictures_go_into_the_pdf_with_their_own_pixels(tmp_path):
    tools()
    require_tool("pdfimages")
    spec, pictures = png_kinds_talk(tmp_path)
    export(spec, ("pdf",), tmp_path / "out", cache_dir=tmp_path / "cache")
    pdf = tmp_path / "out" / "talk.pdf"
    listed = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True,
                            check=True).stdout.splitlines()[2:]
    rows = [(int(r[0]), r[2], r[5], r[8]) for r in map(str.split, listed)]
    # PNGs as they are (RGB, or an sRGB palette), the JPEG as it is; the transparent one
    # as Chromium draws it, with its mask
    assert rows == [(1, "image", "icc", "image"), (2, "image", "index", "image"),
                    (3, "image", "index", "image"), (4, "image", "index", "image"),
                    (5, "image", "icc", "jpeg"), (6, "image", "icc", "image"),
                    (6, "smask", "gray", "image")]
    subprocess.run(["pdfimages", "-png", "-l", "4", str(pdf), str(tmp_path / "x")], check=True)
    for n, name in enumerate(["rgb.png", "palette.png", "grey.png", "bits.png"]):
        got = Image.open(tmp_path / f"x-{n:03d}.png").convert("RGB")
        drawn = pictures[name].convert("RGB")
        # poppler reads the pixels through the sRGB profile: off by one at most
        assert max(ImageChops.difference(got, drawn).getextrema())[1] <= 1, name


@tool
def test_a_chromium_that_prints_no_stand_ins_gets_the_real_pictures(tmp_path, monkeypatch):
    tools()
    require_tool("pdfimages")
    monkeypatch.setattr(passthrough, "_number", lambda image: None)   # none found
    spec, _ = png_kinds_talk(tmp_path)
    export(spec, ("pdf",), tmp_path / "out", cache_dir=tmp_path / "cache")
    listed = subprocess.run(["pdfimages", "-list", str(tmp_path / "out" / "talk.pdf")],
                            capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert [(r[3], r[4]) for r in map(str.split, listed) if r[2] == "image"] == [("240", "160")] * 6


def test_a_picture_that_does_not_fill_its_box_gets_no_stand_in(tmp_path):
    spec, _ = png_kinds_talk(tmp_path)
    deck = build(spec, (), tmp_path / "out", cache_dir=tmp_path / "cache").deck
    assert deck is not None
    first = deck.slides[0]
    picture = next(i for i in first.items if i.kind == "image")
    wide = replace(picture, box=replace(picture.box, w=picture.box.w * 1.5))  # a background
    deck = replace(deck, slides=(replace(first, items=tuple(
        wide if i is picture else i for i in first.items)),) + deck.slides[1:])
    shown = passthrough.stand_ins(deck, tmp_path / "stand-ins")
    assert picture.image not in shown.originals.values()
    assert len(shown.originals) == 3        # the palette and the two grey PNGs
    assert next(i for i in shown.deck.slides[0].items if i.kind == "image").image == picture.image


# ---------------------------------------------------------------- conference polish

SLIDES_URL = "https://example.org/talks/llm-data-cleaning"   # talks/demo.yaml's slides_url
TAG = re.compile(r"(?<!\S)#[\w/-]*[^\W\d][\w/-]*")           # an Obsidian tag, as written


def demo_entries() -> list[dict]:
    """Every entry of the demo vault (the demo talk shows each exactly once)."""
    run = CliRunner().invoke(main, ["entries", str(ROOT / "talks" / "demo-vault"), "--json"])
    assert run.exit_code == 0, run.output
    import json
    return json.loads(run.stdout)


def urls_of(pdf: Path) -> list[tuple[int, str]]:
    """Return (page, URL) of every link annotation poppler finds."""
    out = subprocess.run(["pdfinfo", "-url", str(pdf)], capture_output=True, text=True,
                         check=True).stdout
    return [(int(m[1]), m[2]) for m in re.finditer(r"^\s*(\d+)\s+Annotation\s+(\S+)$", out, re.M)]


@tool
def test_sources_list_holds_every_source_with_the_slides_that_show_it(demo, kinds):
    _, out = demo
    md = (out / "demo-sources.md").read_text(encoding="utf-8")
    page = (out / "demo-sources.html").read_text(encoding="utf-8")
    assert md.startswith(f"# Sources: {TITLE}\n") and f"Slides: <{SLIDES_URL}>" in md
    listed = {}   # the line of each source, by URL or label
    for line in md.splitlines():
        if line.startswith("- "):
            where = re.search(r"\(slides? ([\d, ]+)\)$", line)
            assert where, line
            listed[line] = {int(n) for n in where[1].split(", ")}
    sources = [e["source"] for e in demo_entries() if e["source"]]
    assert len(listed) == len({s["url"] or s["text"] for s in sources}) == 14
    pdf, credits = out / "demo.pdf", {n + 1 for n, k in enumerate(kinds) if k == "credits"}
    links = urls_of(pdf)   # each picture links to its source
    for source in sources:
        key = f"<{source['url']}>" if source["url"] else source["text"]
        [line] = [line for line in listed if key in line]
        if source["url"]:
            shown = {n for n, url in links if url == source["url"]} - credits
            assert f'<a href="{source["url"]}">{source["url"]}</a>' in page
        else:
            shown = {n for n in range(1, len(kinds) + 1)
                     if f"Source: {source['text']}" in " ".join(pdftext(pdf, n).split())}
        assert shown == listed[line], (source, listed[line])
    # grouped by site as on the credits slide, sources without a URL last
    heads = [line[3:] for line in md.splitlines() if line.startswith("## ")]
    assert heads == ["example.com", "example.net", "example.org", "Other sources"]
    assert "(slides 16, 17)" in md  # one paper shown on two slides


@tool
def test_pdf_outline_has_the_sections_with_their_slide_titles(demo):
    from pypdf import PdfReader

    _, out = demo
    with zipfile.ZipFile(out / "demo-bundle.zip") as z:
        page = z.read("demo.html").decode("utf-8")
    slides = re.findall(r'<section class="db-slide db-([\w-]+)"[^>]*?data-title="([^"]*)"', page)
    assert len(slides) == 24
    reader = PdfReader(out / "demo.pdf")
    top = [(item.title, reader.get_destination_page_number(item)) for item in reader.outline
           if not isinstance(item, list)]
    assert [t for t, _ in top] == [TITLE, "Where the tokens go", "Filtering and deduplication",
                                   "Did it help?", "Sources", "Thank you"]
    children = [item for item in reader.outline if isinstance(item, list)]
    import html as html_mod
    sections = [n for n, (kind, _) in enumerate(slides) if kind == "section"]
    for (title, at), under in zip(top[1:4], children):
        assert at in sections and html_mod.unescape(slides[at][1]) == title
        end = next((n for n in sections if n > at), len(slides) - 2)   # credits, closing
        expected = [html_mod.unescape(t) for _, t in slides[at + 1:end]]
        got = [c.title for c in under]
        assert [g.rstrip("…") for g in got] == [e.rstrip() for e in expected], title
        assert [reader.get_destination_page_number(c) for c in under] == list(range(at + 1, end))
    assert any(g.endswith("…") for c in children for g in [x.title for x in c])  # a cut caption


@tool
def test_two_exports_give_byte_identical_pdfs_handouts_and_sources(demo, tmp_path):
    _, out = demo
    again = export(DEMO, ("pdf", "handout", "sources"), tmp_path / "again",
                   cache_dir=tmp_path / "cache")
    for path in again.outputs:
        assert path.read_bytes() == (out / path.name).read_bytes(), path.name
    info = pdfinfo(out / "demo.pdf")
    assert info["CreationDate"] == info["ModDate"] == "Thu May 14 00:00:00 2026 UTC"
    from pypdf import PdfReader
    ident = PdfReader(out / "demo.pdf").trailer["/ID"]
    first = getattr(ident[0], "original_bytes", ident[0])   # pypdf may read it as text
    assert len(ident) == 2 and ident[0] == ident[1] and len(first) == 16


@tool
def test_handout_is_safe_for_the_audience_with_clickable_sources(demo):
    _, out = demo
    handout = out / "demo-handout.pdf"
    text = pdftext(handout)
    flat = " ".join(text.split())
    assert ".md:" not in text and "Pasted image" not in text and ".png" not in text
    assert TAG.findall(text) == [], TAG.findall(text)
    # the lines the speaker marked "Public:" are there, without the marker; others are not
    assert "Every stage is cheap on its own; the compound effect is what hurts." in flat
    assert "Always sample and read the data after every transform!" in flat
    assert "Public:" not in flat
    assert "cookie banners" not in flat and "Shingle size 5" not in flat
    links = {url for _, url in urls_of(handout)}
    sources = {e["source"]["url"] for e in demo_entries() if e["source"] and e["source"]["url"]}
    assert sources <= links, sources - links
    compact = re.sub(r"[\s-]", "", text)   # poppler may break a URL after a hyphen
    for url in sources:  # written out too, for a printed copy
        assert url.replace("-", "") in compact, url


@tool
def test_closing_slide_qr_code_decodes_in_the_printed_pdf(demo, tmp_path):
    zbar = require_tool("zbarimg")
    _, out = demo
    stem = tmp_path / "closing"
    subprocess.run(["pdftoppm", "-r", "72", "-png", "-singlefile", "-f", "24", "-l", "24",
                    str(out / "demo.pdf"), str(stem)], check=True)
    found = subprocess.run([zbar, "-q", "--raw", f"{stem}.png"], capture_output=True,
                           text=True).stdout.split()
    assert found == [SLIDES_URL]
    assert (24, SLIDES_URL) in urls_of(out / "demo.pdf")    # the code and the URL are links
    assert "example.org/talks/llm-data-cleaning" in pdftext(out / "demo.pdf", 24)
