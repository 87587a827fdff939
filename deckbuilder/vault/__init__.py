"""Reading an Obsidian vault into entries: `read(path) -> (Vault, diagnostics)`.

Modules: `index` (one walk of the vault, link resolution), `scan` (what is hidden, where
embeds and tags are), `dates` (file-name and front-matter dates, ISO dates), `source`
(source lines), `entries` (a note's lines -> entries), `reader` (the whole vault),
`pool` (the worker processes that help read a big vault).
"""

from __future__ import annotations

from deckbuilder.vault.dates import parse_iso
from deckbuilder.vault.entries import IMAGE_MISSING, IMAGE_REMOTE
from deckbuilder.vault.index import is_image_name
from deckbuilder.vault.reader import glob_regex, read, root_of, too_wide

__all__ = ["read", "root_of", "too_wide", "parse_iso", "glob_regex", "is_image_name", "IMAGE_MISSING",
           "IMAGE_REMOTE"]
