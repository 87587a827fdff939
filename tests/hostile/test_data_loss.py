"""A build replaces only what deckbuilder made: never the vault, the spec's folder,
the output folder, a folder holding any of them, or a file that is not a deck."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _decks import draw
from deckbuilder.build import build
from deckbuilder.errors import DeckError

pytestmark = pytest.mark.hostile


def sandbox(root: Path, spec_name: str = "talk.yaml", vault: str = "notes",
            spec_dir: str = ".") -> Path:
    """Write a vault with a note and an image, an unrelated file and a spec; return the spec."""
    notes = root / vault
    draw(notes / "a.png", (320, 180))
    (notes / "precious.md").write_text("![[a.png]]\nA caption\n", encoding="utf-8")
    (root / "unrelated.txt").write_text("keep me\n", encoding="utf-8")
    spec = root / spec_dir / spec_name
    spec.parent.mkdir(parents=True, exist_ok=True)
    rel = os.path.relpath(notes, spec.parent)
    spec.write_text(f"title: T\nvault: {rel}\nslides:\n  - image: a.png\n", encoding="utf-8")
    return spec


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Return every file and folder under `root` with its bytes (None for folders)."""
    return {p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() else None)
            for p in root.rglob("*")}


def refused(spec: Path, out: Path | None, root: Path, formats=("pptx", "html"),
            **kw) -> str:
    """Build, expect a DeckError, check nothing under `root` changed; return the message."""
    before = snapshot(root)
    with pytest.raises(DeckError) as e:
        build(spec, formats, out, cache_dir=root.parent / "cache", **kw)
    assert snapshot(root) == before
    return str(e.value)


def test_a_deck_folder_named_like_the_vault_is_refused(tmp_path):
    root = tmp_path / "talk"
    spec = sandbox(root, "notes.yaml", vault="notes")
    message = refused(spec, root, root, ("html",))
    assert f"will not replace {root / 'notes'}: it is the vault" in message


@pytest.mark.parametrize("name", ["..yaml", "...yaml"])
def test_spec_names_that_cannot_name_an_output_are_refused(tmp_path, name):
    root = tmp_path / "talk"
    spec = sandbox(root, name)
    message = refused(spec, root, root)
    assert f"{spec}: error: the spec's file name {name!r} cannot name its outputs" in message


def test_the_output_folder_itself_is_never_the_deck(tmp_path):
    # `-o talk/build` for a spec `build.yaml` is fine (talk/build/build/), but a deck
    # folder that would be OUTDIR's parent chain is refused.
    root = tmp_path / "work"
    spec = sandbox(root, "work.yaml", spec_dir="sub")
    message = refused(spec, tmp_path, root)
    assert f"will not replace {root}: it holds the vault" in message


def test_the_specs_own_folder_is_refused(tmp_path):
    root = tmp_path / "all"
    spec = sandbox(root, "talk.yaml", vault="v", spec_dir="talk")
    message = refused(spec, root, root, ("html",))
    assert f"will not replace {root / 'talk'}: it is the talk's folder" in message


def test_a_folder_deckbuilder_did_not_make_is_refused(tmp_path):
    root = tmp_path / "t"
    spec = sandbox(root)
    mine = root / "build" / "talk"
    mine.mkdir(parents=True)
    (mine / "index.html").write_text("<p>my own page</p>", encoding="utf-8")
    message = refused(spec, None, root, ("html",))
    assert f"will not replace {mine}: it is a folder deckbuilder did not make" in message


@pytest.mark.parametrize("name, single", [("talk.pptx", False), ("talk.html", True)])
def test_a_users_file_where_an_output_goes_is_refused(tmp_path, name, single):
    root = tmp_path / "t"
    spec = sandbox(root)
    theirs = root / "build" / name
    theirs.parent.mkdir()
    theirs.write_bytes(b"PK\x03\x04 not a deck of ours")
    fmt = "html" if name.endswith("html") else "pptx"
    message = refused(spec, None, root, (fmt,), single_file=single)
    assert f"will not replace {theirs}: it is not a file deckbuilder made" in message


