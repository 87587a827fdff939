"""The PPTX package without python-pptx's whole-package work, written in one zip pass.

python-pptx walks every part of the package to name each new slide, notes page and
image, and walks every relationship to find an image already added (by SHA1): O(n²)
for n slides, about 90% of a plain script's time at 1,000 slides. It also keeps every
image's bytes in memory and deflates them (already compressed) on save. Here a
package's lookups are replaced by indexes kept beside it (`index`), picture parts keep
only their file's path until the zip is written, and `write` writes the package once,
in its final, reproducible form: fixed times, python-pptx's member order, media stored,
XML deflated, each picture copied from its file (the members: `pptx_zip`).

This leans on python-pptx internals, listed in PPTX_INTERNALS; pyproject pins the
range they were checked on, and tests/test_render_pptx_package.py checks that each
still exists and behaves as used here, and that the package comes out as python-pptx
alone makes it.
"""

from __future__ import annotations

import copy
import hashlib
import os
import zipfile
from pathlib import Path
from typing import IO, TYPE_CHECKING

from PIL import Image as PILImage
from pptx.opc.constants import CONTENT_TYPE as CT
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.opc.package import Part, _Relationships
from pptx.opc.packuri import PackURI
from pptx.opc.serialized import PackageWriter
from pptx.opc.spec import image_content_types
from pptx.package import Package
from pptx.parts.image import Image, ImagePart
from pptx.parts.slide import NotesSlidePart, SlidePart
from pptx.slide import Slide, SlideLayout
from pptx.util import lazyproperty

from deckbuilder.pixels import SIGNATURE
from deckbuilder.render import pptx_zip

if TYPE_CHECKING:
    from pptx.oxml.xmlchemy import BaseOxmlElement

# What this module relies on (each checked by a test of its own).
PPTX_INTERNALS = (
    "Package.get_or_add_image_part, next_image_partname and next_partname are looked up "
    "on the package object, so instance attributes replace them",
    "ImagePart(partname, content_type, package, blob, filename) reads its bytes as _blob",
    "Package._image_parts iterates the package's image parts; part.sha1 is their SHA1",
    "PackageWriter(file, package._rels, parts) writes the package rels with "
    "_write_pkg_rels into .write(uri, blob); _ContentTypesItem(parts)."
    "_defaults_and_overrides are the [Content_Types].xml its _xml writes, sorted",
    "a part's rels: part._rels (empty when none), part.rels.xml, partname.rels_uri; "
    "rels.xml is a Relationships element of Relationship(Id, Type, Target, TargetMode "
    "only when External) in numerical rId order, serialised standalone in UTF-8; an "
    "internal one's Target is target_partname.relative_ref(the source part's folder)",
    "_Relationships.get_or_add(reltype, part) is looked up on the object and adds with "
    "_add_relationship(reltype, part) when no relationship to the part has the type",
    "Slides.add_slide is PresentationPart.add_slide, clone_layout_placeholders and "
    "sldIdLst.add_sldId(rId), which is _add_sldId(id=largest id + 1, rId=rId)",
    # pptx_cache, which puts a slide drawn before into the package as drawing it would:
    "PresentationPart.add_slide names the slide _next_slide_partname, makes it with "
    "SlidePart.new (which relates the layout first), then relates it with relate_to",
    "XmlPart keeps its XML in _element and writes .blob as serialize_part_xml(_element); "
    "Part.__init__(partname, content_type, package) is all the rest of its state",
    "SlidePart.notes_slide adds a page with NotesSlidePart.new: presentation_part."
    "notes_master_part, next_partname('/ppt/notesSlides/notesSlide%d.xml'), relate_to the "
    "notes master, then the slide; the slide then relates the page",
    "a part's relationships are kept in the order added, each new one numbered with the "
    "lowest free rId; pictures are relate_to(package.get_or_add_image_part(file), "
    "RT.IMAGE), links relate_to(url, RT.HYPERLINK, is_external=True)",
    # the slide adder's copies of what python-pptx makes the same for every slide:
    "clone_layout_placeholders appends the clones to the slide's spTree, named and "
    "numbered from that tree alone (empty on a new slide), so they depend on the layout",
    # pptx_placeholders, which lists a slide's shapes and placeholders without xpath:
    "a shape collection lists the shape tree's children tagged CT_GroupShape._shape_tags; "
    "a placeholder is a shape with ./*[1]/p:nvPr/p:ph, of ph/@type (default obj), listed "
    "by slide.placeholders in ph/@idx order (default 0), each as SlideShapeFactory makes it",
    "ImagePart.scale(cx, cy) returns (cx, cy) as given when both are non-zero, and reads "
    "the image only to size a picture of no width or height",
    "NotesSlidePart.new makes a page from CT_NotesSlide.new() and the notes master's "
    "placeholders alone: every new notes page's XML is the same",
)
NOTES_PARTNAME = "/ppt/notesSlides/notesSlide%d.xml"   # python-pptx's, as it names them
# python-pptx's own format -> extension map (pptx.parts.image.Image.ext)
_EXT = {"BMP": "bmp", "GIF": "gif", "JPEG": "jpg", "PNG": "png", "TIFF": "tiff", "WMF": "wmf"}
# Media that is compressed already: deflating it again costs time and saves nothing.
STORED_EXTENSIONS = frozenset({"png", "jpg", "jpeg", "gif", "webp", "mp4", "m4v", "mov",
                               "mp3", "m4a", "wma", "wmv", "avi"})
