"""The cache folder: use recorded, pruning by age and form, the lock, the stamp, clearing,
and a foreign file or a link out of the folder never touched."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from deckbuilder import cache
from deckbuilder.cache import walk
from deckbuilder.commands import cache as housekeeping
from deckbuilder.fsutil import host_tag

DAY = 86_400
DEAD_PID = 2**22 + 1   # above Linux's pid_max: no process has it
NOW = time.time()
HEX = "0123456789abcdef" * 4                       # 64 hex digits
KEY_A, KEY_B, KEY_C = "aa" + HEX[2:], "ab" + HEX[2:], "ac" + HEX[2:]


def put(path: Path, days_old: float, data: bytes = b"x") -> Path:
    """Write `path`, last used `days_old` days ago (its access and modification time)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    when = NOW - days_old * DAY
    os.utime(path, (when, when))
    return path


def index(root: Path, *keys: str) -> None:
    results = {k: ["png", 1, 1, 1, 1] for k in keys}
    put(root / "index.json", 100, json.dumps({"version": 1, "sources": {},
                                              "results": results}).encode())


def our_files(root: Path, days_old: float) -> dict[str, Path]:
    """Write one file of every form deckbuilder writes, `days_old` days unused."""
    temp = f".x.png.deckbuilder-{host_tag()}-{DEAD_PID}-0badcafe.tmp"   # a killed run's
    return {name: put(root / rel, days_old) for name, rel in {
        "image": f"aa/{KEY_A}.png",
        "slide": f"pptx-slides/ab/{KEY_B}.slide",
        "deflated": "pptx-slides/deflated-0123456789abcdef.bin",
        "plan": "plans/" + HEX[:32] + ".pickle",
        "template": "templates/" + HEX[:24] + "/" + HEX[:40] + ".jinja",
        "remote": f"remote/ac/{KEY_C}",
        "thumb": f"thumbs/ab/{KEY_B}.jpg",
        "temporary": f"tmp/{temp}",
    }.items()}


def foreign_files(root: Path) -> list[Path]:
    """Write the user's own files into the cache folder, old, some named almost like ours."""
    return [put(root / rel, 400) for rel in (
        "notes.txt", "aa/holiday.png", f"aa/{KEY_B}.png",      # a key outside its folder
        f"aa/{KEY_A}.png.bak", "plans/mine.pickle", f"photos/aa/{KEY_A}.png",
        f"pptx-slides/zz/{KEY_B}.slide", "templates/mine/" + HEX[:40] + ".jinja",
        "tmp/my-draft.tmp", f"AA/{KEY_A}.png")]


# ---------------------------------------------------------------- recording use


def test_a_file_used_is_marked_once_a_day_and_keeps_its_modification_time(tmp_path):
    old = put(tmp_path / "old", 10)
    mtime = old.stat().st_mtime_ns
    assert cache.used(old)
    assert abs(old.stat().st_atime - time.time()) < 60 and old.stat().st_mtime_ns == mtime
    recent = put(tmp_path / "recent", 0.5)
    before = recent.stat().st_atime_ns
    assert cache.used(recent) and recent.stat().st_atime_ns == before   # no write today
    assert not cache.used(tmp_path / "missing")


def test_a_build_marks_the_files_it_used_so_that_pruning_keeps_them(tmp_path):
    from _decks import demo_copy

    from deckbuilder.build import build

    spec = demo_copy(tmp_path)
    store = tmp_path / "cache"
    build(spec, ["pptx", "html"], tmp_path / "out", cache_dir=store)
    for path in store.rglob("*"):
        if path.is_file():
            os.utime(path, (NOW - 100 * DAY, NOW - 100 * DAY))
    build(spec, ["pptx", "html"], tmp_path / "out", cache_dir=store)   # warm: uses them all
    housekeeping.prune(store, 60)
    kept = cache.survey(store)
    for kind in ("images", "slides", "plans", "templates"):
        assert kept.files[kind] > 0, kind


# ---------------------------------------------------------------- pruning


def test_prune_keeps_what_was_used_lately_and_everything_of_the_users(tmp_path):
    root = tmp_path / "cache"
    recent = our_files(root, 1)
    mine = foreign_files(root)
    index(root, KEY_A)
    assert housekeeping.prune(root, 60) is not None
    assert all(p.exists() for p in mine)
    assert [n for n, p in recent.items() if not p.exists()] == ["temporary"]   # a dead run's
    assert (root / "index.json").exists()


@pytest.mark.parametrize("days_old", [90, 30])
def test_each_form_goes_when_unused_for_the_days_and_stays_when_used_since(tmp_path, days_old):
    root = tmp_path / "cache"
    files = our_files(root, days_old)
    index(root, KEY_A)
    housekeeping.prune(root, 60)
    kept = {n: p.exists() for n, p in files.items()}
    # A temporary of a run that is gone goes, whatever the days.
    assert kept == {n: days_old == 30 and n != "temporary" for n in files}


