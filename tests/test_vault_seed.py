"""The seed notes (../shared/seed/vault/Screenshots.md): issue 2's acceptance points."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from deckbuilder.model import Entry, Source
from deckbuilder.vault import read

from _vaults import png

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A copy of the seed vault (its images do not exist) and the note's text."""
    note = SHARED / "seed" / "vault" / "Screenshots.md"
    if not note.is_file():
        pytest.skip("../shared (seed vault) is not beside this checkout")
    root = tmp_path_factory.mktemp("seed")
    shutil.copy(note, root / "Screenshots.md")
    return root, note.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def entries(seed: tuple[Path, str]) -> list[Entry]:
    v, _ = read(seed[0])
    return list(v.entries)


def by_image(entries: list[Entry], name: str) -> Entry:
    (found,) = [e for e in entries if e.images[0].target == name]
    return found


def test_113_entries(entries: list[Entry]) -> None:
    assert len(entries) == 113
    assert [e.line for e in entries] == sorted(e.line for e in entries)


def test_every_image_target_is_listed(seed: tuple[Path, str], entries: list[Entry]) -> None:
    written = re.findall(r"!\[\[([^\]|#]+)", seed[1])
    assert len(written) == 120
    assert [i.target for e in entries for i in e.images] == written


def test_nine_entries_on_2024_04_15(entries: list[Entry]) -> None:
    assert sum(1 for e in entries if e.date and e.date.date() == date(2024, 4, 15)) == 9


def test_youtube_source(entries: list[Entry]) -> None:
    e = by_image(entries, "Pasted image 20240127145004.png")
    assert e.source is not None
    assert (e.source.text, e.source.url) == \
        ("Youtube", "https://youtu.be/c_jjyIJ4ci8?si=KVWMwUiQnPPxx868")


def test_two_image_word2vec_entry(entries: list[Entry]) -> None:
    e = by_image(entries, "Pasted image 20240330010736.png")
    assert [i.target for i in e.images] == ["Pasted image 20240330010736.png",
                                            "Pasted image 20240331232918.png"]
    assert [(i.width, i.alt) for i in e.images] == [(300, None), (300, None)]
    assert "word2vec" in e.caption and not e.caption.startswith("Above")
    assert e.caption.startswith("context being explaining word2vec")


def test_thomwolf_entry(entries: list[Entry]) -> None:
    e = by_image(entries, "Pasted image 20240415160930.png")
    assert e.source is not None
    assert (e.source.text, e.source.url) == \
        ("ThomWolf", "https://youtu.be/2-SPH9hIKT8?si=n4JiXW9ooiOJ4Wrf")
    assert e.caption.startswith("An example of heuristics that are used (eg in FastText)")
    for line in ("- Deduplicate:", "\t- Fuzzy: (HF uses many of these)",
                 "\t\t- [[Bloom Filter|300]]: Hashing and fixed-size vector",
                 "\t\t- [[MinHash|300]]: Hashing and sorting",
                 "\t\t- Sentence-level deduplication"):
        assert line in e.notes.split("\n")
    assert e.notes.endswith("leaving them with a higher proportion of \"bad\" data! Oops!")


def test_more_seed_captions(entries: list[Entry]) -> None:
    discord = by_image(entries, "Pasted image 20240129230748.png")
    assert (discord.source.text if discord.source else None, discord.caption) == \
        ("Yannic Kilchner Discord", "An example of bots")
    xkcd = by_image(entries, "Pasted image 20240221205508.png")
    assert xkcd.source == Source("XKCD")
    assert xkcd.caption == "Re: evaluation of language model next-token-prediction"
    parallelism = by_image(entries, "Pasted image 20240415163527.png")
    assert parallelism.caption_text.startswith("Data Parallelism: Usually works")
    highlight = by_image(entries, "Pasted image 20240516223002.png")
    assert highlight.caption_text.startswith("Comparison of Pairwise Ranking and Direct")
    fusion = by_image(entries, "Pasted image 20240417002349.png")
    assert fusion.caption == "" and fusion.notes.startswith("1. Combine modalities")


def test_broken_embed_of_line_14(entries: list[Entry], seed: tuple[Path, str]) -> None:
    e = by_image(entries, "Pasted image 20231224155343.png")
    assert [i.target for i in e.images] == ["Pasted image 20231224155343.png",
                                            "Pasted image 20231224160119.png"]
    _, diags = read(seed[0])
    broken = [str(d) for d in diags if "broken embed" in d.message]
    assert broken == [f"{seed[0] / 'Screenshots.md'}:14: warning: broken embed "
                      "'![[Pasted image 20231224160119.png]' (no closing ']]'); read as an image"]


def test_each_missing_image_is_reported(seed: tuple[Path, str], entries: list[Entry]) -> None:
    _, diags = read(seed[0])
    missing = [(d.location.line, d.message) for d in diags
               if d.message.startswith("image not found") and d.location]
    expected = [(e.line, f"image not found: {i.target!r}") for e in entries for i in e.images]
    assert missing == expected and len(missing) == 120


def test_present_images_resolve_and_are_not_reported(tmp_path: Path, seed: tuple[Path, str]
                                                     ) -> None:
    shutil.copy(seed[0] / "Screenshots.md", tmp_path / "Screenshots.md")
    for name in ("Pasted image 20240127145004.png", "Pasted image 20240330010736.png",
                 "Pasted image 20240331232918.png"):
        png(tmp_path / "attachments" / name)
    v, diags = read(tmp_path)
    e = by_image(list(v.entries), "Pasted image 20240330010736.png")
    assert [i.path for i in e.images] == ["attachments/Pasted image 20240330010736.png",
                                          "attachments/Pasted image 20240331232918.png"]
    assert v.file(e.images[0]) == tmp_path.resolve() / e.images[0].path
    assert sum(1 for d in diags if d.message.startswith("image not found")) == 117
