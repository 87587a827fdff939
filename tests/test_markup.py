"""Caption Markdown: plain text, styled runs, safe HTML and text-slide blocks."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deckbuilder import markup
from deckbuilder.layout import measure


@pytest.mark.parametrize("md, plain", [
    ("Above: Comparison of ==Pairwise Ranking== and ==Direct Assessment==",
     "Above: Comparison of Pairwise Ranking and Direct Assessment"),
    ("[[Top-P Sampling|Nucleus Sampling]], [[Top-K Sampling]]", "Nucleus Sampling, Top-K Sampling"),
    ("[[HellaSWAG|300]] and [[Abstraction and Reasoning Corpus|ARC|300]]", "HellaSWAG and ARC"),
    ("[[Note#Heading]]", "Note > Heading"),
    ("**bold**, *em*, `code` and [a link](https://example.org)", "bold, em, code and a link"),
    ("x==y==z", "xyz"),
    ("== not ==", "== not =="),
    ("![[embedded.png]] text", "text"),
])
def test_plain_text_drops_markup_and_keeps_display_text(md: str, plain: str) -> None:
    assert markup.plain(md) == plain


def test_runs_carry_styles_and_safe_links() -> None:
    runs = markup.runs("a **b** ==c== `d` [e](https://example.org) *f*")
    styled = {r.text.strip(): r for r in runs if r.text.strip()}
    assert styled["b"].bold and not styled["b"].italic
    assert styled["c"].mark
    assert styled["d"].code
    assert styled["e"].link == "https://example.org"
    assert styled["f"].italic


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x",
                                 "file:///etc/passwd", "vbscript:x"])
def test_unsafe_links_are_not_links(url: str) -> None:
    assert markup.safe_url(url) is None
    html = markup.inline_html(f"[click]({url})")
    assert "href" not in html
    assert all(r.link is None for r in markup.runs(f"[click]({url})"))


def test_raw_html_is_escaped() -> None:
    html = markup.inline_html('<script>alert(1)</script><img src=x onerror="alert(2)">')
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_blocks_of_a_text_slide() -> None:
    blocks = markup.blocks("## Take-aways\n- Deduplicate **early**\n  - nested\n1. one\n\npara")
    assert [(b.kind, b.level) for b in blocks] == [
        ("heading", 2), ("bullet", 1), ("bullet", 2), ("number", 1), ("paragraph", 0)]
    assert any(r.bold and r.text == "early" for r in blocks[1].runs)


def test_line_breaks_render_once_in_html() -> None:
    assert markup.inline_html("a\nb") == "a<br>\nb"
    assert markup.inline_html("a\\\nb").count("<br") == 1
    assert [r.text for r in markup.runs("a\\\nb")] == ["a", "\n", "b"]


@settings(max_examples=500)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_plain_fast_path_agrees_with_the_parser(text: str) -> None:
    slow = "".join(r.text for r in markup.runs(text)).strip()
    assert markup.plain(text) == slow


@settings(max_examples=1000)
@given(st.text(alphabet="ab (1).\\*_=<>&\"#|~!", max_size=30))
def test_backslash_escapes_need_no_parser(text: str) -> None:
    # The planner writes kept brackets back as `\(`: such a caption takes the fast path,
    # and it must give what the parser gives.
    assert markup.runs(text) == list(markup._parsed_runs(text))
    assert markup.inline_html(text) == markup.parser().renderInline(text)
    assert markup.plain(text) == "".join(r.text for r in markup._parsed_runs(text)).strip()


def test_an_escaped_caption_is_plain_text() -> None:
    assert markup._unmarked("Scale \\(4\\) \\<b\\>") == "Scale (4) <b>"
    assert markup.inline_html("Scale \\(4\\) \\<b\\>") == "Scale (4) &lt;b&gt;"
    assert markup._unmarked("a \\(b\\) *c*") is None   # markup left: the parser's
    assert markup._unmarked("a\\b") is None             # a backslash that escapes nothing


@settings(max_examples=1000)
@given(st.text(alphabet=st.one_of(st.sampled_from(list("ab1. -#>+*=_`~<|\\[]!&\":\t\n\n ")),
                                  st.characters(blacklist_categories=("Cs",))), max_size=40))
def test_plain_notes_fast_path_agrees_with_the_parser(text: str) -> None:
    fast = markup._plain_paragraphs(text)
    assert fast is None or fast == markup.parser().render(text)


def test_speaker_notes_of_an_entry_need_no_parser() -> None:
    notes = 'Source: Twitter — https://example.org/a?b=1\n\nScreens 001.md:3\nsaid "hi"'
    assert markup._plain_paragraphs(notes) == (
        "<p>Source: Twitter — https://example.org/a?b=1</p>\n"
        "<p>Screens 001.md:3<br>\nsaid &quot;hi&quot;</p>\n")
    assert markup.blocks_html(notes) == markup.parser().render(notes)
    for marked in ("- a list", "# heading", "1. one", "    code", "a\n===", "a *b*", " a"):
        assert markup._plain_paragraphs(marked) is None, marked


def test_merge_runs_joins_same_styled_neighbours_but_never_line_breaks() -> None:
    R = markup.Run
    assert markup.merge_runs([R("a"), R(" b"), R("c", bold=True), R("d", bold=True), R("\n"),
                              R("\n"), R("e"), R("f", link="https://x.org")]) == [
        R("a b"), R("cd", bold=True), R("\n"), R("\n"), R("e"), R("f", link="https://x.org")]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ab *=_`\n\\[]()", max_size=40))
def test_measured_tokens_join_back_into_the_parsed_runs(text: str) -> None:
    # The layout cuts runs into words to wrap them; joining them again is the same merge.
    runs = markup.runs(text)
    assert measure.join(measure.tokens(runs)) == runs