def test_obsolete_entries_and_stale_temporaries_go_at_any_age(tmp_path):
    root = tmp_path / "cache"
    v1 = put(root / "pptx-slides" / "ab" / f"{KEY_B}.json", 0)
    dead = put(root / "tmp" / f".i.json.deckbuilder-{host_tag()}-{DEAD_PID}-0badcafe.tmp", 0)
    live = put(root / "tmp" / f".i.json.deckbuilder-{host_tag()}-{os.getpid()}-0badcafe.tmp", 0)
    elsewhere = put(root / "tmp" / f".i.json.deckbuilder-otherhost-{DEAD_PID}-0badcafe.tmp", 0)
    housekeeping.prune(root, 60)
    assert not v1.exists() and not dead.exists() and live.exists() and elsewhere.exists()


def test_images_no_index_record_names_go_after_a_week_and_records_of_gone_files_too(tmp_path):
    root = tmp_path / "cache"
    named = put(root / "aa" / f"{KEY_A}.png", 30)
    unnamed_old = put(root / "ab" / f"{KEY_B}.png", 10)
    unnamed_new = put(root / "ac" / f"{KEY_C}.png", 3)
    gone_key = "ad" + HEX[2:]
    index(root, KEY_A, gone_key)
    housekeeping.prune(root, 60)
    assert named.exists() and not unnamed_old.exists() and unnamed_new.exists()
    assert set(json.loads((root / "index.json").read_bytes())["results"]) == {KEY_A}


def test_without_an_index_no_image_counts_as_unnamed(tmp_path):
    root = tmp_path / "cache"
    image = put(root / "ab" / f"{KEY_B}.png", 10)
    housekeeping.prune(root, 60)
    assert image.exists()


def test_a_link_in_the_cache_is_never_followed(tmp_path):
    outside = tmp_path / "outside"
    targets = list(our_files(outside, 400).values())
    secret = put(outside / "secret.png", 400)
    root = tmp_path / "cache"
    root.mkdir()
    for name in ("aa", "pptx-slides", "plans", "templates", "remote", "thumbs", "tmp"):
        (root / name).symlink_to(outside / name, target_is_directory=True)
    (root / "ab").mkdir()
    (root / "ab" / f"{KEY_B}.png").symlink_to(secret)
    os.utime(root / "ab" / f"{KEY_B}.png", (NOW - 400 * DAY,) * 2, follow_symlinks=False)
    housekeeping.prune(root, 1)
    assert cache.clear(root) is not None
    assert all(p.exists() for p in targets) and secret.exists()
    assert (root / "ab" / f"{KEY_B}.png").is_symlink()


def test_a_cache_folder_that_is_a_link_is_the_cache(tmp_path):
    real = tmp_path / "real"
    files = our_files(real, 90)
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    housekeeping.prune(tmp_path / "link", 60)
    assert not any(p.exists() for p in files.values())


def test_prune_skips_while_a_build_holds_the_folder(tmp_path):
    root = tmp_path / "cache"
    files = our_files(root, 90)
    with cache.in_use(root):
        assert housekeeping.prune(root, 60, wait=False) is None
        assert cache.clear(root, wait=False) is None
        assert all(p.exists() for p in files.values())
    assert housekeeping.prune(root, 60, wait=False) is not None
    assert not any(p.exists() for n, p in files.items())


def test_pruning_stats_and_reads_nothing(tmp_path, monkeypatch):
    root = tmp_path / "cache"
    our_files(root, 90)
    opened = []
    real_open = open
    monkeypatch.setattr("builtins.open", lambda *a, **k: opened.append(a[0]) or real_open(*a, **k))
    cache.prune(root, 60)
    assert opened == []


# ---------------------------------------------------------------- once a day, the setting


def test_the_stamp_lets_the_automatic_prune_run_once_a_day(tmp_path):
    root = tmp_path / "cache"
    assert not cache.due(root, 60)   # no folder: nothing to prune
    root.mkdir()
    assert cache.due(root, 60)
    housekeeping.prune_if_due(root, 60)
    assert not cache.due(root, 60)
    old = put(root / "plans" / (HEX[:32] + ".pickle"), 90)
    housekeeping.prune_if_due(root, 60)
    assert old.exists()   # pruned today already
    os.utime(root / walk.STAMP, (NOW - 2 * DAY,) * 2)
    housekeeping.prune_if_due(root, 60)
    assert not old.exists()
    assert not cache.due(root, 0)


@pytest.mark.parametrize("raw, days", [(None, 60), ("", 60), ("0", 0), (" 14 ", 14)])
def test_the_days_come_from_the_environment(raw, days):
    assert cache.days_setting({} if raw is None else {cache.DAYS_ENV: raw}) == days


@pytest.mark.parametrize("raw", ["x", "-1", "1.5"])
def test_a_bad_days_setting_says_what_to_write(raw):
    with pytest.raises(cache.CacheError, match="whole number of days"):
        cache.days_setting({cache.DAYS_ENV: raw})


# ---------------------------------------------------------------- clearing


def test_clear_deletes_all_of_ours_and_nothing_else(tmp_path):
    root = tmp_path / "cache"
    files = our_files(root, 0)
    index(root, KEY_A)
    mine = foreign_files(root)
    gone = cache.clear(root)
    assert gone is not None and gone.files == len(files) + 1
    assert not any(p.exists() for p in files.values()) and all(p.exists() for p in mine)
    assert not (root / "remote").exists() and not (root / "thumbs").exists()   # emptied
    left = cache.survey(root)
    assert sum(left.files.values()) == 1 and left.foreign > 0   # the lock file, the user's
