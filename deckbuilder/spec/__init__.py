"""Talk specs: `load(path)` → (Talk, warnings), every problem reported at its line.

`loader` reads a spec's YAML nodes against its key tables; `schema` is how a key table
is declared, read and written into the README; `yamlnodes` is the line-aware YAML
reading (PyYAML marks) both are built on.
"""

from __future__ import annotations

from deckbuilder.spec.loader import IMAGE, ITEMS, SELECT, TOP, load, parse
from deckbuilder.spec.yamlnodes import parse_date

__all__ = ["load", "parse", "parse_date", "TOP", "SELECT", "IMAGE", "ITEMS"]
