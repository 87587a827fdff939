"""Dates from screenshot file names and from front matter: parsed, validated, never guessed.

File-name dates are local wall-clock time with no zone (the tools that write these
names use the machine's clock), so they are naive `datetime`s. Only patterns that
carry an unambiguous date are read; counters (`Pasted image 13.png`) and bare epoch
numbers (`1555399334192.png`) are not dates.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Callable, Mapping

_YEARS = range(1990, 2101)   # a screenshot outside this window is a misread, not a date
_EXT = r"\.[A-Za-z0-9]+"
# Obsidian and most tools append " 1", " (1)" or "-1" when the name is taken.
_DUP = r"(?: \d+| ?\(\d+\))?"
_YMD = r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})"
_YMD8 = r"(?P<y>\d{4})(?P<mo>\d{2})(?P<d>\d{2})"
_HMS6 = r"(?P<h>\d{2})(?P<mi>\d{2})(?P<s>\d{2})"


def _c(pattern: str) -> tuple[str, int]:
    return pattern, re.IGNORECASE


# ((pattern, flags), has_time) in the order of obsidian-format.md §9; the first match
# decides. Compiled on first use (`re` keeps them): a vault of Obsidian pastes needs only
# the first, and compiling all of them is a tenth of the start-up of a rebuild's check.
_PATTERNS: tuple[tuple[tuple[str, int], bool], ...] = (
    # 1. Obsidian paste: "Pasted image 20240415155715.png", "… 20240415155715 1.png"
    (_c(rf"^Pasted image {_YMD8}{_HMS6}{_DUP}{_EXT}$"), True),
    # 3. Obsidian audio recorder: "Recording 20211016181221.webm"
    (_c(rf"^Recording {_YMD8}{_HMS6}{_DUP}{_EXT}$"), True),
    # 4. Excalidraw: "Drawing 2025-05-26 09.22.05.excalidraw.svg"
    (_c(rf"^.+? {_YMD} (?P<h>\d{{2}})\.(?P<mi>\d{{2}})\.(?P<s>\d{{2}})\.excalidraw(?:{_EXT})?$"),
     True),
    # 5. macOS: "Screenshot 2024-04-20 at 10.21.39 PM.png", "Screen Shot … at 5.48.09 pm.png"
    (_c(rf"^Screen ?shot {_YMD} at (?P<h>\d{{1,2}})\.(?P<mi>\d{{2}})\.(?P<s>\d{{2}})"
        rf"(?:[ \u202f\u00a0]?(?P<ampm>[ap]m))?{_DUP}{_EXT}$"), True),
    # 6. CleanShot X: "CleanShot 2024-05-16 at 01.07.06@2x.png"
    (_c(rf"^CleanShot {_YMD} at (?P<h>\d{{2}})\.(?P<mi>\d{{2}})\.(?P<s>\d{{2}})(?:@\dx)?"
        rf"{_DUP}{_EXT}$"), True),
    # 13. GNOME: "Screenshot from 2017-02-01 11-32-30.png"
    (_c(rf"^Screenshot from {_YMD} (?P<h>\d{{2}})-(?P<mi>\d{{2}})-(?P<s>\d{{2}}){_DUP}{_EXT}$"),
     True),
    # 7. Windows Snipping Tool (any language): "스크린샷 2024-11-01 093313.jpg"
    (_c(rf"^\S+ {_YMD} {_HMS6}{_DUP}{_EXT}$"), True),
    # 8. Typora: "image-20200528000315118.png" (milliseconds dropped)
    (_c(rf"^image-{_YMD8}{_HMS6}\d{{3}}{_DUP}{_EXT}$"), True),
    # 9. Android camera / Pixel: "IMG_20240102_101112.jpg", "PXL_20240102_101112345.jpg"
    (_c(rf"^(?:IMG|VID|PXL)_{_YMD8}_{_HMS6}"), True),
    # 10. Android screenshot: "Screenshot_20181227-152914.jpg"
    (_c(rf"^Screenshot_{_YMD8}-{_HMS6}"), True),
    # 11. WhatsApp: "IMG-20190330-WA0002.jpg" carries a day only
    (_c(rf"^(?:IMG|VID)-{_YMD8}-WA\d+"), False),
    # 12. Signal: "signal-2018-08-21-100217.jpg"
    (_c(rf"^signal-{_YMD}-{_HMS6}"), True),
    # Generic: a full, separated-or-not date and time, e.g. "export 2024-01-02_10-11-12.png"
    ((r"(?<!\d)(?P<y>(?:19|20)\d{2})[-_.]?(?P<mo>\d{2})[-_.]?(?P<d>\d{2})[ _T-]?"
      r"(?P<h>\d{2})[-.:]?(?P<mi>\d{2})[-.:]?(?P<s>\d{2})(?!\d)", 0), True),
)


def _build(m: re.Match[str], has_time: bool) -> date | datetime | None:
    g = m.groupdict()
    try:
        y, mo, d = int(g["y"]), int(g["mo"]), int(g["d"])
        if y not in _YEARS:
            return None
        if not has_time:
            return date(y, mo, d)
        h = int(g["h"])
        ampm = (g.get("ampm") or "").lower()
        if ampm:
            if not 1 <= h <= 12:
                return None
            h = h % 12 + (12 if ampm == "pm" else 0)   # 12 AM is 00, 12 PM is 12
        return datetime(y, mo, d, h, int(g["mi"]), int(g["s"]))
    except ValueError:   # month 13, 30 February, hour 25: not a date
        return None


def from_filename(name: str) -> date | datetime | None:
    """Return the local date-time written in a screenshot's file name, or None."""
    for (pattern, flags), has_time in _PATTERNS:
        m = re.search(pattern, name, flags)
        if m:
            return _build(m, has_time)
    return None


