"""`deckbuilder build`: the demo builds, output is reproducible, bad input writes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from pptx import Presentation

from _decks import draw
from deckbuilder.build import build, format_size
from deckbuilder.cli import main
from deckbuilder.errors import DeckError

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "talks" / "demo.yaml"


def small_talk(tmp_path: Path) -> Path:
    """Write a two-note vault and a spec picking three images from it; return the spec."""
    vault = tmp_path / "vault"
    draw(vault / "a.png", (800, 450))
    draw(vault / "b.png", (400, 600), "darkgreen")
    draw(vault / "c.png", (640, 480), "darkred")
    (vault / "One.md").write_text("# One\n\n![[a.png]]\nFirst caption\nFrom: https://example.org/a\n"
                                  "\n![[b.png]]\nSecond caption\n", encoding="utf-8")
    (vault / "Two.md").write_text("![[c.png]]\nThird caption\n", encoding="utf-8")
    spec = tmp_path / "talk.yaml"
    spec.write_text("title: Small\nauthor: Ada\nvault: vault\ndate: 2026-05-14\nslides:\n"
                    "  - title\n  - image: a.png\n  - image: b.png\n  - image: c.png\n"
                    "  - credits\n", encoding="utf-8")
    return spec


def test_small_talk_builds_next_to_the_spec(tmp_path):
    spec = small_talk(tmp_path)
    result = build(spec, cache_dir=tmp_path / "cache")
    out = tmp_path / "build" / "talk.pptx"
    assert result.outputs == (out,) and result.slides == 5 and result.images == 3
    prs = Presentation(str(out))
    assert len(prs.slides) == 5
    assert prs.slides[1].notes_slide.notes_text_frame.text.endswith("One.md:3")
    assert result.bytes == out.stat().st_size
    # What later stages (export) need, so they plan and load nothing again.
    assert result.deck is not None and result.talk is not None
    assert result.theme is not None and result.theme.name == result.deck.theme == "default"


def test_sizes_are_printed_in_kilobytes_below_a_tenth_of_a_megabyte():
    assert [format_size(n) for n in (0, 12_345, 99_999, 100_000, 1_530_000)] == [
        "0 kB", "12 kB", "100 kB", "0.1 MB", "1.5 MB"]


def test_missing_images_stop_the_build_listing_every_use_and_write_nothing(tmp_path):
    spec = small_talk(tmp_path)
    (tmp_path / "vault" / "b.png").unlink()
    (tmp_path / "vault" / "c.png").write_bytes(b"garbage")
    with pytest.raises(DeckError) as e:
        build(spec, cache_dir=tmp_path / "cache")
    text = str(e.value)
    assert "One.md:7: error: image not found: b.png" in text
    assert "Two.md:1: error: unreadable image c.png" in text
    assert not (tmp_path / "build").exists()


def test_allow_missing_draws_a_placeholder(tmp_path):
    spec = small_talk(tmp_path)
    (tmp_path / "vault" / "b.png").unlink()
    result = build(spec, allow_missing=True, cache_dir=tmp_path / "cache")
    assert any("b.png" in str(w) for w in result.warnings)
    prs = Presentation(str(result.outputs[0]))
    texts = [s.text_frame.text for s in prs.slides[2].shapes if s.has_text_frame]
    assert any(t.startswith("Missing image") for t in texts)


def test_failed_build_leaves_the_previous_deck_untouched(tmp_path):
    spec = small_talk(tmp_path)
    first = build(spec, cache_dir=tmp_path / "cache").outputs[0]
    before = first.read_bytes()
    (tmp_path / "vault" / "a.png").unlink()
    with pytest.raises(DeckError):
        build(spec, cache_dir=tmp_path / "cache")
    assert first.read_bytes() == before
    assert [p.name for p in first.parent.iterdir()] == ["talk.pptx"]


def test_strict_turns_layout_warnings_into_errors(tmp_path):
    spec = small_talk(tmp_path)
    long = " ".join(f"word{i}" for i in range(500))
    (tmp_path / "vault" / "Two.md").write_text(f"![[c.png]]\n{long}\n", encoding="utf-8")
    assert build(spec, cache_dir=tmp_path / "cache").warnings
    with pytest.raises(DeckError, match="Two.md:1: error: caption too long"):
        build(spec, strict=True, out_dir=tmp_path / "strict", cache_dir=tmp_path / "cache")
    assert not (tmp_path / "strict").exists()


def test_cli_prints_one_summary_line_and_no_progress_off_a_terminal(tmp_path):
    spec = small_talk(tmp_path)
    out = tmp_path / "o"
    result = CliRunner().invoke(main, ["build", str(spec), "-o", str(out), "--cache-dir",
                                       str(tmp_path / "cache")])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("5 slides, 3 images, ")
    assert str(out / "talk.pptx") in lines[0]


def test_demo_talk_builds(tmp_path):
    result = build(DEMO, out_dir=tmp_path, cache_dir=tmp_path / "cache")
    prs = Presentation(str(result.outputs[0]))
    assert len(prs.slides) == result.slides >= 20
    kinds = [s._element.cSld.get("name").split(":")[0] for s in prs.slides]
    assert kinds[0] == "title" and "credits" in kinds and "multi-image" in kinds


def test_two_processes_build_identical_bytes(tmp_path):
    outs = []
    for n, (seed, tz) in enumerate((("1", "UTC"), ("987", "Asia/Kolkata"))):
        env = {**os.environ, "PYTHONHASHSEED": seed, "TZ": tz}
        out = tmp_path / f"out{n}"
        subprocess.run([sys.executable, "-m", "deckbuilder", "build", str(DEMO), "-o", str(out),
                        "--cache-dir", str(tmp_path / f"cache{n}")],
                       check=True, env=env, capture_output=True)
        outs.append((out / "demo.pptx").read_bytes())
    assert outs[0] == outs[1]


def _ink_outside_shapes(page, slide, slide_width: int, tolerance: int = 3):
    """Return the bounding box of drawn pixels outside every shape's box (None if none)."""
    from PIL import Image, ImageChops, ImageDraw

    im = page.convert("RGB").crop((0, 0, page.width - 1, page.height))  # LibreOffice's
    scale = page.width / slide_width                 # last column is a rounding artefact
    background = Image.new("RGB", im.size, im.getpixel((2, 2)))
    ink = ImageChops.difference(im, background).convert("L").point(lambda v: 255 * (v > 40))
    allowed = Image.new("L", im.size, 0)
    pen = ImageDraw.Draw(allowed)
    for shape in slide.shapes:
        pen.rectangle([shape.left * scale - tolerance, shape.top * scale - tolerance,
                       (shape.left + shape.width) * scale + tolerance,
                       (shape.top + shape.height) * scale + tolerance], fill=255)
    return ImageChops.subtract(ink, allowed).getbbox()


