"""The picker's data and its one write: the vault's entries, the spec's items, edits.

The page (`picker.html`, `.js`, `.css`) loads every entry once as compact JSON and
filters by tag and date itself, live, by the rules of `picks.filter` (a test runs both
on the same criteria); text is matched here, by `picks.filter` itself, since notes stay
on the server. What the talk shows is computed with `picks` too: which entry an
`image:` item names, which a `select:` item matches now, and their places in the talk.

Writes are edits of the spec file only (`specedit`), made when the request carries
the per-run token, comes from the picker's own origin, and names the content hash of
the spec the page last saw: a spec saved by an editor meanwhile is never overwritten
(409, and the page reloads it). The server takes no path from a request.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import Any, Sequence

import regex
import yaml

from deckbuilder import picks, spec
from deckbuilder.fsutil import atomic_write_bytes
from deckbuilder.model import Criteria, Deck, Entry, Vault
from deckbuilder.serve import specedit

ASSETS = Path(__file__).parent
MAX_BODY = 64 * 1024
EDIT_FIELDS = {"add": {"image", "index"}, "remove": {"index"}, "move": {"index", "to"},
               "caption": {"index", "caption"}}
TAIL_KINDS = ("credits", "closing")


@dataclass(frozen=True)
class Reply:
    """An answer to a picker request: HTTP status, JSON body."""

    status: int
    body: dict[str, Any]

    def data(self) -> bytes:
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8")


def sort_key(entry: Entry) -> str:
    """Return the entry's instant as text that sorts as `picks.ordered` sorts ("" undated).

    Naive ISO date-times are fixed-width up to the seconds, and fractions only follow
    them, so comparing the strings compares the instants.
    """
    if entry.date is None:
        return ""
    when = entry.date if isinstance(entry.date, datetime) else \
        datetime.combine(entry.date, time.min)
    return when.replace(tzinfo=None).isoformat()


def entry_row(entry: Entry, note: int) -> list[Any]:
    """Return one entry as the page gets it (a list: tens of thousands stay small).

    [id, number of its note, line, sort key, tags, caption text, source text, which
    images are files]. Notes and caption Markdown stay here: text is matched by
    `match` (`picks.filter`), not in the page.
    """
    source = entry.source.text if entry.source else ""
    return [entry.id, note, entry.line, sort_key(entry), list(entry.tags), entry.caption_text,
            source, [1 if i.path else 0 for i in entry.images]]


def entries_document(entries: Sequence[Entry], generation: int) -> bytes:
    """Return the JSON the page loads: the note paths once, and a row per entry."""
    notes: dict[str, int] = {}
    rows = [entry_row(e, notes.setdefault(e.note, len(notes))) for e in entries]
    return json.dumps({"generation": generation, "notes": list(notes), "entries": rows},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class Picker:
    """The picker of one `serve` run: its token, the last good vault, the spec's state."""

    def __init__(self, spec_path: Path, editable: bool, cache_dir: Path | None = None):
        self.spec_path = Path(spec_path)
        self.editable = editable
        self.cache_dir = cache_dir
        self.token = secrets.token_urlsafe(32)
        self._lock = threading.Lock()        # one edit at a time
        self.vault: Vault | None = None
        self.deck: Deck | None = None
        self.generation = 0
        self._entries_json = b""
        self._index: dict[str, int] = {}
        self.builds = 0
        self.opened = False                   # has a page asked for the entries yet
        self.prepared = False                 # has prepare() run
        self.thumb_slots = threading.BoundedSemaphore(2)   # thumbnails made at once
        self._state: tuple[tuple[Any, ...], dict[str, Any]] | None = None
        self._state_lock = threading.Lock()   # one computes it, the others wait for it
        self._names_of: tuple[Vault, picks.Names] | None = None

    def update(self, vault: Vault | None, deck: Deck | None) -> None:
        """Take the vault and deck of a good build (a new generation if entries changed).

        The entries JSON is made again at once only once a picker has been opened;
        otherwise on its first request, so a preview nobody picks in pays nothing.
        """
        if vault is not None and (self.vault is None or vault.entries != self.vault.entries):
            index = {e.id: i for i, e in enumerate(vault.entries)}
            with self._lock:
                self.generation += 1
                self._index, self.vault, self._entries_json = index, vault, b""
            if self.opened:
                self.entries_json()
        if deck is not None:
            self.deck = deck
            self.builds += 1

    def prepare(self) -> None:
        """Make the entries JSON and the spec's state now, so the first open is quick."""
        self._document()
        self.state()
        self.prepared = True

    def entries_json(self) -> bytes:
        """Return every entry of the vault as JSON (made once per vault generation)."""
        self.opened = True
        return self._document()

    def _document(self) -> bytes:
        with self._lock:
            if not self._entries_json:
                entries = self.vault.entries if self.vault is not None else ()
                self._entries_json = entries_document(entries, self.generation)
            return self._entries_json

    def matching(self, pattern: str) -> Reply:
        """Return the numbers of the entries whose caption, notes or source `pattern`
        matches, by `select`'s `match` rules (text that is no regex is matched as is)."""
        vault = self.vault
        if vault is None:
            return Reply(200, {"entries": []})
        try:
            regex.compile(pattern)
        except regex.error:
            pattern = regex.escape(pattern)   # while it is being typed, e.g. "(a"
        try:
            found = picks.filter(vault.entries, Criteria(match=pattern))
        except picks.SlowPattern as e:
            return Reply(422, {"error": e.diagnostics[0].message})
        return Reply(200, {"entries": [self._index[e.id] for e in found if e.id in self._index]})

    def image_file(self, entry: int, image: int) -> Path | None:
        """Return the file of an entry's image by their numbers, None when there is none."""
        vault = self.vault
        if vault is None or not 0 <= entry < len(vault.entries):
            return None
        images = vault.entries[entry].images
        return vault.file(images[image]) if 0 <= image < len(images) else None

    # ------------------------------------------------------------ what the talk shows

    def state(self) -> Reply:
        """Return the spec's items with the entries each shows, its hash and the deck map."""
        try:
            data = self.spec_path.read_bytes()
        except OSError as e:
            return Reply(200, {"error": f"cannot read the spec: {e.strerror or e}",
                               "items": [], "hash": "", "editable": False})
        # The page asks after every build; resolving picks over a big vault is not free.
        key = (specedit.digest(data), self.generation, self.builds)
        with self._state_lock:
            cached = self._state
            if cached is None or cached[0] != key:
                cached = self._state = (key, self._state_of(data))
        return Reply(200, cached[1])

    def _state_of(self, data: bytes) -> dict[str, Any]:
        body: dict[str, Any] = {"hash": specedit.digest(data), "editable": self.editable,
                                "generation": self.generation, "error": None,
                                "slides": [s.line for s in self.deck.slides] if self.deck else []}
        try:
            located = specedit.Spec.parse(data)
        except specedit.EditError as e:
            body.update(error=str(e), items=[], editable=False)
            return body
        body["items"] = self._items(located)
        return body

    def _items(self, located: specedit.Spec) -> list[dict[str, Any]]:
        talk, _ = spec.parse(self.spec_path)
        by_line = {s.line: s for s in talk.slides} if talk else {}
        shown = self._shown(talk)
        out = []
        for item in located.items:
            raw = yaml_value(item)
            kind = kind_of(raw)
            parsed = by_line.get(item.first + 1)
            row: dict[str, Any] = {"index": item.index, "line": item.first + 1, "kind": kind,
                                   "ok": parsed is not None,
                                   "entries": shown.get(item.first + 1, [])}
            if isinstance(raw, dict):
                value = raw.get(kind)
                row["value"] = value if isinstance(value, (str, int, float)) else \
                    json.loads(json.dumps(value, default=str))
                if kind == "image":
                    row["caption"] = raw.get("caption")
            out.append(row)
        return out

    def _shown(self, talk: Any) -> dict[int, list[int]]:
        """Return, per spec line, the numbers of the entries its slides show (after repeats)."""
        vault = self.vault
        if talk is None or vault is None:
            return {}
        found, _ = picks.of(talk, vault, self._names(vault))
        shown: dict[int, list[int]] = {}
        for p in found:
            if p.entry is not None and p.entry.id in self._index:
                shown.setdefault(p.line, []).append(self._index[p.entry.id])
        return shown

    def _names(self, vault: Vault) -> picks.Names:
        """Return the vault's name index, made once per vault."""
        if self._names_of is None or self._names_of[0] is not vault:
            self._names_of = (vault, picks.Names.of(vault.entries))
        return self._names_of[1]

    # ------------------------------------------------------------ the one write

    def edit(self, body: bytes) -> Reply:
        """Apply one edit request (already authorised) to the spec file; return the state."""
        try:
            request = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return Reply(400, {"error": "the request is not JSON"})
        problem = _malformed(request)
        if problem:
            return Reply(400, {"error": problem})
        op = {k: v for k, v in request.items() if k != "hash"}
        if op["op"] == "add":
            if op["image"] not in self._index:
                return Reply(400, {"error": f"no entry {op['image']!r} in the vault"})
        with self._lock:
            target = self.spec_path.resolve()   # an edited symlink stays a symlink
            try:
                data = target.read_bytes()
            except OSError as e:
                return Reply(500, {"error": f"cannot read the spec: {e.strerror or e}"})
            if specedit.digest(data) != request["hash"]:
                return Reply(409, {"error": "the spec changed on disk since the picker "
                                            "read it; reloading"})
            try:
                if op["op"] == "add" and op["index"] is None:
                    op["index"] = _end_index(specedit.Spec.parse(data))
                new = specedit.apply(data, op)
            except specedit.EditError as e:
                return Reply(422, {"error": str(e)})
            mode = os.stat(target).st_mode & 0o7777
            try:
                atomic_write_bytes(target, new)
                if mode != 0o644:
                    os.chmod(target, mode)
            except OSError as e:
                return Reply(500, {"error": f"cannot write the spec: {e.strerror or e}"})
        return self.state()


