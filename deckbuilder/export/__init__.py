"""Conference outputs: `export(spec)` → a slides PDF, an A4 handout for the audience, the
sources list and a bundle zip.

`run` is the pipeline (build, print, write); `pdf` prints through Chromium and rewrites
the PDFs (metadata, outline, reproducible dates and ID); `shrink` re-samples pictures
for print under a size limit; `handout`, `sources` and `bundle` make those outputs;
`browser` is the headless Chromium client (DevTools over a pipe), also used by tests
and scripts.
"""

from __future__ import annotations

from deckbuilder.export.run import OUTPUTS, ExportResult, Written, export

__all__ = ["export", "ExportResult", "Written", "OUTPUTS"]
