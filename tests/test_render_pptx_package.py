"""The PPTX package writer: one zip pass with media stored, python-pptx's lookups made
constant-time without changing the package, and pictures kept in their files until the
zip is written. The python-pptx internals it leans on are each checked here, so an
upgrade that changes one fails a test instead of a deck."""

from __future__ import annotations

import base64
import hashlib
import inspect
import io
import os
import re
import tomllib
import tracemalloc
import zipfile
from dataclasses import replace
from pathlib import Path

import pptx as python_pptx
import pytest
from PIL import Image
from pptx import Presentation
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.action import Hyperlink
from pptx.opc.package import OpcPackage, Part, XmlPart, _Relationship, _Relationships
from pptx.opc.serialized import PackageWriter
from pptx.package import Package
from pptx.oxml.ns import qn
from pptx.oxml.presentation import CT_SlideIdList
from pptx.parts.image import ImagePart
from pptx.parts.presentation import PresentationPart
from pptx.parts.slide import NotesSlidePart, SlidePart
from pptx.slide import Slides
from pptx.util import Inches, lazyproperty

from _decks import draw, entry, sample, talk
from deckbuilder import layout, theme
from deckbuilder.model import Normalised, Pick
from deckbuilder.render import html, pptx, pptx_cache, pptx_package, pptx_zip

ROOT = Path(__file__).resolve().parent.parent