def yaml_value(item: specedit.Item) -> Any:
    """Return one slide item as plain data."""
    return yaml.safe_load(yaml.serialize(item.node))


def kind_of(raw: Any) -> str:
    """Return a slide item's kind ("title", "image", …; "?" when it is not one)."""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, dict):
        return next((k for k in raw if k in specedit.ITEM_KINDS), "?")
    return "?"


def _end_index(located: specedit.Spec) -> int:
    """Return where "at the end" adds an item: before a closing run of credits/closing."""
    index = len(located.items)
    while index > 0:
        if kind_of(yaml_value(located.items[index - 1])) not in TAIL_KINDS:
            break
        index -= 1
    return index


def _malformed(request: Any) -> str:
    """Return what is wrong with an edit request's shape ("" when nothing is)."""
    if not isinstance(request, dict) or request.get("op") not in EDIT_FIELDS:
        return f"'op' must be one of {', '.join(EDIT_FIELDS)}"
    allowed = EDIT_FIELDS[request["op"]] | {"op", "hash"}
    extra = sorted(set(request) - allowed)
    if extra:   # a path, a file name: the picker only ever writes its own spec
        return f"unknown field(s) {', '.join(extra)}: the picker edits only its spec file"
    if not isinstance(request.get("hash"), str):
        return "'hash' (of the spec as the page read it) is required"
    for name in sorted(allowed - {"op", "hash"}):
        value = request.get(name)
        if name in ("index", "to") and not (isinstance(value, int) and not isinstance(value, bool)
                                            or (name == "index" and request["op"] == "add"
                                                and value is None)):
            return f"'{name}' must be a whole number"
        if name == "image" and not (isinstance(value, str) and value.strip()):
            return "'image' must be an entry id"
        if name == "caption" and not (value is None or isinstance(value, str)):
            return "'caption' must be text or null"
    return ""