@pytest.mark.tools
def test_demo_deck_renders_in_libreoffice_with_everything_in_its_box(tmp_path):
    """Page count, a non-blank region for every picture, and no ink outside the planned
    boxes: the measured caption sizes really fit in LibreOffice's text layout."""
    from PIL import Image

    from conftest import require_tool

    soffice, pdftoppm = require_tool("soffice", "libreoffice"), require_tool("pdftoppm")
    result = build(DEMO, out_dir=tmp_path, cache_dir=tmp_path / "cache")
    deck = result.outputs[0]
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
                    "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(deck)],
                   check=True, capture_output=True, timeout=180)
    subprocess.run([pdftoppm, "-r", "48", "-png", str(tmp_path / "demo.pdf"),
                    str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p-*.png"))
    prs = Presentation(str(deck))
    assert len(pages) == len(prs.slides)
    checked = 0
    for slide, page in zip(prs.slides, pages):
        name = slide._element.cSld.get("name")
        with Image.open(page) as im:
            assert _ink_outside_shapes(im, slide, prs.slide_width) is None, name
            gray = im.convert("L")
            scale = im.width / prs.slide_width
            for pic in (s for s in slide.shapes if s.shape_type == 13):
                box = [int(v * scale) for v in (pic.left, pic.top, pic.left + pic.width,
                                                pic.top + pic.height)]
                lo, hi = gray.crop((box[0] + 1, box[1] + 1, box[2] - 1, box[3] - 1)).getextrema()
                assert hi - lo > 40, name   # not a blank region
                checked += 1
    assert checked == result.images > 0    # every picture, and no placeholder among them


def test_building_never_modifies_the_notes_or_images(tmp_path):
    # The vault is the user's archive: read it, never write to it (the outputs go beside
    # the spec, and the image cache elsewhere).
    spec = small_talk(tmp_path)
    vault = tmp_path / "vault"
    # An EXIF-rotated JPEG is the case most tempting to "fix" in place.
    from PIL import Image
    img = Image.new("RGB", (60, 40), "orange")
    exif = Image.Exif()
    exif[0x0112] = 6
    img.save(vault / "d.jpg", exif=exif)
    (vault / "Two.md").write_text("![[c.png]]\nThird caption\n\n![[d.jpg]]\nRotated\n",
                                  encoding="utf-8")
    spec.write_text(spec.read_text(encoding="utf-8").replace("  - credits", "  - image: d.jpg\n"
                                                             "  - credits"), encoding="utf-8")
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in vault.rglob("*") if p.is_file()}
    build(spec, formats=("pptx", "html"), cache_dir=tmp_path / "cache")
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in vault.rglob("*") if p.is_file()}
    assert after == before