def test_a_folder_where_the_pptx_goes_is_refused(tmp_path):
    root = tmp_path / "t"
    spec = sandbox(root)
    (root / "build" / "talk.pptx").mkdir(parents=True)
    message = refused(spec, None, root, ("pptx",))
    assert "talk.pptx: it is a folder deckbuilder did not make" in message


def test_every_refusal_is_reported_at_once(tmp_path):
    root = tmp_path / "t"
    spec = sandbox(root)
    (root / "build" / "talk").mkdir(parents=True)
    (root / "build" / "talk.pptx").write_text("mine", encoding="utf-8")
    message = refused(spec, None, root)
    assert message.count("will not replace") == 2


def test_a_symlink_where_an_output_goes_is_refused(tmp_path):
    root = tmp_path / "t"
    spec = sandbox(root)
    (root / "build").mkdir()
    (root / "build" / "talk.pptx").symlink_to(root / "unrelated.txt")
    message = refused(spec, None, root, ("pptx",))
    assert "it is a symbolic link" in message


def test_rebuilding_replaces_decks_it_made_including_earlier_versions_folders(tmp_path):
    root = tmp_path / "t"
    spec = sandbox(root)
    cache = tmp_path / "cache"
    first = build(spec, ("pptx", "html"), cache_dir=cache)
    folder = root / "build" / "talk"
    assert (folder / ".deckbuilder-deck").is_file()
    build(spec, ("pptx", "html"), cache_dir=cache)          # our own outputs: replaced
    (folder / ".deckbuilder-deck").unlink()                 # a deck from before the marker
    again = build(spec, ("pptx", "html"), cache_dir=cache)
    assert again.outputs == first.outputs
    build(spec, ("html",), single_file=True, cache_dir=cache)
    build(spec, ("html",), single_file=True, cache_dir=cache)  # the one file, replaced
    assert (root / "build" / "talk.html").read_text(encoding="utf-8").rstrip().endswith("-->")


def test_an_output_folder_under_a_file_is_a_clean_error(tmp_path):
    root = tmp_path / "t"
    spec = sandbox(root)
    message = refused(spec, root / "unrelated.txt" / "out", root)
    assert "cannot write" in message and "unrelated.txt" in message


SPEC_NAMES = st.sampled_from(["talk", "notes", "build", "..", ".", "...", "unrelated",
                              "a", "img", "assets", "index", "notes.md", "x y", "-o"])
OUT_DIRS = st.sampled_from([None, ".", "..", "notes", "notes/sub", "build", "out/deck",
                            "unrelated.txt", "notes/precious.md", "talkdir", "talkdir/.."])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=SPEC_NAMES, out=OUT_DIRS, formats=st.sampled_from(
    [("pptx",), ("html",), ("pptx", "html")]), single=st.booleans(),
    spec_dir=st.sampled_from([".", "talkdir"]))
def test_a_build_fails_cleanly_or_changes_only_what_it_wrote(name, out, formats, single,
                                                              spec_dir):
    base = Path(tempfile.mkdtemp(prefix="deckbuilder-sandbox-"))
    try:
        root = base / "box"
        spec = sandbox(root, f"{name}.yaml", spec_dir=spec_dir)
        out_dir = None if out is None else spec.parent / out
        before = snapshot(root)
        try:
            result = build(spec, formats, out_dir, single_file=single,
                           cache_dir=base / "cache")
        except DeckError:
            assert snapshot(root) == before
            return
        written = {p.parent if p.name == "index.html" else p for p in result.outputs}
        after = snapshot(root)
        for rel, data in before.items():
            path = root / rel
            if any(path == w or path.is_relative_to(w) for w in written):
                continue
            assert after.get(rel, "gone") == data, f"{rel} changed"
    finally:
        shutil.rmtree(base, ignore_errors=True)
