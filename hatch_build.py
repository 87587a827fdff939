"""Hatch build hook: put the pinned npm assets into the wheel.

reveal.js and the Carlito font are git-ignored package data (deckbuilder/_vendor/),
copied from node_modules by scripts/vendor_assets.py, which this hook loads by path (it
is standard library only, as hatchling's isolated build environment has none of
deckbuilder's dependencies). When node_modules lacks the pinned packages — a fresh
clone, or the unpacked sdist pip builds from — the copy first runs
`npm ci --ignore-scripts --no-audit --no-fund` in the project root, so `pip install .`,
`pip wheel .` and `pip install <sdist>` work wherever Python and npm are. Without npm
the build stops with a message naming what to install, rather than producing a wheel
that cannot write HTML decks.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def _load_vendor_assets(root: Path) -> ModuleType:
    path = root / "scripts" / "vendor_assets.py"
    if not path.is_file():
        raise RuntimeError(f"{path} is missing: the wheel build copies reveal.js and Carlito "
                           "with it (an sdist must include it)")
    spec = importlib.util.spec_from_file_location("_deckbuilder_vendor_assets", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class VendorAssetsHook(BuildHookInterface):
    """Copy node_modules' reveal.js and Carlito into deckbuilder/_vendor before building."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        """Refresh the vendored assets (running `npm ci` if needed); require them otherwise."""
        if self.target_name != "wheel" or version == "editable":
            return  # an editable install reads deckbuilder/_vendor in place (scripts/setup)
        root = Path(self.root)
        assets = _load_vendor_assets(root)
        try:
            assets.vendor(root, log=self.app.display_info)
        except assets.NpmMissing:
            if not assets.vendor_is_complete(root):
                raise RuntimeError(f"cannot build the wheel: {assets.NPM_MISSING}") from None
            self.app.display_warning(
                "npm is not installed: building the wheel with the reveal.js and Carlito "
                "already in deckbuilder/_vendor, which may not match package-lock.json")
        except assets.VendorError as exc:
            raise RuntimeError(f"cannot build the wheel: {exc}") from None
