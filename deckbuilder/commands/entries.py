"""`deckbuilder entries`: the matching entries of a vault as a table or as JSON."""

from __future__ import annotations

import json
import posixpath
from datetime import datetime
from pathlib import Path
from typing import Sequence

from deckbuilder import picks
from deckbuilder.errors import Diagnostic
from deckbuilder.model import Criteria, Entry
from deckbuilder.vault import read

_DATE_W = 16            # "2024-04-15 16:09"
_IMAGE_W = 31           # "Pasted image 20240415160930.png"; longer names are cut in the middle
_TAGS_W = 18
_MIN_CAPTION = 20
_JSON_BATCH = 100       # entries per json.dumps call (see to_json)


def entries(path: Path, criteria: Criteria) -> tuple[list[Entry], int, list[Diagnostic]]:
    """Return the matching entries of the vault at `path`, how many it has, and warnings."""
    vault, problems = read(path, criteria.notes)
    return picks.filter(vault.entries, criteria), len(vault.entries), problems


def to_json(found: Sequence[Entry]) -> str:
    """Return the entries as one compact JSON list (`| jq` shows it readably)."""
    # Encoded a hundred entries at a time, the text of one dumps call of the whole list:
    # per-entry calls cost a third more, and the dicts of a whole big vault, alive at
    # once, keep the garbage collector busy for nothing (more than the encoding itself).
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    batches = (dumps([e.to_json() for e in found[k:k + _JSON_BATCH]])[1:-1]
               for k in range(0, len(found), _JSON_BATCH))
    return "[" + ", ".join(batches) + "]\n"


def table(found: Sequence[Entry], width: int | None) -> str:
    """Return a readable table: date, first image, caption, tags, note:line.

    With a `width` (a terminal's), captions are cut so that each row fits in it.
    """
    images = [_first_image(e) for e in found]
    tags = [" ".join("#" + t for t in e.tags) for e in found]
    places = [f"{e.note}:{e.line}" for e in found]
    image_w = min(_IMAGE_W, max((len(i) for i in images), default=5))
    tag_w = min(_TAGS_W, max((len(t) for t in tags), default=4))
    caption_w = None
    if width:
        place_w = max((len(p) for p in places), default=9)
        image_w, tag_w, caption_w = _fit(width - _DATE_W - place_w - 8, image_w, tag_w)
    rows = [_row("date", "image", "caption", "tags", "note:line", image_w, tag_w, caption_w)]
    for e, image, tag, place in zip(found, images, tags, places):
        rows.append(_row(_date(e), image, e.caption_text or "—", tag, place, image_w, tag_w,
                         caption_w))
    return "\n".join(rows) + "\n"


def _fit(spare: int, image_w: int, tag_w: int) -> tuple[int, int, int]:
    """Return image, tags and caption widths sharing `spare` columns (caption first)."""
    short = max(0, _MIN_CAPTION - (spare - image_w - tag_w))
    for_tags = min(short, max(0, tag_w - 8))
    for_image = min(short - for_tags, max(0, image_w - 12))
    image_w, tag_w = image_w - for_image, tag_w - for_tags
    return image_w, tag_w, max(8, spare - image_w - tag_w)


def _row(when: str, image: str, caption: str, tags: str, place: str, image_w: int,
         tag_w: int, caption_w: int | None) -> str:
    caption = " ".join(caption.split())   # one line per entry, whatever the caption holds
    if caption_w is not None:
        caption = _cut(caption, caption_w).ljust(caption_w)
    return f"{when:<{_DATE_W}}  {_cut(image, image_w, middle=True):<{image_w}}  {caption}  " \
           f"{_cut(tags, tag_w):<{tag_w}}  {place}".rstrip()


def _date(e: Entry) -> str:
    if e.date is None:
        return "—"
    if isinstance(e.date, datetime):
        return e.date.strftime("%Y-%m-%d %H:%M")
    return e.date.isoformat()


def _first_image(e: Entry) -> str:
    image = e.images[0]
    return posixpath.basename(image.path or image.target) or image.target


def _cut(text: str, width: int, middle: bool = False) -> str:
    """Return `text` shortened to `width` characters with an ellipsis."""
    if len(text) <= width:
        return text
    if width <= 1:
        return text[:width]
    if middle:   # keep a file name's end: its timestamp and extension tell images apart
        head = (width - 1) // 2
        return text[:head] + "…" + text[len(text) - (width - 1 - head):]
    return text[:width - 1] + "…"
