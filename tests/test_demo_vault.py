"""The demo vault in talks/ reads as intended: its entries, images, tags, dates, sources."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image, ImageOps

from deckbuilder.cli import main

DEMO = Path(__file__).resolve().parent.parent / "talks" / "demo-vault"


@pytest.fixture(scope="module")
def entries() -> list[dict]:
    """The demo vault's entries as `deckbuilder entries --json` prints them."""
    result = CliRunner().invoke(main, ["entries", str(DEMO), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def by_id(entries: list[dict]) -> dict[str, dict]:
    return {e["id"]: e for e in entries}


def test_entry_and_image_counts(entries: list[dict]) -> None:
    assert len(entries) == 17
    assert sum(len(e["images"]) for e in entries) == 18
    assert [e["note"] for e in entries].count("Deduplication.md") == 4


def test_every_image_exists_and_is_readable(entries: list[dict]) -> None:
    attachments = sorted(p.name for p in (DEMO / "attachments").iterdir())
    embedded = sorted(i["path"].rsplit("/", 1)[-1] for e in entries for i in e["images"]
                      if i["path"])
    assert embedded == attachments          # every image found, and no unused file
    for name in attachments:
        with Image.open(DEMO / "attachments" / name) as im:
            im.load()
            assert min(im.size) >= 100


def test_special_images() -> None:
    with Image.open(DEMO / "attachments" / "IMG_20240418_183012.jpg") as im:
        assert im.getexif().get(0x0112) == 6                 # EXIF orientation: sideways
        assert ImageOps.exif_transpose(im).size == (800, 600)
    with Image.open(DEMO / "attachments" / "quality-funnel.png") as im:
        assert im.mode == "RGBA" and im.getextrema()[3][0] == 0  # really transparent
    with Image.open(DEMO / "attachments" / "Pasted image 20240416093012.png") as im:
        assert im.size == (300, 120)


def test_two_image_line(entries: list[dict]) -> None:
    pair = [e for e in entries if len(e["images"]) == 2]
    assert [e["id"] for e in pair] == ["Pasted image 20240312102210"]
    assert [i["target"] for i in pair[0]["images"]] == [
        "Pasted image 20240312102210.png", "Pasted image 20240312102245.png"]
    assert pair[0]["caption"].startswith("Left: document lengths")


def test_front_matter_and_inline_tags(entries: list[dict]) -> None:
    e = by_id(entries)
    for entry in entries:
        assert "llm" in entry["tags"]                          # front matter of every note
    assert all("data/dedup" in x["tags"] for x in entries if x["note"] == "Deduplication.md")
    assert "reading-group" in e["Pasted image 20240415161204"]["tags"]  # a line outside entries
    assert "eval/manual" in e["Pasted image 20240503090045"]["tags"]    # nested inline tag
    assert "eval/manual" not in e["Pasted image 20240502142010"]["tags"]
    assert "data/filtering" in e["Pasted image 20240415160930"]["tags"]  # tag in a list item
    assert not any("tuned" in x["tags"] or "pipeline" in x["tags"] for x in entries)  # code, URL


def test_dates(entries: list[dict]) -> None:
    days = {e["date"][:10] for e in entries}
    assert len(days) >= 9
    e = by_id(entries)
    assert e["Screenshot 2024-04-20 at 10.21.39 PM"]["date"] == "2024-04-20T22:21:39"
    assert e["CleanShot 2024-05-16 at 01.07.06@2x"]["date"] == "2024-05-16T01:07:06"
    assert e["IMG_20240418_183012"]["date"] == "2024-04-18T18:30:12"
    assert e["quality-funnel"]["date"] == date(2024, 5, 2).isoformat()  # from front matter


@pytest.mark.parametrize("entry_id, text, url, caption", [
    ("Pasted image 20240312101530", "Example Lectures",
     "https://example.org/lectures/data-cleaning#pipeline", "A typical web-text pipeline"),
    ("Pasted image 20240312102210", "", "https://example.com/blog/length-filters", "Left:"),
    ("Pasted image 20240415155657", "the ExampleWeb dataset report", None,
     "How much of the raw crawl survives each stage"),
    ("Pasted image 20240415160930", "Mara Lindqvist",
     "https://example.org/talks/heuristics-2024", "Heuristics that filter"),
    ("Screenshot 2024-04-20 at 10.21.39 PM", "",
     "https://example.com/eng/minhash-in-20-lines", "MinHash signatures"),
    ("Pasted image 20240420223015", "Example University CS 999, lecture 7", None,
     "Exact vs fuzzy deduplication"),
    ("CleanShot 2024-05-16 at 01.07.06@2x", "Rosa Quill on Example Social",
     "https://example.net/@rquill/112233", "A counter-intuitive result"),
    ("Pasted image 20240502142010", "", "https://example.org/papers/data-ablations.pdf",
     '"High-signal" benchmarks'),
    ("Pasted image 20240503091530", "", "https://example.com/tidyset", "tidyset:"),
    ("IMG_20240418_183012", "the summit's shared photo album", None, "Photo of the"),
])
def test_sources_and_captions(entries: list[dict], entry_id: str, text: str,
                              url: str | None, caption: str) -> None:
    e = by_id(entries)[entry_id]
    assert e["source"] == {"text": text, "url": url}
    assert e["caption"].startswith(caption)


def test_entries_without_source_and_markup(entries: list[dict]) -> None:
    e = by_id(entries)
    assert e["Pasted image 20240416093012"]["source"] is None
    table = e["Pasted image 20240415161204"]
    assert "==mean word length 3–10==" in table["caption"]
    assert "**symbol-to-word ratio below 0.1**" in table["caption"]
    assert "==" not in table["caption_text"] and "**" not in table["caption_text"]
    heuristics = e["Pasted image 20240415160930"]["notes"]
    assert heuristics.count("\n") >= 6 and "\t- fastText" in heuristics
