"""Hatch build hook: put the pinned npm assets into the wheel.

reveal.js and the Carlito font are git-ignored package data (deckbuilder/_vendor/),
copied from node_modules by scripts/vendor_assets.py. Running that copy here means a
wheel built after `npm ci` always carries them, and a build without them stops with
a clear message instead of producing a wheel that cannot write HTML decks.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

ROOT = Path(__file__).resolve().parent


class VendorAssetsHook(BuildHookInterface):
    """Copy node_modules' reveal.js and Carlito into deckbuilder/_vendor before building."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        """Refresh the vendored assets when node_modules is there; require them otherwise."""
        if self.target_name != "wheel" or version == "editable":
            return  # an editable install reads deckbuilder/_vendor in place (scripts/setup)
        if (ROOT / "node_modules").is_dir():
            spec = importlib.util.spec_from_file_location(
                "vendor_assets", ROOT / "scripts" / "vendor_assets.py")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            module.main()
        if not (ROOT / "deckbuilder" / "_vendor" / "revealjs" / "reveal.js").is_file():
            raise RuntimeError("deckbuilder/_vendor is empty: run `npm ci --ignore-scripts` "
                               "before building the wheel (reveal.js and Carlito come from npm)")
