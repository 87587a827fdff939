"""Live preview: `serve(spec)` builds the deck, serves it and rebuilds on every save.

`preview` is the build-and-watch loop; `server` the HTTP server with its live-reload
channel (the script is `livereload.js`); `watch` finds and polls what a talk is made of.
"""

from __future__ import annotations

from deckbuilder.serve.preview import serve

__all__ = ["serve"]
