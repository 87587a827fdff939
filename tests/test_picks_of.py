"""picks.of: a talk's slides list -> Picks (selects, image names, overrides, repeats)."""

from __future__ import annotations

import textwrap
from datetime import date, datetime
from pathlib import Path

from deckbuilder import picks as picks_mod
from deckbuilder import spec
from deckbuilder.model import Entry, ImageRef, Source, Talk, Vault


def entry(id: str, line: int, when: date | None, tags: tuple[str, ...] = (),
          caption: str = "", note: str = "a.md", images: tuple[str, ...] | None = None,
          source: Source | None = None) -> Entry:
    names = images or (f"{id}.png",)
    return Entry(id=id, note=note, line=line, date=when, tags=tags,
                 images=tuple(ImageRef(n, f"img/{n}") for n in names), caption=caption,
                 caption_text=caption, source=source, notes="")


ENTRIES = (
    entry("c", 1, datetime(2024, 4, 15, 16, 0), ("ml",), "third by date"),
    entry("a", 5, datetime(2024, 4, 15, 9, 30), ("ml", "eval"), "first by **date**"),
    entry("u", 9, None, ("ml",), "undated"),
    entry("b", 12, date(2024, 4, 15), ("eval",), "second by date", note="b/b.md",
          images=("b.png", "shared.png"), source=Source("Thom", "https://t.example")),
    entry("d", 20, date(2024, 5, 1), (), "later", note="b/b.md", images=("shared.png",)),
)


def talk(tmp_path: Path, slides: str) -> Talk:
    (tmp_path / "notes").mkdir(exist_ok=True)
    path = tmp_path / "talk.yaml"
    path.write_text("title: T\nvault: notes\nslides:\n" + textwrap.dedent(slides))
    loaded, _ = spec.load(path)
    return loaded


def run(tmp_path: Path, slides: str, entries: tuple[Entry, ...] = ENTRIES):
    t = talk(tmp_path, slides)
    picks, diags = picks_mod.of(t, Vault(tmp_path / "notes", entries))
    return picks, [str(d).split("talk.yaml:", 1)[-1] for d in diags]


def ids(picks) -> list[str]:
    return [p.entry.id for p in picks if p.entry is not None]


def test_non_entry_items_pass_through_with_their_lines(tmp_path):
    picks, diags = run(tmp_path, """\
        - title
        - section: Part one
        - text: |
            ## Take-aways
        - credits
        - closing: Thanks!
        """)
    assert diags == []
    assert [(p.kind, p.line, p.text) for p in picks] == [
        ("title", 4, "T"), ("section", 5, "Part one"), ("text", 6, "## Take-aways"),
        ("credits", 8, ""), ("closing", 9, "Thanks!")]


def test_select_in_note_order_by_default(tmp_path):
    picks, _ = run(tmp_path, "- select: {tags: [ml]}\n")
    assert ids(picks) == ["c", "a", "u"]
    assert all(p.kind == "entry" and p.line == 4 for p in picks)


def test_select_orders(tmp_path):
    by_date, _ = run(tmp_path, "- select: {order: date}\n")
    newest, _ = run(tmp_path, "- select: {order: reverse-date}\n")
    # A plain date sorts as the start of its day; undated entries go last either way.
    assert ids(by_date) == ["b", "a", "c", "d", "u"]
    assert ids(newest) == ["d", "c", "a", "b", "u"]


def test_select_limit_after_order(tmp_path):
    picks, _ = run(tmp_path, "- select: {order: reverse-date, limit: 2}\n")
    assert ids(picks) == ["d", "c"]


def test_select_criteria_combine_with_and(tmp_path):
    picks, _ = run(tmp_path, """\
        - select: {tags: [ml, eval], not_tags: [ml], from: 2024-04-15, to: 2024-04-15}
        - select: {all_tags: [ml, eval]}
        - select: {notes: ["b/*.md"], match: "(?i)LATER"}
        """)
    assert ids(picks) == ["b", "a", "d"]


def test_select_date_range_is_inclusive_and_skips_undated(tmp_path):
    picks, _ = run(tmp_path, "- select: {from: 2024-04-15T10:00, to: 2024-04-15}\n")
    # b is a whole-day date, so it overlaps the range; a (09:30) is before it.
    assert ids(picks) == ["c", "b"]


