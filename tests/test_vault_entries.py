"""Issue 2's entry rules 1-9, each on a small note written inline."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from deckbuilder.model import Source
from deckbuilder.vault import read

from _vaults import entries_of, messages, png, vault

P1, P2, P3 = ("Pasted image 20240415160930.png", "Pasted image 20240415162732.png",
              "Pasted image 20240415162904.png")


# ---------------------------------------------------------------- rule 1


def test_rule1_every_embed_line_starts_an_entry_with_its_images_in_order(tmp_path: Path) -> None:
    found, _ = entries_of(tmp_path, f"intro\n![[{P1}|300]]![[{P2}]] ![[{P3}]]\n![[{P3}]]\n",
                          (P1, P2, P3))
    assert [(e.line, [i.target for i in e.images]) for e in found] == [(2, [P1, P2, P3]), (3, [P3])]


def test_rule1_only_lines_with_an_image_start_entries(tmp_path: Path) -> None:
    found, _ = entries_of(tmp_path, "![[Other note]]\n![[Note#Heading]]\n![[talk.mp3]]\n"
                                    "```\n![[a.png]]\n```\n%% ![[b.png]] %%\n$$ ![[c.png]] $$")
    assert found == []


def test_rule1_broken_embed_is_reported_and_recovered(tmp_path: Path) -> None:
    found, diags = entries_of(tmp_path, f"![[{P1}|300]]![[{P2}]\n", (P1, P2))
    assert [i.path for i in found[0].images] == [P1, P2]
    assert messages(diags) == [f"{tmp_path / 'Note.md'}:1: warning: broken embed "
                               f"'![[{P2}]' (no closing ']]'); read as an image"]


def test_rule1_text_on_the_embed_line_less_its_markup(tmp_path: Path) -> None:
    note = (f"- ![[{P1}]] A listed caption\n"
            f"> ![[{P2}]] Quoted caption ^block1\n"
            f"| ![[{P3}\\|200]] | Cell caption |\n")
    found, _ = entries_of(tmp_path, note, (P1, P2, P3))
    assert [e.caption for e in found] == ["A listed caption", "Quoted caption", "Cell caption"]
    assert found[2].images[0].width == 200


# ---------------------------------------------------------------- rule 2


def test_rule2_text_runs_to_a_blank_line_embed_heading_rule_fence_or_block(tmp_path: Path) -> None:
    stops = ["", "![[Some note]]", "# Heading", "---", "```", "$$", "%%"]
    for stop in stops:
        note = f"![[{P1}]]\nCaption\nmore\n{stop}\nafter\n```\n$$\n%%\n"
        found, _ = entries_of(tmp_path / str(stops.index(stop)), note, (P1,))
        assert (found[0].caption, found[0].notes) == ("Caption", "more"), stop


def test_rule2_blockquote_lines_continue_without_their_markers(tmp_path: Path) -> None:
    found, _ = entries_of(tmp_path, f"![[{P1}]]\n> 함수의 진동\n> > deeper\n>[!NOTE] Title\n",
                          (P1,))
    assert found[0].caption == "함수의 진동"
    assert found[0].notes == "deeper\nTitle"


# ---------------------------------------------------------------- rule 3


def src(tmp_path: Path, line: str) -> tuple[Source | None, str, str]:
    found, _ = entries_of(tmp_path, f"![[{P1}]]\n{line}\n", (P1,))
    return found[0].source, found[0].caption, found[0].notes


def test_rule3_the_seed_examples(tmp_path: Path) -> None:
    yt = "https://youtu.be/c_jjyIJ4ci8?si=KVWMwUiQnPPxx868"
    discord = "https://discord.com/channels/714501525455634453/834836108000886805/1200"
    assert src(tmp_path / "a", f"(From Youtube: {yt})") == (Source("Youtube", yt), "", "")
    assert src(tmp_path / "b", "From XKCD; Re: evaluation of language model") == \
        (Source("XKCD"), "Re: evaluation of language model", "")
    assert src(tmp_path / "c", f"(From Yannic Kilchner Discord; An example of bots: {discord})") \
        == (Source("Yannic Kilchner Discord", discord), "An example of bots", "")
    assert src(tmp_path / "d", "From SnorkelAI Andrew Ng") == \
        (Source("SnorkelAI Andrew Ng"), "", "")
    wolf = "https://youtu.be/2-SPH9hIKT8?si=n4JiXW9ooiOJ4Wrf"
    assert src(tmp_path / "e", f"([ThomWolf]({wolf})) An example of heuristics. ") == \
        (Source("ThomWolf", wolf), "An example of heuristics.", "")


def test_rule3_words_urls_and_parentheses(tmp_path: Path) -> None:
    url = "https://example.org/a_(b)"
    assert src(tmp_path / "a", f"({url})") == (Source("", url), "", "")           # only a URL
    assert src(tmp_path / "b", f"<{url}>")[0] == Source("", url)
    assert src(tmp_path / "c", "source: the [Yi paper](https://arxiv.org/abs/1)")[0] == \
        Source("the Yi paper", "https://arxiv.org/abs/1")
    assert src(tmp_path / "d", "VIA @someone")[0] == Source("@someone")
    assert src(tmp_path / "e", "Credit: Jane - https://x.io/p.")[0] == \
        Source("Jane", "https://x.io/p")
    assert src(tmp_path / "f", "From CS224N(2023): Many ways (a: b); c") == \
        (Source("CS224N(2023)"), "Many ways (a: b); c", "")
    assert src(tmp_path / "g", "Fromage is not a source")[0] is None                # whole word
    assert src(tmp_path / "h", "- From a list item")[0] is None


def test_rule3_only_the_first_source_line_is_the_source(tmp_path: Path) -> None:
    source, caption, notes = src(tmp_path, "From A\nA caption\nFrom B; second")
    assert (source, caption, notes) == (Source("A"), "A caption", "From B; second")


def test_rule3_remainder_keeps_markdown_links_and_drops_bare_urls(tmp_path: Path) -> None:
    _, caption, _ = src(tmp_path, "From X; see [the paper](https://a.b/c) https://a.b/d and more -")
    assert caption == "see [the paper](https://a.b/c) and more"


# ---------------------------------------------------------------- rule 4


def test_rule4_caption_and_notes(tmp_path: Path) -> None:
    note = f"![[{P1}]]\n- a list first   \nAbove: The caption\nFrom Somewhere\nmore notes  \n"
    found, _ = entries_of(tmp_path, note, (P1,))
    assert found[0].caption == "The caption"
    assert found[0].notes == "- a list first\nmore notes"
    assert found[0].source == Source("Somewhere")


def test_rule4_a_source_remainder_wins_over_an_earlier_line(tmp_path: Path) -> None:
    _, caption, notes = src(tmp_path, "First line\nFrom X; the remainder")
    assert (caption, notes) == ("the remainder", "First line")


def test_rule4_a_list_only_text_has_no_caption(tmp_path: Path) -> None:
    found, _ = entries_of(tmp_path, f"![[{P1}]]\n1. one\n2. two\n\t- nested\n", (P1,))
    assert (found[0].caption, found[0].notes) == ("", "1. one\n2. two\n\t- nested")


def test_rule4_no_text(tmp_path: Path) -> None:
    found, _ = entries_of(tmp_path, f"![[{P1}]]\n\nlater\n", (P1,))
    assert (found[0].caption, found[0].caption_text, found[0].source, found[0].notes) == \
        ("", "", None, "")


# ---------------------------------------------------------------- rule 5


def test_rule5_tags(tmp_path: Path) -> None:
    note = ("---\ntags: [Paper, '#quoted']\ntag: legacy\n---\n#top\n"
            f"![[{P1}]] #on-line\ncaption #Inline/Nested `#code`\n\n"
            f"![[{P2}]]\nplain\n\n#bottom $#math$ https://x.io/#url\n")
    found, _ = entries_of(tmp_path, note, (P1, P2))
    note_tags = {"paper", "quoted", "legacy", "top", "bottom"}
    assert set(found[0].tags) == note_tags | {"on-line", "inline/nested"}
    assert set(found[1].tags) == note_tags
    assert list(found[0].tags) == sorted(found[0].tags)


def test_rule5_front_matter_tag_strings(tmp_path: Path) -> None:
    found, _ = entries_of(tmp_path, f"---\ntags: a, b c\n---\n![[{P1}]]\n", (P1,))
    assert found[0].tags == ("a", "b", "c")


def test_rule5_a_tag_only_line_is_neither_caption_nor_notes(tmp_path: Path) -> None:
    found, _ = entries_of(tmp_path, f"![[{P1}]]\n#meme #fun\nThe caption\n", (P1,))
    assert (found[0].caption, found[0].notes, found[0].tags) == ("The caption", "", ("fun", "meme"))


# ---------------------------------------------------------------- rule 6


def test_rule6_date_from_the_first_image_then_front_matter(tmp_path: Path) -> None:
    note = (f"---\ncreated: 2023-05-06\n---\n![[{P1}]]\n![[diagram.png]]\n"
            f"![[Screenshot 2024-04-28 at 12.43.51 AM.png]]\n")
    found, _ = entries_of(tmp_path, note, (P1, "diagram.png"))
    assert [e.date for e in found] == [datetime(2024, 4, 15, 16, 9, 30), date(2023, 5, 6),
                                       datetime(2024, 4, 28, 0, 43, 51)]


def test_rule6_no_date_is_null_and_a_bad_one_is_reported(tmp_path: Path) -> None:
    found, diags = entries_of(tmp_path, "---\ndate: someday\n---\n![[Pasted image 13.png]]\n",
                              ("Pasted image 13.png",))
    assert found[0].date is None
    assert "front matter 'date' is not a date" in messages(diags)[0]


# ---------------------------------------------------------------- rule 7


def test_rule7_size_alt_and_target(tmp_path: Path) -> None:
    note = (f"![[{P1}|300]] ![[{P1}|640x480]] ![[{P1}|A chart|300]] ![[{P1}#icon|300|300]]"
            f" ![[{P1}|center|70%|800]] ![ | 250](<{P1}>)"
            " ![alt text](Pasted%20image%2020240415160930.png)")
    found, _ = entries_of(tmp_path, note, (P1,))
    got = [(i.target, i.path, i.width, i.height, i.alt) for i in found[0].images]
    assert got == [(P1, P1, 300, None, None), (P1, P1, 640, 480, None),
                   (P1, P1, 300, None, "A chart"), (P1, P1, 300, None, None),
                   (P1, P1, 800, None, None), (P1, P1, 250, None, None),
                   ("Pasted%20image%2020240415160930.png", P1, None, None, "alt text")]


def test_rule7_remote_and_missing_images(tmp_path: Path) -> None:
    note = "![|400](https://i.stack.imgur.com/W8rc6.png)\n![[gone.png]]\n"
    found, diags = entries_of(tmp_path, note)
    assert [(i.target, i.path, i.width) for e in found for i in e.images] == [
        ("https://i.stack.imgur.com/W8rc6.png", None, 400), ("gone.png", None, None)]
    assert [m.split(": warning: ")[1] for m in messages(diags)] == [
        "remote image 'https://i.stack.imgur.com/W8rc6.png' is listed but not downloaded",
        "image not found: 'gone.png'"]


def test_rule7_image_by_the_resolved_file(tmp_path: Path) -> None:
    root = vault(tmp_path, {"Note.md": "![[Drawing.excalidraw]]\n![[Drawing.excalidraw.svg]]\n",
                            "Drawing.excalidraw.md": "x", "Drawing.excalidraw.svg": "<svg/>"})
    v, _ = read(root)
    assert [i.path for e in v.entries for i in e.images] == ["Drawing.excalidraw.svg"]


# ---------------------------------------------------------------- rule 8


def test_rule8_caption_keeps_markdown_and_has_plain_text(tmp_path: Path) -> None:
    note = (f"![[{P1}]]\n[[HellaSWAG|300]], [[Top-P Sampling|Nucleus]], ==mark==, *em*, `code`, "
            "[link](https://a.b)\n")
    found, _ = entries_of(tmp_path, note, (P1,))
    assert found[0].caption.startswith("[[HellaSWAG|300]], [[Top-P Sampling|Nucleus]]")
    assert found[0].caption_text == "HellaSWAG, Nucleus, mark, em, code, link"


# ---------------------------------------------------------------- rule 9


def test_rule9_note_order_line_order_and_ids(tmp_path: Path) -> None:
    root = vault(tmp_path, {"b.md": f"![[{P1}]]\n![[x.png]]\n", "B.md": f"![[{P1}]]\n",
                            "a/z.md": f"![[{P1}]]\n![[x-2.png]]\n"}, (P1,))
    v, _ = read(root)
    assert [(e.note, e.line, e.id) for e in v.entries] == [
        ("B.md", 1, "Pasted image 20240415160930"), ("a/z.md", 1, "Pasted image 20240415160930-2"),
        ("a/z.md", 2, "x-2"), ("b.md", 1, "Pasted image 20240415160930-3"), ("b.md", 2, "x")]


def test_rule9_ids_with_many_collisions_stay_unique(tmp_path: Path) -> None:
    root = vault(tmp_path, {"n.md": "![[a.png]]\n" * 300 + "![[a-2.png]]\n"})
    v, _ = read(root)
    ids = [e.id for e in v.entries]
    assert len(set(ids)) == 301 and ids[:3] == ["a", "a-2", "a-3"] and ids[-1] == "a-2-2"


# ---------------------------------------------------------------- reading


def test_undecodable_bytes_are_replaced_and_reported(tmp_path: Path) -> None:
    root = vault(tmp_path, {"n.md": b"ok\n![[x.png]]\ncaf\xe9 caption\n"}, ("x.png",))
    v, diags = read(root)
    assert v.entries[0].caption == "caf\ufffd caption"
    assert messages(diags) == [f"{root / 'n.md'}:3: warning: text is not valid UTF-8; "
                               "undecodable bytes replaced by \ufffd"]


def test_bom_and_crlf(tmp_path: Path) -> None:
    root = vault(tmp_path, {"n.md": "\ufeff---\r\ntags: [a]\r\n---\r\n![[x.png]]\r\nCap\r\n"},
                 ("x.png",))
    v, _ = read(root)
    assert (v.entries[0].line, v.entries[0].tags, v.entries[0].caption) == (4, ("a",), "Cap")


def test_a_single_note_uses_the_vault_above_it(tmp_path: Path) -> None:
    root = vault(tmp_path, {".obsidian/app.json": "{}", "sub/n.md": "![[x.png]]\n",
                            "other.md": "![[x.png]]\n"}, ("img/x.png",))
    v, diags = read(root / "sub" / "n.md")
    assert v.root == root.resolve()
    assert [(e.note, e.images[0].path) for e in v.entries] == [("sub/n.md", "img/x.png")]
    assert diags == []


def test_notes_globs(tmp_path: Path) -> None:
    root = vault(tmp_path, {"AI/a.md": "![[x.png]]", "AI/deep/b.md": "![[x.png]]",
                            "c.md": "![[x.png]]"}, ("x.png",))
    assert [e.note for e in read(root, ["AI"])[0].entries] == ["AI/a.md", "AI/deep/b.md"]
    assert [e.note for e in read(root, ["ai/*.md"])[0].entries] == ["AI/a.md"]
    assert [e.note for e in read(root, ["**/b.md", "c.md"])[0].entries] == ["AI/deep/b.md", "c.md"]
    _, diags = read(root, ["nothing*"])
    assert messages(diags) == ["warning: no note matches 'nothing*'"]


def test_stand_in_images_are_real_files(tmp_path: Path) -> None:
    assert png(tmp_path / "a.png").stat().st_size > 0


def test_front_matter_tags_that_are_not_strings_are_ignored(tmp_path: Path) -> None:
    note = f"---\ntags: [a, [b], {{c: d}}, 1, true, 2024-01-01, '#E/f', '2024']\n---\n![[{P1}]]\n"
    found, diags = entries_of(tmp_path, note, (P1,))
    assert found[0].tags == ("a", "e/f") and diags == []
