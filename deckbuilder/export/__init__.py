"""Conference outputs: `export(spec)` → a slides PDF, an A4 handout and a bundle zip.

`run` is the pipeline (build, print, write); `pdf` prints through Chromium and edits
PDF metadata; `handout` and `bundle` make those outputs; `browser` is the headless
Chromium client (DevTools over a pipe), also used by tests and scripts.
"""

from __future__ import annotations

from deckbuilder.export.run import OUTPUTS, ExportResult, Written, export

__all__ = ["export", "ExportResult", "Written", "OUTPUTS"]
