"""layout.memo: entry slides kept between builds are the slides planning gives anew, and
anything that could change them (a theme setting, a damaged file) plans them again."""

from __future__ import annotations

import os
import pickle
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import pytest

from _decks import YI, draw, entry, talk
from deckbuilder import images, layout, theme
from deckbuilder.build import build
from deckbuilder.errors import Location
from deckbuilder.layout import deck as deck_mod
from deckbuilder.layout import measure
from deckbuilder.layout import memo as memo_mod
from deckbuilder.model import Pick


def _inputs(root: Path, theme_name: str = "default"):
    draw(root / "wide.png", (1600, 900))
    draw(root / "tall.jpg", (600, 1200), "darkgreen")
    th = theme.load(theme_name)
    uses = {root / n: [Location("Notes.md", 1)] for n in ("wide.png", "tall.jpg")}
    done, problems = images.normalise(uses, th, "16:9", root / "cache")
    assert not problems
    imgs = {p.name: n for p, n in done.items()}
    picks = [Pick("title", 1),
             Pick("entry", 2, entry(10, "Heuristic **quality** filters", ["wide.png"], YI)),
             Pick("entry", 3, entry(20, "A tall one " * 200, ["tall.jpg"])),   # overflows
             Pick("entry", 4, entry(30, "Two", ["wide.png", "tall.jpg"])),
             Pick("credits", 5)]
    return talk(root), picks, th, imgs


def _no_planning(monkeypatch):
    def refuse(*_args):
        raise AssertionError("an entry was planned again")
    monkeypatch.setattr(deck_mod, "entry_slides", refuse)


def test_a_saved_memo_gives_the_same_deck_without_planning_an_entry(tmp_path, monkeypatch):
    t, picks, th, imgs = _inputs(tmp_path)
    fresh = layout.plan(t, picks, th, imgs)
    cold = layout.Memo()
    assert layout.plan(t, picks, th, imgs, memo=cold) == fresh
    assert fresh[1], "the overflowing caption's warning is part of what is kept"
    path = layout.memo_path(t.path, tmp_path / "cache")
    layout.save_memo(cold, path)
    warm = layout.load_memo(path)
    _no_planning(monkeypatch)
    assert layout.plan(t, picks, th, imgs, memo=warm) == fresh
    assert not warm.changed   # nothing new to save


def test_a_changed_caption_plans_that_entry_alone(tmp_path, monkeypatch):
    t, picks, th, imgs = _inputs(tmp_path)
    memo = layout.Memo()
    layout.plan(t, picks, th, imgs, memo=memo)
    edited = list(picks)
    edited[1] = replace(picks[1], entry=replace(picks[1].entry, caption="Another caption"))
    expected = layout.plan(t, edited, th, imgs)
    planned = []
    real = deck_mod.entry_slides
    monkeypatch.setattr(deck_mod, "entry_slides",
                        lambda ctx, pick, diags: planned.append(pick.line) or real(ctx, pick, diags))
    again = layout.Memo(dict(memo.used))
    assert layout.plan(t, edited, th, imgs, memo=again) == expected
    assert planned == [2]   # the spec line of the edited entry's pick


@pytest.mark.parametrize("change", ["setting", "theme"])
def test_a_theme_change_plans_every_entry_again(tmp_path, change):
    t, picks, th, imgs = _inputs(tmp_path)
    memo = layout.Memo()
    layout.plan(t, picks, th, imgs, memo=memo)
    if change == "setting":
        slide = dict(th.settings["image_slide"], caption={"min_size": 16, "max_size": 22,
                                                          "color": "text"})
        other = replace(th, settings=MappingProxyType(dict(th.settings, image_slide=slide)))
    else:
        other = theme.load("paper")
    again = layout.Memo(dict(memo.used))
    assert layout.plan(t, picks, other, imgs, memo=again) == layout.plan(t, picks, other, imgs)
    assert set(again.used).isdisjoint(memo.used)


