"""The planner: `plan(talk, picks, theme, images)` → (Deck, diagnostics), pure geometry.

`deck` plans the whole deck (title, section, closing slides, footers); `entry` the
picture slides; `text` the Markdown slides; `credits` the sources; `arrange` the
picture geometry; `qr` places the slides_url QR code; `measure` breaks and fits text
with the real font files; `context` is what they share; `memo` keeps planned entry
slides between builds.
"""

from __future__ import annotations

from deckbuilder.layout.context import format_date
from deckbuilder.layout.credits import source_groups
from deckbuilder.layout.deck import plan
from deckbuilder.layout.memo import Memo
from deckbuilder.layout.memo import load as load_memo
from deckbuilder.layout.memo import path_for as memo_path
from deckbuilder.layout.memo import save as save_memo

__all__ = ["plan", "format_date", "source_groups", "Memo", "load_memo", "memo_path",
           "save_memo"]
