"""The planner: `plan(talk, picks, theme, images)` → (Deck, diagnostics), pure geometry.

`deck` plans the whole deck (title, section, closing slides, footers); `entry` the
picture slides; `text` the Markdown slides; `credits` the sources; `arrange` the
picture geometry; `qr` places the slides_url QR code; `measure` breaks and fits text
with the real font files; `context` is what they share.
"""

from __future__ import annotations

from deckbuilder.layout.context import format_date
from deckbuilder.layout.credits import source_groups
from deckbuilder.layout.deck import plan

__all__ = ["plan", "format_date", "source_groups"]
