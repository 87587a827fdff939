"""Golden files: the demo deck's slide XML and its index.html, compared with tests/golden/.

The demo talk (talks/demo.yaml) is built to PPTX and HTML; every slide of the PPTX (in
presentation order, with its relationships and its speaker notes) and the presentation
part are pretty-printed into one file each under tests/golden/demo-pptx/, and the HTML
deck's index.html is kept as tests/golden/demo/index.html. docProps/ (timestamps,
versions) is left out, and the generator version in index.html is normalised, so the
files only change when the output really does. Regenerate them with

    ./scripts/test tests/test_golden.py --update-golden

and read their diff in review.
"""

from __future__ import annotations

import difflib
import posixpath
import re
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml
from lxml import etree

import deckbuilder
from deckbuilder.build import build

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
DEMO = ROOT / "talks" / "demo.yaml"
PPTX_DIR = "demo-pptx"         # under GOLDEN: one file per slide part
HTML_DIR = "demo"              # under GOLDEN: the HTML deck's index.html
UPDATE = "./scripts/test tests/test_golden.py --update-golden"
DIFF_LINES = 80

_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_NOTES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/notesSlide"
_PARSER = etree.XMLParser(remove_blank_text=True)


def _pretty(data: bytes) -> str:
    return etree.tostring(etree.fromstring(data, _PARSER), pretty_print=True,
                          encoding="unicode")


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Return a part's relationships: id -> (type, target resolved to a zip name)."""
    folder, name = posixpath.split(part)
    root = etree.fromstring(zf.read(posixpath.join(folder, "_rels", name + ".rels")))
    out = {}
    for rel in root.iter(f"{_PKG}Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") != "External":
            target = posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id", "")] = (rel.get("Type", ""), target)
    return out


def pptx_files(pptx: Path) -> dict[str, str]:
    """Return the golden text of a PPTX's slides, notes and presentation part, by name.

    Slides are numbered in presentation order (slide01.xml, ...), each beside its
    relationships (slide01.rels.xml: layout, pictures, links) and, if it has speaker
    notes, its notes slide (slide01.notes.xml). docProps/ is left out.
    """
    with zipfile.ZipFile(pptx) as zf:
        presentation = "ppt/presentation.xml"
        pres_xml = zf.read(presentation)
        rels = _rels(zf, presentation)
        slides = [rels[s.get(_REL)][1]
                  for s in etree.fromstring(pres_xml).iter(f"{_P}sldId")]
        width = max(2, len(str(len(slides))))
        out = {f"{PPTX_DIR}/presentation.xml": _pretty(pres_xml)}
        for number, part in enumerate(slides, 1):
            stem = f"{PPTX_DIR}/slide{number:0{width}d}"
            out[f"{stem}.xml"] = _pretty(zf.read(part))
            folder, name = posixpath.split(part)
            out[f"{stem}.rels.xml"] = _pretty(
                zf.read(posixpath.join(folder, "_rels", name + ".rels")))
            notes = [t for kind, t in _rels(zf, part).values() if kind == _NOTES]
            for target in notes:
                out[f"{stem}.notes.xml"] = _pretty(zf.read(target))
    return out


def html_files(index: Path) -> dict[str, str]:
    """Return the golden text of an HTML deck's index.html, the generator version normalised."""
    text = index.read_text(encoding="utf-8")
    text = re.sub(r'(<meta name="generator" content="deckbuilder )[^"]*(")',
                  r"\1VERSION\2", text)
    text = text.replace(f"deckbuilder {deckbuilder.__version__}", "deckbuilder VERSION")
    return {f"{HTML_DIR}/index.html": text}


def golden_files(outputs: tuple[Path, ...]) -> dict[str, str]:
    """Return the golden text of a build's outputs (the .pptx and the HTML index.html)."""
    out: dict[str, str] = {}
    for path in outputs:
        if path.suffix == ".pptx":
            out.update(pptx_files(path))
        elif path.name == "index.html":
            out.update(html_files(path))
    return out


def _stored(root: Path) -> dict[str, Path]:
    """Return the golden files under `root` that this test manages, by name."""
    found = {}
    for folder in (PPTX_DIR, HTML_DIR):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file():
                found[path.relative_to(root).as_posix()] = path
    return found


def compare(actual: dict[str, str], root: Path = GOLDEN) -> list[str]:
    """Return the sorted names of the golden files that differ, are missing or are stale."""
    stored = _stored(root)
    differ = [name for name, text in actual.items()
              if name not in stored or stored[name].read_text(encoding="utf-8") != text]
    return sorted(differ + [name for name in stored if name not in actual])


