"""The planner: geometry properties, caption fitting, notes, alt text, slide kinds."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _decks import YI, entry, rendered_lines, sample, talk
from deckbuilder import layout, markup, theme
from deckbuilder.layout import context, measure
from deckbuilder.layout.text import markers
from deckbuilder.model import Normalised
from deckbuilder.model import Box, Deck, Pick, Source


@pytest.fixture(scope="module")
def th():
    return theme.load("default")


def inside(box: Box, deck: Deck) -> bool:
    eps = 1e-6
    return (box.x >= -eps and box.y >= -eps and box.right <= deck.width + eps
            and box.bottom <= deck.height + eps and box.w > 0 and box.h > 0)


def overlap(a: Box, b: Box) -> bool:
    return a.x < b.right - 1e-6 and b.x < a.right - 1e-6 and a.y < b.bottom - 1e-6 \
        and b.y < a.bottom - 1e-6


def fake(name: str, w: int, h: int) -> Normalised:
    return Normalised(Path(name), Path("/cache") / name, w, h)


def plan_one(th, e, imgs, aspect="16:9", tmp=Path("/nonexistent")):
    return layout.plan(talk(tmp, aspect), [Pick("entry", 5, e)], th, imgs)


@pytest.mark.parametrize("aspect", ["16:9", "4:3"])
@pytest.mark.parametrize("theme_name", ["default", "dark"])
def test_every_kind_planned_and_everything_inside(tmp_path, aspect, theme_name):
    deck, diags, imgs = sample(tmp_path, aspect, theme_name)
    assert not diags
    assert (deck.width, deck.height) == {"16:9": (1280, 720), "4:3": (960, 720)}[aspect]
    assert [s.kind for s in deck.slides] == ["title", "section", "image", "image", "image",
                                            "multi-image", "text", "credits", "closing"]
    for s in deck.slides:
        for item in s.items:
            assert inside(item.box, deck), (s.kind, item.role, item.box)


def test_pictures_keep_their_aspect_and_never_exceed_the_upscale_limit(tmp_path, th):
    deck, _, imgs = sample(tmp_path)
    by_file = {n.path: n for n in imgs.values()}
    limit = th.get("images.max_upscale")
    pictures = [i for s in deck.slides for i in s.items if i.role == "picture"]
    assert len(pictures) == 6
    for p in pictures:
        n = by_file[p.image]
        assert p.box.w / p.box.h == pytest.approx(n.width / n.height, rel=1e-9)
        assert p.box.w <= n.width * limit + 1e-6
    small = next(p for p in pictures if by_file[p.image].width == 300)
    assert small.box.w == pytest.approx(300 * limit)    # grown to the limit, not further


def test_picture_and_texts_do_not_overlap(tmp_path):
    deck, _, _ = sample(tmp_path)
    for s in deck.slides:
        for a in s.items:
            for b in s.items:
                if a is not b and "rule" not in (a.role, b.role):
                    assert not overlap(a.box, b.box), (s.kind, a.role, b.role)


def test_caption_fits_its_box_when_measured(th):
    fonts = measure.Fonts.of(th)
    imgs = {"a.png": fake("a.png", 1600, 900)}
    for words in (3, 30, 60):
        e = entry(1, " ".join(["Deduplicate"] * words), ["a.png"], YI)
        deck, diags = plan_one(th, e, imgs)
        cap = next(i for i in deck.slides[0].items if i.role == "caption")
        lines = rendered_lines(markup.runs(cap.text), cap.style.size, cap.box.w, fonts)
        assert len(lines) * fonts.pitch(cap.style.size) <= cap.box.h + 1e-6
        assert th.get("image_slide.caption.min_size") <= cap.style.size \
            <= th.get("image_slide.caption.max_size")
    short = plan_one(th, entry(1, "Short", ["a.png"]), imgs)[0].slides[0]
    assert next(i for i in short.items if i.role == "caption").style.size == \
        th.get("image_slide.caption.max_size")


def test_text_reflows_to_the_measured_lines_without_inserted_breaks(th):
    # A deck is edited and may be opened without its font: the text carries only the
    # breaks the author wrote, and its box is as wide as the renderer's wrap needs to
    # draw the lines the planner measured (the box height holds exactly those lines).
    fonts = measure.Fonts.of(th)
    imgs = {"a.png": fake("a.png", 1600, 900)}
    e = entry(1, "The **quick** brown fox " * 12, ["a.png"], YI)
    cap = next(i for i in plan_one(th, e, imgs)[0].slides[0].items if i.role == "caption")
    runs = markup.runs(cap.text)
    assert not any(r.text == "\n" for r in runs) and any(r.bold for r in runs)
    drawn = rendered_lines(runs, cap.style.size, cap.box.w, fonts)
    assert len(drawn) == round(cap.box.h / fonts.pitch(cap.style.size)) > 1
    # The same lines at 1.5 % narrower and wider: a renderer measuring slightly
    # differently still breaks where the plan did.
    for scale in (0.985, 1.015):
        assert rendered_lines(runs, cap.style.size, cap.box.w * scale, fonts) == drawn


def test_author_line_breaks_are_kept(th):
    imgs = {"a.png": fake("a.png", 1600, 900)}
    e = entry(1, "First line\\\nsecond line", ["a.png"], YI)
    cap = next(i for i in plan_one(th, e, imgs)[0].slides[0].items if i.role == "caption")
    assert [r.text for r in markup.runs(cap.text)].count("\n") == 1


def test_bold_styles_are_measured_in_the_bold_face(th, tmp_path):
    fonts = measure.Fonts.of(th)
    ctx = context.Ctx(talk(tmp_path), th, fonts, 1280, 720, {})
    text = "Heuristic filters remove documents " * 2
    # A width at which the text fits one line in the regular face but not in the bold one.
    width = next(w for w in range(200, 1400, 3)
                 if measure.lines_at([markup.Run(text)], 40, w, fonts) == 1
                 and measure.lines_at([markup.Run(text, bold=True)], 40, w, fonts) == 2)
    regular, _ = context.fitted_text(ctx, text, {"size": 40}, width, 720)
    bold, bold_h = context.fitted_text(ctx, text, {"size": 40, "bold": True}, width, 720)
    assert (regular.lines, bold.lines) == (1, 2)
    assert bold_h == 2 * fonts.pitch(40)
    assert not any(r.bold for r in bold.runs)  # the box's style draws it bold


def test_caption_overflow_goes_to_notes_with_a_warning(th):
    imgs = {"a.png": fake("a.png", 1600, 900)}
    words = [f"word{i}" for i in range(600)]
    deck, diags = plan_one(th, entry(12, " ".join(words), ["a.png"], YI), imgs)
    slide = deck.slides[0]
    cap = next(i for i in slide.items if i.role == "caption")
    assert cap.style.size == th.get("image_slide.caption.min_size")
    assert cap.text.endswith("…") and "word599" not in cap.text
    assert "word599" in slide.notes and "Caption, continued" in slide.notes
    assert [str(d) for d in diags] == ["Notes.md:12: warning: caption too long for its box at "
                                       "the minimum size; the rest is in the speaker notes"]
    shown = markup.plain(cap.text).rstrip("…").split()
    rest = slide.notes.split("Caption, continued: …")[1].split("\n\n")[0].split()
    assert shown + rest == words        # nothing lost, nothing repeated


def test_notes_are_source_then_notes_then_location(th):
    imgs = {"a.png": fake("a.png", 800, 600)}
    deck, _ = plan_one(th, entry(42, "Cap", ["a.png"], YI, "Say this slowly."), imgs)
    assert deck.slides[0].notes == ("Source: the Yi paper — https://arxiv.org/abs/2403.04652"
                                    "\n\nSay this slowly.\n\nNotes.md:42")


def test_alt_text_is_caption_or_description_never_a_path(th):
    imgs = {"shots/a.png": fake("a.png", 800, 600)}
    pic = lambda d: next(i for i in d.slides[0].items if i.role == "picture")  # noqa: E731
    with_caption = plan_one(th, entry(1, "The **Yi** filters", ["shots/a.png"], YI), imgs)[0]
    assert pic(with_caption).alt == "The Yi filters"
    bare = plan_one(th, entry(1, "", ["shots/a.png"], YI), imgs)[0]
    assert pic(bare).alt == "Screenshot from the Yi paper, 15 April 2024"
    assert pic(bare).link == YI.url
    nothing = plan_one(th, entry(1, "", ["shots/a.png"], None, when=None), imgs)[0]
    assert pic(nothing).alt == "Screenshot"
    for d in (with_caption, bare, nothing):
        assert "a.png" not in pic(d).alt and "/" not in pic(d).alt


def test_tall_picture_gets_the_caption_beside_it(th):
    imgs = {"t.png": fake("t.png", 500, 1500)}
    slide = plan_one(th, entry(1, "A portrait screenshot", ["t.png"]), imgs)[0].slides[0]
    pic = next(i for i in slide.items if i.role == "picture")
    cap = next(i for i in slide.items if i.role == "caption")
    assert cap.box.x >= pic.box.right and cap.style.align == "left"
    wide = plan_one(th, entry(1, "A wide one", ["w.png"]), {"w.png": fake("w.png", 1600, 500)})
    pic = next(i for i in wide[0].slides[0].items if i.role == "picture")
    cap = next(i for i in wide[0].slides[0].items if i.role == "caption")
    assert cap.box.y >= pic.box.bottom and cap.style.align == "center"


def test_four_images_make_a_grid_and_five_split_over_two_slides(th):
    imgs = {f"{i}.png": fake(f"{i}.png", 800, 600) for i in range(5)}
    four = plan_one(th, entry(1, "Four", [f"{i}.png" for i in range(4)]), imgs)[0].slides
    pics = [i.box for i in four[0].items if i.role == "picture"]
    assert four[0].kind == "multi-image" and len({round(b.y) for b in pics}) == 2
    five = plan_one(th, entry(1, "Five", [f"{i}.png" for i in range(5)]), imgs)[0].slides
    assert [s.kind for s in five] == ["multi-image", "image"]
    assert [i.alt for i in five[1].items if i.role == "picture"] == ["Five (image 5 of 5)"]


def test_missing_image_is_a_marked_placeholder(th):
    slide = plan_one(th, entry(1, "Gone", ["gone.png"]), {})[0].slides[0]
    pic = next(i for i in slide.items if i.role == "picture")
    assert pic.placeholder and pic.image is None and "Missing image" in pic.text


def test_embed_width_is_honoured_only_when_the_theme_says_so(tmp_path):
    e = entry(1, "Cap", ["a.png"])
    e = e.__class__(**{**e.__dict__, "images": (e.images[0].__class__("a.png", "a.png", 300),)})
    imgs = {"a.png": fake("a.png", 1600, 900)}
    free = plan_one(theme.load("default"), e, imgs)[0].slides[0].items[0]
    folder = tmp_path / "themes" / "hint"
    folder.mkdir(parents=True)
    (folder / "theme.yaml").write_text("images:\n  honour_embed_width: true\n"
                                       "  embed_width_scale: 1.5\n")
    capped = plan_one(theme.load("hint", tmp_path), e, imgs)[0].slides[0].items[0]
    assert free.box.w > 450 and capped.box.w == pytest.approx(450)


def test_footer_numbers_slides_and_skips_title(tmp_path):
    deck, _, _ = sample(tmp_path)
    numbers = {n: [i.text for i in s.items if i.role == "slide-number"]
               for n, s in enumerate(deck.slides, 1)}
    assert numbers[1] == [] and numbers[3] == ["3"] and numbers[9] == []
    footers = [i.text for i in deck.slides[2].items if i.role == "footer"]
    assert footers == ["Example Conf 2026"]


def test_theme_without_closing_skips_it_with_a_warning(tmp_path):
    folder = tmp_path / "themes" / "open"
    folder.mkdir(parents=True)
    (folder / "theme.yaml").write_text("slides: [title, section, image, multi-image, text]\n")
    deck, diags = layout.plan(talk(tmp_path), [Pick("title", 1), Pick("closing", 4)],
                              theme.load("open", tmp_path), {})
    assert [s.kind for s in deck.slides] == ["title"]
    assert str(diags[0]).startswith(f"{tmp_path / 'talk.yaml'}:4: warning: theme 'open' has no")


def test_credits_list_each_source_once_and_split_when_long(th, tmp_path):
    picks = [Pick("entry", i, entry(i, "c", [], Source(f"Source {i % 30}",
                                                        f"https://example.org/{i % 30}")))
             for i in range(60)] + [Pick("credits", 99)]
    deck, _ = layout.plan(talk(tmp_path), picks, th, {})
    credits = [s for s in deck.slides if s.kind == "credits"]
    assert len(credits) >= 2
    lines = [i.text for s in credits for i in s.items if i.role == "credit"]
    assert len(lines) == 30 and lines[0] == "Source 0 (2 slides)"
    for s in credits:
        assert all(inside(i.box, deck) for i in s.items)


def test_a_credits_group_carried_to_a_new_column_repeats_its_heading(th, tmp_path):
    picks = [Pick("entry", i, entry(i, "c", [], Source(f"Source {i}", f"https://example.org/{i}")))
             for i in range(40)] + [Pick("credits", 99)]
    deck, _ = layout.plan(talk(tmp_path), picks, th, {})
    for s in (s for s in deck.slides if s.kind == "credits"):
        columns: dict[float, list] = {}
        for i in s.items:
            if i.role.startswith("credit"):
                columns.setdefault(i.box.x, []).append(i)
        for items in columns.values():  # every column opens with its group's heading
            first = min(items, key=lambda i: i.box.y)
            assert first.role == "credit-group" and first.text.startswith("example.org")
    headings = [markup.plain(i.text) for s in deck.slides for i in s.items
                if i.role == "credit-group"]
    assert headings[0] == "example.org" and "example.org (continued)" in headings


def test_credits_merge_a_bare_url_source_with_a_worded_one_for_the_same_page(th, tmp_path):
    url = "https://example.org/papers/ablations.pdf"
    picks = [Pick("entry", 1, entry(1, "c", [], Source("", url))),
             Pick("entry", 2, entry(2, "c", [], Source("The ablations paper", url))),
             Pick("credits", 3)]
    deck, _ = layout.plan(talk(tmp_path), picks, th, {})
    items = [(i.role, i.text) for s in deck.slides if s.kind == "credits" for i in s.items]
    assert [t for r, t in items if r == "credit"] == ["The ablations paper (2 slides)"]
    assert len([t for r, t in items if r == "credit-url"]) == 1


def test_text_slide_blocks_and_overflow(th, tmp_path):
    md = "## Take-aways\n- one **bold**\n  - nested\n1. first\n2. second\n"
    slide = layout.plan(talk(tmp_path), [Pick("text", 3, text=md)], th, {})[0].slides[0]
    roles = [(i.role, i.text) for i in slide.items if i.role not in ("footer", "slide-number")]
    assert roles == [("heading", "Take-aways"), ("marker", "•"), ("bullet", "one **bold**"),
                     ("marker", "•"), ("bullet", "nested"), ("marker", "1."),
                     ("bullet", "first"), ("marker", "2."), ("bullet", "second")]
    long = "\n".join(f"- item {i}" for i in range(80))
    deck, diags = layout.plan(talk(tmp_path), [Pick("text", 3, text=long)], th, {})
    assert "item 79" in deck.slides[0].notes and "too long" in diags[0].message


def test_text_slide_numbers_each_list_level():
    blocks = markup.blocks("1. a\n2. b\n   1. c\n3. d\n\npara\n\n- x\n- y\n\n1. again")
    assert markers(blocks, "•") == ["1.", "2.", "1.", "3.", "", "•", "•", "1."]


def test_plan_writes_nothing(tmp_path, th):
    before = sorted(tmp_path.rglob("*"))
    plan_one(th, entry(1, "Cap", ["a.png"]), {"a.png": fake("a.png", 10, 10)}, tmp=tmp_path)
    assert sorted(tmp_path.rglob("*")) == before


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sizes=st.lists(st.tuples(st.integers(20, 5000), st.integers(20, 5000)), min_size=1,
                      max_size=4),
       words=st.integers(0, 120), aspect=st.sampled_from(["16:9", "4:3"]))
def test_any_pictures_and_caption_stay_inside_and_apart(sizes, words, aspect):
    th = theme.load("default")
    imgs = {f"{i}.png": fake(f"{i}.png", w, h) for i, (w, h) in enumerate(sizes)}
    e = entry(1, " ".join(["caption"] * words), list(imgs), YI)
    deck, _ = plan_one(th, e, imgs, aspect)
    items = deck.slides[0].items
    for item in items:
        assert inside(item.box, deck)
    for a in items:
        for b in items:
            if a is not b:
                assert not overlap(a.box, b.box), (a.role, b.role)
    for p in (i for i in items if i.role == "picture"):
        n = next(v for v in imgs.values() if v.path == p.image)
        assert p.box.w / p.box.h == pytest.approx(n.width / n.height, rel=1e-9)
        assert p.box.w <= n.width * th.get("images.max_upscale") + 1e-6


def test_footer_text_and_number_take_fields(tmp_path):
    from deckbuilder.render import pptx
    from pptx import Presentation

    folder = tmp_path / "themes" / "fields"
    folder.mkdir(parents=True)
    (folder / "theme.yaml").write_text(
        'extends: default\nfooter:\n  text: "{title} · {author} · {nosuch}"\n'
        '  number: "{n} / {total}"\n', encoding="utf-8")
    th = theme.load("fields", tmp_path)
    picks = [Pick("text", 1, text="Hello"), Pick("text", 2, text="World")]
    deck, _ = layout.plan(talk(tmp_path, title="Talk", author="Ada"), picks, th, {})
    items = {i.role: i for i in deck.slides[1].items}
    assert markup.plain(items["footer"].text).startswith("Talk · Ada · {nosuch}")
    assert markup.plain(items["slide-number"].text) == "2 / 2"
    path = pptx.write(deck, tmp_path / "f.pptx")
    shapes = Presentation(str(path)).slides[1].shapes
    number = next(s for s in shapes if s.name.startswith("slide-number"))
    xml = number._element.xml
    assert 'type="slidenum"' in xml and "/ 2" in number.text_frame.text
