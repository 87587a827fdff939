"""Choosing entries: tags (nested, any/all/none), inclusive dates, regex, note globs."""

from __future__ import annotations

from datetime import date, datetime

from deckbuilder.model import Entry, ImageRef, Source
from deckbuilder.model import Criteria
from deckbuilder.picks import filter, has_tag


def entry(id: str, when: date | None = None, tags: tuple[str, ...] = (), caption: str = "",
          notes: str = "", source: Source | None = None, note: str = "n.md") -> Entry:
    return Entry(id, note, 1, when, tags, (ImageRef(f"{id}.png", f"{id}.png"),), caption,
                 caption, source, notes)


A = entry("a", datetime(2024, 4, 14, 23, 59, 59), ("llm", "data/dedup"), "Dedup chart")
B = entry("b", datetime(2024, 4, 15, 0, 0), ("LLM/eval",), notes="uses word2vec")
C = entry("c", date(2024, 4, 15), ("vision",), source=Source("Yannic Kilchner Discord"))
D = entry("d", datetime(2024, 4, 15, 23, 59, 59), ("meme",), note="AI/memes.md")
E = entry("e", None, ("llm",), "undated")
ALL = [A, B, C, D, E]


def ids(c: Criteria) -> list[str]:
    return [e.id for e in filter(ALL, c)]


def test_no_criteria_keeps_everything_in_order() -> None:
    assert ids(Criteria()) == ["a", "b", "c", "d", "e"]


def test_tags_case_insensitive_nested_any() -> None:
    assert ids(Criteria(tags=("llm",))) == ["a", "b", "e"]             # llm/eval is below llm
    assert ids(Criteria(tags=("#LLM/Eval",))) == ["b"]
    assert ids(Criteria(tags=("data",))) == ["a"]
    assert ids(Criteria(tags=("dat",))) == []                          # not a prefix match
    assert ids(Criteria(tags=("vision", "meme"))) == ["c", "d"]


def test_all_and_not_tags() -> None:
    assert ids(Criteria(all_tags=("llm", "data"))) == ["a"]
    assert ids(Criteria(not_tags=("llm",))) == ["c", "d"]


def test_dates_are_inclusive_days_and_undated_entries_drop_out() -> None:
    day = date(2024, 4, 15)
    assert ids(Criteria(date_from=day, date_to=day)) == ["b", "c", "d"]
    assert ids(Criteria(date_to=date(2024, 4, 14))) == ["a"]
    assert ids(Criteria(date_from=datetime(2024, 4, 15, 12, 0))) == ["c", "d"]   # c spans the day
    assert ids(Criteria(date_to=datetime(2024, 4, 15, 0, 0))) == ["a", "b", "c"]
    assert "e" not in ids(Criteria(date_from=date(2000, 1, 1)))


def test_match_searches_caption_notes_and_source_text() -> None:
    assert ids(Criteria(match="dedup")) == ["a"]                       # case-insensitive
    assert ids(Criteria(match=r"word2vec|kilchner")) == ["b", "c"]
    assert ids(Criteria(match="^undated$")) == ["e"]


def test_note_globs() -> None:
    assert ids(Criteria(notes=("AI",))) == ["d"]
    assert ids(Criteria(notes=("*.md",))) == ["a", "b", "c", "e"]


def test_matches_and_has_tag() -> None:
    assert filter([B], Criteria(tags=("llm",), match="word2vec")) == [B]
    assert filter([B], Criteria(tags=("llm",), match="nothing")) == []
    assert has_tag(("a/b/c",), "a/b") and not has_tag(("ab",), "a")
