"""Text is never lost without a word: an overlong word wraps, a long footer is cut with
"…" and a warning, a source longer than the slide is cut and said so, and lists nested
deeper than the Markdown parser keeps are reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from _decks import draw, rendered_lines
from deckbuilder import markup
from deckbuilder.build import build
from deckbuilder.layout import measure

pytestmark = pytest.mark.hostile


def _talk(root: Path, note: str, extra: str = "", slides: str = "  - select: {}\n") -> Path:
    vault = root / "notes"
    draw(vault / "a.png", (1600, 900))
    (vault / "N.md").write_text(note, encoding="utf-8")
    spec = root / "t.yaml"
    spec.write_text(f"title: T\nvault: notes\n{extra}slides:\n{slides}", encoding="utf-8")
    return spec


def _warnings(result) -> list[str]:
    return [str(w) for w in result.warnings]


def test_a_5000_character_word_wraps_inside_its_box_and_the_rest_goes_to_the_notes(tmp_path):
    spec = _talk(tmp_path, "![[a.png]]\nSee " + "x" * 5000 + " here\n")
    result = build(spec, ("pptx", "html"), cache_dir=tmp_path / "cache")
    cap = next(i for i in result.deck.slides[0].items if i.role == "caption")
    lines = rendered_lines(markup.runs(cap.text), cap.style.size, cap.box.w,
                                   measure.Fonts.of(result.theme))
    assert len(lines) * cap.style.size * cap.style.line_height <= cap.box.h + 0.01
    assert cap.text.rstrip().endswith("…") and measure.ZWSP in cap.text
    assert "Caption, continued" in result.deck.slides[0].notes
    assert any("caption too long" in w for w in _warnings(result))


def test_a_200_character_event_is_cut_in_the_footer_with_a_warning(tmp_path):
    event = "The International Conference on " + "Very Long Names " * 12
    spec = _talk(tmp_path, "![[a.png]]\nA caption\n", extra=f"event: {event}\n")
    result = build(spec, ("pptx",), cache_dir=tmp_path / "cache")
    footer = next(i for i in result.deck.slides[0].items if i.role == "footer")
    assert footer.text.endswith("…") and len(footer.text) < len(event)
    assert any("'event' is too long for the footer" in w for w in _warnings(result))


def test_a_source_longer_than_the_credits_slide_is_cut_and_reported(tmp_path):
    source = "From: " + "an endless attribution " * 300
    spec = _talk(tmp_path, f"![[a.png]]\nA caption\n{source}\n",
                 slides="  - select: {}\n  - credits\n")
    result = build(spec, ("pptx",), cache_dir=tmp_path / "cache")
    credits = [s for s in result.deck.slides if s.kind == "credits"]
    assert credits
    for s in credits:
        for item in s.items:
            assert item.box.bottom <= result.deck.height
    assert any("credits: a source is too long for the slide" in w for w in _warnings(result))


def test_lists_nested_deeper_than_the_parser_keeps_are_reported(tmp_path):
    nested = "".join("  " * i + f"- level {i}\n" for i in range(30))
    text = "\n".join("      " + line for line in nested.splitlines())
    spec = _talk(tmp_path, "![[a.png]]\nA caption\n", slides=f"  - text: |\n{text}\n")
    result = build(spec, ("pptx",), cache_dir=tmp_path / "cache")
    assert any("drops lists nested more deeply" in w and ":4:" in w for w in _warnings(result))