# ---------------------------------------------------------------- HTTP


PAGES = {"picker": ("picker.html", "text/html; charset=utf-8"),
         "picker.js": ("picker.js", "text/javascript; charset=utf-8"),
         "picker.css": ("picker.css", "text/css; charset=utf-8")}


def page(picker: Picker, name: str) -> bytes:
    """Return a picker page or asset; the page carries the token when edits are allowed."""
    data = (ASSETS / PAGES[name][0]).read_bytes()
    if name == "picker":
        token = picker.token if picker.editable else ""
        data = data.replace(b"{{token}}", token.encode("ascii"))
    return data


def refused(picker: Picker, headers: Any, path: str) -> Reply | None:
    """Return why a write request is refused (None when it may go ahead).

    The Host header was checked before any route. A write must also come from the
    picker's own origin (a page elsewhere cannot make the browser send its token) and
    carry this run's token; with --host 0.0.0.0 and no --allow-remote-edits nothing is
    written at all.
    """
    if path != "edit":
        return Reply(404, {"error": "the picker writes only through /__deckbuilder/edit"})
    origin = (headers.get("Origin") or "").lower()
    if origin != f"http://{(headers.get('Host') or '').lower()}":
        return Reply(403, {"error": "writes are accepted only from the picker's own page"})
    if not picker.editable:
        return Reply(403, {"error": "the picker is read-only: this preview listens on the "
                                    "network (start it with --allow-remote-edits to edit)"})
    if not secrets.compare_digest(headers.get("X-Deckbuilder-Token") or "", picker.token):
        return Reply(403, {"error": "missing or wrong token: reload the picker"})
    if (headers.get("Content-Type") or "").split(";")[0].strip() != "application/json":
        return Reply(415, {"error": "send the edit as application/json"})
    try:
        length = int(headers.get("Content-Length") or "")
    except ValueError:
        return Reply(411, {"error": "Content-Length is required"})
    if not 0 < length <= MAX_BODY:
        return Reply(413, {"error": "the edit request is too large"})
    return None