def test_a_damaged_entry_is_planned_again(tmp_path):
    t, picks, th, imgs = _inputs(tmp_path)
    fresh = layout.plan(t, picks, th, imgs)
    memo = layout.Memo()
    layout.plan(t, picks, th, imgs, memo=memo)
    known = dict(memo.used)
    first, second = sorted(known)[:2]
    known[first] = known[first][:len(known[first]) // 2]        # cut short
    known[second] = pickle.dumps(os.system)                     # a function, never loaded
    damaged = layout.Memo(known)
    assert layout.plan(t, picks, th, imgs, memo=damaged) == fresh
    assert damaged.changed   # the damaged entries are replaced when saved


@pytest.mark.parametrize("content", [b"", b"garbage", memo_mod.FORMAT + b"\x80\x05garbage",
                                     memo_mod.FORMAT + pickle.dumps(["not", "a", "dict"])])
def test_a_damaged_file_is_an_empty_memo(tmp_path, content):
    path = tmp_path / "plans" / "x.pickle"
    path.parent.mkdir()
    path.write_bytes(content)
    memo = layout.load_memo(path)
    assert memo.used == {} and not memo.changed
    t, picks, th, imgs = _inputs(tmp_path)
    assert layout.plan(t, picks, th, imgs, memo=memo) == layout.plan(t, picks, th, imgs)


def test_a_warm_build_writes_the_bytes_of_a_cold_one(tmp_path):
    vault = tmp_path / "vault"
    draw(vault / "a.png", (800, 450))
    (vault / "One.md").write_text("![[a.png]]\nA caption\nFrom: https://example.org/a\n",
                                  encoding="utf-8")
    spec = tmp_path / "talk.yaml"
    spec.write_text("title: Memo\nvault: vault\nslides:\n  - image: a.png\n", encoding="utf-8")
    cache = tmp_path / "cache"
    build(spec, ["html"], single_file=True, cache_dir=cache, out_dir=tmp_path / "cold")
    assert list((cache / "plans").iterdir())
    build(spec, ["html"], single_file=True, cache_dir=cache, out_dir=tmp_path / "warm")
    assert (tmp_path / "warm" / "talk.html").read_bytes() == \
        (tmp_path / "cold" / "talk.html").read_bytes()


def test_another_planner_plans_every_entry_again(tmp_path, monkeypatch):
    # The key holds the planner's code: an upgraded (or edited) deckbuilder never takes
    # the slides an older one planned.
    t, picks, th, imgs = _inputs(tmp_path)
    memo = layout.Memo()
    layout.plan(t, picks, th, imgs, memo=memo)
    monkeypatch.setattr(memo_mod, "_code_version", lambda: "another planner")
    again = layout.Memo(dict(memo.used))
    layout.plan(t, picks, th, imgs, memo=again)
    assert set(again.used).isdisjoint(memo.used)


def test_the_planner_version_holds_each_library_version_read_from_its_source():
    # markdown-it-py's version is read from its file, not imported: the file must hold
    # it, so that upgrading the parser plans every entry again.
    import importlib

    for package, name in memo_mod._VERSION_FILES:
        version = importlib.import_module(package).__version__
        assert f'"{version}"' in memo_mod._package_file(package, name).read_text("utf-8")


def test_a_rebuild_measures_its_slide_numbers_with_the_widths_kept(tmp_path, monkeypatch):
    # Footers and title slides are planned on every build; their words' widths, shaped by
    # the last plan with the same fonts, come from the memo, so no font file is loaded.
    t, picks, th, imgs = _inputs(tmp_path)
    fresh = layout.plan(t, picks, th, imgs)
    cold = layout.Memo()
    layout.plan(t, picks, th, imgs, memo=cold)
    warm = layout.Memo(dict(cold.used))

    def refuse(*_args):
        raise AssertionError("a word was shaped again")
    monkeypatch.setattr(measure.Fonts, "_shaped", refuse)
    assert layout.plan(t, picks, th, imgs, memo=warm) == fresh
    assert not warm.changed


def test_damaged_or_foreign_widths_are_measured_again(tmp_path):
    t, picks, th, imgs = _inputs(tmp_path)
    fresh = layout.plan(t, picks, th, imgs)
    cold = layout.Memo()
    layout.plan(t, picks, th, imgs, memo=cold)
    key, = (k for k in cold.used if k.startswith("widths "))
    for bad in (b"not a pickle", pickle.dumps({("1", False, False): "wide"}),
                pickle.dumps([1.0])):
        assert layout.plan(t, picks, th, imgs, memo=layout.Memo({**cold.used, key: bad})) \
            == fresh
