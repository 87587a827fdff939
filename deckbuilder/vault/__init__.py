"""Reading an Obsidian vault into entries: `read(path) -> (Vault, diagnostics)`.

Modules: `index` (one walk of the vault, link resolution), `scan` (what is hidden, where
embeds and tags are), `dates` (file-name and front-matter dates), `source` (source
lines), `entries` (a note's lines -> entries), `reader` (the whole vault).
"""

from __future__ import annotations

from deckbuilder.vault.reader import read

__all__ = ["read"]
