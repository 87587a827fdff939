"""check: spec + vault + picks + images, and the acceptance points on the seed vault."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from PIL import Image

from _seed import seed_vault
from deckbuilder.check import check
from deckbuilder.pixels import unreadable
from deckbuilder.commands.check import summary, to_json
from deckbuilder.errors import DeckError, SpecError


def spec_file(folder: Path, slides: str, vault: str = "vault") -> Path:
    path = folder / "talk.yaml"
    path.write_text(f"title: Seed talk\nvault: {vault}\nslides:\n" + textwrap.dedent(slides),
                    encoding="utf-8")
    return path


@pytest.fixture
def seed(shared, tmp_path) -> Path:
    seed_vault(shared, tmp_path / "vault")
    return tmp_path


def entry_slides(report) -> list[dict]:
    return [s for s in to_json(report) if s["kind"] == "entry"]


# ---------------------------------------------------------------- acceptance on the seed


def test_one_day_selects_nine_entries(seed):
    report = check(spec_file(seed, "- select: {from: 2024-04-15, to: 2024-04-15}\n"))
    slides = entry_slides(report)
    assert len(slides) == 9
    assert all(s["entry"]["date"].startswith("2024-04-15") for s in slides)
    assert all(s["line"] == 4 for s in slides)


def test_picked_image_shows_the_caption_override(seed):
    report = check(spec_file(seed, """\
        - image: "Pasted image 20240415160930.png"
          caption: Heuristic ==quality== filters
        """))
    [slide] = entry_slides(report)
    e = slide["entry"]
    assert (e["caption"], e["caption_text"]) == ("Heuristic ==quality== filters",
                                                 "Heuristic quality filters")
    # Everything not overridden is the vault's entry, as `entries --json` prints it.
    assert e["source"] == {"text": "ThomWolf",
                           "url": "https://youtu.be/2-SPH9hIKT8?si=n4JiXW9ooiOJ4Wrf"}
    assert "Deduplicate" in e["notes"] and e["line"] == 173 and e["note"] == "Screenshots.md"


def test_match_lambert_selects_the_five_entries_of_that_talk(seed):
    report = check(spec_file(seed, "- select: {match: \"(?i)lambert\"}\n"))
    slides = entry_slides(report)
    assert [s["entry"]["line"] for s in slides] == [221, 223, 225, 227, 229]
    assert {s["entry"]["source"]["text"] for s in slides} == {"Nathan Lambert's CS25 talk"}


# ---------------------------------------------------------------- the report


def test_json_form_of_every_kind(seed):
    report = check(spec_file(seed, """\
        - title
        - section: Evaluation
        - image: "Pasted image 20240415160930.png"
        - text: "## Take-aways"
        - credits
        - closing: Thanks
        """))
    kinds = [(s["kind"], s["line"]) for s in to_json(report)]
    assert kinds == [("title", 4), ("section", 5), ("entry", 6), ("text", 7), ("credits", 8),
                     ("closing", 9)]
    title, section, _, text, credits, closing = to_json(report)
    assert title["title"] == "Seed talk" and section["title"] == "Evaluation"
    assert text["text"] == "## Take-aways" and closing["text"] == "Thanks"
    assert credits["sources"] == [{"text": "ThomWolf", "url": "https://youtu.be/2-SPH9hIKT8"
                                   "?si=n4JiXW9ooiOJ4Wrf", "entries": ["Pasted image 20240415160930"]}]


def test_summary_counts_sections_and_unsourced_entries(seed):
    report = check(spec_file(seed, """\
        - title
        - section: One day
        - select: {from: 2024-04-15, to: 2024-04-15}
        - section: Lambert
        - select: {match: "(?i)lambert"}
        """))
    assert report.sections() == [("", 1), ("One day", 9), ("Lambert", 5)]
    unsourced = [e.line for e in report.unsourced()]
    assert unsourced == [165, 168, 192, 198, 201]
    text = summary(report)
    assert "     9  One day" in text and "Entries without a source: 5" in text
    assert "Screenshots.md:165  Pasted image 20240415152438" in text
    assert "Missing or unreadable images: none" in text


def test_missing_and_unreadable_images_are_errors_with_note_lines(seed):
    (seed / "vault" / "Pasted image 20240418163127.png").unlink()
    (seed / "vault" / "Pasted image 20240418164208.png").write_bytes(b"not a png")
    path = spec_file(seed, "- select: {match: \"(?i)lambert\"}\n")
    with pytest.raises(DeckError) as info:
        check(path)
    errors = [str(d) for d in info.value.diagnostics if d.is_error]
    note = seed / "vault" / "Screenshots.md"
    assert errors == [
        f"{note}:221: error: image not found: Pasted image 20240418163127.png "
        f"(picked on {path}:4)",
        f"{note}:223: error: unreadable image Pasted image 20240418164208.png: not an image "
        f"Pillow can read (picked on {path}:4)"]
    # The reader's own warning about the same missing file is not repeated.
    assert not any(": warning: image not found" in str(d) for d in info.value.diagnostics)


def test_allow_missing_lists_them_in_the_summary_instead(seed):
    (seed / "vault" / "Pasted image 20240418163127.png").unlink()
    report = check(spec_file(seed, "- select: {match: \"(?i)lambert\"}\n"), allow_missing=True)
    assert [d.severity for d in report.diagnostics] == ["warning"]
    assert "Screenshots.md:221  Pasted image 20240418163127.png  (missing; picked on line 4)" \
        in summary(report)


def test_vault_warnings_about_entries_not_picked_are_left_out(seed):
    # Line 14 of the seed has a broken embed: a warning, but not about this talk.
    report = check(spec_file(seed, "- image: \"Pasted image 20240415160930.png\"\n"),
                   strict=True)
    assert report.diagnostics == () and report.hidden_warnings >= 1


def test_vault_warnings_about_picked_entries_are_kept(seed):
    path = spec_file(seed, "- image: \"Pasted image 20231224155343.png\"\n")
    report = check(path)
    assert any(":14: warning:" in str(d) for d in report.diagnostics)
    with pytest.raises(DeckError):
        check(path, strict=True)


def test_strict_turns_warnings_into_errors(seed):
    path = spec_file(seed, "- select: {tags: [nope]}\n")
    assert [d.severity for d in check(path).diagnostics] == ["warning"]
    with pytest.raises(DeckError) as info:
        check(path, strict=True)
    assert [str(d) for d in info.value.diagnostics] == [
        f"{path}:4: error: select matches none of the vault's 113 entries"]


def test_spec_errors_and_pick_errors_come_together(seed):
    path = spec_file(seed, """\
        - select: {tagz: [x]}
        - image: "Pasted image 20240415160931.png"
        """)
    with pytest.raises(DeckError) as info:
        check(path)
    lines = [str(d) for d in info.value.diagnostics]
    assert lines[0].startswith(f"{path}:4: error: unknown key 'tagz'")
    assert lines[1].startswith(f"{path}:5: error: no entry has the image or id 'Pasted image "
                               f"20240415160931.png' (nearest: 'Pasted image 20240415160930.png'")


def test_unusable_spec_stops_before_the_vault(tmp_path):
    path = spec_file(tmp_path, "- title\n", vault="nowhere")
    with pytest.raises(SpecError, match="vault 'nowhere' does not exist"):
        check(path)


# ---------------------------------------------------------------- images


def test_unreadable(tmp_path):
    good = tmp_path / "good.png"
    Image.new("RGB", (4, 4)).save(good)
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(good.read_bytes()[:30])
    text = tmp_path / "text.png"
    text.write_text("hello")
    assert unreadable(good) is None
    assert unreadable(text) == "not an image Pillow can read"
    assert unreadable(truncated)
    assert unreadable(tmp_path / "gone.png") == "the file is gone"
