"""The PPTX slide cache: each slide's drawn XML kept, so a rebuild draws only the slides
that changed.

Drawing a slide through python-pptx's shape API cost ~18 ms (placeholders cloned,
descriptors, xpath), 90% of a warm rebuild's render stage at 200 slides; with what is
made once and copied, and text written with lxml, it is ~4 ms, still most of it. Yet a slide's
XML and its notes page's depend only on the planned slide and on the deck's look: its
pictures, links, layout and notes page are named by relationship ids, which are
numbered in the order they are added. So a drawn slide's two XML parts are kept in the
cache folder with its relationships in that order, under a digest of everything that
decides them (`SlideCache.key`). On a later build a slide with the same digest is put
into the package from those bytes and related to the same layout, pictures, links and
notes page in the same order (`place`): the same ids, the same part names, the same
zip, byte for byte, whether none, some or all of the slides were drawn before.

An entry that cannot be read, does not match its checksum or does not fit the slide
is a miss: the slide is drawn, and the entry written again. Writing is atomic, and a
cache that cannot be written only makes the next build draw again.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, fields, replace
from operator import attrgetter
from pathlib import Path

import lxml
import pptx as python_pptx
from pptx.opc.constants import CONTENT_TYPE as CT
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.opc.oxml import serialize_part_xml
from pptx.opc.package import Part
from pptx.oxml import parse_xml
from pptx.parts.slide import NotesSlidePart, SlidePart

from deckbuilder.cache import used
from deckbuilder.fsutil import cache_write, clean_stale
from deckbuilder.model import Deck, Item, Slide, TextStyle
from deckbuilder.render.pptx_package import NOTES_PARTNAME, FileImagePart
from deckbuilder.render.pptx_text import emu

# Bump when a change to drawing changes a slide's XML, or entries change form. (The source of the modules that
# draw is part of every key as well, so a forgotten bump costs a redraw, not a wrong deck.)
PPTX_CACHE_VERSION = 2
FOLDER = "pptx-slides"        # under the image cache folder (fsutil.cache_root)
# The modules whose code decides a slide's XML.
_DRAWING = ("pptx.py", "pptx_text.py", "pptx_placeholders.py", "pptx_master.py",
            "pptx_package.py", "pptx_cache.py")
# The relationships a slide may have, and what names the target of each in an entry.
LAYOUT, IMAGE, LINK, NOTES = "layout", "image", "link", "notes"
# Every field of a planned slide and of its items (a style's but its faces), read at once.
_SLIDE = attrgetter(*[f.name for f in fields(Slide) if f.name != "items"])
_ITEM = attrgetter(*[f.name for f in fields(Item)])
_AT_STYLE = [f.name for f in fields(Item)].index("style")
_STYLE = attrgetter(*[f.name for f in fields(TextStyle) if f.name != "faces"])


@dataclass(frozen=True)
class Drawn:
    """A slide as drawn: its XML, its relationships in id order (the kind of each and
    what it points to: the layout's part name, the picture's file, the link's URL) and
    its notes page's XML, if it has one."""

    slide: bytes
    rels: tuple[tuple[str, str], ...]
    notes: bytes | None = None


# ---------------------------------------------------------------- keys and entries


class SlideCache:
    """The drawn slides of earlier builds, in `folder` (None: no cache), for `deck`."""

    def __init__(self, folder: Path | None, deck: Deck) -> None:
        try:
            self._context = _context(deck) if folder is not None else b""
        except OSError:   # the template cannot be read again: draw every slide
            folder, self._context = None, b""
        self._folder = folder
        if folder is not None:   # what a killed build left being written
            clean_stale(folder / FOLDER / "tmp")
        self._chains: dict[int, tuple[tuple, str]] = {}   # id -> (faces, digest)

    def key(self, planned: Slide) -> str | None:
        """Return the digest of everything that decides the slide's XML, or None when a
        picture's file cannot be looked at (then the slide is drawn, and fails as it
        would): the planned slide (its items, their boxes, text, styles and picture
        files, its notes), each picture file's size and time (a file passed through
        from the vault may change in place) and the deck's look (`_context`). The repr
        of plain values and frozen dataclasses of them is a canonical form (`_canonical`)."""
        if self._folder is None:
            return None
        try:
            files = [_stamp(path) for path in
                     dict.fromkeys(i.image for i in planned.items if i.image is not None)]
        except OSError:
            return None
        text = "\n".join([self._canonical(planned)] + files)
        return hashlib.sha256(self._context + text.encode("utf-8")).hexdigest()

    def _canonical(self, planned: Slide) -> str:
        """Return the repr of the planned slide's field values and of each item's, with
        each text style's fallback chain of faces named by its digest: the chain is one
        long tuple shared by every text item, otherwise repeated in every item (six
        sevenths of the text). The values are read at once, not copied with the chain
        swapped (dataclasses.replace, most of a key's time)."""
        return repr((_SLIDE(planned), tuple(map(self._item, planned.items))))

    def _item(self, item: Item) -> tuple:
        values = _ITEM(item)
        style = values[_AT_STYLE]
        if style is None:
            return values
        return (values[:_AT_STYLE] + ((_STYLE(style), self._chain(style.faces)),)
                + values[_AT_STYLE + 1:])

    def _chain(self, faces: tuple) -> str:
        known = self._chains.get(id(faces))
        if known is None:   # the tuple is kept with its digest, so its id stays its own
            known = self._chains[id(faces)] = (
                faces, hashlib.sha256(repr(faces).encode("utf-8")).hexdigest())
        return known[1]

    def load(self, key: str | None) -> Drawn | None:
        """Return the slide drawn under `key`, or None when there is none or it is
        damaged."""
        if key is None:
            return None
        try:
            with open(self._path(key), "rb") as f:
                used(f.fileno())   # its last use, for pruning (a stat; a write once a day)
                return _decode(f.read())
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None   # missing, cut short, garbled

    def store(self, key: str | None, drawn: Drawn) -> None:
        """Keep the drawn slide under `key`; a cache that cannot be written is skipped."""
        if key is None or self._folder is None:   # (a key means a folder)
            return
        try:   # one rename: a Batch's scan of the folder cost more than the write
            cache_write(Path(self._path(key)), _encode(drawn), self._folder / FOLDER / "tmp")
        except OSError:
            pass   # the next build draws the slide again

    def deflated(self) -> Path | None:
        """Return the file keeping the deck's XML as the last build deflated it (None:
        no cache): one per deck's look, so that two talks do not take turns with it."""
        return self._of_look("deflated-{}.bin")

    def crcs(self) -> Path | None:
        """Return the file keeping the CRC-32 of the pictures the last build stored (None:
        no cache), one per deck's look as `deflated`."""
        return self._of_look("crc32-{}.json")

    def _of_look(self, name: str) -> Path | None:
        if self._folder is None:
            return None
        digest = hashlib.sha256(self._context).hexdigest()[:16]
        return Path(self._folder) / FOLDER / name.format(digest)

    def _path(self, key: str) -> str:
        # A string: joining Paths and making the string again cost as much as the read.
        # (Only a cache with a folder makes keys.)
        return os.path.join(self._folder, FOLDER, key[:2], key + ".slide")  # type: ignore[arg-type]


def _stamp(path: Path) -> str:
    info = path.stat()
    return f"{path} {info.st_size} {info.st_mtime_ns}"


def _context(deck: Deck) -> bytes:
    """Return what every slide's key shares: the cache's and python-pptx's versions,
    the drawing code, and the deck but for its slides (theme, font, colours, aspect,
    the template with its file's content)."""
    parts = [f"{PPTX_CACHE_VERSION} {python_pptx.__version__} "
             f"{lxml.__version__}",  # type: ignore[attr-defined]  # not in types-lxml
             _drawing_digest(), repr(replace(deck, slides=()))]
    if deck.template is not None:
        parts.append(hashlib.sha256(deck.template.path.read_bytes()).hexdigest())
    return "\n".join(parts).encode("utf-8") + b"\n"


def _drawing_digest() -> str:
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for name in _DRAWING:
        try:
            digest.update((here / name).read_bytes())
        except OSError:
            digest.update(name.encode())   # installed without sources: the version decides
    return digest.hexdigest()


def _encode(drawn: Drawn) -> bytes:
    """Return the entry for `drawn`: a checksum line, a JSON line (the relationships and
    the XMLs' lengths), then the XMLs as they are. (XML inside JSON strings took as long
    to decode as the rest of placing the slide.)"""
    notes = drawn.notes or None
    head = json.dumps({"rels": drawn.rels, "slide": len(drawn.slide),
                       "notes": len(notes) if notes is not None else None},
                      ensure_ascii=False).encode("utf-8")
    body = head + b"\n" + drawn.slide + (notes or b"")
    return hashlib.sha256(body).hexdigest().encode("ascii") + b"\n" + body


def _decode(data: bytes) -> Drawn:
    """Return the entry in `data`; raise ValueError when its checksum or its lengths do
    not match."""
    checksum, _, body = data.partition(b"\n")
    if hashlib.sha256(body).hexdigest().encode("ascii") != checksum:
        raise ValueError("damaged slide cache entry")
    head, _, xml = body.partition(b"\n")
    found = json.loads(head)
    rels = tuple((str(kind), str(target)) for kind, target in found["rels"])
    slide, notes = found["slide"], found["notes"]
    if not isinstance(slide, int) or not (notes is None or isinstance(notes, int)) \
            or len(xml) != slide + (notes or 0):
        raise ValueError("slide cache entry of another shape")
    return Drawn(xml[:slide], rels, xml[slide:] if notes is not None else None)


# ---------------------------------------------------------------- drawn -> entry


def drawn(part: SlidePart, planned: Slide) -> Drawn | None:
    """Return the slide in `part` as drawn for `planned`, or None when it has something
    a replay could not relate the same way (then it is simply drawn every time)."""
    if any(i.image is not None and not all(emu(i.box)[2:]) for i in planned.items):
        return None   # python-pptx sizes a picture of no width or height from its file
    pictures = {i.image for i in planned.items if i.image is not None}
    rels: list[tuple[str, str]] = []
    notes = None
    for n, (rid, rel) in enumerate(part.rels.items(), 1):
        if rid != f"rId{n}":
            return None   # a gap in the ids: a replay would number differently
        if rel.is_external:
            found = (LINK, rel.target_ref) if rel.reltype == RT.HYPERLINK else None
        elif rel.reltype == RT.SLIDE_LAYOUT and n == 1:
            found = (LAYOUT, str(rel.target_part.partname))
        elif rel.reltype == RT.IMAGE and isinstance(rel.target_part, FileImagePart) \
                and rel.target_part.path in pictures:
            found = (IMAGE, str(rel.target_part.path))
        elif rel.reltype == RT.NOTES_SLIDE and notes is None:
            notes = _notes_xml(rel.target_part, part)
            found = (NOTES, "") if notes is not None else None
        else:
            found = None
        if found is None or found in rels:
            return None
        rels.append(found)
    return Drawn(part.blob, tuple(rels), notes)


def _notes_xml(notes: Part, slide: SlidePart) -> bytes | None:
    """Return a notes page's XML when it is related as python-pptx relates a new one:
    to the notes master, then to its slide."""
    if not isinstance(notes, NotesSlidePart):
        return None
    master = slide.package.presentation_part.notes_master_part
    if [(rid, r.reltype, r.target_part) for rid, r in notes.rels.items()] != [
            ("rId1", RT.NOTES_MASTER, master), ("rId2", RT.SLIDE, slide)]:
        return None
    return notes.blob


# ---------------------------------------------------------------- entry -> package


class _FromCache:
    """An XML part made from the bytes the cache kept: written as those bytes, and
    parsed only if something reads or changes its XML (then written from the tree)."""

    def __init__(self, partname, content_type: str, package, xml: bytes) -> None:
        # A mixin: self is a SlidePart or a NotesSlidePart.
        Part.__init__(self, partname, content_type, package)  # type: ignore[arg-type]
        self._xml, self._tree = xml, None

    @property
    def _element(self):
        if self._tree is None:
            self._tree = parse_xml(self._xml)
        return self._tree

    @_element.setter
    def _element(self, element) -> None:
        self._tree = element

    @property
    def blob(self) -> bytes:
        return self._xml if self._tree is None else serialize_part_xml(self._tree)


class CachedSlidePart(_FromCache, SlidePart):  # type: ignore[override]  # blob: read-only
    """A slide part from the cache."""


class CachedNotesSlidePart(_FromCache, NotesSlidePart):  # type: ignore[override]  # as above
    """A notes page part from the cache."""


def fits(entry: Drawn, layout, planned: Slide) -> bool:
    """Return whether `entry` can be placed for `planned` on `layout`: its first
    relationship is that layout, the others are pictures of the slide, links and at most
    one notes page, none twice (so a replay numbers them as they were numbered)."""
    pictures = {str(i.image) for i in planned.items if i.image is not None}
    kinds = [kind for kind, _ in entry.rels]
    return (bool(entry.rels) and entry.rels[0] == (LAYOUT, str(layout.part.partname))
            and LAYOUT not in kinds[1:] and kinds.count(NOTES) == (entry.notes is not None)
            and len(set(entry.rels)) == len(entry.rels)
            and all(kind in (LINK, NOTES) or (kind == IMAGE and target in pictures)
                    for kind, target in entry.rels[1:]))


def place(entry: Drawn, layout, adder) -> None:
    """Add the slide in `entry` (which `fits`) to the package, as drawing it would:
    the slide part and its id, then its relationships in their order, each getting the
    id it had. `adder` is pptx_package's slide adder.

    Every relationship but a picture's is new to the part (`fits`), so it is added
    without python-pptx's search for an equal one; a picture's goes through that search
    as drawing it does, since two files may hold the same picture.
    """
    package = layout.part.package
    part = CachedSlidePart(adder.next_partname(), CT.PML_SLIDE, package, entry.slide)
    rels = part.rels
    rels._add_relationship(RT.SLIDE_LAYOUT, layout.part)
    adder.add_part(part)
    for kind, target in entry.rels[1:]:
        if kind == IMAGE:
            part.relate_to(package.get_or_add_image_part(target), RT.IMAGE)
        elif kind == LINK:
            rels._add_relationship(RT.HYPERLINK, target, is_external=True)
        else:
            _place_notes(part, entry.notes)  # type: ignore[arg-type]  # fits: notes has XML


def _place_notes(slide: SlidePart, xml: bytes) -> None:
    """Add a notes page as SlidePart.notes_slide does: notes master first (made on the
    first notes page), then the page's name, its relationships, the slide's to it."""
    package = slide.package
    master = package.presentation_part.notes_master_part
    notes = CachedNotesSlidePart(package.next_partname(NOTES_PARTNAME), CT.PML_NOTES_SLIDE,
                                 package, xml)
    notes.rels._add_relationship(RT.NOTES_MASTER, master)
    notes.rels._add_relationship(RT.SLIDE, slide)
    slide.rels._add_relationship(RT.NOTES_SLIDE, notes)
