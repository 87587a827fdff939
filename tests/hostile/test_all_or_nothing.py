"""`build -f all` changes every output or none: a failure in one format (a template
error, a full disk, a folder it may not write to) leaves the previous decks as they were
and no half-written file behind."""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

import pytest

from _outputs import (cli, deck_title, file_size_limit, leftovers, make_talk, set_title,
                      snapshot, without_permission_override)
from deckbuilder import fsutil
from deckbuilder.build import build
from deckbuilder.errors import DeckError

pytestmark = pytest.mark.hostile


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A talk whose decks (PPTX and folder) were built once as "Old"; (spec, out, cache)."""
    spec = make_talk(tmp_path / "talk", "Old", size=(160, 90))
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(spec, ("pptx", "html"), out, cache_dir=cache)
    set_title(spec, "New")
    return spec, out, cache


def _broken_template(spec: Path) -> Path:
    folder = spec.parent / "themes" / "default"
    (folder / "templates").mkdir(parents=True)
    (folder / "theme.yaml").write_text("extends: default\n", encoding="utf-8")
    template = folder / "templates" / "deck.html.j2"
    template.write_text("<p>\n{{ deck.title | nosuch }}\n", encoding="utf-8")
    return template


def test_a_template_error_in_the_html_writes_no_pptx(tmp_path):
    spec = make_talk(tmp_path / "talk", "New")
    template = _broken_template(spec)
    with pytest.raises(DeckError, match=re.escape(f"{template}:2: error: template error")):
        build(spec, ("pptx", "html"), tmp_path / "out", cache_dir=tmp_path / "cache")
    assert not (tmp_path / "out").exists()   # not even the folder


def test_a_template_error_leaves_the_previous_decks(built):
    spec, out, cache = built
    before = snapshot(out)
    _broken_template(spec)
    with pytest.raises(DeckError, match="template error"):
        build(spec, ("pptx", "html"), out, cache_dir=cache)
    assert snapshot(out) == before
    assert deck_title(out) == {"pptx": "Old", "html": "Old"}


@pytest.mark.parametrize("fail_at", [1, 2])
@pytest.mark.parametrize("swap", ["exchange", "two renames"])
def test_a_failed_replacement_puts_back_what_was_replaced(built, monkeypatch, fail_at, swap):
    # The decks are swapped in one by one: when the second swap fails (a disk error),
    # the first is undone, so both outputs are old, or both new.
    spec, out, cache = built
    before = snapshot(out)
    if swap == "two renames":   # as on systems without renameat2(RENAME_EXCHANGE)
        monkeypatch.setattr(fsutil, "exchange", lambda a, b: False)
    calls = []

    def failing(real):
        def call(*args):
            if Path(args[1]).parent != out:   # a cache entry (slides, images): not a deck
                return real(*args)
            calls.append(args)
            if len(calls) == fail_at:
                raise OSError(errno.EIO, "Input/output error", str(args[-1]))
            return real(*args)
        return call

    monkeypatch.setattr(fsutil, "swap_in", failing(fsutil.swap_in))
    with pytest.raises(DeckError) as caught:
        build(spec, ("pptx", "html"), out, cache_dir=cache)
    assert str(caught.value).startswith("error: cannot write ")
    assert str(caught.value).endswith(": Input/output error")
    assert snapshot(out) == before
    assert leftovers(out) == []


# (formats, picture size, the output that fails): with tiny pictures the PPTX fits under
# the limit and only the folder's reveal.js does not, so the PPTX must not change alone.
FULL_DISK = {"all, the pptx fails": ("all", (160, 90), "talk.pptx"),
             "all, only the folder fails": ("all", (16, 9), "talk"),
             "html": ("html", (160, 90), "talk"),
             "pptx": ("pptx", (160, 90), "talk.pptx")}


@pytest.mark.parametrize("case", sorted(FULL_DISK))
def test_a_full_disk_is_a_clean_error_and_the_previous_decks_stay(tmp_path, case):
    formats, size, failing = FULL_DISK[case]
    spec = make_talk(tmp_path / "talk", "Old", size=size)
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(spec, ("pptx", "html"), out, cache_dir=cache)
    set_title(spec, "New")
    build(spec, ("pptx", "html"), tmp_path / "warm", cache_dir=cache)  # images cached
    before = snapshot(out)
    # Every cached picture fits under the limit; reveal.js in the folder does not.
    limit = 100_000
    assert max(p.stat().st_size for p in cache.rglob("*") if p.is_file()) < limit
    assert max(p.stat().st_size for p in (out / "talk").rglob("*") if p.is_file()) > limit
    if formats == "all":
        assert ((out / "talk.pptx").stat().st_size > limit) == (failing == "talk.pptx")
    done = cli("build", str(spec), "-f", formats, "-o", str(out), "--cache-dir", str(cache),
               preexec=file_size_limit(limit))
    assert done.returncode == 1, done.stderr
    assert done.stderr == f"error: cannot write {out / failing}: File too large\n"
    assert snapshot(out) == before
    assert leftovers(out) == []


def test_a_full_disk_while_caching_images_is_a_clean_error(built):
    spec, out, cache = built
    (spec.parent / "notes" / "n.md").write_text("![[big.png]]\nBig\n", encoding="utf-8")
    from PIL import Image

    Image.effect_noise((900, 500), 60).convert("RGB").save(spec.parent / "notes" / "big.png")
    before = snapshot(out)
    done = cli("build", str(spec), "-f", "all", "-o", str(out), "--cache-dir", str(cache),
               preexec=file_size_limit(50_000))
    assert done.returncode == 1, done.stderr
    assert re.fullmatch(rf"error: cannot write {re.escape(str(cache))}/\S+: File too large\n",
                        done.stderr), done.stderr
    assert snapshot(out) == before
    assert leftovers(out) == [] and not list(cache.rglob(".*"))
    assert [p for p in cache.rglob("*") if p.is_file() and p.stat().st_size == 0] == []


def test_a_folder_the_user_may_not_write_to_is_a_clean_error(built):
    spec, out, cache = built
    before = snapshot(out)
    os.chmod(out, 0o555)
    try:
        done = cli("build", str(spec), "-f", "all", "-o", str(out), "--cache-dir", str(cache),
                   preexec=without_permission_override if os.geteuid() == 0 else None)
    finally:
        os.chmod(out, 0o755)
    assert done.returncode == 1, done.stderr
    assert done.stderr == f"error: cannot write {out / 'talk.pptx'}: Permission denied\n"
    assert snapshot(out) == before


def test_a_folder_even_root_may_not_write_to_is_a_clean_error(tmp_path):
    kernel = Path("/sys/kernel")
    try:
        (kernel / "deckbuilder-probe").open("wb").close()
    except OSError as e:
        expected = e.strerror
    else:
        pytest.skip("/sys/kernel accepts new files here")
    spec = make_talk(tmp_path / "talk", "New")
    done = cli("build", str(spec), "-f", "all", "-o", str(kernel), "--cache-dir",
               str(tmp_path / "cache"))
    assert done.returncode == 1, done.stderr
    assert done.stderr == f"error: cannot write {kernel / 'talk.pptx'}: {expected}\n"
    assert "Traceback" not in done.stderr


def test_an_output_folder_that_cannot_be_made_leaves_nothing(tmp_path):
    spec = make_talk(tmp_path / "talk", "New")
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    with pytest.raises(DeckError, match=re.escape(
            f"error: cannot write {tmp_path / 'file' / 'out' / 'talk.pptx'}: Not a directory")):
        build(spec, ("pptx", "html"), tmp_path / "file" / "out", cache_dir=tmp_path / "cache")
    assert (tmp_path / "file").read_text(encoding="utf-8") == "not a folder"


@pytest.mark.parametrize("where", ["read-only", "under a file"])
def test_a_cache_folder_that_cannot_be_written_is_blamed_not_the_image(tmp_path, where):
    spec = make_talk(tmp_path / "talk", "New")
    if where == "under a file":
        (tmp_path / "file").write_text("not a folder", encoding="utf-8")
        cache, reason = tmp_path / "file" / "cache", "Not a directory"
    else:
        cache, reason = tmp_path / "cache", "Permission denied"
        cache.mkdir()
        os.chmod(cache, 0o555)
    try:
        done = cli("build", str(spec), "-f", "all", "-o", str(tmp_path / "out"),
                   "--cache-dir", str(cache),
                   preexec=without_permission_override if os.geteuid() == 0 else None)
    finally:
        if cache.is_dir():
            os.chmod(cache, 0o755)
    assert done.returncode == 1, done.stderr
    assert re.fullmatch(rf"error: cannot write {re.escape(str(cache))}/\S+: {reason}\n",
                        done.stderr), done.stderr
    assert "unreadable image" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_writer_that_fails_half_way_leaves_every_previous_output(tmp_path):
    # The PPTX and the one-file deck are written by functions while the batch stages
    # them (never held whole in memory): one failing after writing part of its file
    # undoes the batch like a failed write, and what the folder copies stays a copy.
    out = tmp_path / "out"
    picture = tmp_path / "picture.png"
    picture.write_bytes(b"pixels")
    first = fsutil.Batch()
    first.file(out / "talk.pptx", lambda f: f.write(b"old deck"))
    first.folder(out / "talk", {"index.html": b"old", "img/a.png": picture})
    first.commit()
    assert (out / "talk" / "img" / "a.png").read_bytes() == b"pixels"
    assert not os.path.samefile(out / "talk" / "img" / "a.png", picture)
    before = snapshot(out)

    def half_then_full(f):
        f.write(b"half a deck")
        raise OSError(errno.ENOSPC, "No space left on device")

    batch = fsutil.Batch()
    batch.folder(out / "talk", {"index.html": b"new", "img/a.png": picture})
    batch.file(out / "talk.pptx", half_then_full)
    with pytest.raises(OSError) as e:
        batch.commit()
    assert e.value.filename == str(out / "talk.pptx")
    assert snapshot(out) == before
    assert leftovers(out, out / "talk") == []


def test_a_cache_file_write_that_fails_names_the_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    tmp, dest = tmp_path / "tmp", tmp_path / "ab" / "abcd.png"
    assert fsutil.cache_write(dest, b"first", tmp) == dest and dest.read_bytes() == b"first"

    def full(fd: int, mode: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "ignored")

    monkeypatch.setattr(fsutil.os, "chmod", full)
    with pytest.raises(OSError) as caught:
        fsutil.cache_write(dest, b"second", tmp)
    assert caught.value.filename == str(dest) and caught.value.errno == errno.ENOSPC
    assert dest.read_bytes() == b"first" and list(tmp.iterdir()) == []
