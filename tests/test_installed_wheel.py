"""The built-in themes as a user gets them: from a wheel installed outside the checkout,
every theme builds the demo talk in both formats (its fonts, templates and assets come
from the wheel, not from this repository)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
THEMES = sorted(p.parent.name for p in (ROOT / "themes").glob("*/theme.yaml"))
RUN = ("import sys, deckbuilder; from deckbuilder.cli import main; "
       "assert sys.argv.pop(1) in deckbuilder.__file__, deckbuilder.__file__; main()")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """Return a folder holding only the installed wheel (no checkout on the path)."""
    if not (ROOT / "deckbuilder" / "_vendor").is_dir():
        pytest.skip("npm assets not installed (scripts/setup runs `npm ci`)")
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--wheel-dir", str(work / "dist"), str(ROOT)], check=True, timeout=600)
    wheel = next((work / "dist").glob("deckbuilder-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(work / "site")
    return work / "site"


@pytest.mark.parametrize("theme", THEMES)
def test_every_built_in_theme_builds_the_demo_from_the_installed_wheel(installed, theme,
                                                                        tmp_path):
    talk = tmp_path / "talk"
    shutil.copytree(ROOT / "talks" / "demo-vault", talk / "demo-vault")
    spec = talk / "demo.yaml"
    spec.write_text((ROOT / "talks" / "demo.yaml").read_text(encoding="utf-8")
                    .replace("theme: default", f"theme: {theme}"), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(installed))   # before the venv's editable path
    run = subprocess.run([sys.executable, "-c", RUN, str(installed), "build", str(spec),
                          "-f", "all", "--cache-dir", str(tmp_path / "cache")],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert (talk / "build" / "demo.pptx").is_file()
    index = talk / "build" / "demo" / "index.html"
    fonts = talk / "build" / "demo" / "assets" / "fonts"
    assert index.is_file() and any(fonts.glob("*.woff2"))
    assert str(ROOT) not in index.read_text(encoding="utf-8")