def members(data: bytes) -> list[tuple[str, bytes]]:
    """Return a zip's members in order, with their uncompressed content."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(i.filename, z.read(i)) for i in z.infolist()]


# ---------------------------------------------------------------- the zip


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("deck")
    deck, _, _ = sample(root)
    return deck, pptx.write(deck, root / "out" / "talk.pptx")


def test_media_is_stored_and_xml_deflated(built):
    _, path = built
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
    media = [i for i in infos if i.filename.startswith("ppt/media/")]
    assert {Path(i.filename).suffix for i in media} == {".png", ".jpg"}
    assert all(i.compress_type == zipfile.ZIP_STORED for i in media)
    rest = [i for i in infos if i not in media]
    assert rest and all(i.compress_type == zipfile.ZIP_DEFLATED for i in rest)
    assert all(i.compress_size < i.file_size for i in rest if i.file_size > 500)


def test_members_have_fixed_times_and_modes(built):
    _, path = built
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {(i.create_system, i.external_attr >> 16) for i in infos} == {(0, 0o644)}
    assert infos[0].filename == "[Content_Types].xml" and infos[1].filename == "_rels/.rels"


def test_stored_pictures_are_their_files_byte_for_byte(built):
    deck, path = built
    files = {i.image.read_bytes() for s in deck.slides for i in s.items if i.image}
    with zipfile.ZipFile(path) as z:
        pictures = {z.read(n) for n in z.namelist() if n.startswith("ppt/media/")}
    assert pictures == files


def test_a_rebuild_is_byte_identical(built, tmp_path):
    deck, path = built
    again = pptx.write(deck, tmp_path / "again.pptx").read_bytes()
    assert again == path.read_bytes()
    assert pptx.to_bytes(deck) == again


# ---------------------------------------------------------------- same package as python-pptx


class _PythonPptxAlone:
    """The slide adder's interface on python-pptx's own steps: Slides.add_slide, and
    SlidePart.notes_slide for a notes page."""

    def __init__(self, package) -> None:
        self._add_slide = package.presentation_part.presentation.slides.add_slide

    def __call__(self, layout):
        return self._add_slide(layout)

    @staticmethod
    def notes_page(slide_part):
        return slide_part.notes_slide.part


def test_the_package_is_the_one_python_pptx_alone_writes(built, monkeypatch):
    # The same deck drawn with python-pptx's own lookups, placeholders and notes pages
    # and saved by python-pptx: the same members in the same order with the same
    # content (the repeated picture once).
    deck, path = built
    monkeypatch.setattr(pptx_package, "index", _PythonPptxAlone)
    monkeypatch.setattr(pptx_package, "write", lambda package, out, *_: package.save(out))
    plain = members(pptx.to_bytes(deck))
    ours = members(path.read_bytes())
    assert [n for n, _ in ours] == [n for n, _ in plain]
    assert ours == plain
    uses = [i.image for s in deck.slides for i in s.items if i.image]
    assert len(uses) > len(set(uses))      # a repeated image, stored once
    assert len([n for n, _ in ours if n.startswith("ppt/media/")]) == len(set(uses))


def _script(tmp_path: Path, indexed: bool, first: list[Path], then: list[Path]) -> bytes:
    """Return a plain python-pptx deck: a slide per picture (with a notes page), the
    package indexed after `first`, as a template that has pictures already would be."""
    prs = Presentation()
    add_slide = prs.slides.add_slide
    for n, picture in enumerate(first + then):
        if indexed and n == len(first):
            add_slide = pptx_package.index(prs.part.package)
        slide = add_slide(prs.slide_layouts[6])
        slide.shapes.add_picture(str(picture), Inches(1), Inches(1), Inches(4), Inches(3))
        slide.notes_slide.notes_text_frame.text = f"notes {n}"
    buf = io.BytesIO()
    if indexed:
        pptx_package.write(prs.part.package, buf)
    else:
        prs.save(buf)
    return buf.getvalue()


def test_indexed_lookups_name_and_dedupe_as_python_pptx(tmp_path):
    a = draw(tmp_path / "a.png", (300, 200))
    b = draw(tmp_path / "b.jpg", (200, 300), "darkred")
    copy = tmp_path / "copy-of-a.png"
    copy.write_bytes(a.read_bytes())              # another name, the same bytes
    same_size = tmp_path / "same-size.png"        # a's size, other bytes
    data = bytearray(a.read_bytes())
    data[-20] ^= 1
    same_size.write_bytes(bytes(data))
    first, then = [a], [b, a, copy, same_size, b]
    plain = members(_script(tmp_path, False, first, then))
    ours = members(_script(tmp_path, True, first, then))
    assert ours == plain
    media = [n for n, _ in ours if n.startswith("ppt/media/")]
    assert media == ["ppt/media/image1.png", "ppt/media/image2.jpg", "ppt/media/image3.png"]


def test_the_package_is_not_walked_per_picture(tmp_path, monkeypatch):
    # python-pptx walks every relationship for each picture (to find one with its SHA1)
    # and every part to name it and its notes page: quadratic in the pictures. Indexed,
    # the walks are as many for 40 pictures as for 4.
    pictures = [draw(tmp_path / f"{n}.png", (64 + n, 48)) for n in range(40)]
    walks = []
    real_rels = OpcPackage.iter_rels
    monkeypatch.setattr(OpcPackage, "iter_rels", lambda s: walks.append(1) or real_rels(s))
    counts = []
    for indexed in (True, False):
        for n in (4, 40):
            walks.clear()
            _script(tmp_path, indexed, [], pictures[:n])
            counts.append(len(walks))
    few, many, plain_few, plain_many = counts
    assert few == many < 12
    assert plain_many > 40 > plain_few      # what the test would see without the index


# ---------------------------------------------------------------- python-pptx's internals


def test_the_python_pptx_pin_is_the_range_these_tests_cover():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    (pin,) = [d for d in deps if d.startswith("python-pptx")]
    assert pin == "python-pptx>=1.0.2,<1.1"
    major, minor, patch = map(int, python_pptx.__version__.split(".")[:3])
    assert (major, minor) == (1, 0) and patch >= 2


def test_the_lookups_replaced_are_methods_looked_up_on_the_package():
    for cls, name in ((Package, "get_or_add_image_part"), (Package, "next_image_partname"),
                      (OpcPackage, "next_partname")):
        assert inspect.isfunction(cls.__dict__[name]), name   # no property, no slot
    assert "__slots__" not in Package.__dict__


def test_pictures_and_notes_reach_the_package_through_those_lookups(tmp_path):
    prs = Presentation()
    pptx_package.index(prs.part.package)
    asked = []
    package = prs.part.package
    for name in ("get_or_add_image_part", "next_image_partname", "next_partname"):
        real = getattr(package, name)
        setattr(package, name, lambda *a, _n=name, _r=real: asked.append(_n) or _r(*a))
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    slide.shapes.add_picture(str(draw(tmp_path / "a.png", (30, 20))), 0, 0)
    slide.shapes.add_picture(io.BytesIO(draw(tmp_path / "b.png", (20, 30)).read_bytes()), 0, 0)
    slide.notes_slide.notes_text_frame.text = "n"
    assert asked[:4] == ["get_or_add_image_part", "next_image_partname"] * 2
    assert asked[4:] and set(asked[4:]) == {"next_partname"}   # notes page (and master)
    assert [p.partname for p in prs.part.package._image_parts] == [
        "/ppt/media/image1.png", "/ppt/media/image2.png"]


def test_image_parts_take_their_bytes_from_the_file(tmp_path):
    path = draw(tmp_path / "a.png", (300, 200))
    params = list(inspect.signature(ImagePart.__init__).parameters)
    assert params == ["self", "partname", "content_type", "package", "blob", "filename"]
    prs = Presentation()
    part = pptx_package.FileImagePart(pptx_package.PackURI("/ppt/media/image1.png"),
                                      "image/png", prs.part.package, path)
    assert "_blob" not in vars(part)            # no copy of the bytes kept
    assert part.blob == path.read_bytes()
    assert part.sha1 == hashlib.sha1(path.read_bytes()).hexdigest()
    assert part.image.size == (300, 200) and part.desc == "a.png"
    assert part.scale(None, None) == ImagePart(part.partname, "image/png", prs.part.package,
                                               path.read_bytes()).scale(None, None)
    assert part.size == path.stat().st_size
    added = pptx_package.index(prs.part.package)   # the index looks at the file once
    found = prs.part.package.get_or_add_image_part(str(path))
    assert isinstance(found, pptx_package.FileImagePart) and found.size == part.size
    assert found.path == path and found.blob == path.read_bytes() and added


def test_relationship_parts_are_written_as_python_pptx_writes_them(built):
    # pptx_zip.rels_xml writes what _Relationships.xml writes (tests/test_render_pptx_zip.py)
    source = inspect.getsource(_Relationships.xml.fget)
    assert "rels_elm.add_rel(rel.rId, rel.reltype, rel.target_ref, rel.is_external)" in source
    assert 'int(rId[3:]) if rId.startswith("rId") and rId[3:].isdigit() else 0' in source
    assert "self.target_partname.relative_ref(self._base_uri)" in inspect.getsource(
        _Relationship.target_ref.__wrapped__)
    assert "_Relationships(self._partname.baseURI)" in inspect.getsource(
        Part._rels.__wrapped__)
    package = Presentation(str(built[1])).part.package
    every = [p for p in package.iter_parts() if p._rels]
    assert len(every) > 20
    relative = pptx_zip.RelativeRefs()
    assert all(pptx_zip.rels_xml(p.rels, p.partname.baseURI, relative) == p.rels.xml
               for p in every)


def test_a_png_is_told_by_its_signature_as_pil_tells_it(tmp_path):
    for name, fmt in (("a.png", "PNG"), ("a.jpg", "JPEG"), ("a.gif", "GIF"), ("a.bmp", "BMP")):
        path = tmp_path / name
        Image.new("RGB", (8, 6), "teal").save(path, fmt)
        with Image.open(path) as im:
            assert pptx_package._extension(path) == pptx_package._EXT[im.format]
    (tmp_path / "b.png").write_bytes(b"not a picture")
    with pytest.raises(OSError):
        pptx_package._extension(tmp_path / "b.png")


def test_image_parts_of_a_package_are_listed_with_their_sha1(tmp_path):
    path = draw(tmp_path / "a.png", (30, 20))
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    slide.shapes.add_picture(str(path), 0, 0)
    (part,) = list(prs.part.package._image_parts)
    assert isinstance(part, ImagePart)
    assert part.sha1 == hashlib.sha1(path.read_bytes()).hexdigest()


def test_slides_are_added_and_related_as_python_pptx_does():
    # The slide adder repeats Slides.add_slide's steps with a counted id; the
    # presentation's relationships are found in a dict, added as get_or_add adds them.
    steps = inspect.getsource(Slides.add_slide)
    assert re.findall(r"(self\.part\.add_slide|clone_layout_placeholders|"
                      r"self\._sldIdLst\.add_sldId)\(", steps) == [
        "self.part.add_slide", "clone_layout_placeholders", "self._sldIdLst.add_sldId"]
    assert "self._add_sldId(id=self._next_id, rId=rId)" in inspect.getsource(
        CT_SlideIdList.add_sldId)
    assert "max([MIN_SLIDE_ID - 1] + used_ids) + 1" in inspect.getsource(
        CT_SlideIdList._next_id.fget)
    assert inspect.isfunction(_Relationships.__dict__["get_or_add"])
    adds = inspect.getsource(_Relationships.get_or_add)
    assert "self._get_matching(reltype, target_part)" in adds
    assert "self._add_relationship(reltype, target_part)" in adds
    prs = Presentation()
    add_slide = pptx_package.index(prs.part.package)
    slides = [add_slide(prs.slide_layouts[6]) for _ in range(3)]
    ids = [(s.get("id"), s.get(qn("r:id"))) for s in prs.slides._sldIdLst.sldId_lst]
    assert ids == [("256", "rId7"), ("257", "rId8"), ("258", "rId9")]
    assert [prs.part.relate_to(s.part, RT.SLIDE) for s in slides] == ["rId7", "rId8", "rId9"]
    assert len(prs.part.rels) == 9


def test_the_writer_steps_are_python_pptx_ones():
    # `pptx_package.write` does what PackageWriter._write does, step by step.
    steps = re.findall(r"self\.(_write_\w+)\(", inspect.getsource(PackageWriter._write))
    assert steps == ["_write_content_types_stream", "_write_pkg_rels", "_write_parts"]
    parts = inspect.getsource(PackageWriter._write_parts)
    assert "part.blob" in parts and "part._rels" in parts and "part.rels.xml" in parts
    assert "partname.rels_uri" in parts
    for step in ("_write_content_types_stream", "_write_pkg_rels"):
        assert list(inspect.signature(getattr(PackageWriter, step)).parameters) == [
            "self", "phys_writer"]


def test_a_slide_is_named_made_and_related_as_the_slide_cache_repeats():
    steps = inspect.getsource(PresentationPart.add_slide)
    assert re.findall(r"(self\._next_slide_partname|SlidePart\.new|self\.relate_to)\b",
                      steps) == ["self._next_slide_partname", "SlidePart.new", "self.relate_to"]
    assert "rId = self.relate_to(slide_part, RT.SLIDE)" in steps
    made = inspect.getsource(SlidePart.new)
    assert "slide_part.relate_to(slide_layout_part, RT.SLIDE_LAYOUT)" in made
    assert '"/ppt/slides/slide%d.xml" % (len(sldIdLst) + 1)' in inspect.getsource(
        PresentationPart._next_slide_partname.fget)
    prs = Presentation()
    adder = pptx_package.index(prs.part.package)
    assert adder.next_partname() == "/ppt/slides/slide1.xml"
    adder(prs.slide_layouts[6])
    assert adder.next_partname() == "/ppt/slides/slide2.xml"


def test_xml_parts_are_their_element_and_nothing_else():
    assert "self._element = element" in inspect.getsource(XmlPart.__init__)
    assert "serialize_part_xml(self._element)" in inspect.getsource(XmlPart.blob.fget)
    assert list(inspect.signature(Part.__init__).parameters) == [
        "self", "partname", "content_type", "package", "blob"]
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[1])
    slide.shapes.title.text = "Cached & <kept> — as is"
    xml = slide.part.blob
    kept = pptx_cache.CachedSlidePart(slide.part.partname, slide.part.content_type,
                                      prs.part.package, xml)
    assert kept.blob is xml                       # written as kept, never re-serialised
    assert kept.slide.shapes.title.text == "Cached & <kept> — as is"   # parsed when read
    assert kept.blob == xml
    kept.slide.shapes.title.text = "changed"
    assert b"changed" in kept.blob                # and written from the tree once changed


def test_a_notes_page_is_added_as_the_slide_cache_repeats():
    steps = inspect.getsource(NotesSlidePart.new)
    assert "package.presentation_part.notes_master_part" in steps
    assert "cls._add_notes_slide_part(package, slide_part, notes_master_part)" in steps
    adds = inspect.getsource(NotesSlidePart._add_notes_slide_part)
    assert f'package.next_partname("{pptx_cache.NOTES_PARTNAME}")' in adds
    assert re.findall(r"notes_slide_part\.relate_to\((\w+), RT\.(\w+)\)", adds) == [
        ("notes_master_part", "NOTES_MASTER"), ("slide_part", "SLIDE")]
    on_slide = inspect.getsource(SlidePart._add_notes_slide_part)
    assert "NotesSlidePart.new(self.package, self)" in on_slide
    assert "self.relate_to(notes_slide_part, RT.NOTES_SLIDE)" in on_slide
    assert isinstance(inspect.getattr_static(PresentationPart, "notes_master_part"),
                      lazyproperty)               # made once, on the first notes page


def test_placeholders_are_cloned_from_the_layout_alone_as_python_pptx_clones():
    # The slide adder clones a layout's placeholders once and copies them: python-pptx
    # adds them to the slide's own tree, named and numbered from that tree only.
    clones = inspect.getsource(python_pptx.shapes.shapetree._BaseShapes.clone_placeholder)
    assert "self._next_shape_id" in clones and "self._spTree.add_placeholder(" in clones
    assert "slide.shapes.clone_layout_placeholders(slide_layout)" in inspect.getsource(
        Slides.add_slide)
    plain, ours = Presentation(), Presentation()
    add_slide = pptx_package.index(ours.part.package)
    for _ in range(2):   # the first slide of a layout is cloned, the second copied
        for n, layout in enumerate(plain.slide_layouts):
            expected = plain.slides.add_slide(layout).part.blob
            assert add_slide(ours.slide_layouts[n]).part.blob == expected


def test_shapes_and_placeholders_are_listed_as_python_pptx_lists_them(tmp_path):
    from pptx.oxml.shapes.groupshape import CT_GroupShape
    from pptx.oxml.shapes.shared import BaseShapeElement
    from pptx.shapes.shapetree import SlidePlaceholders

    from deckbuilder.render import pptx_placeholders as placeholders

    assert "for elm in self.iterchildren():\n            if elm.tag in self._shape_tags:" \
        in inspect.getsource(CT_GroupShape.iter_shape_elms)
    assert 'self.xpath("./*[1]/p:nvPr/p:ph")' in inspect.getsource(BaseShapeElement.ph.fget)
    assert "key=lambda e: e.ph_idx" in inspect.getsource(SlidePlaceholders.__iter__)
    assert "SlideShapeFactory(e, self)" in inspect.getsource(SlidePlaceholders.__iter__)
    prs = Presentation()
    picture = str(draw(tmp_path / "a.png", (30, 20)))
    for layout in prs.slide_layouts:
        slide = prs.slides.add_slide(layout)
        slide.shapes.add_picture(picture, 0, 0, 10, 10)
        slide.shapes.add_textbox(0, 0, 10, 10)
        assert placeholders.shape_elements(slide.shapes._spTree) == [
            shape.element for shape in slide.shapes]
        listed = placeholders.slide_placeholders(slide)
        assert [(kind, type(placeholders.proxy(slide, e)), e) for kind, e in listed] == [
            (ph.placeholder_format.type, type(ph), ph.element) for ph in slide.placeholders]


def test_a_picture_sized_on_both_sides_is_not_read_for_its_size(tmp_path, monkeypatch):
    scale = inspect.getsource(ImagePart.scale)
    assert "if scaled_cx and scaled_cy:\n            return scaled_cx, scaled_cy" in scale
    picture = draw(tmp_path / "a.png", (30, 20))
    prs = Presentation()
    pptx_package.index(prs.part.package)
    part = prs.part.package.get_or_add_image_part(str(picture))
    assert isinstance(part, pptx_package.FileImagePart)
    assert part.scale(None, None) == ImagePart.scale(part, None, None)   # from the file
    assert part.scale(Inches(1), None) == ImagePart.scale(part, Inches(1), None)
    monkeypatch.setattr(pptx_package.FileImagePart, "_blob", property(
        lambda self: pytest.fail("read for a size that was given")))
    assert part.scale(Inches(1), Inches(2)) == (Inches(1), Inches(2))


def test_notes_pages_are_the_same_new_page_as_python_pptx_makes():
    made = inspect.getsource(NotesSlidePart.new)
    assert "notes_slide.clone_master_placeholders(notes_master_part.notes_master)" in made
    assert "CT_NotesSlide.new()" in inspect.getsource(NotesSlidePart._add_notes_slide_part)
    plain, ours = Presentation(), Presentation()
    add_slide = pptx_package.index(ours.part.package)
    for _ in range(3):   # the first page made by python-pptx, the others copied
        expected = plain.slides.add_slide(plain.slide_layouts[6]).notes_slide.part
        slide = add_slide(ours.slide_layouts[6]).part
        page = add_slide.notes_page(slide)
        assert (page.partname, page.blob) == (expected.partname, expected.blob)
        assert [(rid, r.reltype, str(r.target_part.partname)) for rid, r in
                page.rels.items()] == [(rid, r.reltype, str(r.target_part.partname))
                                       for rid, r in expected.rels.items()]
        assert slide.part_related_by(RT.NOTES_SLIDE) is page
        page.notes_slide.notes_text_frame.text = "written on one page only"


def test_relationships_keep_their_order_and_take_the_lowest_free_id(tmp_path):
    assert "rId = self._next_rId" in inspect.getsource(_Relationships._add_relationship)
    assert 'self._rels[rId] = ' in inspect.getsource(_Relationships._add_relationship)
    assert '"rId%d" % n' in inspect.getsource(_Relationships._next_rId.fget)
    assert "self.relate_to(image_part, RT.IMAGE)" in inspect.getsource(
        SlidePart.get_or_add_image_part)
    assert "self._package.get_or_add_image_part(image_file)" in inspect.getsource(
        SlidePart.get_or_add_image_part)
    assert "self.part.relate_to(url, RT.HYPERLINK, is_external=True)" in inspect.getsource(
        Hyperlink.address.fset)
    prs = Presentation()
    pptx_package.index(prs.part.package)
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    pic = slide.shapes.add_picture(str(draw(tmp_path / "a.png", (30, 20))), 0, 0, 10, 10)
    pic.click_action.hyperlink.address = "https://example.org/?a=1&b=2"
    slide.notes_slide.notes_text_frame.text = "n"
    rels = slide.part.rels
    assert [(rid, rels[rid].reltype.rsplit("/", 1)[1]) for rid in rels] == [
        ("rId1", "slideLayout"), ("rId2", "image"), ("rId3", "hyperlink"),
        ("rId4", "notesSlide")]


# ---------------------------------------------------------------- memory


def _noise_deck(root: Path, n: int):
    """Return a deck of `n` entry slides, each with its own 768 kB incompressible PNG."""
    imgs, picks = {}, []
    for i in range(n):
        path = root / f"noise{i}.png"
        Image.frombytes("RGB", (512, 512), os.urandom(512 * 512 * 3)).save(
            path, compress_level=0)
        imgs[path.name] = Normalised(path, path, 512, 512)
        picks.append(Pick("entry", i + 1, entry(i + 1, f"Noise {i}", [path.name])))
    th = theme.load("default")
    deck, _ = layout.plan(talk(root), picks, th, imgs)
    return deck, th, sum(p.path.stat().st_size for p in imgs.values())


def _peak(call) -> int:
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("fmt", ["pptx", "one-file html"])
def test_memory_does_not_grow_with_the_pictures(tmp_path, fmt):
    # Python's peak allocation while writing 4 and 16 pictures of 768 kB: held in
    # memory, the 12 more would add 9 MB (twice that for base64); streamed, nothing.
    peaks = []
    for n in (4, 16):
        root = tmp_path / str(n)
        root.mkdir()
        deck, th, total = _noise_deck(root, n)
        if fmt == "pptx":
            peaks.append(_peak(lambda: pptx.write(deck, root / "talk.pptx")))
            with zipfile.ZipFile(root / "talk.pptx") as z:
                assert sum(i.file_size for i in z.infolist() if "media" in i.filename) == total
        else:
            peaks.append(_peak(lambda: html.write(deck, root, "talk", th, single_file=True)))
            page = (root / "talk.html").read_text(encoding="utf-8")
            assert page.count("data:image/png;base64,") == n
            assert "deckbuilder-image-" not in page
    few, many = peaks
    assert many < few + total / 16, (few, many)   # less than one more picture


def test_the_one_file_deck_inlines_each_picture_whole(tmp_path):
    deck, th, _ = _noise_deck(tmp_path, 2)
    slides = deck.slides[:2] + (replace(deck.slides[0], title="again"),)
    html.write(replace(deck, slides=slides), tmp_path, "talk", th, single_file=True)
    page = (tmp_path / "talk.html").read_text(encoding="utf-8")
    uris = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    files = [(tmp_path / f"noise{i}.png").read_bytes() for i in (0, 1, 0)]
    assert [base64.b64decode(u) for u in uris] == files
