"""The scan: what is hidden (front matter, code, comments, math), embeds and tags per line."""

from __future__ import annotations

from deckbuilder.vault.scan import BLANK, BREAK, HIDDEN, TEXT, scan, split_lines


def embeds(text: str) -> dict[int, list[str]]:
    """Return {1-based line: [targets]} of a text's embeds."""
    return {i + 1: [e.target for e in found] for i, found in scan(text).embeds.items()}


def tags(text: str) -> dict[int, tuple[str, ...]]:
    return {i + 1: found for i, found in scan(text).tags.items()}


def test_line_numbers_follow_every_line_ending() -> None:
    assert split_lines("a\r\nb\rc\nd") == ["a", "b", "c", "d"]
    assert split_lines("a\x0cb\u2028c") == ["a\x0cb\u2028c"]   # not line breaks for editors
    assert embeds("x\r\n![[a.png]]\r\n") == {2: ["a.png"]}


def test_front_matter_is_hidden_and_parsed() -> None:
    s = scan("---\ntags: [a, b]\nimage: '![[no.png]]'\n---\n![[yes.png]]\n")
    assert s.meta == {"tags": ["a", "b"], "image": "![[no.png]]"}
    assert s.kinds[:4] == [HIDDEN] * 4
    assert {i + 1 for i in s.embeds} == {5}


def test_front_matter_must_start_on_line_one_and_close() -> None:
    assert scan("\n---\ntags: a\n---\n").meta == {}
    assert scan("---\ntags: a\n").meta == {}               # unclosed: a rule, not front matter


def test_invalid_front_matter_is_a_warning_and_the_note_is_read() -> None:
    s = scan("---\ntags: [a\ndate: : :\n---\n![[x.png]]\n")
    assert s.meta == {}
    assert len(s.problems) == 1 and "invalid front matter" in s.problems[0][1]
    assert embeds("---\ntags: [a\n---\n![[x.png]]\n") == {4: ["x.png"]}
    assert scan("---\n- a\n- b\n---\n").problems[0][1].startswith("front matter is not a mapping")
    assert scan("---\ndate: 2024-02-30\n---\n").problems          # PyYAML raises ValueError


def test_fenced_code_hides_embeds_and_tags() -> None:
    # A shorter fence does not close a longer one; a longer one closes a shorter one.
    text = ("````md\n![[a.png]] #no\n```\nstill code ![[b.png]]\n`````\n![[c.png]] #yes\n"
            "~~~\n#no\n~~~")
    s = scan(text)
    assert embeds(text) == {6: ["c.png"]}
    assert tags(text) == {6: ("yes",)}
    assert s.kinds[:5] == [BREAK, HIDDEN, HIDDEN, HIDDEN, BREAK]


def test_unclosed_fence_runs_to_the_end() -> None:
    assert embeds("```\n![[a.png]]\n\n![[b.png]]") == {}


def test_indented_code_but_not_list_continuations() -> None:
    text = ("para\n\n    ![[code.png]]\n\n- item\n\n    ![[continued.png]]\n"
            "- item\n    ![[lazy.png]]")
    assert embeds(text) == {7: ["continued.png"], 9: ["lazy.png"]}
    # An indented line right under a paragraph cannot start code (research §3.6).
    assert embeds("text\n    ![[a.png]]") == {2: ["a.png"]}
    assert embeds("    ![[first.png]]") == {}


def test_inline_code_comments_and_math() -> None:
    text = "`![[a.png]]` %%![[b.png]]%% $![[c.png]]$ $$![[d.png]]$$ ![[e.png]]"
    assert embeds(text) == {1: ["e.png"]}
    assert embeds("``code ` ![[a.png]]`` ![[b.png]]") == {1: ["b.png"]}
    assert embeds("`unclosed ![[a.png]]") == {1: ["a.png"]}


def test_dollars_as_currency_are_not_math() -> None:
    assert embeds("costs $5 and $10 ![[a.png]]") == {1: ["a.png"]}
    assert tags("$5 and $10 #price") == {1: ("price",)}


def test_multi_line_comments_and_math_blocks() -> None:
    text = "%%\n![[a.png]]\n%%\n$$\n[[\\mathcal S]] ![[b.png]]\n$$\n![[c.png]]"
    s = scan(text)
    assert embeds(text) == {7: ["c.png"]}
    assert s.kinds == [BREAK, HIDDEN, BREAK, BREAK, HIDDEN, BREAK, TEXT]


def test_comment_text_is_cut_from_the_line() -> None:
    s = scan("caption %%private%% rest\nx %%a\nb\nc%% ![[d.png]] tail")
    assert s.lines[0] == "caption  rest"
    assert s.rest[3].strip() == "tail"
    assert [e.target for e in s.embeds[3]] == ["d.png"]


