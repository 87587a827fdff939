"""The PPTX opened where its font is missing: LibreOffice with Carlito and Calibri hidden
keeps every word inside its text box and off the pictures; with Carlito present, every
caption has exactly the lines the planner measured."""

from __future__ import annotations

from pathlib import Path

import pytest
from _decks import draw
from _office import inside, pdf_fonts, to_pdf, words, words_outside_their_boxes

from deckbuilder.build import build

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "talks" / "demo.yaml"
pytestmark = pytest.mark.tools

LONG = ("Deduplicating near-identical documents before the quality filter saves compute "
        "and, surprisingly often, removes the very boilerplate the classifier would have "
        "learned to like")


def long_caption_talk(root: Path) -> Path:
    """A talk whose captions are long, of many lengths, beside and below pictures."""
    vault = root / "vault"
    note = []
    for n, (size, words_) in enumerate([((1600, 900), 8), ((1600, 900), 24), ((900, 1400), 30),
                                        ((1600, 900), 40), ((1200, 1200), 16)]):
        draw(vault / f"p{n}.png", size)
        note.append(f"![[p{n}.png]]\n{' '.join(LONG.split()[:words_])}\nFrom: Example {n}\n")
    (vault / "Notes.md").write_text("\n".join(note), encoding="utf-8")
    spec = root / "long.yaml"
    spec.write_text("title: Long captions\nvault: vault\nslides:\n  - select: {}\n",
                    encoding="utf-8")
    return spec


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    out = tmp_path_factory.mktemp("subst")
    made = []
    for spec in (DEMO, long_caption_talk(out / "long")):
        result = build(spec, ("pptx",), out / "build", cache_dir=out / "cache")
        made.append((result.deck, result.outputs[0]))
    return out, made


@pytest.mark.parametrize("which", [0, 1], ids=["demo", "long-captions"])
def test_no_word_leaves_its_box_when_the_font_is_substituted(decks, which):
    out, made = decks
    deck, path = made[which]
    pdf = to_pdf(path, out / f"hidden-{which}", hide_font=True)
    assert "Carlito" not in pdf_fonts(pdf)
    assert words_outside_their_boxes(path, pdf) == []


@pytest.mark.parametrize("which", [0, 1], ids=["demo", "long-captions"])
def test_with_the_font_every_caption_has_the_planned_lines(decks, which):
    out, made = decks
    deck, path = made[which]
    pdf = to_pdf(path, out / f"font-{which}")
    assert "Carlito" in pdf_fonts(pdf)
    found = words(pdf)
    checked = 0
    for n, planned in enumerate(deck.slides):
        for cap in (i for i in planned.items if i.role == "caption"):
            pitch = cap.style.size * cap.style.line_height
            expected = round(cap.box.h / pitch)
            box = tuple(v * 0.75 for v in (cap.box.x, cap.box.y, cap.box.right, cap.box.bottom))
            tops = sorted({round(w.y0) for w in found if w.page == n and inside(w.middle, box)})
            lines = [t for i, t in enumerate(tops) if i == 0 or t - tops[i - 1] > pitch * 0.375]
            assert len(lines) == expected, (n + 1, cap.text[:50])
            checked += 1
    assert checked >= 5
