"""Rewrite the README's spec key tables from the key tables in `deckbuilder.spec`.

Each table sits between `<!-- keys:NAME -->` and `<!-- /keys:NAME -->`; the key
declarations in deckbuilder/spec/loader.py are the only source. Run it after changing a
key: `.venv/bin/python scripts/readme_tables.py` (tests/test_spec_schema.py checks it).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from deckbuilder import spec
from deckbuilder.spec.schema import markdown_table

README = Path(__file__).resolve().parent.parent / "README.md"
TABLES = {"top": spec.TOP, "select": spec.SELECT, "image": spec.IMAGE}


def updated(text: str) -> str:
    """Return the README text with every marked key table regenerated."""
    for name, keys in TABLES.items():
        block = re.compile(rf"(<!-- keys:{name} -->\n)(?:.*?\n)?(<!-- /keys:{name} -->)", re.S)
        if not block.search(text):
            raise SystemExit(f"README.md has no <!-- keys:{name} --> block")
        text = block.sub(lambda m: m.group(1) + markdown_table(keys) + "\n" + m.group(2), text)
    return text


if __name__ == "__main__":
    new = updated(README.read_text(encoding="utf-8"))
    README.write_text(new, encoding="utf-8")
    sys.exit(0)