def report(actual: dict[str, str], differ: list[str], root: Path = GOLDEN) -> str:
    """Return the failure message: the differing files and their unified diff (cut short)."""
    stored = _stored(root)
    lines: list[str] = []
    for name in differ:
        old = stored[name].read_text(encoding="utf-8") if name in stored else ""
        new = actual.get(name, "")
        lines += difflib.unified_diff(
            old.splitlines(), new.splitlines(), lineterm="",
            fromfile=f"golden/{name}" if name in stored else f"golden/{name} (missing)",
            tofile=f"built/{name}" if name in actual else f"built/{name} (stale golden file)")
    shown = lines[:DIFF_LINES]
    if len(lines) > DIFF_LINES:
        shown.append(f"... {len(lines) - DIFF_LINES} more diff lines")
    missing = [name for name in differ if name not in stored]
    stale = [name for name in differ if name not in actual]
    changed = [name for name in differ if name in stored and name in actual]
    summary = [f"{len(names)} {what}: {', '.join(names)}" for what, names in (
        ("differ", changed), ("missing", missing), ("stale (not built)", stale)) if names]
    return "\n".join([
        f"the golden files under {root} do not match the build:", *summary,
        (f"If the change is intended, run `{UPDATE}` (or `pytest --update-golden`) "
         "and review the golden files' diff."),
        "", *shown])


def update(actual: dict[str, str], root: Path = GOLDEN) -> None:
    """Rewrite the golden files under `root` from `actual`, removing stale ones."""
    for name, path in _stored(root).items():
        if name not in actual:
            path.unlink()
    for name, text in actual.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8", newline="\n")


def _machine_specific(actual: dict[str, str], *places: Path) -> list[str]:
    """Return `name: place` for every golden text that mentions one of `places`."""
    found = []
    places = tuple(p for p in places if len(p.parts) > 2)   # not "/" or "/root": too short
    for name, text in actual.items():
        found += [f"{name}: {p}" for p in places if str(p) in text]
    return found


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Path]:
    """The demo talk's golden text, built with a throw-away cache, and the build folder."""
    tmp = tmp_path_factory.mktemp("golden")
    result = build(DEMO, formats=("pptx", "html"), out_dir=tmp / "out",
                   cache_dir=tmp / "cache")
    return golden_files(result.outputs), tmp


def test_demo_deck_matches_golden_files(demo: tuple[dict[str, str], Path],
                                        update_golden: bool) -> None:
    actual, tmp = demo
    assert f"{HTML_DIR}/index.html" in actual and f"{PPTX_DIR}/slide01.xml" in actual
    leaks = _machine_specific(actual, tmp, ROOT, Path.home())
    assert not leaks, f"machine-specific paths in the golden text: {leaks}"
    if update_golden:
        update(actual)
    differ = compare(actual)
    assert not differ, report(actual, differ)


def _talk_with_theme(tmp: Path, name: str, theme: dict) -> Path:
    """Copy the demo talk (spec and vault) into `tmp` with a talk-local theme; return the spec."""
    spec = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    shutil.copytree(DEMO.parent / spec["vault"], tmp / spec["vault"])
    folder = tmp / "themes" / name
    folder.mkdir(parents=True)
    (folder / "theme.yaml").write_text(yaml.safe_dump(theme), encoding="utf-8")
    text, count = re.subn(r"(?m)^theme:.*$", f"theme: {name}",
                          DEMO.read_text(encoding="utf-8"))
    assert count == 1, "the demo spec has no top-level `theme:` line"
    target = tmp / DEMO.name             # same name, so the outputs are demo.pptx, demo/
    target.write_text(text, encoding="utf-8")
    return target


def test_caption_font_size_change_fails_the_golden_comparison(
        demo: tuple[dict[str, str], Path], tmp_path: Path) -> None:
    # The acceptance check of the golden test: a theme that changes nothing but the
    # captions' font size makes the comparison fail, on the slides with captions.
    actual, _ = demo
    reference = tmp_path / "golden"
    update(actual, reference)
    assert compare(actual, reference) == []
    caption = {"max_size": 26}                        # the demo's captions are 34 px
    spec = _talk_with_theme(tmp_path / "talk", "smallcaptions",
                            {"extends": "default", "image_slide": {"caption": caption}})
    result = build(spec, formats=("pptx", "html"), out_dir=tmp_path / "out",
                   cache_dir=tmp_path / "cache")
    changed = golden_files(result.outputs)
    differ = compare(changed, reference)
    assert differ, "a smaller caption font left every golden file unchanged"
    assert any(re.fullmatch(rf"{PPTX_DIR}/slide\d+\.xml", name) for name in differ), differ
    assert f"{HTML_DIR}/index.html" in differ
    message = report(changed, differ, reference)
    assert "--update-golden" in message and 'sz="2550"' in message   # 34 px = 25.5 pt


def test_update_rewrites_changed_and_removes_stale_files(tmp_path: Path) -> None:
    root = tmp_path / "golden"
    update({f"{PPTX_DIR}/slide01.xml": "<a/>\n", f"{PPTX_DIR}/slide02.xml": "<b/>\n"}, root)
    (root / HTML_DIR).mkdir()
    (root / HTML_DIR / "index.html").write_text("old\n", encoding="utf-8")
    now = {f"{PPTX_DIR}/slide01.xml": "<a x='1'/>\n", f"{HTML_DIR}/index.html": "new\n"}
    assert compare(now, root) == [f"{PPTX_DIR}/slide01.xml", f"{PPTX_DIR}/slide02.xml",
                                  f"{HTML_DIR}/index.html"]
    message = report(now, compare(now, root), root)
    assert "1 stale (not built): demo-pptx/slide02.xml" in message
    assert "+<a x='1'/>" in message and "--update-golden" in message
    update(now, root)
    assert compare(now, root) == []
    assert not (root / PPTX_DIR / "slide02.xml").exists()
