"""The .pptx zip members written straight into the archive: the bytes zipfile itself
writes for the same members, whatever the member, the stream or the file; relationship
parts as python-pptx writes them. The zipfile internals the writer leans on are checked
here, so a Python that changes one fails a test instead of a deck."""

from __future__ import annotations

import errno
import inspect
import io
import os
import random
import shutil
import zipfile
import zlib
from pathlib import Path

import pytest
from pptx import Presentation
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.opc.oxml import serialize_part_xml
from pptx.opc.package import Part, _Relationships
from pptx.opc.packuri import PackURI
from pptx.opc.serialized import _ContentTypesItem

from _decks import draw
from deckbuilder.fsutil import reproducible_info
from deckbuilder.render import pptx_zip


def _members(tmp_path: Path) -> list[tuple[str, bytes | Path, bool]]:
    """Members of every kind: XML of several sizes, empty ones, a non-ASCII name,
    stored bytes, stored files (a picture, random bytes, an empty file)."""
    rng = random.Random(7)
    noise = tmp_path / "noise.bin"
    noise.write_bytes(rng.randbytes(300_000))
    (tmp_path / "empty.png").write_bytes(b"")
    xml = b"<?xml version='1.0'?><a>" + b"<b c='d'>text \xc3\xa9</b>" * 5000 + b"</a>"
    return [("[Content_Types].xml", b"<Types/>", False),
            ("ppt/slides/slide1.xml", xml, False),
            ("ppt/empty.xml", b"", False),
            ("ppt/n\u00e4me.xml", b"<x/>", False),
            ("ppt/media/image1.png", draw(tmp_path / "a.png", (640, 360)), True),
            ("ppt/media/image2.bin", noise, True),
            ("ppt/media/image3.png", tmp_path / "empty.png", True),
            ("ppt/media/image4.png", rng.randbytes(5000), True),
            ("ppt/random.xml", rng.randbytes(70_000), False)]


def _with_zipfile(out, members) -> None:
    """What the package writer did before: zipfile's writestr and write handle."""
    with zipfile.ZipFile(out, "w") as archive:
        for name, content, stored in members:
            info = reproducible_info(name, unix=False, stored=stored)
            if isinstance(content, Path):
                info.file_size = content.stat().st_size
                with content.open("rb") as source, archive.open(info, "w") as dest:
                    shutil.copyfileobj(source, dest, 1 << 20)
            else:
                archive.writestr(info, content, compresslevel=pptx_zip.XML_LEVEL)


def _with_members(out, members) -> None:
    with zipfile.ZipFile(out, "w") as archive:
        written = pptx_zip.Members(archive)
        for name, content, stored in members:
            if isinstance(content, Path):
                written.copy(name, content)
            else:
                written.write(name, content, stored)


