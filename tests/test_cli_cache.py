"""`deckbuilder cache`: where the cache is, its size per kind, --prune, --clear; and the
automatic prune after `build` ($DECKBUILDER_CACHE_DAYS, once a day)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from _decks import draw
from deckbuilder.cache.walk import STAMP
from deckbuilder.cli import main

OLD = time.time() - 90 * 86_400
PLAN = "plans/" + "0123456789abcdef" * 2 + ".pickle"    # another talk's, long unused


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env)


def old_file(root: Path, rel: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"plan")
    os.utime(path, (OLD, OLD))
    return path


@pytest.fixture
def talk(tmp_path) -> Path:
    for i in range(2):
        draw(tmp_path / "vault" / f"{i}.png", (160, 90), ("teal", "navy")[i])
    (tmp_path / "vault" / "Note.md").write_text("![[0.png]]\nOne\n\n![[1.png]]\nTwo\n",
                                                encoding="utf-8")
    spec = tmp_path / "talk.yaml"
    spec.write_text("title: T\nvault: vault\nslides:\n  - select: {}\n", encoding="utf-8")
    return spec


def test_it_lists_where_the_cache_is_and_its_size_per_kind(talk, tmp_path):
    store = tmp_path / "cache"
    assert run("build", str(talk), "-f", "all", "--cache-dir", str(store)).exit_code == 0
    (store / "my-notes.txt").write_text("mine", encoding="utf-8")
    result = run("cache", "--cache-dir", str(store))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == str(store)
    assert [line.split()[0] for line in lines[1:9]] == [
        "images", "slides", "plans", "templates", "remote", "thumbnails", "other", "total"]
    assert lines[1].split()[1] == "2" and lines[2].split()[1] == "3"   # 2 images, 3 slides
    assert lines[9] == "  and 1 entries that are not deckbuilder's (never deleted)"


def test_the_default_cache_is_under_xdg_cache_home(tmp_path):
    result = run("cache", env={"XDG_CACHE_HOME": str(tmp_path)})
    assert result.output.splitlines()[0] == \
        f"{tmp_path / 'deckbuilder' / 'img'} (not made yet)"


def test_prune_and_clear(talk, tmp_path):
    store = tmp_path / "cache"
    run("build", str(talk), "--cache-dir", str(store))
    plan = old_file(store, PLAN)
    mine = old_file(store, "plans/mine.pickle")
    result = run("cache", "--cache-dir", str(store), "--prune")
    assert result.exit_code == 0 and result.output.startswith(
        "removed 1 files (0 kB) not used for 60 days or obsolete\n")
    assert not plan.exists() and mine.exists()
    result = run("cache", "--cache-dir", str(store), "--prune", "--days", "0")
    assert result.exit_code == 0 and not any(store.glob("??/*.png"))
    run("build", str(talk), "--cache-dir", str(store))
    result = run("cache", "--cache-dir", str(store), "--clear")
    assert result.exit_code == 0 and result.output.startswith("removed ")
    assert "  total             1 files" in result.output   # the lock file
    assert mine.exists()


@pytest.mark.parametrize("args", [["--days", "3"], ["--prune", "--clear"],
                                  ["--prune", "--days", "-1"]])
def test_options_that_do_not_go_together_are_usage_errors(args):
    assert run("cache", *args).exit_code == 2


def test_help_says_what_is_pruned_and_how_to_change_it():
    text = run("cache", "--help").output
    assert "DECKBUILDER_CACHE_DAYS" in text and "--prune" in text and "--clear" in text


def test_a_build_prunes_once_a_day(talk, tmp_path):
    store = tmp_path / "cache"
    plan = old_file(store, PLAN)
    assert run("build", str(talk), "--cache-dir", str(store)).exit_code == 0
    assert not plan.exists() and (store / STAMP).exists()
    plan = old_file(store, PLAN)
    assert run("build", str(talk), "--cache-dir", str(store)).exit_code == 0
    assert plan.exists()   # pruned today already
    os.utime(store / STAMP, (OLD, OLD))
    assert run("build", str(talk), "--cache-dir", str(store)).exit_code == 0
    assert not plan.exists()


def test_check_never_prunes(talk, tmp_path):
    store = tmp_path / "cache"
    plan = old_file(store, PLAN)
    assert run("check", str(talk), "--cache-dir", str(store)).exit_code == 0
    assert plan.exists() and not (store / STAMP).exists()


def test_the_days_setting(talk, tmp_path):
    store = tmp_path / "cache"
    plan = old_file(store, PLAN)
    assert run("build", str(talk), "--cache-dir", str(store),
               env={"DECKBUILDER_CACHE_DAYS": "0"}).exit_code == 0
    assert plan.exists() and not (store / STAMP).exists()   # never automatically
    assert run("build", str(talk), "--cache-dir", str(store),
               env={"DECKBUILDER_CACHE_DAYS": "120"}).exit_code == 0
    assert plan.exists()   # 90 days is not 120
    os.utime(store / STAMP, (OLD, OLD))
    assert run("build", str(talk), "--cache-dir", str(store),
               env={"DECKBUILDER_CACHE_DAYS": "30"}).exit_code == 0
    assert not plan.exists()


def test_a_bad_days_setting_stops_the_build_before_it_writes(talk, tmp_path):
    result = run("build", str(talk), "-o", str(tmp_path / "out"),
                 "--cache-dir", str(tmp_path / "cache"),
                 env={"DECKBUILDER_CACHE_DAYS": "sixty"})
    assert result.exit_code == 1
    assert "DECKBUILDER_CACHE_DAYS='sixty': give a whole number of days" in result.output
    assert not (tmp_path / "out").exists()


def test_pruning_or_clearing_a_cache_not_made_yet_says_so(tmp_path):
    for args in (["--prune"], ["--clear"]):
        result = run("cache", "--cache-dir", str(tmp_path / "none"), *args)
        assert result.exit_code == 0
        assert result.output.startswith("removed 0 files (0 kB)")
        assert "waiting" not in result.output and not (tmp_path / "none").exists()
