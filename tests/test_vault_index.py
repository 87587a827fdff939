"""The vault index: one walk, dot-folders and .trash skipped, Obsidian's link resolution."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from deckbuilder.vault.index import build, is_image_name

from _vaults import vault


def test_walk_skips_dot_folders_and_trash(tmp_path: Path) -> None:
    root = vault(tmp_path, {"a.md": "", "sub/b.md": "", ".obsidian/app.json": "{}",
                            ".trash/old.md": "", "sub/.hidden/c.md": "", "x.png": b"png"})
    index, problems = build(root)
    assert index.files == ("a.md", "sub/b.md", "x.png")
    assert index.notes == ("a.md", "sub/b.md")
    assert problems == []


def test_notes_are_in_code_point_order(tmp_path: Path) -> None:
    root = vault(tmp_path, {"b.md": "", "B.md": "", "a/z.md": "", "a.md": "", "Ä.md": ""})
    index, _ = build(root)
    assert index.notes == tuple(sorted(index.notes)) == ("B.md", "a.md", "a/z.md", "b.md", "Ä.md")


def test_exact_path_then_own_folder_then_shortest(tmp_path: Path) -> None:
    root = vault(tmp_path, {"Note.md": "", "b/Note.md": "", "b/c/Note.md": "", "zzzz/Pic.png": b"",
                            "a/b/Pic.png": b"", "q/Pic.png": b""})
    index, _ = build(root)
    assert index.resolve("Note", "b/c/Other.md") == "Note.md"           # exact vault path wins
    assert index.resolve("b/Note", "x.md") == "b/Note.md"
    assert index.resolve("Pic.png", "a/b/n.md") == "a/b/Pic.png"        # the note's own folder
    assert index.resolve("Pic.png", "a/n.md") == "q/Pic.png"            # then the shortest path
    assert index.resolve("b/Pic.png", "n.md") == "a/b/Pic.png"          # a partial path
    assert index.resolve("Missing.png", "n.md") is None
    assert index.resolve("", "n.md") is None                            # `![[#Heading]]`


def test_case_insensitive_and_nfc(tmp_path: Path) -> None:
    nfd = unicodedata.normalize("NFD", "Café.png")
    root = vault(tmp_path, {"img/" + nfd: b"", "Log.md": ""})
    index, _ = build(root)
    assert index.resolve("café.PNG", "n.md") == "img/" + nfd             # on-disk spelling kept
    assert index.resolve("LOG", "n.md") == "Log.md"                      # `<name>.md` for notes
    assert index.resolve("log.MD", "n.md") == "Log.md"


def test_markdown_destinations(tmp_path: Path) -> None:
    root = vault(tmp_path, {"notes/assets/My Pic.png": b"", "assets/Root.png": b"",
                            "deep/x/Far.png": b""})
    index, _ = build(root)
    assert index.resolve_markdown("assets/My%20Pic.png", "notes/n.md") == "notes/assets/My Pic.png"
    assert index.resolve_markdown("assets/Root.png", "notes/n.md") == "assets/Root.png"
    assert index.resolve_markdown("/assets/Root.png", "notes/n.md") == "assets/Root.png"
    assert index.resolve_markdown("../assets/Root.png", "notes/n.md") == "assets/Root.png"
    assert index.resolve_markdown("Far.png", "notes/n.md") == "deep/x/Far.png"   # name lookup
    assert index.resolve_markdown("", "n.md") is None


def test_relative_wikilink_falls_back_to_the_name(tmp_path: Path) -> None:
    root = vault(tmp_path, {"a/cbs.png": b"", "other/cbs_redux.png": b""})
    index, _ = build(root)
    assert index.resolve("../cbs.png", "a/b/n.md") == "a/cbs.png"
    assert index.resolve("../cbs_redux.png", "n.md") == "other/cbs_redux.png"


def test_image_extensions() -> None:
    for name in ("a.png", "b.JPG", "c.jpeg", "d.gif", "e.webp", "f.svg", "g.bmp", "h.avif"):
        assert is_image_name(name)
    for name in ("a.md", "b.excalidraw", "c.pdf", "d.webm", "e.mp4", "png", "dir.png/x", "f.heic"):
        assert not is_image_name(name)
