"""Input that used to hang deckbuilder: it finishes, promptly, with a sensible result."""

from __future__ import annotations

import os
import time

import pytest

from _decks import draw
from deckbuilder.serve.watch import Poller, watched

pytestmark = pytest.mark.hostile


def test_the_watcher_walks_a_vault_with_two_directory_symlink_loops(tmp_path):
    vault = tmp_path / "notes"
    deep = vault / "a" / "b"
    deep.mkdir(parents=True)
    draw(vault / "x.png", (40, 30))
    (vault / "N.md").write_text("![[x.png]]\ncaption\n", encoding="utf-8")
    os.symlink(vault, deep / "loop-to-top")          # 2^depth paths without a guard
    os.symlink(vault / "a", deep / "loop-to-a")
    spec = tmp_path / "t.yaml"
    spec.write_text("title: T\nvault: notes\nslides:\n  - select: {}\n", encoding="utf-8")
    started = time.monotonic()
    snap = Poller().snapshot(watched(spec, ()))
    assert time.monotonic() - started < 30     # a hang would never end; this is no benchmark
    assert str(vault / "N.md") in snap
    assert len([k for k in snap if k.endswith("N.md")]) == 1


@pytest.mark.parametrize("vault", ["/", "~"])
def test_a_vault_that_is_the_whole_file_system_or_home_is_refused(tmp_path, vault):
    from deckbuilder import spec as spec_mod
    from deckbuilder.errors import DeckError

    spec = tmp_path / "t.yaml"
    spec.write_text(f"title: T\nvault: '{vault}'\nslides: [title]\n", encoding="utf-8")
    with pytest.raises(DeckError) as e:
        spec_mod.load(spec)
    assert f"{spec}:2: error: vault '{vault}' is" in str(e.value)
    assert "a whole file system or home folder" in str(e.value)


def test_the_pptx_writer_does_not_walk_the_package_for_every_slide(tmp_path, monkeypatch):
    # python-pptx looks for the next free part name by walking every part; per slide
    # and per notes page that made writing quadratic in the slide count.
    from dataclasses import replace

    from pptx.opc.package import OpcPackage

    from _decks import sample
    from deckbuilder.render import pptx

    deck, *_ = sample(tmp_path)
    big = replace(deck, slides=tuple(deck.slides[i % len(deck.slides)] for i in range(60)))
    walks = []
    real = OpcPackage.iter_parts
    monkeypatch.setattr(OpcPackage, "iter_parts", lambda self: walks.append(1) or real(self))
    pptx.to_bytes(big)
    assert len(walks) <= 10   # a few: per name pattern and at save; was one per notes page (33)


def test_long_lines_of_dollars_and_parentheses_are_read_in_linear_time(tmp_path):
    from deckbuilder.vault import read

    vault = tmp_path / "notes"
    vault.mkdir()
    (vault / "Math.md").write_text("$a " * 50_000 + "\n", encoding="utf-8")    # 150 KB
    (vault / "Link.md").write_text("![[x.png]]\nCaption\nFrom: https://example.org/p"
                                   + ")" * 50_000 + "\n", encoding="utf-8")
    started = time.monotonic()
    found, _ = read(vault)
    assert time.monotonic() - started < 30   # minutes before; a hang would never end
    (entry,) = found.entries
    assert entry.source.url == "https://example.org/p"


def test_entries_on_the_file_system_root_is_refused_at_once():
    from click.testing import CliRunner

    from deckbuilder.cli import main

    result = CliRunner().invoke(main, ["entries", "/"])
    assert result.exit_code == 1
    assert "a whole file system or home folder is not a vault" in result.output
