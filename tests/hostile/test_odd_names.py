"""Names and text that are not plain UTF-8 or not plain paths: shown with escapes or
reported at their line, never a traceback."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner
from pptx import Presentation

from _decks import draw
from deckbuilder.build import build
from deckbuilder.cli import main
from deckbuilder.errors import DeckError

pytestmark = pytest.mark.hostile


def test_a_note_folder_that_is_not_utf8_builds_and_shows_an_escape(tmp_path):
    vault = tmp_path / "notes"
    odd = os.fsdecode(b"caf\xe9")            # Latin-1 bytes in a folder name
    folder = vault / odd
    draw(folder / "a.png", (320, 180))
    (folder / "N.md").write_text("![[a.png]]\nA caption\n", encoding="utf-8")
    spec = tmp_path / "t.yaml"
    spec.write_text("title: T\nvault: notes\nslides:\n  - select: {}\n", encoding="utf-8")
    result = build(spec, ("pptx", "html"), cache_dir=tmp_path / "cache")
    notes = Presentation(str(result.outputs[0])).slides[0].notes_slide.notes_text_frame.text
    assert notes.endswith("caf\\udce9/N.md:1")
    html = (tmp_path / "build" / "t" / "index.html").read_text(encoding="utf-8")
    assert "caf\\udce9/N.md:1" in html
    checked = CliRunner().invoke(main, ["check", str(spec)])
    assert checked.exit_code == 0, checked.output


def test_a_lone_surrogate_in_the_spec_is_an_error_at_its_line(tmp_path):
    (tmp_path / "notes").mkdir()
    spec = tmp_path / "t.yaml"
    spec.write_text('title: T\nvault: notes\nsubtitle: "x\\ud800y"\nslides: [title]\n',
                    encoding="utf-8")
    with pytest.raises(DeckError) as e:
        build(spec, ("pptx",), cache_dir=tmp_path / "cache")
    assert f"{spec}:3: error: 'subtitle' holds a lone surrogate" in str(e.value)


@pytest.mark.parametrize("vault, message", [
    ("~nosuchuser/notes", "'~nosuchuser/notes': Could not determine home directory"),
    ("notes", "bad glob '[z-a].md' in 'notes'"),
])
def test_odd_vault_paths_and_globs_are_errors_at_their_line(tmp_path, vault, message):
    (tmp_path / "notes").mkdir()
    spec = tmp_path / "t.yaml"
    spec.write_text(f"title: T\nvault: {vault}\nnotes: ['[z-a].md']\nslides: [title]\n",
                    encoding="utf-8")
    with pytest.raises(DeckError) as e:
        build(spec, ("pptx",), cache_dir=tmp_path / "cache")
    assert message in str(e.value)


def test_an_image_linked_from_outside_the_vault_is_warned_about_and_strict_refuses(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    draw(elsewhere / "secret.png", (320, 180))
    vault = tmp_path / "notes"
    vault.mkdir()
    (vault / "secret.png").symlink_to(elsewhere / "secret.png")
    (vault / "linked").symlink_to(elsewhere, target_is_directory=True)
    draw(vault / "inside.png", (320, 180))
    (vault / "N.md").write_text("![[secret.png]]\nA\n\n![[inside.png]]\nB\n", encoding="utf-8")
    spec = tmp_path / "t.yaml"
    spec.write_text("title: T\nvault: notes\nslides:\n  - select: {}\n", encoding="utf-8")
    result = build(spec, ("pptx",), cache_dir=tmp_path / "cache")
    warned = [str(w) for w in result.warnings]
    assert any("N.md:1: warning: image 'secret.png' is a symbolic link to a file outside "
               "the vault" in w for w in warned)
    assert not any("inside.png" in w for w in warned)
    with pytest.raises(DeckError):
        build(spec, ("pptx",), strict=True, cache_dir=tmp_path / "cache")
