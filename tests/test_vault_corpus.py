"""The two real corpus vaults (../shared/corpus/vaults): per-note counts from their README."""

from __future__ import annotations

import posixpath
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

import pytest

from deckbuilder.model import Entry, Vault
from deckbuilder.vault import read
from deckbuilder.vault.dates import from_filename

# note: (image embeds wiki, image embeds md, sized, dated names), from the README's tables.
IVAN = {
    "An Introduction to Deep Reinforcement Learning.md": (0, 1, 0, 1),
    "How we built Text-to-SQL at Pinterest.md": (0, 3, 0, 3),
    "Language Models Are Unsupervised Multitask Learners.md": (3, 0, 0, 3),
    "Large Language Models.md": (0, 13, 2, 13),
    "Machine Learning with PyTorch and Scikit-Learn.md": (0, 1, 1, 1),
    "Matryoshka Embeddings.md": (4, 0, 0, 4),
    "ORPO Monolithic Preference Optimization without Reference Model.md": (0, 9, 6, 9),
    "RLHF.md": (1, 0, 0, 1),
    "Recommendation Systems.md": (1, 0, 1, 1),
    "The Illustrated Transformer.md": (0, 0, 0, 0),
}
YS = {
    "Compiler/Probilistic Programming.md": (1, 0, 0, 1),
    "English/words/time/ephemeral.md": (0, 0, 0, 0),
    "Excalidraw/variantion-inference-subsampling.excalidraw.md": (0, 0, 0, 0),
    "Math/Category Theory/Lens and Other Optics.md": (4, 0, 0, 4),
    "StatLearning/Concepts/statistics/Design Matrix.md": (0, 0, 0, 0),
    "StatLearning/Dimension Reduction/Multidimensional Scaling (MDS).md": (7, 0, 0, 3),
    "StatLearning/Models/Linear Models.md": (4, 0, 0, 4),
    "StatLearning/Models/NN/GAN.md": (2, 0, 0, 1),
    "StatLearning/Tensorflow/TF Graph Model.md": (7, 0, 0, 7),
    "StatLearning/Tensorflow/draws/tf function.excalidraw.md": (0, 0, 0, 0),
    "StatLearning/Tricks/Transformation.md": (2, 0, 0, 2),
    "StatLearning/variational inference.md": (2, 0, 0, 2),
}
# Inline tags per note (README "inline tags"); no note of either vault has front-matter tags
# on an image note, so these are every tag an entry may carry.
YS_TAGS = {
    "Compiler/Probilistic Programming.md": {"dsl", "machine-learning"},
    "Math/Category Theory/Lens and Other Optics.md": {"haskell", "lens", "category-theory"},
    "StatLearning/Models/Linear Models.md": {"statistics"},
    "StatLearning/Models/NN/GAN.md": {"machine-learning"},
    "StatLearning/variational inference.md": {"bayesian-network", "machine-learning", "statistics"},
}


def corpus(name: str) -> tuple[Path, Vault, list[str]]:
    root = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "vaults" / name
    if not root.is_dir():
        pytest.skip(f"../shared/corpus/vaults/{name} is not beside this checkout")
    v, diags = read(root)
    return root, v, [str(d) for d in diags]


def counts(root: Path, entries: tuple[Entry, ...]) -> dict[str, tuple[int, int, int, int]]:
    """Return per-note (wiki, md, sized, dated) counts of local image embeds."""
    c: dict[str, Counter[str]] = {}
    for e in entries:
        line = (root / e.note).read_text(encoding="utf-8").split("\n")[e.line - 1]
        n = c.setdefault(e.note, Counter())
        for image in e.images:
            if image.remote:
                continue
            wiki = f"[[{image.target}" in line.replace("[[ ", "[[")
            n["wiki" if wiki else "md"] += 1
            n["sized"] += image.width is not None
            name = posixpath.basename(image.path or unquote(image.target))
            n["dated"] += from_filename(name) is not None
    rows = {note: (n["wiki"], n["md"], n["sized"], n["dated"]) for note, n in c.items()}
    return {note: row for note, row in rows.items() if any(row)}


@pytest.mark.parametrize("name, table", [("ivanleomk__ML-Notes", IVAN),
                                         ("ys-zhang__obsidian-vault-research", YS)])
def test_per_note_counts_equal_the_readme(name: str, table: dict) -> None:
    root, v, _ = corpus(name)
    expected = {note: row for note, row in table.items() if any(row)}
    assert counts(root, v.entries) == expected


@pytest.mark.parametrize("name", ["ivanleomk__ML-Notes", "ys-zhang__obsidian-vault-research"])
def test_every_local_image_resolves_to_an_existing_image(name: str) -> None:
    root, v, diags = corpus(name)
    local = [i for e in v.entries for i in e.images if not i.remote]
    assert local and all(i.path and (root / i.path).is_file() for i in local)
    assert not [d for d in diags if "image not found" in d]


def test_non_image_embeds_are_not_images() -> None:
    _, v, _ = corpus("ys-zhang__obsidian-vault-research")
    targets = {i.target for e in v.entries for i in e.images}
    for other in ("Design Matrix", "Data Scaling", "Coefficient of Determination",
                  "Multicollinearity", "Transformation", "Category Theory",
                  "tf function.excalidraw",
                  "variantion-inference-subsampling.excalidraw", "plate-notation.excalidraw",
                  "Recording 20211016181221.webm"):
        assert other not in targets
    assert not [e for e in v.entries if e.note.endswith("ephemeral.md")]   # audio only


def test_remote_images_are_listed_and_reported() -> None:
    _, v, diags = corpus("ivanleomk__ML-Notes")
    remote = [(e.note, i.target, i.width) for e in v.entries for i in e.images if i.remote]
    assert remote == [
        ("Recommendation Systems.md", "https://i.stack.imgur.com/W8rc6.png", 400),
        ("The Illustrated Transformer.md", "https://machinelearningmastery.com/wp-content/"
         "uploads/2021/08/attention_research_1-727x1024.png", 200)]
    assert sum("remote image" in d for d in diags) == 2


def test_no_tag_from_code_math_or_urls() -> None:
    _, ys, _ = corpus("ys-zhang__obsidian-vault-research")
    for e in ys.entries:
        assert set(e.tags) == YS_TAGS.get(e.note, set()), e.note
    _, ivan, _ = corpus("ivanleomk__ML-Notes")
    assert all(e.tags == () for e in ivan.entries)   # hex colours, URL anchors, code: no tags


def test_dates_of_corpus_names() -> None:
    _, v, _ = corpus("ivanleomk__ML-Notes")
    dated = sorted(e.date for e in v.entries if e.date)
    assert str(dated[0]) == "2024-02-29 03:52:19" and str(dated[-1]) == "2024-09-01 23:32:25"
