"""Regenerate docs/themes/<theme>-{title,image,text}.png: the demo talk built with every
built-in theme, its PPTX rendered by LibreOffice (pdftoppm -r 48), and print the README
table rows (description, lowest WCAG contrast ratio, pictures).

    .venv/bin/python scripts/theme_gallery.py [THEME...]

With theme names, only their pictures are rendered (LibreOffice's substitute for a
font the machine lacks differs between machines, so re-rendering an unchanged theme
can change its pictures); the rows are printed for every theme.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from deckbuilder import theme as themes
from deckbuilder import theme_kit
from deckbuilder.build import build

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "talks" / "demo.yaml"
OUT = ROOT / "docs" / "themes"
SHOWN = {"title": "title", "image": "image", "text": "text"}   # picture name -> slide kind


def demo_with(theme: str, folder: Path) -> Path:
    """Return a copy of the demo talk in `folder` that uses `theme`."""
    text = DEMO.read_text(encoding="utf-8").replace("theme: default", f"theme: {theme}")
    text = text.replace("vault: demo-vault", f"vault: {(ROOT / 'talks' / 'demo-vault').as_posix()}")
    spec = folder / "demo.yaml"
    spec.write_text(text, encoding="utf-8")
    return spec


def render(name: str, work: Path) -> None:
    """Build the demo with theme `name` and write its three pictures into docs/themes/."""
    folder = work / name
    folder.mkdir()
    result = build(demo_with(name, folder), ("pptx",), folder / "build",
                   cache_dir=work / "cache")
    pptx = result.outputs[0]
    subprocess.run(["soffice", f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                    "--headless", "--convert-to", "pdf", "--outdir", str(folder), str(pptx)],
                   check=True, capture_output=True, timeout=240)
    kinds = [s.kind for s in result.deck.slides]
    for picture, kind in SHOWN.items():
        page = kinds.index(kind) + 1
        subprocess.run(["pdftoppm", "-r", "48", "-png", "-singlefile", "-f", str(page),
                        "-l", str(page), str(folder / "demo.pdf"),
                        str(OUT / f"{name}-{picture}")], check=True)


def row(name: str) -> str:
    """Return the README table row of a theme."""
    found = themes.load(name)
    low = theme_kit.minimum(found)
    pictures = " | ".join(f"![{name}: {p} slide](docs/themes/{name}-{p}.png)" for p in SHOWN)
    return (f"| `{name}` | {found.get('description')} | {low.ratio:.1f}:1 ({low.where}) | "
            f"{pictures} |")


def main() -> None:
    """Render every built-in theme's pictures, then print the README rows."""
    if not (shutil.which("soffice") and shutil.which("pdftoppm")):
        sys.exit("theme_gallery: needs LibreOffice (soffice) and poppler (pdftoppm)")
    OUT.mkdir(parents=True, exist_ok=True)
    wanted = sys.argv[1:] or themes.names(None)
    unknown = set(wanted) - set(themes.names(None))
    if unknown:
        sys.exit(f"theme_gallery: no built-in theme {', '.join(sorted(unknown))}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in wanted:
            render(name, Path(tmp))
    for name in themes.names(None):
        print(row(name))


if __name__ == "__main__":
    main()
