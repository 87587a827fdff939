"""The folder listing is the architecture: stages import only earlier stages, and other
stages use a stage package through its entry point (`deckbuilder.vault`, not
`deckbuilder.vault.reader`)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "deckbuilder"

# The pipeline, in order; a module may import its own stage and any stage before it.
# The first row is the shared ground every stage stands on.
STAGES: tuple[tuple[str, ...], ...] = (
    ("__init__", "errors", "model", "fsutil", "cache", "heap", "workers", "jobpool", "outputs",
     "markup", "fonts"),
    ("vault",),
    ("theme", "theme_kit"),
    ("template",),
    ("spec",),
    ("picks",),
    ("remote",),
    ("pixels", "check"),
    ("starter",),
    ("images", "theme_images"),
    ("layout",),
    ("render",),
    ("build",),
    ("export",),
    ("serve",),
    ("commands",),
    ("cli", "__main__"),
)
# Packages whose modules are each an entry point (render.pptx, render.html).
OPEN_PACKAGES = {"render", "commands"}
RANK = {name: i for i, row in enumerate(STAGES) for name in row}


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0].startswith("_") and rel.parts[0] != "__init__.py" and len(rel.parts) > 1:
            continue   # _vendor, _themes: copied assets
        parts = rel.with_suffix("").parts
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        found[".".join(("deckbuilder",) + parts)] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> list[tuple[int, str]]:
    """Return (line, module) for every deckbuilder module the file imports."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.startswith("deckbuilder")]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.startswith("deckbuilder"):
            subs = [f"{node.module}.{a.name}" for a in node.names
                    if f"{node.module}.{a.name}" in MODULES]
            out += [(node.lineno, m) for m in subs] or [(node.lineno, node.module)]
    return out


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_module_belongs_to_a_stage():
    assert {_stage(m) for m in MODULES} <= set(RANK), set(map(_stage, MODULES)) - set(RANK)


def test_no_stage_imports_a_later_stage():
    wrong = [f"{MODULES[m].relative_to(PACKAGE.parent)}:{line}: {_stage(m)} imports {target}"
             for m in MODULES for line, target in _imports(MODULES[m])
             if RANK[_stage(target)] > RANK[_stage(m)]]
    assert wrong == []


def test_other_stages_use_a_package_through_its_entry_point():
    wrong = []
    for m in MODULES:
        for line, target in _imports(MODULES[m]):
            stage = _stage(target)
            inside = target.split(".")[2:]
            if stage != _stage(m) and inside and stage not in OPEN_PACKAGES:
                wrong.append(f"{MODULES[m].relative_to(PACKAGE.parent)}:{line}: imports {target}")
    assert wrong == []


def test_the_check_itself_sees_a_backward_import(tmp_path):
    # The walk must notice `from deckbuilder import build` in an early stage.
    fake = tmp_path / "vault.py"
    fake.write_text("from deckbuilder import build\n", encoding="utf-8")
    assert [RANK[_stage(t)] for _, t in _imports(fake)] == [RANK["build"]]


def test_the_readme_code_map_is_the_folder_listing():
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("```\ndeckbuilder/\n", 1)[1].split("\nthemes/", 1)[0]
    mapped = [line.split()[0] for line in block.splitlines()]
    listed = sorted(p.name + ("/" if p.is_dir() else "") for p in PACKAGE.iterdir()
                    if not p.name.startswith(("_vendor", "__pycache__", ".")))
    assert mapped == listed


def test_the_pipeline_imports_no_format_or_feature_it_was_not_asked_for():
    # Start-up is most of a warm build: python-pptx (~60 ms) only for a PPTX build or a
    # template, jinja2 for an HTML one, segno for a QR code, the network stack for a
    # download, Pillow's image modules for a picture or font to open, markdown-it-py for
    # Markdown to parse, regex for a pattern or non-Latin text (each imported inside the
    # function that needs it), and check's thread pool only when it decodes (a build
    # defers decoding to the image stage) or downloads.
    import subprocess
    import sys

    code = ("import sys, deckbuilder.build; print(' '.join(m for m in ('pptx', 'lxml', "
            "'jinja2', 'segno', 'urllib.request', 'http.client', 'ssl', 'PIL.Image', "
            "'PIL.ImageFont', 'markdown_it', 'regex', 'socket', 'ctypes', "
            "'concurrent.futures', 'secrets') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=PACKAGE.parent)
    assert out.stdout.split() == []


def test_a_warm_rebuild_imports_only_what_it_uses(tmp_path):
    # A rebuild after one caption changed, with plain Latin captions and notes: it parses
    # no Markdown and cuts no text into graphemes, so it needs neither markdown-it-py nor
    # regex (~40 and ~20 ms of a ~0.6 s rebuild). It decodes no image (the cache vouches
    # for them) and checks no font file (they are as they were), so with nothing new to
    # measure (slide numbers' widths are remembered) it needs no Pillow either, and a new
    # caption's words are shaped by Pillow's FreeType core alone (not PIL.Image, ~35 ms).
    # It starts no worker process (subprocess) and opens no zip (zipfile): the outputs'
    # guard only reads a PPTX or bundle in the way.
    import os
    import subprocess
    import sys

    from _decks import draw

    vault = tmp_path / "vault"
    for i, colour in enumerate(("teal", "darkred")):
        draw(vault / f"{i}.png", (800, 450), colour)
        os.utime(vault / f"{i}.png", (1.7e9, 1.7e9))   # the index trusts no file just written
    note = vault / "Note.md"
    note.write_text("![[0.png]]\n(From Twitter: https://example.org/watch?v=1)\nA caption (1)\n\n"
                    "![[1.png]]\nAnother caption\n", encoding="utf-8")
    spec = tmp_path / "talk.yaml"
    spec.write_text("title: Warm\nvault: vault\ndate: 2026-05-14\nslides:\n"
                    "  - select: {order: note}\n", encoding="utf-8")
    args = [str(spec), "-f", "html", "--single-file", "--cache-dir", str(tmp_path / "cache")]
    code = ("import sys; from deckbuilder.cli import main; main(sys.argv[1:], "
            "standalone_mode=False); print(' '.join(m for m in ('markdown_it', 'regex', "
            "'PIL.Image', 'PIL.ImageFont', 'PIL._imagingft', 'subprocess', 'zipfile') "
            "if m in sys.modules), file=sys.stderr)")
    runs = []
    for caption in ("A caption (1)", "A changed caption (2)", "A changed caption (2)"):
        note.write_text(note.read_text(encoding="utf-8").replace("A caption (1)", caption),
                        encoding="utf-8")
        runs.append(subprocess.run([sys.executable, "-c", code, "build", *args],
                                   capture_output=True, text=True, check=True,
                                   cwd=PACKAGE.parent).stderr.split())
    assert "PIL.Image" in runs[0]   # the first build decodes the pictures: the test sees it
    assert runs[1] == ["PIL._imagingft"]   # to measure the new caption's words
    assert runs[2] == []
