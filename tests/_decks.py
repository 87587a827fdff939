"""Hand-made talks, entries, picks and images for the layout and renderer tests."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Sequence

from PIL import Image, ImageDraw

from deckbuilder import images, layout, markup, theme
from deckbuilder.layout import measure
from deckbuilder.errors import Location
from deckbuilder.model import Deck, Entry, ImageRef, Pick, Source, Talk


TALKS = Path(__file__).resolve().parents[1] / "talks"


def demo_copy(folder: Path, spec: str | None = None, name: str = "demo.yaml") -> Path:
    """Copy the demo vault into `folder`, with `spec` (its text; the demo talk when None)
    beside it as `name`; return the spec's path."""
    shutil.copytree(TALKS / "demo-vault", folder / "demo-vault")
    path = folder / name
    if spec is None:
        shutil.copy(TALKS / "demo.yaml", path)
    else:
        path.write_text(spec, encoding="utf-8")
    return path


def draw(path: Path, size: tuple[int, int], color: str = "navy") -> Path:
    """Write a striped test image (stripes make a stretched image easy to spot)."""
    im = Image.new("RGB", size, color)
    pen = ImageDraw.Draw(im)
    for x in range(0, size[0], 40):
        pen.line([(x, 0), (x, size[1])], fill="white", width=3)
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path)
    return path


def entry(n: int, caption: str, paths: list[str], source: Source | None = None,
          notes: str = "", when: date | None = date(2024, 4, 15)) -> Entry:
    """Return an entry of note Notes.md at line n."""
    return Entry(id=f"e{n}", note="Notes.md", line=n, date=when, tags=(),
                 images=tuple(ImageRef(p, p) for p in paths), caption=caption,
                 caption_text=caption, source=source, notes=notes)


def talk(root: Path, aspect: str = "16:9", **kw) -> Talk:
    """Return a talk whose vault is `root`."""
    fields = dict(title="What goes into an LLM's training data", subtitle="Notes from 2024",
                  author="Ada Example", event="Example Conf 2026", date=date(2026, 5, 14))
    fields.update(kw)
    return Talk(path=root / "talk.yaml", vault=root, aspect=aspect, **fields)


YI = Source("the Yi paper", "https://arxiv.org/abs/2403.04652")


def sample(root: Path, aspect: str = "16:9", theme_name: str = "default"
           ) -> tuple[Deck, list, dict]:
    """Return a planned deck of every slide kind, its diagnostics and its images."""
    draw(root / "wide.png", (1600, 900))
    draw(root / "small.png", (300, 200), "darkred")
    draw(root / "tall.jpg", (600, 1200), "darkgreen")
    th = theme.load(theme_name)
    uses = {root / n: [Location("Notes.md", 1)] for n in ("wide.png", "small.png", "tall.jpg")}
    done, problems = images.normalise(uses, th, aspect, root / "cache")
    assert not problems
    imgs = {p.name: n for p, n in done.items()}
    picks = [
        Pick("title", 1), Pick("section", 2, text="Data pipelines"),
        Pick("entry", 3, entry(10, "Heuristic **quality** filters in ==Yi==", ["wide.png"], YI,
                               "Longer notes.")),
        Pick("entry", 4, entry(20, "", ["small.png"], YI)),
        Pick("entry", 5, entry(30, "A tall one", ["tall.jpg"])),
        Pick("entry", 6, entry(40, "Three", ["wide.png", "small.png", "tall.jpg"])),
        Pick("text", 7, text="## Take-aways\n- Deduplicate **early**\n- Filter"),
        Pick("credits", 8), Pick("closing", 9),
    ]
    deck, diags = layout.plan(talk(root, aspect), picks, th, imgs)
    return deck, diags, imgs


def rendered_lines(runs: Sequence[markup.Run], size: float, width: float,
                   fonts: measure.Fonts) -> list[str]:
    """Return the lines a renderer draws when it wraps `runs` in a box exactly `width` wide
    (greedy, as PowerPoint, LibreOffice and browsers wrap, with no safety margin)."""
    toks = measure.tokens(runs)
    starts = measure.wrap(toks, size, width / fonts.safety, fonts) + [len(toks)]
    return ["".join(t.text for t in toks[a:b] if t.kind != "break").strip()
            for a, b in zip(starts, starts[1:])] if toks else []
