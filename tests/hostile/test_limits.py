"""Input that would hang or crash deckbuilder becomes a clear error at its line, fast."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from pptx import Presentation

from _decks import draw
from deckbuilder import theme
from deckbuilder.build import build
from deckbuilder.errors import DeckError

pytestmark = pytest.mark.hostile


def _talk(root: Path, extra: str = "", slides: str = "  - select: {}\n") -> Path:
    vault = root / "notes"
    draw(vault / "a.png", (320, 180))
    (vault / "N.md").write_text("![[a.png]]\n" + "a" * 40 + "b caption\n", encoding="utf-8")
    spec = root / "t.yaml"
    spec.write_text(f"title: T\nvault: notes\n{extra}slides:\n{slides}", encoding="utf-8")
    return spec


def test_a_catastrophic_match_pattern_is_an_error_at_its_line_not_a_hang(tmp_path):
    spec = _talk(tmp_path, slides="  - title\n  - select: {match: '(a|aa)+$'}\n")
    started = time.monotonic()
    with pytest.raises(DeckError) as e:
        build(spec, ("pptx",), cache_dir=tmp_path / "cache")
    assert time.monotonic() - started < 30   # not a timing assert: a hang would never end
    assert f"{spec}:5: error: the regular expression '(a|aa)+$' takes too long" in str(e.value)
    assert "N.md:1" in str(e.value)


def test_nested_aliases_in_a_theme_are_refused(tmp_path):
    folder = tmp_path / "themes" / "bomb"
    folder.mkdir(parents=True)
    lines = ["extends: default", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join(f'*a{n - 1}' for _ in range(10))}]" for n in range(1, 9)]
    (folder / "theme.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(DeckError) as e:
        theme.load("bomb", tmp_path)
    assert time.monotonic() - started < 30
    assert "expand to more than 100,000 values" in str(e.value)
    assert f"{folder / 'theme.yaml'}:1: error" in str(e.value)


def test_a_title_of_thousands_of_characters_builds_and_its_property_is_cut(tmp_path):
    long = "Very long title " * 40
    spec = _talk(tmp_path, extra=f"author: {'A' * 300}\nevent: {'E' * 300}\n",
                 slides="  - title\n")
    spec.write_text(spec.read_text(encoding="utf-8").replace("title: T", f"title: {long}"),
                    encoding="utf-8")
    result = build(spec, ("pptx",), cache_dir=tmp_path / "cache")
    prs = Presentation(str(result.outputs[0]))
    props = prs.core_properties
    assert len(props.title) == 255 and props.title.endswith("…")
    assert len(props.author) == 255 and len(props.keywords) == 255


@pytest.mark.parametrize("char", ["\u2029", "\u2028", "\x85", "\x1c", "\x1d", "\x1e"])
def test_separators_in_spec_text_build_in_both_formats(tmp_path, char):
    esc = f"\\u{ord(char):04x}"   # YAML's escape: raw C0 characters are a YAML error
    spec = _talk(tmp_path, slides=f'  - title\n  - image: a.png\n    caption: "one{esc}two"\n'
                                  f'  - text: "para{esc}graph"\n')
    spec.write_text(spec.read_text(encoding="utf-8").replace("title: T", f'title: "T{esc}X"'),
                    encoding="utf-8")
    result = build(spec, ("pptx", "html"), cache_dir=tmp_path / "cache")
    prs = Presentation(str(result.outputs[0]))
    assert prs.slides[1].shapes.title.text_frame.text == "one two"
    assert char not in (tmp_path / "build" / "t" / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("char", ["\u2029", "\x85", "\x1c", "\x1e"])
def test_separators_in_a_note_build_in_both_formats(tmp_path, char):
    vault = tmp_path / "notes"
    draw(vault / "a.png", (320, 180))
    (vault / "N.md").write_text(f"![[a.png]]\nA cap{char}tion\nFrom: Some{char}one\n",
                                encoding="utf-8")
    spec = tmp_path / "t.yaml"
    spec.write_text("title: T\nvault: notes\nslides:\n  - select: {}\n  - credits\n",
                    encoding="utf-8")
    result = build(spec, ("pptx", "html"), cache_dir=tmp_path / "cache")
    prs = Presentation(str(result.outputs[0]))
    assert prs.slides[0].shapes.title.text_frame.text == "A cap tion"


def test_a_corrupt_exif_block_builds_without_a_raw_python_warning(tmp_path):
    import io
    import subprocess
    import sys

    from PIL import Image

    vault = tmp_path / "notes"
    vault.mkdir()
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    Image.new("RGB", (400, 300), "navy").save(buf, "JPEG", exif=exif.tobytes())
    data = bytearray(buf.getvalue())
    at = data.find(b"Exif")
    data[at + 10:at + 30] = b"\xff" * 20          # the IFD offsets now point nowhere
    (vault / "p.jpg").write_bytes(bytes(data))
    (vault / "N.md").write_text("![[p.jpg]]\nA photo\n", encoding="utf-8")
    spec = tmp_path / "t.yaml"
    spec.write_text("title: T\nvault: notes\nslides:\n  - select: {}\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "deckbuilder", "build", str(spec),
                          "--cache-dir", str(tmp_path / "cache")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "Warning" not in run.stderr and "Corrupt EXIF" not in run.stderr


def test_a_theme_font_file_that_is_not_a_font_is_an_error(tmp_path):
    folder = tmp_path / "themes" / "broken"
    folder.mkdir(parents=True)
    (folder / "fake.woff2").write_bytes(b"definitely not a font")
    (folder / "theme.yaml").write_text("extends: default\nfonts:\n  body:\n"
                                       "    regular: fake.woff2\n", encoding="utf-8")
    with pytest.raises(DeckError) as e:
        theme.load("broken", tmp_path)
    assert "fake.woff2 is not a font the layout can measure with" in str(e.value)


def test_entries_on_an_over_long_path_is_a_clear_error(tmp_path):
    from click.testing import CliRunner

    from deckbuilder.cli import main

    result = CliRunner().invoke(main, ["entries", str(tmp_path / ("x" * 5000))])
    assert result.exit_code == 1 and "cannot read (File name too long)" in result.output
    assert "Traceback" not in result.output
