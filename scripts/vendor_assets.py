"""Copy the pinned npm assets deckbuilder needs at run time into deckbuilder/_vendor/.

reveal.js and the Carlito font come from npm (package.json + package-lock.json) and
are never committed; this copies the small subset the decks use into the package, so
that at run time nothing is fetched and no node_modules is needed.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"
VENDOR = ROOT / "deckbuilder" / "_vendor"

# reveal's own themes (white.css, black.css: 575 KB of inlined fonts each) are not used:
# the deck's look comes from the deckbuilder theme's CSS.
REVEAL_FILES = ["dist/reveal.js", "dist/reveal.css", "dist/reset.css", "dist/plugin/notes.js",
                "LICENSE"]
# Latin and Latin-extended cover the demo and most European-language notes.
CARLITO_FILES = [f"files/carlito-{subset}-{weight}-{style}.woff2"
                 for subset in ("latin", "latin-ext")
                 for weight in ("400", "700")
                 for style in ("normal", "italic")] + ["LICENSE"]


def copy(package: str, names: list[str], dest: Path) -> None:
    """Copy `names` from node_modules/<package> to `dest`, flattened."""
    src = NODE / package
    if not src.is_dir():
        sys.exit(f"vendor_assets: {src} is missing; run `npm ci` first")
    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        target = dest / (name.replace("dist/", "", 1))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / name, target)


def main() -> None:
    """Refresh deckbuilder/_vendor from node_modules."""
    shutil.rmtree(VENDOR, ignore_errors=True)
    copy("reveal.js", REVEAL_FILES, VENDOR / "revealjs")
    copy("@fontsource/carlito", CARLITO_FILES, VENDOR / "fonts" / "carlito")


if __name__ == "__main__":
    main()