_KEYS = ("created", "date created", "creation date", "date")
_SEP = re.compile(r"[\s_-]+")


def _key(k: object) -> str:
    return _SEP.sub(" ", str(k)).strip().lower()


def _parse_value(value: Any) -> date | datetime | None:
    if isinstance(value, (date, datetime)):   # YAML already typed it as written
        return value
    if not isinstance(value, str):
        return None
    try:
        return parse_iso(value)
    except ValueError:
        return None


# The form people type: one-digit month, day and hour too, and `t` or a space before the time.
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt ](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
# The other ISO 8601 shapes, checked by fromisoformat: basic or extended date, week date,
# fractions, zones. (fromisoformat alone takes any character between date and time,
# "2024-02-2930004" is 29 February, 00:04, which is no date anyone wrote.)
_ISO_OTHER = re.compile(r"\d{4}(?:-?\d{2}-?\d{2}|-?W\d{2}(?:-?\d)?)"
                        r"(?:[Tt ]\d{2}(?::?\d{2}(?::?\d{2}(?:[.,]\d{1,9})?)?)?"
                        r"(?:[Zz]|[+-]\d{2}(?::?\d{2}(?::?\d{2}(?:\.\d{1,6})?)?)?)?)?",
                        re.ASCII)
_ISO_PARSERS: tuple[Callable[[str], date | datetime], ...] = (date.fromisoformat,
                                                               datetime.fromisoformat)


def parse_iso(text: str, zones: bool = True) -> date | datetime:
    """Return the day (`date`) or date-time (`datetime`) an ISO 8601 text writes.

    Read, blanks around ignored: `YYYY-MM-DD`, then optionally `T`, `t` or a space and
    `HH:MM[:SS]` (month, day and hour may have one digit), and the other ISO 8601 forms
    Python's `fromisoformat` reads (`20240102`, `2024-W01-2`, `2024-01-02T10:11:12.5`,
    a `Z` or `+02:00` zone, ...), with `T`, `t` or a space before the time. With
    `zones=False` a date-time with a time zone is refused: naive local time only.
    Raises ValueError: "month must be in 1..12" and the like for an impossible date,
    "expected YYYY-MM-DD ..." for text that is none.
    """
    stripped = text.strip()
    m = _ISO.fullmatch(stripped)
    if m:
        y, mo, d, h, mi, s = m.groups()
        if h is None:
            return date(int(y), int(mo), int(d))
        return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0))
    for parse in _ISO_PARSERS if _ISO_OTHER.fullmatch(stripped) else ():
        try:
            value = parse(stripped)
        except ValueError:
            continue
        if zones or not isinstance(value, datetime) or value.tzinfo is None:
            return value
        break
    raise ValueError(f"expected YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS], not {stripped!r}")


def from_front_matter(meta: Mapping[Any, Any]) -> tuple[date | datetime | None, str | None]:
    """Return the first front-matter creation date, and the key of an unreadable one."""
    found = {_key(k): (k, v) for k, v in meta.items()}
    bad = None
    for key in _KEYS:
        if key not in found:
            continue
        raw_key, value = found[key]
        parsed = _parse_value(value)
        if parsed is not None:
            return parsed, bad
        if value not in (None, "") and bad is None:
            bad = str(raw_key)
    return None, bad