def test_progress_says_how_many_images_there_are_to_read(tmp_path):
    spec = small_talk(tmp_path)
    for png in (tmp_path / "vault").glob("*.png"):   # settled files: the index trusts them
        os.utime(png, ns=(10**18, 10**18))
    said: list[str] = []
    build(spec, cache_dir=tmp_path / "cache", progress=said.append)
    assert "normalising images: 3 to read, 0 unchanged" in said
    said.clear()
    build(spec, cache_dir=tmp_path / "cache", progress=said.append)
    assert "normalising images: 0 to read, 3 unchanged" in said
    assert said.index("normalising images: 0 to read, 3 unchanged") < said.index("planning slides")


def test_the_program_ends_without_sweeping_the_heap_and_loses_nothing(tmp_path):
    # `deckbuilder` (cli.run) freezes the heap before Python's exit, which would otherwise
    # collect every cycle of a process about to end; the deck is written, the summary
    # printed, exit handlers run and the exit code kept all the same.
    spec = small_talk(tmp_path)
    code = ("import atexit, gc; atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0,"
            " flush=True)); from deckbuilder.cli import run; run()")
    args = ["build", str(spec), "-f", "html", "--single-file", "--cache-dir", str(tmp_path / "c")]
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "5 slides, 3 images" in done.stdout and done.stdout.endswith("frozen True\n")
    again = build(spec, ["html"], tmp_path / "again", single_file=True, cache_dir=tmp_path / "c")
    assert (tmp_path / "build" / "talk.html").read_bytes() == again.outputs[0].read_bytes()
    failed = subprocess.run([sys.executable, "-c", code, "build", str(tmp_path / "nope.yaml")],
                            capture_output=True, text=True)
    assert failed.returncode == 2 and "nope.yaml" in failed.stderr
    assert failed.stdout == "frozen True\n"


def test_the_build_command_runs_without_the_cycle_collector_and_restores_it(tmp_path,
                                                                            monkeypatch):
    import gc

    import deckbuilder.build

    spec = small_talk(tmp_path)
    seen = []
    real = deckbuilder.build.build
    monkeypatch.setattr(deckbuilder.build, "build",
                        lambda *a, **k: seen.append(gc.isenabled()) or real(*a, **k))
    assert gc.isenabled()
    done = CliRunner().invoke(main, ["build", str(spec), "--cache-dir", str(tmp_path / "c")])
    assert done.exit_code == 0, done.output
    assert seen == [False] and gc.isenabled()


def test_temporary_names_carry_the_host_as_the_socket_module_names_it():
    # fsutil reads the node name without importing socket (~4 ms of every run); a later
    # run must still recognise what this host's killed runs left.
    import re
    import socket

    from deckbuilder import fsutil

    assert fsutil.host_tag() == (re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:32]
                                 or "host")
