"""Talk specs: `load(path)` → (Talk, warnings), every problem reported at its line.

`loader` walks the YAML nodes of a spec; `yamlnodes` is the line-aware YAML reading
(PyYAML marks) it is built on.
"""

from __future__ import annotations

from deckbuilder.spec.loader import ASPECTS, SELECT_KEYS, TOP_KEYS, load, parse

__all__ = ["load", "parse", "TOP_KEYS", "SELECT_KEYS", "ASPECTS"]
