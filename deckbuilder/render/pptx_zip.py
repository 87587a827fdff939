"""The zip members of a .pptx, written straight into the archive as zipfile writes them.

zipfile writes a member through a write handle: a header with no CRC, the data, then a
seek back to write the header again, CRC-32 from the standard zlib, chunks through
Python (~0.13 ms a member, ~0.5 ms a stored screenshot; a deck of 200 slides has ~1,000
members). Here the data is compressed (or read) first, so its CRC and sizes are known,
and the final header and the data are written once, then listed in the archive as
zipfile lists them, which writes the central directory on close: the same bytes.
Anything this does not cover (a stream that cannot seek, a member big enough for
ZIP64, a file bigger than one read) goes through zipfile itself.

XML is deflated once: a rebuild takes what the last build deflated for the same bytes
(`Deflated`). A picture whose CRC-32 the last build kept (`Crcs`, by the file's size,
time and inode) is not read at all: the kernel copies it into the archive
(`copy_file_range`). Relationship parts and the content types are written as
python-pptx writes them (`rels_xml`, `content_types_xml`), without an lxml tree for each.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import posixpath
import re
import shutil
import time
import zipfile
import zlib
from pathlib import Path
from typing import IO, Sequence

from lxml import etree
from pptx.opc.constants import RELATIONSHIP_TARGET_MODE as RTM
from pptx.opc.oxml import nsmap, serialize_part_xml
from pptx.opc.package import Part, _Relationships
from pptx.opc.serialized import _ContentTypesItem

from deckbuilder.cache import RACY_NS, used
from deckbuilder.fsutil import cache_write, reproducible_info

try:   # the same CRC-32 as zlib's, 2x faster over the pictures
    from zlib_ng.zlib_ng import crc32
except ImportError:  # pragma: no cover - a platform without zlib-ng's wheels
    from zlib import crc32

XML_LEVEL = 6       # zlib's default, what python-pptx (and so every earlier deck) used
# What a file of deflated members (`Deflated`) was made with: another zlib may deflate
# the same bytes differently.
_DEFLATED_HEAD = f"deckbuilder deflated 1 zlib {zlib.ZLIB_RUNTIME_VERSION} level {XML_LEVEL}\n" \
    .encode("ascii")
_CRCS_HEAD = b"deckbuilder picture crc32 1\n"
ONE_READ = 16 << 20  # a stored file up to this size is read whole; bigger ones stream
_PR = nsmap["pr"]   # the namespace of .rels parts
_RELS_HEAD = ("<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
              f'<Relationships xmlns="{_PR}"')
_TYPES_HEAD = ("<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
               f'<Types xmlns="{nsmap["ct"]}"')
# What lxml escapes in an attribute, or refuses: a value with any of it is written by lxml.
_NOT_PLAIN = re.compile('[&<>"\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]')


class Members:
    """The members of one zip archive opened for writing, in the order they are added."""

    def __init__(self, archive: zipfile.ZipFile, deflated: Deflated | None = None,
                 crcs: Crcs | None = None) -> None:
        self._archive = archive
        # else zipfile writes data descriptors (a private flag: not in typeshed)
        self._direct = archive._seekable  # type: ignore[attr-defined]
        self._deflate = deflated or _deflate
        self._crcs = crcs or Crcs(None)

    def write(self, name: str, blob: bytes, stored: bool) -> None:
        """Add one member from bytes, deflated at XML_LEVEL unless `stored`."""
        info = reproducible_info(name, unix=False, stored=stored)
        if not self._direct or _zip64(len(blob)):
            self._archive.writestr(info, blob, compresslevel=XML_LEVEL)
            return
        data = blob if stored else self._deflate(blob)
        self._put(info, crc32(blob), len(blob), data)

    def copy(self, name: str, path: Path) -> None:
        """Add one member from a file, stored (read once; a big one a chunk at a time;
        one whose CRC is known not read at all)."""
        info = reproducible_info(name, unix=False, stored=True)
        with path.open("rb", buffering=0) as source:
            st = os.fstat(source.fileno())
            crc = self._crcs.get(str(path), st) if self._direct else None
            if crc is not None and not _zip64(st.st_size) and \
                    self._copied(info, crc, st.st_size, source.fileno()):
                return
            if not self._direct or st.st_size > ONE_READ or _zip64(st.st_size):
                self._stream(info, source, st.st_size)
                return
            data = source.read()
        crc = crc32(data)
        self._crcs.add(str(path), st, crc, len(data))
        self._put(info, crc, len(data), data)

    def _stream(self, info: zipfile.ZipInfo, source: IO[bytes], size: int) -> None:
        """Add a stored member through zipfile's write handle, a chunk at a time."""
        info.file_size = size   # as writestr sets it: the same header
        with self._archive.open(info, "w") as dest:
            shutil.copyfileobj(source, dest, 1 << 20)

    def _copied(self, info: zipfile.ZipInfo, crc: int, size: int, source: int) -> bool:
        """Write a stored member's header, then have the kernel copy its `size` bytes from
        the file `source` after it; False (nothing written) when the archive is no file."""
        fp = self._archive.fp
        try:
            target = fp.fileno()  # type: ignore[union-attr]
        except (AttributeError, OSError, ValueError):   # io.BytesIO: UnsupportedOperation
            return False
        self._header(info, crc, size, size)
        fp.flush()  # type: ignore[union-attr]
        at = fp.tell()  # type: ignore[union-attr]
        copy_range(source, target, size, at)
        fp.seek(at + size)  # type: ignore[union-attr]   # the buffered file's offset, too
        self._archive.start_dir += size
        return True

    def _put(self, info: zipfile.ZipInfo, crc: int, size: int, data: bytes) -> None:
        """Write the member's final header and its data where zipfile would write them,
        and list it as zipfile's write handle lists it when closed."""
        self._header(info, crc, size, len(data))
        assert self._archive.fp is not None   # open for writing
        self._archive.fp.write(data)
        self._archive.start_dir += len(data)

    def _header(self, info: zipfile.ZipInfo, crc: int, size: int, compressed: int) -> None:
        """Write the header of a member whose `compressed` bytes come next, and list it."""
        archive = self._archive
        info.flag_bits = 0
        info.CRC, info.file_size, info.compress_size = crc, size, compressed
        info.header_offset = archive.start_dir
        header = info.FileHeader(False)
        assert archive.fp is not None   # open for writing
        archive.fp.write(header)
        archive.start_dir += len(header)
        archive.filelist.append(info)
        archive.NameToInfo[info.filename] = info


