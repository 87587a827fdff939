"""The wheel carries what a user without this checkout needs: themes, templates, assets.

And it can be built where only Python and npm are: from a fresh clone (no node_modules,
no deckbuilder/_vendor) and from the sdist, the build hook runs `npm ci` itself.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
from conftest import require_tool

ROOT = Path(__file__).resolve().parent.parent


def _vendor_assets():
    """scripts/vendor_assets.py: the one list of the files copied from npm."""
    spec = importlib.util.spec_from_file_location(
        "_test_vendor_assets", ROOT / "scripts" / "vendor_assets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(command: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=False, cwd=cwd, env=env, capture_output=True,
                          text=True)


def _output(result: subprocess.CompletedProcess) -> str:
    return (f"{result.args}: exit {result.returncode}\n"
            f"{result.stdout[-6000:]}\n{result.stderr[-6000:]}")


def _pip_wheel(target: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m pip wheel TARGET --no-deps -w dist` in cwd, with pip's build isolation."""
    return _run([sys.executable, "-m", "pip", "wheel", target, "--no-deps", "-w", "dist",
                 "--disable-pip-version-check"], cwd=cwd, env=env)


def _assert_complete_wheel(wheel: Path) -> set[str]:
    names = set(zipfile.ZipFile(wheel).namelist())
    carlito = [f"deckbuilder/_vendor/fonts/carlito/files/carlito-{subset}-{weight}-{style}.woff2"
               for subset in ("latin", "latin-ext") for weight in ("400", "700")
               for style in ("normal", "italic")]
    needed = ["deckbuilder/_themes/default/theme.yaml",
              "deckbuilder/_themes/dark/theme.yaml",
              "deckbuilder/_themes/default/templates/deck.html.j2",
              "deckbuilder/_vendor/revealjs/reveal.js",
              *carlito,
              *(f"deckbuilder/_vendor/{path}" for path in _vendor_assets().vendored_paths()),
              "deckbuilder/serve/picker.html", "deckbuilder/serve/picker.js",
              "deckbuilder/serve/picker.css", "deckbuilder/serve/livereload.js",
              "deckbuilder/cli.py"]
    missing = [name for name in needed if name not in names]
    assert not missing, f"{wheel.name} lacks {missing}"
    assert not any(n.startswith(("tests/", "talks/", "node_modules/", "scripts/")) for n in names)
    return names


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
                   "deckbuilder/serve/picker.html", "deckbuilder/serve/picker.js",
                   "deckbuilder/serve/picker.css", "deckbuilder/serve/livereload.js",
                   "deckbuilder/cli.py"):
        assert needed in names, needed
    assert not any(n.startswith(("tests/", "talks/", "node_modules/")) for n in names)


@pytest.fixture(scope="module")
def source_tree(tmp_path_factory) -> Path:
    """The working tree as a fresh clone would have it: no node_modules, _vendor or .git.

    Uncommitted work cannot be cloned, so this copies the files git lists (tracked, and
    new ones it does not ignore) as they are in the working tree. Tests copy it again
    before building in it, so it stays pristine.
    """
    git = require_tool("git")
    listed = subprocess.run([git, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            check=False, cwd=ROOT, capture_output=True)
    if listed.returncode != 0:
        pytest.skip(f"{ROOT} is not a git checkout: {listed.stderr.decode(errors='replace')}")
    tree = tmp_path_factory.mktemp("clone") / "deckbuilder"
    for name in filter(None, os.fsdecode(listed.stdout).split("\0")):
        source = ROOT / name
        if not source.is_file():
            continue  # deleted in the working tree but not yet in the index
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, tree / name)
    assert (tree / "package-lock.json").is_file()
    assert not (tree / "node_modules").exists()
    assert not (tree / "deckbuilder" / "_vendor").exists()
    return tree


