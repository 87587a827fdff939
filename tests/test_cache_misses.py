"""A cache file that vanishes between its lookup and its read is a miss: made again, the
same deck byte for byte, never an error. Every kind of cache file, with real builds of
the demo talk (both formats, its QR code), and a prune between two builds."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from _decks import demo_copy
from deckbuilder import cache, fonts, images, layout, theme_images
from deckbuilder.build import build
from deckbuilder.commands import cache as housekeeping
from deckbuilder.images import index as image_index
from deckbuilder.render import html_templates, pptx_cache, pptx_zip

FORMATS = ("pptx", "html")
OLD = time.time() - 100 * 86_400


def _outputs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def warm(tmp_path_factory):
    """The demo talk, a cache two builds have filled, and the outputs of the warm build."""
    root = tmp_path_factory.mktemp("warm")
    spec = demo_copy(root)
    store = root / "cache"
    build(spec, FORMATS, root / "cold", cache_dir=store, single_file=True)
    build(spec, FORMATS, root / "out", cache_dir=store, single_file=True)
    return spec, store, _outputs(root / "out")


def _copy(warm, tmp_path: Path, age: bool = False) -> Path:
    """Return a copy of the warm cache (every file in it unused for 100 days, if `age`)."""
    spec, store, _ = warm
    mine = tmp_path / "cache"
    shutil.copytree(store, mine)
    if age:
        for path in mine.rglob("*"):
            if path.is_file() and not path.is_symlink():
                os.utime(path, (OLD, OLD))
    return mine


def _build(warm, store: Path, out: Path) -> dict[str, bytes]:
    build(warm[0], FORMATS, out, cache_dir=store, single_file=True)
    return _outputs(out)


def test_a_build_after_everything_was_pruned_is_the_same_deck(warm, tmp_path):
    store = _copy(warm, tmp_path, age=True)
    gone = housekeeping.prune(store, 60)
    assert gone is not None and gone.files > 10
    left = cache.survey(store)
    assert sum(left.files[k] for k in ("images", "slides", "plans", "templates")) == 0
    assert _build(warm, store, tmp_path / "out") == warm[2]


def test_a_build_after_half_was_pruned_is_the_same_deck(warm, tmp_path):
    store = _copy(warm, tmp_path)
    files = sorted(p for p in store.rglob("*") if p.is_file() and p.name != "index.json")
    for path in files[::2]:
        os.utime(path, (OLD, OLD))
    housekeeping.prune(store, 60)
    assert _build(warm, store, tmp_path / "out") == warm[2]
    assert _build(warm, store, tmp_path / "again") == warm[2]   # and the cache whole again


def _vanishing(monkeypatch, owner, name: str, path_of) -> list[Path]:
    """Make `owner.name` delete the file `path_of(*args)` names just before it runs."""
    real = getattr(owner, name)
    deleted: list[Path] = []

    def run(*args, **kwargs):
        path = Path(path_of(*args))
        if path.exists():
            path.unlink()
            deleted.append(path)
        return real(*args, **kwargs)
    monkeypatch.setattr(owner, name, run)
    return deleted


# What deletes each kind of cache file between its lookup and its read.
KINDS = {
    "image": (image_index.Index, "result",
              lambda index, key: index.path(key, index.results[key].ext)),
    "index": (image_index.Index, "load", lambda root: Path(root) / image_index.NAME),
    "slide": (pptx_cache.SlideCache, "load", lambda c, key: c._path(key)),
    "deflated": (pptx_zip, "_read_deflated", lambda path: path),
    "plan": (layout, "load_memo", lambda path: path),
    "template": (html_templates.CompiledTemplates, "load_bytecode",
                 lambda c, bucket: c._file(bucket)),
    "fonts": (fonts, "_opened", lambda record, _pillow: record or "/nonexistent"),
    "qr code": (images, "used", lambda path: path),
}


@pytest.mark.parametrize("kind", KINDS)
def test_a_cache_file_deleted_between_lookup_and_read_is_made_again(warm, tmp_path,
                                                                    monkeypatch, kind):
    store = _copy(warm, tmp_path)
    owner, name, path_of = KINDS[kind]
    deleted = _vanishing(monkeypatch, owner, name, path_of)
    assert _build(warm, store, tmp_path / "out") == warm[2]
    assert deleted, f"no {kind} file was looked up"


def test_a_background_picture_deleted_after_its_lookup_is_drawn_again(tmp_path, monkeypatch):
    from test_fullbleed import BACKGROUNDS, FILES, build_with

    first = build_with(tmp_path / "a", "backed", BACKGROUNDS, FILES)
    real = theme_images.used

    def vanished(path):   # found, then gone before the read
        found = real(path)
        Path(path).unlink(missing_ok=True)
        return found
    monkeypatch.setattr(theme_images, "used", vanished)
    again = build_with(tmp_path / "b", "backed", BACKGROUNDS, FILES)
    assert [p.read_bytes() for p in again.outputs if p.is_file()] == \
        [p.read_bytes() for p in first.outputs if p.is_file()]


def test_a_normalised_file_of_the_folder_glob_that_vanishes_is_made_again(tmp_path):
    from _decks import draw

    from deckbuilder import theme as themes

    source = draw(tmp_path / "a.png", (320, 180))
    theme = themes.load("default")
    store = tmp_path / "cache"
    done, _ = images.normalise({source: []}, theme, "16:9", store)
    made = done[source].path
    data = made.read_bytes()
    (store / image_index.NAME).unlink()          # so the folder is looked at, not the index
    made.unlink()
    made.symlink_to(tmp_path / "gone.png")       # what the glob finds is gone when opened
    done, problems = images.normalise({source: []}, theme, "16:9", store)
    assert problems == [] and done[source].path.read_bytes() == data
    assert not done[source].path.is_symlink()


def test_a_thumbnail_deleted_is_made_again(tmp_path):
    from _decks import draw

    from deckbuilder.serve import thumbs

    source = draw(tmp_path / "a.png", (640, 360))
    first = thumbs.thumbnail(source, tmp_path / "cache")
    thumbs.path_of(source, tmp_path / "cache").unlink()
    assert thumbs.thumbnail(source, tmp_path / "cache") == first