def test_select_matching_nothing_is_a_warning_with_its_line(tmp_path):
    picks, diags = run(tmp_path, "- title\n- select: {tags: [nope]}\n")
    assert ids(picks) == []
    assert diags == ["5: warning: select matches none of the vault's 5 entries"]


def test_image_by_file_name_id_or_path_case_insensitively(tmp_path):
    picks, diags = run(tmp_path, """\
        - image: A.PNG
        - image: c
        - image: img/b.png
        """)
    assert ids(picks) == ["a", "c", "b"] and diags == []


def test_image_in_several_entries_takes_the_first_and_warns(tmp_path):
    picks, diags = run(tmp_path, "- image: shared.png\n")
    assert ids(picks) == ["b"]
    assert diags == ["4: warning: image 'shared.png' is in 2 entries: 'b' (b/b.md:12), "
                     "'d' (b/b.md:20); using the first (pick by entry id to choose another)"]


def test_unknown_image_is_an_error_with_the_nearest_names(tmp_path):
    picks, diags = run(tmp_path, "- title\n- image: shaerd.png\n")
    assert ids(picks) == []
    assert diags[0].startswith("5: error: no entry has the image or id 'shaerd.png' "
                               "(nearest: 'shared.png'")


def test_overrides_apply_to_the_picked_entry_only(tmp_path):
    picks, _ = run(tmp_path, """\
        - image: b.png
          caption: "*Heuristic* [[Quality|quality]] filters"
          notes: Say this
          source: {text: Someone, url: "https://s.example"}
        """)
    e = picks[0].entry
    assert e.caption == "*Heuristic* [[Quality|quality]] filters"
    assert e.caption_text == "Heuristic quality filters"
    assert (e.notes, e.source) == ("Say this", Source("Someone", "https://s.example"))
    assert ENTRIES[3].caption == "second by date"  # the vault's entry is untouched
    assert e.id == "b" and e.images == ENTRIES[3].images


def test_an_override_only_changes_what_it_names(tmp_path):
    picks, _ = run(tmp_path, "- image: b.png\n  notes: Only notes\n")
    e = picks[0].entry
    assert (e.caption, e.source, e.notes) == ("second by date", ENTRIES[3].source, "Only notes")


def test_a_later_pick_of_the_same_entry_is_dropped_naming_both_lines(tmp_path):
    picks, diags = run(tmp_path, """\
        - select: {tags: [eval]}
        - image: a.png
          caption: again
        """)
    assert ids(picks) == ["a", "b"]
    assert diags == ["5: warning: entry 'a' (a.md:5) is already shown by line 4; dropped from "
                     "line 5 (add 'repeat: true' to show it again)"]


def test_repeat_true_allows_a_second_showing(tmp_path):
    picks, diags = run(tmp_path, """\
        - image: a.png
        - select: {tags: [eval]}
          repeat: true
        - image: a.png
          repeat: yes
          caption: Once more
        """)
    assert ids(picks) == ["a", "a", "b", "a"] and diags == []
    assert picks[-1].entry.caption == "Once more" and picks[0].entry.caption != "Once more"


def test_ordered_keeps_note_order_among_equal_dates():
    same = tuple(entry(x, i, date(2024, 1, 1)) for i, x in enumerate("zyx"))
    assert [e.id for e in picks_mod.ordered(same, "date")] == ["z", "y", "x"]
    assert [e.id for e in picks_mod.ordered(same, "reverse-date")] == ["z", "y", "x"]


def test_an_empty_source_override_removes_the_entrys_source(tmp_path):
    t, vault = _source_talk(tmp_path, "    source:\n")
    picks, _ = picks_mod.of(t, vault)
    assert picks[0].entry.source is None


def test_no_source_override_keeps_the_entrys_source(tmp_path):
    t, vault = _source_talk(tmp_path, "    caption: New\n")
    picks, _ = picks_mod.of(t, vault)
    assert picks[0].entry.source == Source("Orig", "https://example.org/o")
    assert picks[0].entry.caption == "New"


def _source_talk(tmp_path, extra: str):
    notes = tmp_path / "notes"
    notes.mkdir()
    (tmp_path / "t.yaml").write_text(f"title: T\nvault: notes\nslides:\n  - image: a\n{extra}",
                                     encoding="utf-8")
    t, _ = spec.load(tmp_path / "t.yaml")
    e = Entry("a", "N.md", 1, None, (), (), "Cap", "Cap", Source("Orig", "https://example.org/o"), "")
    return t, Vault(notes, (e,))
