"""PNG chunks for tests that damage a PNG where only decoding can find it."""

from __future__ import annotations

import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """Return a PNG's chunks as (type, body)."""
    pos, out = len(SIGNATURE), []
    while pos < len(data):
        (size,) = struct.unpack(">I", data[pos:pos + 4])
        out.append((data[pos + 4:pos + 8], data[pos + 8:pos + 8 + size]))
        pos += 12 + size
    return out


def joined(parts: list[tuple[bytes, bytes]]) -> bytes:
    """Return a PNG of these chunks with right CRCs: only decoding finds damage inside."""
    return SIGNATURE + b"".join(
        struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        for kind, body in parts)