class _Unseekable(io.RawIOBase):
    """A pipe-like output: no seek, no tell."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        self.data += b
        return len(b)


def test_members_are_the_bytes_zipfile_writes(tmp_path):
    members = _members(tmp_path)
    expected, ours = io.BytesIO(), io.BytesIO()
    _with_zipfile(expected, members)
    _with_members(ours, members)
    assert ours.getvalue() == expected.getvalue()
    with zipfile.ZipFile(ours) as z:
        assert z.testzip() is None   # every CRC checks
        assert [i.compress_type for i in z.infolist()] == [
            zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED for _, _, stored in members]


def test_members_into_a_file_after_other_bytes_are_the_same(tmp_path):
    # The archive starts where the file's position is, as zipfile's does.
    members = _members(tmp_path)
    for path, write in ((tmp_path / "a.zip", _with_zipfile), (tmp_path / "b.zip", _with_members)):
        with open(path, "wb") as f:
            f.write(b"prefix")
            write(f, members)
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


def test_an_output_that_cannot_seek_gets_zipfile_own_members(tmp_path):
    members = _members(tmp_path)
    expected, ours = _Unseekable(), _Unseekable()
    _with_zipfile(expected, members)
    _with_members(ours, members)
    assert bytes(ours.data) == bytes(expected.data)
    with zipfile.ZipFile(io.BytesIO(bytes(ours.data))) as z:
        assert z.infolist()[1].flag_bits & 0x08   # data descriptors: zipfile wrote them
        assert z.testzip() is None


@pytest.mark.parametrize("limit", ["one read", "zip64"])
def test_big_members_are_written_as_zipfile_writes_them(tmp_path, monkeypatch, limit):
    # A file bigger than one read is streamed; one big enough for ZIP64 (zipfile decides
    # from the size alone, and writes ZIP64 headers with its limit lowered) is left to
    # zipfile. Either way, the same bytes.
    owner, name = {"one read": (pptx_zip, "ONE_READ"), "zip64": (zipfile, "ZIP64_LIMIT")}[limit]
    monkeypatch.setattr(owner, name, {"one read": 1000, "zip64": 4000}[limit])
    members = _members(tmp_path)
    expected, ours = io.BytesIO(), io.BytesIO()
    _with_zipfile(expected, members)
    _with_members(ours, members)
    assert ours.getvalue() == expected.getvalue()


def test_the_crc_is_zlib_crc32():
    data = random.Random(3).randbytes(100_000)
    assert pptx_zip.crc32(data) == zlib.crc32(data)
    assert pptx_zip.crc32(data[:10]) == zlib.crc32(data[:10])


def test_the_zipfile_steps_repeated_are_zipfile_ones():
    # Members._put repeats what zipfile's write handle does for a seekable output.
    opened = inspect.getsource(zipfile.ZipFile._open_to_write)
    for step in ("self.fp.seek(self.start_dir)", "zinfo.header_offset = self.fp.tell()",
                 "zinfo.flag_bits = 0x00", "self.fp.write(zinfo.FileHeader(zip64))",
                 "zip64 = force_zip64 or (zinfo.file_size * 1.05 > ZIP64_LIMIT)",
                 "if not self._seekable:"):
        assert step in opened
    closed = inspect.getsource(zipfile._ZipWriteFile.close)
    for step in ("self._zipfile.start_dir = self._fileobj.tell()",
                 "self._fileobj.write(self._zinfo.FileHeader(self._zip64))",
                 "self._zipfile.filelist.append(self._zinfo)",
                 "self._zipfile.NameToInfo[self._zinfo.filename] = self._zinfo"):
        assert step in closed
    compressor = inspect.getsource(zipfile._get_compressor)
    assert "zlib.compressobj(compresslevel, zlib.DEFLATED, -15)" in compressor


# ---------------------------------------------------------------- relationship parts


def test_relative_targets_are_python_pptx_ones():
    relative = pptx_zip.RelativeRefs()
    names = ["/ppt/slides/slide1.xml", "/ppt/slideLayouts/slideLayout2.xml",
             "/ppt/media/image3.png", "/ppt/presentation.xml", "/docProps/core.xml",
             "/top.xml", "/ppt/slides/sub/deeper.xml"]
    bases = ["/", "/ppt", "/ppt/slides", "/ppt/slides/sub", "/docProps", "/ppt/media/x"]
    for _ in range(2):   # the second time from what it remembers
        for name in names:
            for base in bases:
                assert relative(name, base) == PackURI(name).relative_ref(base), (name, base)


def test_relationship_parts_are_written_as_python_pptx_writes_them():
    rels = _Relationships("/ppt/slides")
    for url in ("https://e.org/?a=1&b=<2>\"'", "mailto:x@y.z?subject=h\u00e9 llo\n\t",
                "https://\u4f8b\u3048.jp/\u30d1\u30b9", "https://plain.example/a'b"):
        rels._add_relationship(RT.HYPERLINK, url, is_external=True)
    prs = Presentation()
    rels._add_relationship(RT.SLIDE_LAYOUT, prs.slide_layouts[0].part)
    rels.pop("rId2")                                  # a gap, and rId10 after rId9
    for n in range(8):
        rels._add_relationship(RT.IMAGE, prs.slide_master.part)
    relative = pptx_zip.RelativeRefs()
    assert pptx_zip.rels_xml(rels, "/ppt/slides", relative) == rels.xml
    for plain in (["rId4"], ["rId1", "rId3"]):         # lxml's escapes: the other path
        some = _Relationships("/ppt/slides")
        for rid in plain:
            rel = rels[rid]
            some._add_relationship(rel.reltype, rel.target_ref, is_external=True)
        some._add_relationship(RT.SLIDE_LAYOUT, prs.slide_layouts[1].part)
        assert pptx_zip.rels_xml(some, "/ppt/slides", relative) == some.xml
    empty = _Relationships("/ppt")
    assert pptx_zip.rels_xml(empty, "/ppt", relative) == empty.xml


def test_a_value_lxml_refuses_is_refused():
    rels = _Relationships("/ppt/slides")
    rels._add_relationship(RT.HYPERLINK, "https://e.org/\x01", is_external=True)
    with pytest.raises(ValueError):
        rels.xml
    with pytest.raises(ValueError):
        pptx_zip.rels_xml(rels, "/ppt/slides", pptx_zip.RelativeRefs())


def test_every_part_of_a_built_deck_has_python_pptx_rels(tmp_path):
    prs = Presentation()
    picture = draw(tmp_path / "p.png", (60, 40))
    for n in range(3):
        slide = prs.slides.add_slide(prs.slide_layouts[n])
        slide.shapes.add_picture(str(picture), 0, 0).click_action.hyperlink.address = \
            f"https://example.org/{n}?q=1&r=2"
        slide.notes_slide.notes_text_frame.text = "notes"
    parts = [p for p in prs.part.package.iter_parts() if p._rels]
    assert len(parts) > 10
    relative = pptx_zip.RelativeRefs()
    assert all(pptx_zip.rels_xml(p.rels, p.partname.baseURI, relative) == p.rels.xml
               for p in parts)


# ---------------------------------------------------------------- deflated by the last build


def _xml(n: int) -> bytes:
    return (b"<?xml version='1.0'?><p:sld>" + b"<a:t>slide %d</a:t>" % n * (n + 1)
            + b"</p:sld>")


def test_a_member_deflated_before_is_the_same_bytes_as_deflated_now(tmp_path, monkeypatch):
    path = tmp_path / "deflated.bin"
    first = pptx_zip.Deflated(path)
    assert [first(_xml(n)) for n in range(20)] == [pptx_zip._deflate(_xml(n)) for n in range(20)]
    first.save()
    again = pptx_zip.Deflated(path)
    assert len(again._known) == 20
    calls = []
    real = pptx_zip._deflate
    monkeypatch.setattr(pptx_zip, "_deflate", lambda data: calls.append(data) or real(data))
    assert [again(_xml(n)) for n in range(25)] == [real(_xml(n)) for n in range(25)]
    assert calls == [_xml(n) for n in range(20, 25)]   # only the new ones deflated
    assert again(b"") == real(b"") and again(_xml(3)) == real(_xml(3))


def test_the_file_keeps_only_what_the_last_build_deflated(tmp_path):
    path = tmp_path / "deflated.bin"
    memo = pptx_zip.Deflated(path)
    [memo(_xml(n)) for n in range(10)]
    memo.save()
    memo = pptx_zip.Deflated(path)
    [memo(_xml(n)) for n in range(5, 12)]
    memo.save()
    assert set(pptx_zip.Deflated(path)._known.values()) == {
        pptx_zip._deflate(_xml(n)) for n in range(5, 12)}
    written = path.stat().st_mtime_ns
    memo = pptx_zip.Deflated(path)
    [memo(_xml(n)) for n in range(5, 12)]
    memo.save()                               # the same members: not written again
    assert path.stat().st_mtime_ns == written


@pytest.mark.parametrize("damage", ["flip", "truncate", "other-zlib", "garbage", "missing"])
def test_a_damaged_or_foreign_file_is_not_used(tmp_path, damage):
    path = tmp_path / "deflated.bin"
    memo = pptx_zip.Deflated(path)
    [memo(_xml(n)) for n in range(10)]
    memo.save()
    data = path.read_bytes()
    if damage == "flip":          # one byte of a deflated member: the checksum tells
        data = data[:-5] + bytes([data[-5] ^ 1]) + data[-4:]
    elif damage == "truncate":
        data = data[:len(data) // 2]
    elif damage == "other-zlib":  # checksum right, made by another zlib
        data = data.replace(zlib.ZLIB_RUNTIME_VERSION.encode(), b"9.9.9", 1)
    elif damage == "garbage":
        data = random.Random(1).randbytes(400)
    if damage == "missing":
        path.unlink()
    else:
        path.write_bytes(data)
    again = pptx_zip.Deflated(path)
    assert again._known == {}
    assert [again(_xml(n)) for n in range(10)] == [pptx_zip._deflate(_xml(n)) for n in range(10)]
    again.save()                  # written again, whole
    assert len(pptx_zip.Deflated(path)._known) == 10


def test_bytes_of_the_same_size_are_told_apart(tmp_path):
    memo = pptx_zip.Deflated(tmp_path / "deflated.bin")
    a, b = b"<a>" + b"x" * 100 + b"</a>", b"<a>" + b"y" * 100 + b"</a>"
    assert memo(a) == pptx_zip._deflate(a) and memo(b) == pptx_zip._deflate(b)
    memo.save()
    again = pptx_zip.Deflated(tmp_path / "deflated.bin")
    assert zlib.decompress(again(b), -15) == b and zlib.decompress(again(a), -15) == a


def test_a_file_that_cannot_be_written_is_skipped(tmp_path):
    (tmp_path / "blocked").write_text("a file where the folder would be")
    memo = pptx_zip.Deflated(tmp_path / "blocked" / "deflated.bin")
    assert memo(_xml(1)) == pptx_zip._deflate(_xml(1))
    memo.save()
    assert memo._known == {}


# ---------------------------------------------------------------- content types


def _python_pptx_content_types(parts) -> bytes:
    return serialize_part_xml(_ContentTypesItem.xml_for(parts))


def test_content_types_are_written_as_python_pptx_writes_them(tmp_path):
    steps = inspect.getsource(_ContentTypesItem._xml.__wrapped__)
    for step in ("defaults, overrides = self._defaults_and_overrides",
                 "for ext, content_type in sorted(defaults.items()):",
                 "_types_elm.add_default(ext, content_type)",
                 "for partname, content_type in sorted(overrides.items()):",
                 "_types_elm.add_override(partname, content_type)"):
        assert step in steps
    prs = Presentation()
    picture = draw(tmp_path / "p.png", (60, 40))
    for n in range(12):
        slide = prs.slides.add_slide(prs.slide_layouts[n % 6])
        slide.shapes.add_picture(str(picture), 0, 0)
        slide.notes_slide.notes_text_frame.text = "notes"
    parts = list(prs.part.package.iter_parts())
    assert pptx_zip.content_types_xml(parts) == _python_pptx_content_types(parts)
    assert pptx_zip.content_types_xml([]) == _python_pptx_content_types([])


def test_a_part_name_lxml_would_escape_is_left_to_it():
    prs = Presentation()
    parts = list(prs.part.package.iter_parts())
    odd = Part(PackURI("/ppt/a&b<c>.xml"), "application/x-odd\"type", prs.part.package)
    assert pptx_zip.content_types_xml(parts + [odd]) == _python_pptx_content_types(
        parts + [odd])
    assert b"a&amp;b&lt;c&gt;" in pptx_zip.content_types_xml(parts + [odd])


LONG_AGO = 1_600_000_000 * 10**9   # an mtime well past the "racy" window


def _settled(members):
    for _, content, _ in members:
        if isinstance(content, Path):
            os.utime(content, ns=(LONG_AGO, LONG_AGO))
    return members


def _into_file(path: Path, members, crcs: pptx_zip.Crcs) -> bytes:
    with open(path, "wb") as f, zipfile.ZipFile(f, "w") as archive:
        written = pptx_zip.Members(archive, crcs=crcs)
        for name, content, stored in members:
            if isinstance(content, Path):
                written.copy(name, content)
            else:
                written.write(name, content, stored)
    crcs.save()
    return path.read_bytes()


def _spy_copies(monkeypatch) -> list[int]:
    sizes: list[int] = []
    real = pptx_zip.copy_range
    monkeypatch.setattr(pptx_zip, "copy_range",
                        lambda source, target, size, at: sizes.append(size)
                        or real(source, target, size, at))
    return sizes


@pytest.mark.parametrize("kernel", ["copy_file_range", "none", "across file systems"])
def test_a_picture_whose_crc_was_kept_is_copied_unread_into_the_same_bytes(
        tmp_path, monkeypatch, kernel):
    members = _settled(_members(tmp_path))
    expected = io.BytesIO()
    _with_zipfile(expected, members)
    memo = tmp_path / "crc32.json"
    assert _into_file(tmp_path / "1.zip", members, pptx_zip.Crcs(memo)) == expected.getvalue()
    if kernel == "none":
        monkeypatch.delattr(os, "copy_file_range", raising=False)
    elif kernel == "across file systems":
        def exdev(*args):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        monkeypatch.setattr(os, "copy_file_range", exdev, raising=False)
    copied = _spy_copies(monkeypatch)
    assert _into_file(tmp_path / "2.zip", members, pptx_zip.Crcs(memo)) == expected.getvalue()
    files = [c.stat().st_size for _, c, _ in members if isinstance(c, Path)]
    assert sorted(copied) == sorted(files)   # none of them read for its CRC
    with zipfile.ZipFile(tmp_path / "2.zip") as z:
        assert z.testzip() is None


@pytest.mark.parametrize("change", ["picture touched", "file damaged", "picture too fresh"])
def test_a_crc_is_taken_only_for_the_file_it_was_kept_for(tmp_path, monkeypatch, change):
    members = _members(tmp_path)
    if change != "picture too fresh":
        _settled(members)
    expected = io.BytesIO()
    _with_zipfile(expected, members)
    memo = tmp_path / "crc32.json"
    _into_file(tmp_path / "1.zip", members, pptx_zip.Crcs(memo))
    picture = next(c for _, c, _ in members if isinstance(c, Path))
    if change == "picture touched":
        os.utime(picture, ns=(LONG_AGO + 10**9, LONG_AGO + 10**9))
    elif change == "file damaged":
        kept = memo.read_bytes()   # one bit of the last CRC flipped
        memo.write_bytes(kept[:-2] + bytes([kept[-2] ^ 1]) + kept[-1:])
    copied = _spy_copies(monkeypatch)
    assert _into_file(tmp_path / "2.zip", members, pptx_zip.Crcs(memo)) == expected.getvalue()
    kept = len([c for _, c, _ in members if isinstance(c, Path)])
    assert len(copied) == {"picture touched": kept - 1, "file damaged": 0,
                           "picture too fresh": 0}[change]