MIN_SLIDE_ID, MAX_SLIDE_ID = 256, 2147483647   # the range of p:sldId/@id


class FileImagePart(ImagePart):
    """An image part whose bytes stay in their file until the package is written."""

    def __init__(self, partname: PackURI, content_type: str, package: Package, path: Path,
                 size: int | None = None):
        self.path = path
        self.size = path.stat().st_size if size is None else size   # the caller's, if it looked
        super().__init__(partname, content_type, package, b"", path.name)

    # ImagePart reads its bytes (size, dpi, `image`, `blob`) through `_blob`: from the file.
    @property
    def _blob(self) -> bytes:
        return self.path.read_bytes()

    @_blob.setter
    def _blob(self, _value: bytes) -> None:
        pass   # the constructors set it empty: the file holds the content

    @property  # type: ignore[misc]  # read-only: the file holds the content
    def blob(self) -> bytes:
        return self._blob

    def scale(self, scaled_cx: int | None, scaled_cy: int | None) -> tuple[int, int]:
        """Return the picture's size in EMU as ImagePart.scale does. python-pptx reads
        and parses the whole file for its pixels and dpi before it looks whether both
        sizes are given (~1.7 ms a screenshot), then returns them as given."""
        if scaled_cx and scaled_cy:
            return scaled_cx, scaled_cy
        return super().scale(scaled_cx, scaled_cy)

    @lazyproperty
    def sha1(self) -> str:
        """The SHA1 of the image file, as python-pptx dedupes by it (read in chunks)."""
        with self.path.open("rb") as f:
            return hashlib.file_digest(f, "sha1").hexdigest()


def _size_of(part: ImagePart) -> int:
    return part.size if isinstance(part, FileImagePart) else len(part.blob)


class _ImageIndex:
    """A package's image parts by size (then SHA1), and its next free image name.

    python-pptx's rule is kept: an image with the bytes of an existing part reuses it.
    Two files can only be equal when their sizes are, so SHA1s are computed only for
    parts that share a size with another: hardly ever for screenshots.
    """

    def __init__(self, package: Package) -> None:
        self._package = package
        self._by_size: dict[int, list[ImagePart]] = {}
        self._by_path: dict[Path, ImagePart] = {}
        for part in package._image_parts:
            if isinstance(part, ImagePart):
                self._by_size.setdefault(_size_of(part), []).append(part)
        self._taken = {p.partname.idx for p in package.iter_parts()
                       if p.partname.startswith("/ppt/media/image")
                       and p.partname.idx is not None}
        self._next = 1

    def get_or_add_image_part(self, image_file: str | os.PathLike | IO[bytes]) -> ImagePart:
        """Return the package's part holding these image bytes, added if new."""
        if not isinstance(image_file, (str, os.PathLike)):   # bytes in memory, as before
            image = Image.from_file(image_file)
            return self._find(len(image.blob), image.sha1) or self._add(
                ImagePart.new(self._package, image))
        path = Path(image_file)
        if path in self._by_path:   # a logo on every slide: looked at once
            return self._by_path[path]
        size = path.stat().st_size
        if size in self._by_size:
            with path.open("rb") as f:
                found = self._find(size, hashlib.file_digest(f, "sha1").hexdigest())
            if found is not None:
                self._by_path[path] = found
                return found
        ext = _extension(path)
        if ext is None:
            raise ValueError(f"unsupported image format in {path.name}")
        part = FileImagePart(self._package.next_image_partname(ext), image_content_types[ext],
                             self._package, path, size)
        self._by_path[path] = part
        return self._add(part)

    def next_image_partname(self, ext: str) -> PackURI:
        """Return /ppt/media/imageN.ext with the smallest free N, as python-pptx would."""
        while self._next in self._taken:
            self._next += 1
        self._taken.add(self._next)
        return PackURI(f"/ppt/media/image{self._next}.{ext}")

    def _find(self, size: int, sha1: str) -> ImagePart | None:
        return next((p for p in self._by_size.get(size, ()) if p.sha1 == sha1), None)

    def _add(self, part: ImagePart) -> ImagePart:
        self._by_size.setdefault(_size_of(part), []).append(part)
        return part


