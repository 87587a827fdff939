"""Copy the pinned npm assets deckbuilder needs at run time into deckbuilder/_vendor/.

reveal.js and the Carlito font come from npm (package.json + package-lock.json) and
are never committed; this copies the small subset the decks use into the package, so
that at run time nothing is fetched and no node_modules is needed.

The one list of what is copied (VENDORED) and the one copy routine (vendor()) serve both
the editable dev install (scripts/setup runs this file) and the wheel build
(hatch_build.py loads this file by path). Standard library only: hatchling runs it in an
isolated build environment where deckbuilder's dependencies are not installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = Path("deckbuilder") / "_vendor"  # relative to the project root

# reveal's own themes (white.css, black.css: 575 KB of inlined fonts each) are not used:
# the deck's look comes from the deckbuilder theme's CSS.
REVEAL_FILES = ["dist/reveal.js", "dist/reveal.css", "dist/reset.css", "dist/plugin/notes.js",
                "LICENSE"]
# Latin and Latin-extended cover the demo and most European-language notes.
CARLITO_FILES = [f"files/carlito-{subset}-{weight}-{style}.woff2"
                 for subset in ("latin", "latin-ext")
                 for weight in ("400", "700")
                 for style in ("normal", "italic")] + ["LICENSE", "unicode.json"]


def latin_faces(family: str) -> list[str]:
    """Return the latin 400/700 normal/italic woff2 files of a fontsource package, + LICENSE.

    The gallery themes' fonts ship their latin subset only, to keep the wheel small.
    """
    return [f"files/{family}-latin-{weight}-{style}.woff2"
            for weight in ("400", "700") for style in ("normal", "italic")] + ["LICENSE",
                                                                              "unicode.json"]


# The fallback faces for scripts the body fonts lack (themes' `fonts.fallback`). Their
# fontsource packages split each weight into subsets named in unicode.json: the CJK ones
# into numbered slices (120 for KR and JP, 97 of 0-119 for SC), which together are the font; only
# the script's own subsets are copied (the body font draws Latin). CJK and the complex
# scripts in 400 and 700 (upright only: they have no italic), emoji in its one weight.
# Sizes: KR 4.1 MB, JP 6.0 MB, SC 5.1 MB, Arabic/Hebrew/Devanagari 0.3 MB, emoji 0.5 MB;
# a deck bundles only the glyphs it uses, subset (render/html.py).
FALLBACK_FONTS = {  # package -> (subsets, weights)
    "noto-sans-kr": ([str(n) for n in range(120)], ("400", "700")),
    "noto-sans-jp": ([str(n) for n in range(120)], ("400", "700")),
    "noto-sans-sc": ([str(n) for n in (4, 5, 6, *range(21, 92), *range(97, 120))],
                     ("400", "700")),
    "noto-sans-arabic": (["arabic"], ("400", "700")),
    "noto-sans-hebrew": (["hebrew"], ("400", "700")),
    "noto-sans-devanagari": (["devanagari"], ("400", "700")),
    # Monochrome outlines: the colour package's glyphs are OpenType-SVG, which Chromium
    # does not draw (it showed blanks); the PPTX still asks for Noto Color Emoji.
    "noto-emoji": ([str(n) for n in range(11)], ("400",)),
}


def fallback_files(family: str) -> list[str]:
    """Return the files of a fallback face's package to copy: its subsets, + LICENSE."""
    subsets, weights = FALLBACK_FONTS[family]
    return [f"files/{family}-{subset}-{weight}-normal.woff2"
            for subset in subsets for weight in weights] + ["LICENSE", "unicode.json"]


# The gallery themes' fonts: fontsource package names (also their files' prefix).
THEME_FONTS = ("atkinson-hyperlegible", "gelasio", "cousine", "arimo")

# npm package -> (files in node_modules/<package>, folder under deckbuilder/_vendor).
VENDORED: dict[str, tuple[list[str], str]] = {
    "reveal.js": (REVEAL_FILES, "revealjs"),
    "@fontsource/carlito": (CARLITO_FILES, "fonts/carlito"),
    **{f"@fontsource/{family}": (latin_faces(family), f"fonts/{family}")
       for family in THEME_FONTS},
    **{f"@fontsource/{family}": (fallback_files(family), f"fonts/{family}")
       for family in FALLBACK_FONTS},
}

