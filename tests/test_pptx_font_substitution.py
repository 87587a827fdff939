"""The PPTX opened where its font is missing: LibreOffice with Carlito and Calibri hidden
keeps every word inside its text box and off the pictures; with Carlito present, every
caption has exactly the lines the planner measured."""

from __future__ import annotations

from pathlib import Path

import pytest
from pptx import Presentation
from pptx.util import Emu

from _decks import draw
from _office import pdf_fonts, to_pdf, words
from deckbuilder.build import build

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "talks" / "demo.yaml"
PT = 12700   # EMU per point
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


def _boxes(pptx_path: Path):
    """Return per slide: the text shapes' and pictures' boxes in points (visible ones)."""
    prs = Presentation(str(pptx_path))
    slides = []
    for slide in prs.slides:
        texts, pictures = [], []
        for shape in slide.shapes:
            if shape._element.xpath("./*[1]/p:cNvPr/@hidden") == ["1"]:
                continue
            box = (Emu(shape.left) / PT, Emu(shape.top) / PT,
                   Emu(shape.left + shape.width) / PT, Emu(shape.top + shape.height) / PT)
            (texts if shape.has_text_frame and shape.text_frame.text.strip()
             else pictures if shape.shape_type == 13 else []).append((box, shape))
        slides.append((texts, pictures))
    return slides


def _inside(point, box, slack=1.0) -> bool:
    x, y = point
    return box[0] - slack <= x <= box[2] + slack and box[1] - slack <= y <= box[3] + slack


@pytest.mark.parametrize("which", [0, 1], ids=["demo", "long-captions"])
def test_no_word_leaves_its_box_when_the_font_is_substituted(decks, which):
    out, made = decks
    deck, path = made[which]
    pdf = to_pdf(path, out / f"hidden-{which}", hide_font=True)
    assert "Carlito" not in pdf_fonts(pdf)
    slides = _boxes(path)
    outside = []
    for w in words(pdf):
        texts, pictures = slides[w.page]
        if not any(_inside(w.middle, box) for box, _ in texts) or \
                any(_inside(w.middle, box, slack=-1.0) for box, _ in pictures):
            outside.append((w.page + 1, w.text))
    assert outside == []


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
            tops = sorted({round(w.y0) for w in found if w.page == n and _inside(w.middle, box)})
            lines = [t for i, t in enumerate(tops) if i == 0 or t - tops[i - 1] > pitch * 0.375]
            assert len(lines) == expected, (n + 1, cap.text[:50])
            checked += 1
    assert checked >= 5
