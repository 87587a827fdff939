"""The watch set of a talk, and the poller that notices changes to it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from deckbuilder import theme as themes
from deckbuilder.serve.watch import Poller, Watched, changes, rebase, signature, watched

SPEC = "title: T\nvault: notes\nslides:\n  - title\n"


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    """A small vault: two notes, an image, a sub-folder and an .obsidian folder."""
    root = tmp_path / "notes"
    (root / ".obsidian").mkdir(parents=True)
    (root / "sub").mkdir()
    (root / "a.md").write_text("![[x.png]]\nCaption\n")
    (root / "sub" / "b.md").write_text("text\n")
    (root / "sub" / "x.png").write_bytes(b"png")
    (root / "sub" / "data.csv").write_text("1,2\n")
    (tmp_path / "talk.yaml").write_text(SPEC)
    return root


def snap(what: Watched, poller: Poller | None = None) -> dict:
    return (poller or Poller()).snapshot(what)


def test_watched_names_the_spec_vault_images_and_theme_folders(vault):
    spec = vault.parent / "talk.yaml"
    image = vault / "sub" / "x.png"
    what = watched(spec, [image])
    assert what.files == (spec.resolve(), image)
    assert what.vault == vault.resolve()
    assert what.trees == tuple(themes.search_path(spec.parent))
    assert themes.builtin_dir() in what.trees


def test_a_one_note_vault_is_watched_as_that_note(vault):
    spec = vault.parent / "talk.yaml"
    spec.write_text(SPEC.replace("vault: notes", "vault: notes/sub/b.md"))
    what = watched(spec)
    assert (vault / "sub" / "b.md").resolve() in what.files
    assert what.vault == vault.resolve()   # the nearest folder with .obsidian/


def test_a_spec_that_does_not_parse_is_still_watched(vault):
    spec = vault.parent / "talk.yaml"
    spec.write_text("title: [unclosed\n")
    assert watched(spec) == Watched((spec.resolve(),), None, watched(spec).trees)


def test_snapshot_holds_notes_image_names_and_picked_files(vault):
    image = vault / "sub" / "x.png"
    s = snap(Watched((image,), vault))
    assert s[str(vault / "a.md")] == signature(str(vault / "a.md"))
    assert s[str(vault / "sub" / "b.md")] is not None
    assert s[str(image)] == signature(str(image))   # picked: stat'ed
    assert s[str(vault / "sub")][:2] == (0, 1)       # one image name in the folder
    assert str(vault / "sub" / "data.csv") not in s  # neither a note nor an image
    assert not any(".obsidian" in k for k in s)


def test_changes_to_notes_images_and_folders_are_noticed(vault):
    poller = Poller()
    what = Watched((), vault)
    before = snap(what, poller)
    (vault / "a.md").write_text("![[x.png]]\nAnother caption\n")
    (vault / "sub" / "new.png").write_bytes(b"png")     # e.g. a missing image pasted in
    (vault / "sub" / "b.md").unlink()
    after = snap(what, poller)
    # The new image is seen as its folder's image names changing.
    assert changes(before, after) == sorted(
        [str(vault / "a.md"), str(vault / "sub"), str(vault / "sub" / "b.md")])
    assert changes(after, snap(what, poller)) == []


def test_what_obsidian_and_editors_write_aside_is_ignored(vault):
    poller = Poller()
    what = Watched((), vault)
    before = snap(what, poller)
    (vault / ".obsidian" / "workspace.json").write_text("{}")
    (vault / "sub" / ".b.md.swp").write_text("swap")
    (vault / "sub" / "data.csv").write_text("3,4\n")
    assert changes(before, snap(what, poller)) == []


def test_a_cached_listing_is_used_only_for_folders_unchanged_for_a_while(vault):
    poller = Poller()
    what = Watched((), vault)
    old = 1_000_000_000_000_000_000   # 2001: far from "racy"
    for folder in (vault, vault / "sub"):
        os.utime(folder, ns=(old, old))
    before = snap(what, poller)
    calls = []
    real = os.scandir
    os.scandir = lambda p: calls.append(p) or real(p)   # type: ignore[assignment]
    try:
        assert snap(what, poller) == before
        assert calls == []                 # nothing listed again
        (vault / "sub" / "c.md").write_text("new note\n")   # bumps the folder's mtime
        after = snap(what, poller)
    finally:
        os.scandir = real                  # type: ignore[assignment]
    assert calls == [str(vault / "sub")]
    assert changes(before, after) == [str(vault / "sub" / "c.md")]


def test_every_file_of_a_theme_tree_counts(tmp_path):
    theme = tmp_path / "themes" / "mine"
    (theme / "templates").mkdir(parents=True)
    (theme / "templates" / "deck.css.j2").write_text("a")
    poller = Poller()
    what = Watched((), None, (tmp_path / "themes",))
    before = snap(what, poller)
    (theme / "templates" / "deck.css.j2").write_text("bb")
    assert changes(before, snap(what, poller)) == [str(theme / "templates" / "deck.css.j2")]


def test_a_vanished_vault_is_a_change(vault):
    poller = Poller()
    what = Watched((), vault)
    before = snap(what, poller)
    vault.rename(vault.with_name("gone"))
    after = snap(what, poller)
    assert after == {str(vault): None}
    assert str(vault / "a.md") in changes(before, after)


def test_rebase_keeps_the_pre_build_signatures():
    assert rebase({"a": (1, 1, 1), "gone": None}, {"a": (2, 2, 2), "new": (3, 3, 3)}) == \
        {"a": (1, 1, 1), "new": (3, 3, 3)}