NPM_CI = ["ci", "--ignore-scripts", "--no-audit", "--no-fund"]
NPM_MISSING = ("npm is not installed (or not on PATH): install Node.js, which includes "
               "npm (https://nodejs.org/); the build fetches the pinned reveal.js and "
               "Carlito font with `npm ci --ignore-scripts`")


class VendorError(RuntimeError):
    """The assets cannot be vendored; the message says what to do."""


class NpmMissing(VendorError):
    """node_modules lacks the pinned packages and there is no npm to install them."""


def _target(name: str) -> str:
    return name.replace("dist/", "", 1)


def vendored_paths() -> list[str]:
    """Every file vendor() writes, relative to deckbuilder/_vendor, '/'-separated."""
    return [f"{folder}/{_target(name)}"
            for names, folder in VENDORED.values() for name in names]


def vendor_is_complete(root: Path = ROOT) -> bool:
    """Whether deckbuilder/_vendor holds every file vendor() would write."""
    return all((root / VENDOR / path).is_file() for path in vendored_paths())


def _pinned_versions(root: Path) -> dict[str, str]:
    try:
        packages = json.loads((root / "package-lock.json").read_text("utf-8"))["packages"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {name: packages.get(f"node_modules/{name}", {}).get("version", "")
            for name in VENDORED}


def node_modules_ready(root: Path = ROOT) -> bool:
    """Whether node_modules holds every file to copy, at package-lock.json's versions."""
    pinned = _pinned_versions(root)
    for package, (names, _folder) in VENDORED.items():
        src = root / "node_modules" / package
        try:
            installed = json.loads((src / "package.json").read_text("utf-8"))["version"]
        except (OSError, ValueError, KeyError, TypeError):
            return False
        if pinned.get(package) and installed != pinned[package]:
            return False
        if not all((src / name).is_file() for name in names):
            return False
    return True


def npm_ci(root: Path = ROOT, *, log: Callable[[str], object] = print) -> None:
    """Install the pinned packages into root/node_modules with `npm ci --ignore-scripts`."""
    npm = shutil.which("npm")
    if npm is None:
        raise NpmMissing(NPM_MISSING)
    if not (root / "package-lock.json").is_file():
        raise VendorError(f"{root / 'package-lock.json'} is missing: it pins the reveal.js "
                          "and Carlito versions `npm ci` installs")
    command = ["npm", *NPM_CI]
    log(f"vendor_assets: node_modules lacks package-lock.json's {' and '.join(VENDORED)}; "
        f"running `{' '.join(command)}` in {root}")
    try:
        # npm's output goes where the caller's goes (pip shows it on failure or with -v).
        code = subprocess.run([npm, *NPM_CI], check=False, cwd=root,
                              stdin=subprocess.DEVNULL).returncode
    except OSError as exc:
        raise VendorError(f"cannot run `{' '.join(command)}` in {root}: {exc}") from exc
    if code != 0:
        raise VendorError(f"`{' '.join(command)}` failed in {root} (exit status {code}; "
                          "npm's output is above); it needs the npm registry or npm's cache")
    if not node_modules_ready(root):
        raise VendorError(f"`{' '.join(command)}` ran in {root} but node_modules still "
                          f"lacks {', '.join(VENDORED)} at package-lock.json's versions")


def vendor(root: Path = ROOT, *, log: Callable[[str], object] | None = None) -> None:
    """Refresh root/deckbuilder/_vendor from node_modules, running `npm ci` first if needed.

    Raises NpmMissing when node_modules lacks the pinned packages and npm is not on PATH,
    VendorError for any other reason the copy cannot be made.
    """
    log = log or (lambda message: print(message, file=sys.stderr))
    if not node_modules_ready(root):
        npm_ci(root, log=log)
    dest_root = root / VENDOR
    shutil.rmtree(dest_root, ignore_errors=True)
    for package, (names, folder) in VENDORED.items():
        src = root / "node_modules" / package
        for name in names:
            target = dest_root / folder / _target(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src / name, target)


def main() -> None:
    """Refresh deckbuilder/_vendor from node_modules (running `npm ci` if it is missing)."""
    try:
        vendor(ROOT)
    except VendorError as exc:
        sys.exit(f"vendor_assets: {exc}")


if __name__ == "__main__":
    main()
