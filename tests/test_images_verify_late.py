"""Pictures passed through unverified are verified while the deck is drawn: a build
shows nothing until every verdict is in, and the image cache trusts only what was
verified (its index records nothing else)."""

from __future__ import annotations

import io
import os
import random
from pathlib import Path

import pytest
from PIL import Image

from _decks import draw
from _png import chunks as png_chunks, joined
from deckbuilder import images, theme, workers
from deckbuilder.build import build
from deckbuilder.errors import DeckError, Location
from deckbuilder.images import pool
from deckbuilder.pixels import Unreadable, unreadable

WHERE = [Location("Notes.md", 7)]
LONG_AGO = 1_600_000_000 * 10**9   # an mtime well past the index's "racy" window


def settled(path: Path) -> Path:
    os.utime(path, ns=(LONG_AGO, LONG_AGO))
    return path


@pytest.fixture(scope="module")
def th():
    return theme.load("default")


def damaged_png(path: Path) -> Path:
    """A PNG whose checksums are right but whose compressed pixels are not: its header
    and chunks pass, only decoding tells."""
    rng = random.Random(5)
    out = io.BytesIO()
    Image.frombytes("RGB", (320, 200), rng.randbytes(320 * 200 * 3)).save(out, "PNG")
    parts = [(kind, body[:50] + bytes(100) + body[150:] if kind == b"IDAT" else body)
             for kind, body in png_chunks(out.getvalue())]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(joined(parts))
    assert unreadable(path)
    return settled(path)


def test_a_deferred_pass_through_is_drawn_then_refused_and_never_trusted(th, tmp_path):
    bad, cache = damaged_png(tmp_path / "bad.png"), tmp_path / "cache"
    done, failed, verifying = images.normalise_each({bad: WHERE}, th, "16:9", cache,
                                                    defer=True)
    assert failed == {} and done[bad].path.is_file()   # the deck is drawn with it
    verdicts = verifying.failed()
    assert list(verdicts) == [bad] and isinstance(verdicts[bad], Unreadable)
    assert str(verdicts[bad]) == unreadable(bad)   # check's own words
    assert not done[bad].path.exists()   # its file is gone from the cache
    assert not images.known_good(cache)(bad)
    again, problems = images.normalise({bad: WHERE}, th, "16:9", cache)
    assert again == {} and "unreadable image bad.png" in problems[0].message


def test_a_sound_one_is_recorded_only_once_verified(th, tmp_path):
    good, cache = settled(draw(tmp_path / "good.png", (640, 400))), tmp_path / "cache"
    done, failed, verifying = images.normalise_each({good: WHERE}, th, "16:9", cache,
                                                    defer=True)
    assert failed == {} and not images.known_good(cache)(good)
    assert verifying.failed() == {}
    assert images.known_good(cache)(good)
    assert done[good].path.read_bytes() == good.read_bytes()


@pytest.mark.parametrize("picture", ["damaged", "sound"])
def test_a_file_a_stopped_build_left_unverified_is_verified_before_it_is_used(
        th, tmp_path, picture):
    source = tmp_path / "a.png"
    damaged_png(source) if picture == "damaged" else settled(draw(source, (640, 400)))
    cache = tmp_path / "cache"
    done, _, verifying = images.normalise_each({source: WHERE}, th, "16:9", cache, defer=True)
    verifying.cancel()   # as a build stopped while drawing: nothing recorded
    assert done[source].path.is_file() and not images.known_good(cache)(source)
    # The next run finds the file by its content, yet does not take it on trust.
    again, problems = images.normalise({source: WHERE}, th, "16:9", cache)
    if picture == "damaged":
        assert again == {} and "unreadable image a.png" in problems[0].message
    else:
        assert problems == [] and again[source].path == done[source].path
        assert images.known_good(cache)(source)


def _vault(tmp_path: Path, bad: bool) -> Path:
    vault = tmp_path / "vault"
    lines = []
    for n in range(4):
        name = f"s{n}.png"
        if bad and n == 2:
            damaged_png(vault / name)
        else:
            settled(draw(vault / name, (1200, 700)))
        lines += [f"![[{name}]]", f"Caption {n}", ""]
    (vault / "Shots.md").write_text("\n".join(lines), encoding="utf-8")
    spec = tmp_path / "talk.yaml"
    spec.write_text("title: T\nvault: vault\nslides:\n  - select: {order: note}\n",
                    encoding="utf-8")
    return spec


def test_a_build_verifies_in_a_worker_while_drawing_and_shows_nothing_if_one_is_bad(
        tmp_path, monkeypatch):
    monkeypatch.setattr(images, "WORKERS_FROM_BYTES", 0)   # a worker even for a few
    monkeypatch.setattr(images.os, "cpu_count", lambda: 2)
    spec, out, cache = _vault(tmp_path, bad=True), tmp_path / "out", tmp_path / "cache"
    with pytest.raises(DeckError) as e:
        build(spec, ["pptx", "html"], out, cache_dir=cache)
    assert "Shots.md:7" in str(e.value) and "unreadable image s2.png" in str(e.value)
    assert not out.exists() or list(out.iterdir()) == []   # nothing written
    assert workers._AHEAD.get(pool.NAME, []) == []   # no worker outlives the build
    spec = _vault(tmp_path, bad=False)
    result = build(spec, ["pptx", "html"], out, cache_dir=cache)
    assert result.images == 4 and all(p.is_file() for p in result.outputs)
    vault = tmp_path / "vault"
    assert all(images.known_good(cache)(vault / f"s{n}.png") for n in range(4))