@pytest.fixture(scope="module")
def sdist(source_tree, tmp_path_factory) -> Path:
    """The sdist built from source_tree with decoys planted where it must not look.

    Built as a PEP 517 front end does: build-system.requires installed into a folder of
    its own (the venv has neither hatchling nor `build`), then the backend's build_sdist.
    """
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["build-system"]
    work = tmp_path_factory.mktemp("sdist")
    backend = work / "backend"
    result = _run([sys.executable, "-m", "pip", "install", "--quiet",
                   "--disable-pip-version-check", "--target", str(backend),
                   *pyproject["requires"]], cwd=work)
    assert result.returncode == 0, _output(result)

    tree = work / "deckbuilder"
    shutil.copytree(source_tree, tree)
    for decoy in ("node_modules/reveal.js/package.json", ".venv/pyvenv.cfg",
                  "deckbuilder/_vendor/revealjs/reveal.js",
                  "deckbuilder/__pycache__/cli.cpython-311.pyc", "talks/build/demo.pptx"):
        (tree / decoy).parent.mkdir(parents=True, exist_ok=True)
        (tree / decoy).write_text("decoy: must not reach the sdist\n")

    path = os.pathsep.join(filter(None, [str(backend), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    build = ("import importlib, sys; "
             "print(importlib.import_module(sys.argv[1]).build_sdist(sys.argv[2]))")
    result = _run([sys.executable, "-c", build, pyproject["build-backend"], str(work / "dist")],
                  cwd=tree, env=env)
    assert result.returncode == 0, _output(result)
    return work / "dist" / result.stdout.strip().splitlines()[-1]


def test_sdist_carries_what_a_wheel_build_needs_and_no_more(sdist, source_tree):
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    shipped = {path.relative_to(source_tree).as_posix()
               for folder in ("deckbuilder", "themes")
               for path in (source_tree / folder).rglob("*") if path.is_file()}
    needed = shipped | {"pyproject.toml", "PKG-INFO", "README.md", "hatch_build.py",
                        "scripts/vendor_assets.py", "package.json", "package-lock.json"}
    assert "themes/default/theme.yaml" in needed and "deckbuilder/cli.py" in needed
    assert not needed - names, f"the sdist lacks {sorted(needed - names)}"
    leaked = sorted(n for n in names
                    if n.startswith(("node_modules/", ".venv/", "deckbuilder/_vendor/", "tests/",
                                     "talks/", "benchmarks/", "docs/", "build/", "dist/"))
                    or "__pycache__" in n or n.endswith(".pyc"))
    assert not leaked, f"the sdist carries {leaked}"


@pytest.mark.tools
def test_pip_wheel_in_a_tree_without_node_modules_runs_npm_ci(source_tree, tmp_path):
    require_tool("npm")
    tree = tmp_path / "deckbuilder"
    shutil.copytree(source_tree, tree)
    result = _pip_wheel(".", cwd=tree)
    assert result.returncode == 0, _output(result)
    wheel = next((tree / "dist").glob("deckbuilder-*.whl"))
    _assert_complete_wheel(wheel)
    # The hook ran `npm ci` in the tree, and the wheel carries npm's bytes.
    reveal = tree / "node_modules" / "reveal.js" / "dist" / "reveal.js"
    assert reveal.is_file()
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("deckbuilder/_vendor/revealjs/reveal.js") == reveal.read_bytes()


@pytest.mark.tools
def test_pip_wheel_from_the_sdist_runs_npm_ci(sdist, tmp_path):
    require_tool("npm")
    # A path of its own, so pip cannot answer from a wheel it cached for the same sdist.
    shutil.copy2(sdist, tmp_path / sdist.name)
    result = _pip_wheel(str(tmp_path / sdist.name), cwd=tmp_path)
    assert result.returncode == 0, _output(result)
    _assert_complete_wheel(next((tmp_path / "dist").glob("deckbuilder-*.whl")))


def test_wheel_build_without_npm_names_what_to_install(sdist, tmp_path):
    shutil.copy2(sdist, tmp_path / sdist.name)
    no_npm = tmp_path / "bin"
    no_npm.mkdir()
    result = _pip_wheel(str(tmp_path / sdist.name), cwd=tmp_path,
                        env={**os.environ, "PATH": str(no_npm)})
    assert result.returncode != 0, _output(result)
    assert "npm is not installed" in result.stderr + result.stdout, _output(result)
    assert "install Node.js" in result.stderr + result.stdout, _output(result)
    assert not list(tmp_path.glob("dist/*.whl"))