def _extension(path: Path) -> str | None:
    """Return python-pptx's extension for the image file's format (None: not one it takes).

    A PNG is told by its signature (no other format PIL knows starts with it): opening it
    with PIL to read its header costs more than the rest of placing a cached slide.
    """
    with path.open("rb") as f:
        if f.read(len(SIGNATURE)) == SIGNATURE:
            return "png"
    with PILImage.open(path) as im:   # reads the header only
        return _EXT.get(im.format or "")


def _partnames(package: Package):
    """Return a `next_partname` for `package` that remembers the names it handed out.

    python-pptx's walks every part, for every slide and notes page added. The walk is
    done once per name pattern here; later names are counted on. Nothing else adds
    parts to the package while a deck is built.
    """
    taken: dict[str, set[str]] = {}

    def next_partname(tmpl: str) -> PackURI:
        if tmpl not in taken:
            prefix = tmpl[: (tmpl % 42).find("42")]
            taken[tmpl] = {str(p.partname) for p in package.iter_parts()
                           if p.partname.startswith(prefix)}
        names, n = taken[tmpl], len(taken[tmpl]) + 1
        while tmpl % n in names:
            n += 1
        names.add(tmpl % n)
        return PackURI(tmpl % n)

    return next_partname


def _relations(rels: _Relationships):
    """Return a `get_or_add` for `rels` that finds an existing relationship in a dict.

    python-pptx looks through all of a part's relationships for one to the same part
    before adding one, and the presentation part has one per slide: O(n²). A
    relationship removed since it was remembered is looked for as python-pptx would.
    """
    known = {(rel.reltype, rel.target_part): rid for rid, rel in rels.items()
             if not rel.is_external}
    search = rels.get_or_add

    def get_or_add(reltype: str, target_part) -> str:
        rid = known.get((reltype, target_part))
        if rid is None or rid not in rels or rels[rid].target_part is not target_part:
            rid = search(reltype, target_part) if rid is not None \
                else rels._add_relationship(reltype, target_part)
            known[(reltype, target_part)] = rid
        return rid

    return get_or_add


