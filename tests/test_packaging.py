"""The wheel carries what a user without this checkout needs: themes, templates, assets."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_ships_themes_templates_and_vendored_assets(tmp_path):
    if not (ROOT / "node_modules").is_dir() and not (ROOT / "deckbuilder" / "_vendor").is_dir():
        pytest.skip("npm assets not installed (scripts/setup runs `npm ci`)")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--wheel-dir", str(tmp_path), str(ROOT)], check=True)
    wheel = next(tmp_path.glob("deckbuilder-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("deckbuilder/_themes/default/theme.yaml",
                   "deckbuilder/_themes/dark/theme.yaml",
                   "deckbuilder/_themes/default/templates/deck.html.j2",
                   "deckbuilder/_vendor/revealjs/reveal.js",
                   "deckbuilder/_vendor/revealjs/plugin/notes.js",
                   "deckbuilder/_vendor/fonts/carlito/files/carlito-latin-400-normal.woff2",
                   "deckbuilder/cli.py"):
        assert needed in names, needed
    assert not any(n.startswith(("tests/", "talks/", "node_modules/")) for n in names)