def copy_range(source: int, target: int, size: int, at: int) -> None:
    """Copy the first `size` bytes of the file `source` to `target` at offset `at`: in
    the kernel (copy_file_range), else through this process; raise OSError if `source`
    is shorter."""
    done = 0
    kernel = getattr(os, "copy_file_range", None)   # Linux; elsewhere a plain copy
    try:
        while kernel is not None and done < size:
            n = kernel(source, target, size - done, done, at + done)
            if n == 0:
                break
            done += n
    except OSError as e:   # across file systems, or not supported by this one
        if e.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP,
                           errno.EBADF):
            raise
    while done < size:
        chunk = os.pread(source, min(1 << 20, size - done), done)
        if not chunk:
            raise OSError(errno.EIO, "a picture file shrank while the deck was written")
        done += os.pwrite(target, chunk, at + done)


def _zip64(size: int) -> bool:
    return size * 1.05 > zipfile.ZIP64_LIMIT   # zipfile's test for a member's header


def _deflate(data: bytes) -> bytes:
    """Return `data` deflated as zipfile deflates a member: raw deflate, one write."""
    compressor = zlib.compressobj(XML_LEVEL, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


class Deflated:
    """The XML members of the last build deflated, by content, kept in the file `path`
    (None: nowhere).

    A rebuild writes mostly the same XML again (the slides placed from the slide cache,
    their relationships, masters, layouts), and deflating ~1,000 small members is most
    of the zip's own work (~45 ms at 200 slides; zlib sets up ~256 KB for each). An
    entry is the deflate of the bytes whose digest it is filed under, made by this zlib
    at this level; a file that does not match its checksum, or was made by another
    zlib or level, is not used. The file keeps only what the last build wrote.
    """

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._known = _read_deflated(path) if path is not None else {}
        self._used: dict[bytes, bytes] = {}

    def __call__(self, data: bytes) -> bytes:
        """Return `data` deflated as `_deflate` deflates it."""
        digest = hashlib.blake2b(data, digest_size=16).digest() + len(data).to_bytes(8, "little")
        found = self._used.get(digest)
        if found is None:
            found = self._known.get(digest)
        if found is None:
            found = _deflate(data)
        self._used[digest] = found
        return found

    def save(self) -> None:
        """Keep what this build deflated, if it differs; a file that cannot be written
        only makes the next build deflate again."""
        if self._path is None or self._used.keys() == self._known.keys():
            return
        _keep(self._path, _DEFLATED_HEAD,
              b"".join(d + len(z).to_bytes(4, "little") + z for d, z in self._used.items()))


def _keep(path: Path, head: bytes, body: bytes) -> None:
    """Write a memo file: `head` (its form), the checksum of `body`, then `body`; a file
    that cannot be written is skipped (the next build does the work again)."""
    try:   # one rename, as a slide cache entry is written (its tmp folder)
        cache_write(path, head + hashlib.sha256(body).digest() + body, path.parent / "tmp")
    except OSError:
        pass


def _kept(path: Path, head: bytes) -> memoryview | None:
    """Return the body of the memo file `path` (`_keep`): None when it is missing, of
    another form or damaged."""
    try:
        with open(path, "rb") as f:
            used(f.fileno())   # its last use, for pruning
            data = f.read()
    except OSError:
        return None
    checksum, body = data[len(head):][:32], memoryview(data)[len(head) + 32:]
    if data[:len(head)] != head or hashlib.sha256(body).digest() != checksum:
        return None
    return body


def _read_deflated(path: Path) -> dict[bytes, bytes]:
    """Return the entries kept in `path`: none when it is missing, damaged or another
    zlib's."""
    body = _kept(path, _DEFLATED_HEAD)
    if body is None:
        return {}
    entries, at = {}, 0
    while at < len(body):
        digest, size = bytes(body[at:at + 24]), int.from_bytes(body[at + 24:at + 28], "little")
        entries[digest] = bytes(body[at + 28:at + 28 + size])
        at += 28 + size
    return entries


class Crcs:
    """The CRC-32 of the picture files the last build stored, by path, each with the
    file's size, mtime and inode then, kept in the file `path` (None: nowhere).

    The pictures are the image cache's files, which are replaced, never written in
    place (a new inode); a file whose time is less than RACY_NS older than the moment it
    was read may still change within its timestamp, so its CRC is not kept (as the image
    index decides). The file keeps only what the last build stored."""

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._known = _read_crcs(path) if path is not None else {}
        self._used: dict[str, list[int]] = {}

    def get(self, name: str, st: os.stat_result) -> int | None:
        """Return the CRC of the file `name` if it is the one the last build stored."""
        found = self._known.get(name)
        if found is None or found[:3] != [st.st_size, st.st_mtime_ns, st.st_ino]:
            return None
        self._used[name] = found
        return found[3]

    def add(self, name: str, st: os.stat_result, crc: int, size: int) -> None:
        """Keep the CRC of the file `name`, read whole (`size` bytes), if it is settled."""
        if size == st.st_size and st.st_mtime_ns + RACY_NS < time.time_ns():
            self._used[name] = [st.st_size, st.st_mtime_ns, st.st_ino, crc]

    def save(self) -> None:
        """Keep what this build stored, if it differs; a file that cannot be written
        only makes the next build read the pictures again."""
        if self._path is None or self._used == self._known:
            return
        # Checksummed: a CRC taken on trust must be the one that was kept.
        _keep(self._path, _CRCS_HEAD, json.dumps(self._used, separators=(",", ":")).encode())


def _read_crcs(path: Path) -> dict[str, list[int]]:
    """Return the entries kept in `path`: none when it is missing or damaged."""
    body = _kept(path, _CRCS_HEAD)
    try:
        files = json.loads(bytes(body)) if body is not None else {}
        return {str(k): v for k, v in files.items()
                if isinstance(v, list) and len(v) == 4 and all(type(x) is int for x in v)}
    except (ValueError, TypeError, AttributeError):
        return {}


class RelativeRefs:
    """Relationship targets relative to their source's folder, as python-pptx makes them
    (`PackURI.relative_ref`), with the path arithmetic done once per pair of folders."""

    def __init__(self) -> None:
        self._folders: dict[tuple[str, str], str] = {}

    def __call__(self, partname: str, base_uri: str) -> str:
        if base_uri == "/":
            return partname[1:]
        folder, _, name = partname.rpartition("/")
        prefix = self._folders.get((folder, base_uri))
        if prefix is None:
            prefix = self._folders[(folder, base_uri)] = \
                posixpath.relpath(folder or "/", base_uri)
        return name if prefix == "." else f"{prefix}/{name}"


def rels_xml(rels: _Relationships, base_uri: str, relative: RelativeRefs) -> bytes:
    """Return `rels.xml` for a part in `base_uri`, the same bytes: python-pptx parses a
    string and sets each attribute through descriptors for every relationship, and a
    package of n slides has about 2n relationship parts. Values lxml would escape or
    refuse are left to lxml."""
    rows = []
    for _, rid in sorted((int(rid[3:]) if rid.startswith("rId") and rid[3:].isdigit() else 0,
                          rid) for rid in rels.keys()):   # numerical order, as python-pptx
        rel = rels[rid]
        target = rel.target_ref if rel.is_external else \
            relative(str(rel.target_partname), base_uri)
        rows.append((rid, rel.reltype, target, rel.is_external))
    if any(_NOT_PLAIN.search(value) for row in rows for value in row[:3]):
        return _lxml_rels(rows)
    body = "".join(f'<Relationship Id="{rid}" Type="{kind}" Target="{target}"'
                   + (f' TargetMode="{RTM.EXTERNAL}"/>' if external else "/>")
                   for rid, kind, target, external in rows)
    return (_RELS_HEAD + (f">{body}</Relationships>" if rows else "/>")).encode("utf-8")


def content_types_xml(parts: Sequence[Part]) -> bytes:
    """Return `[Content_Types].xml` for `parts` as python-pptx writes it: its choice of
    defaults and overrides, formatted here (python-pptx makes an element for each of
    ~2n overrides through its descriptors). Values lxml would escape are left to it."""
    item = _ContentTypesItem(parts)
    defaults, overrides = item._defaults_and_overrides
    rows = [("Default", "Extension", ext, kind) for ext, kind in sorted(defaults.items())]
    rows += [("Override", "PartName", name, kind) for name, kind in sorted(overrides.items())]
    if any(_NOT_PLAIN.search(value) for row in rows for value in row[2:]):
        return serialize_part_xml(item._xml)
    body = "".join(f'<{tag} {attr}="{value}" ContentType="{kind}"/>'
                   for tag, attr, value, kind in rows)
    return (_TYPES_HEAD + (f">{body}</Types>" if rows else "/>")).encode("utf-8")


def _lxml_rels(rows: list[tuple[str, str, str, bool]]) -> bytes:
    root = etree.Element(f"{{{_PR}}}Relationships", nsmap={None: _PR})
    for rid, kind, target, external in rows:
        attrs = {"Id": rid, "Type": kind, "Target": target}
        if external:
            attrs["TargetMode"] = RTM.EXTERNAL
        etree.SubElement(root, f"{{{_PR}}}Relationship", attrs)
    return etree.tostring(root, encoding="UTF-8", standalone=True)