class SlideAdder:
    """`Slides.add_slide` without its walk over every slide id for a free one.

    python-pptx takes one more than the largest id in use, reading them all for every
    slide added; here they are read once and counted on, and python-pptx is asked only
    where that would pass the largest id allowed. A slide the slide cache kept is added
    by the same steps (`next_partname`, then `add_part`), its part made elsewhere.
    """

    def __init__(self, package: Package) -> None:
        self._prs = package.presentation_part.presentation
        self._ids = self._prs.slides._sldIdLst
        self._last = max([MIN_SLIDE_ID - 1] + [int(s.get("id")) for s in self._ids.sldId_lst])
        self._clones: dict[Part, list] = {}   # layout part -> its placeholders, cloned
        self._notes_page: BaseOxmlElement | None = None   # a new notes page's element, once made

    def __call__(self, layout: SlideLayout) -> Slide:
        rid, slide = self._prs.part.add_slide(layout)
        self._clone_placeholders(slide, layout)
        self._list(rid)
        return slide

    def _clone_placeholders(self, slide: Slide, layout: SlideLayout) -> None:
        """Clone the layout's placeholders onto the new slide, as python-pptx does.

        python-pptx reads each one through proxies and xpath (~2.5 ms a slide); what it
        makes depends on the layout alone, so it is made once per layout and copied.
        """
        tree = slide.shapes._spTree
        clones = self._clones.get(layout.part)
        if clones is None:
            before = len(tree)
            slide.shapes.clone_layout_placeholders(layout)
            clones = self._clones[layout.part] = [copy.deepcopy(e) for e in tree[before:]]
        else:
            tree.extend(copy.deepcopy(e) for e in clones)

    def notes_page(self, slide: SlidePart) -> NotesSlidePart:
        """Return a new notes page for the slide, made as SlidePart.notes_slide makes it.

        python-pptx clones the notes master's placeholders for every page (~3 ms); a new
        page is the same every time, so the first is made by python-pptx (which makes
        the notes master too) and the others are copies of it, named and related in the
        same order.
        """
        if self._notes_page is None:
            page = slide.notes_slide.part
            self._notes_page = copy.deepcopy(page._element)
            return page  # type: ignore[return-value]  # typed XmlPart: this NotesSlidePart
        package = slide.package
        master = package.presentation_part.notes_master_part
        page = NotesSlidePart(package.next_partname(NOTES_PARTNAME), CT.PML_NOTES_SLIDE,
                              package, copy.deepcopy(self._notes_page))
        page.relate_to(master, RT.NOTES_MASTER)
        page.relate_to(slide, RT.SLIDE)
        slide.relate_to(page, RT.NOTES_SLIDE)
        return page

    def next_partname(self) -> PackURI:
        """Return the part name the next slide gets (from the number of slides)."""
        return self._prs.part._next_slide_partname

    def add_part(self, part: SlidePart) -> None:
        """Relate a slide part made (and related to its layout) elsewhere, and list it."""
        self._list(self._prs.part.relate_to(part, RT.SLIDE))

    def _list(self, rid: str) -> None:
        if self._last < MAX_SLIDE_ID:
            self._last += 1
            self._ids._add_sldId(id=self._last, rId=rid)
        else:
            self._ids.add_sldId(rid)


def index(package: Package) -> SlideAdder:
    """Give `package` constant-time part names, image lookups and slide relationships
    (this object only); return the function that adds a slide to it in constant time."""
    images = _ImageIndex(package)
    # Methods replaced on this one object: python-pptx has no hook for them.
    package.get_or_add_image_part = images.get_or_add_image_part  # type: ignore[method-assign]
    package.next_image_partname = images.next_image_partname  # type: ignore[method-assign]
    package.next_partname = _partnames(package)  # type: ignore[method-assign]
    per_slide = package.presentation_part.rels   # one relationship per slide
    per_slide.get_or_add = _relations(per_slide)
    return SlideAdder(package)


def _stored(pack_uri: PackURI) -> bool:
    return pack_uri.ext.lower() in STORED_EXTENSIONS


class _ByUri:
    """The interface of python-pptx's zip writer, `write(pack_uri, blob)`, on `members`."""

    def __init__(self, members: pptx_zip.Members) -> None:
        self._members = members

    def write(self, pack_uri: PackURI, blob: bytes) -> None:
        self._members.write(pack_uri.membername, blob, _stored(pack_uri))


def write(package: Package, out: IO[bytes], deflated: Path | None = None,
          crcs: Path | None = None) -> None:
    """Write `package` as a .pptx into the binary file `out`, in one pass (with the
    XML deflated by the last build kept in the file `deflated`, and the pictures' CRCs
    in the file `crcs`, if given).

    The members and their order are python-pptx's: content types, package rels, then
    each part followed by its rels.
    """
    parts = tuple(package.iter_parts())
    writer = PackageWriter(out, package._rels, parts)
    relative = pptx_zip.RelativeRefs()
    memo, known = pptx_zip.Deflated(deflated), pptx_zip.Crcs(crcs)
    with zipfile.ZipFile(out, "w") as archive:
        members = pptx_zip.Members(archive, memo, known)
        members.write("[Content_Types].xml", pptx_zip.content_types_xml(parts), False)
        writer._write_pkg_rels(_ByUri(members))  # type: ignore[arg-type]  # all it calls: write
        for part in parts:
            uri = part.partname
            if isinstance(part, FileImagePart) and _stored(uri):
                members.copy(uri.membername, part.path)
            else:
                members.write(uri.membername, part.blob, _stored(uri))
            if part._rels:
                xml = pptx_zip.rels_xml(part.rels, uri.baseURI, relative)
                members.write(uri.rels_uri.membername, xml, False)
    memo.save()
    known.save()