def test_corpus_comment_holding_display_math_then_an_indented_embed() -> None:
    # Multidimensional Scaling (MDS).md, lines 98-102 of the ys-zhang vault.
    text = ("%%Given $D$ a *squared distance matrix*\n\n   $$C \\iff Φ$$%%\n   \n"
            "   ![[schoenberg-transform.png]]")
    assert embeds(text) == {5: ["schoenberg-transform.png"]}


def test_embed_forms() -> None:
    s = scan("![[a.png|alt|300x200]] ![[ b.png | 400 ]] ![[c.png#sec]] ![[d\\|e.png\\|20]]\n"
             "![x|20](a%20b.png \"title\") ![](<my pic.png>) ![a](https://x.io/p.png#f)")
    first, second = s.embeds[0], s.embeds[1]
    assert [(e.target, e.parts) for e in first] == [
        ("a.png", ("alt", "300x200")), ("b.png", ("400",)), ("c.png", ()), ("d", ("e.png", "20"))]
    assert [(e.target, e.parts, e.markdown) for e in second] == [
        ("a%20b.png", ("x", "20"), True), ("my pic.png", (), True),
        ("https://x.io/p.png#f", ("a",), True)]


def test_broken_embeds_are_found_and_flagged() -> None:
    s = scan("![[Pasted image 20231224155343.png|300]]![[Pasted image 20231224160119.png]\n"
             "![[open.png")
    assert [(e.target, e.broken) for e in s.embeds[0]] == [
        ("Pasted image 20231224155343.png", False), ("Pasted image 20231224160119.png", True)]
    assert [(e.target, e.broken) for e in s.embeds[1]] == [("open.png", True)]
    assert s.embeds[0][1].text == "![[Pasted image 20231224160119.png]"


def test_links_are_not_embeds() -> None:
    assert embeds("[[Bloom Filter|300]] [x](a.png) \\![[esc.png]]") == {}


def test_tags() -> None:
    assert tags("#a #B/c d#no (#no) #1984 #y1984 \\#no #tag.") == {1: ("a", "b/c", "y1984", "tag")}
    assert tags("# Heading\n## Sub #yes") == {2: ("yes",)}
    assert tags("[[Note#no]] [x #no](u) https://x.io/#no <https://a.b/#no> #ok") == {1: ("ok",)}
    assert tags("> #machinelearning #summary") == {1: ("machinelearning", "summary")}
    assert tags("#日本語 #emoji🙂") == {1: ("日本語", "emoji🙂")}
    assert tags("```\n#define X\n```\n`#no` #yes") == {4: ("yes",)}


def test_kinds_that_end_an_entry_text() -> None:
    s = scan("text\n\n# h\n---\n***\n> quote\n   \n%% c %%\n$$x$$\ntext $$ inline $$")
    assert s.kinds == [TEXT, BLANK, BREAK, BREAK, BREAK, TEXT, BLANK, BREAK, BREAK, TEXT]


def test_a_code_span_after_other_text_hides_its_embeds_and_tags() -> None:
    # The opening run was once counted from the line's start, so a span that did not
    # start the line was never closed and its contents were read.
    assert embeds("See `code ![[c.png]]` and more\n") == {}
    assert tags("See `x` then `#notatag` and #real\n") == {1: ("real",)}
    assert embeds("a ``b ` ![[no.png]]`` ![[yes.png]]\n") == {1: ["yes.png"]}


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_PLAIN = st.text(st.sampled_from("abc xyz.,-"), max_size=12)


@settings(max_examples=500, deadline=None)
@given(before=_PLAIN, ticks=st.integers(1, 3), inside=st.sampled_from(
    ["![[in.png]]", "#intag", "![x](in.png)", "$m$ ![[in.png]] #t2"]), after=_PLAIN,
    kind=st.sampled_from(["code", "math", "comment"]))
def test_nothing_inside_code_math_or_comments_is_an_embed_or_a_tag(before, ticks, inside,
                                                                    after, kind):
    opener, closer = {"code": ("`" * ticks, "`" * ticks), "math": ("$", "$"),
                      "comment": ("%%", "%%")}[kind]
    if kind == "math":
        inside = "x" + inside.replace("$", "") + "y"   # no space after/before the $
    line = f"{before.replace('`', '')} {opener}{inside}{closer} {after}"
    s = scan(line + "\n")
    assert all("in.png" not in e.target for found in s.embeds.values() for e in found), line
    assert all(t not in ("intag", "t2") for found in s.tags.values() for t in found), line
