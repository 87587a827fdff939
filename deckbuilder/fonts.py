"""Which shipped face draws each character: the theme's fallback chain, per grapheme.

The planner measures, and the renderers name, the same face for every character: the
body font where it has the glyph, else the first face of the theme's `fonts.fallback`
chain that has it (Noto Sans KR/JP/SC, Arabic, Hebrew, Devanagari, Color Emoji). Text is
cut into grapheme clusters (regex `\\X`: an emoji ZWJ sequence or a letter with its
combining marks is never split between faces) and each cluster goes to one face, as
browsers do. Coverage is each file's cmap (fontTools), read only when a character
outside the body font needs it, so Latin-only decks load nothing more.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

from deckbuilder.model import Face

if TYPE_CHECKING:
    import regex

CLUSTER = r"\X"
# Inside a cluster these need no glyph of their own (the shaper drops or joins them).
_IGNORABLE = frozenset({0x200C, 0x200D, 0xFE0E, 0xFE0F})
_KANA = r"[\p{Hiragana}\p{Katakana}]"
_HANGUL = r"\p{Hangul}"
_HAN = r"\p{Han}"
_WIDE = r"[\p{East_Asian_Width=Wide}\p{East_Asian_Width=Fullwidth}]"
WEIGHTS = {False: "400", True: "700"}


@dataclass(frozen=True)
class Segment:
    """A stretch of text drawn with one face, and the file that has its glyphs."""

    text: str
    face: Face
    path: Path


@lru_cache(maxsize=None)
def pattern(source: str) -> regex.Pattern[str]:
    """Return the `regex` pattern `source`, compiled on first use: the module takes
    ~20 ms to import, and Latin text (a slide number, most captions) never needs it."""
    import regex

    return regex.compile(source)


def chain(body: Face, settings: Mapping[str, Any]) -> tuple[Face, ...]:
    """Return the fallback chain of a theme's `fonts` settings, its body face first."""
    entries = list(settings.get("fallback_first", ())) + list(settings.get("fallback", ()))
    return (body, *(fallback_face(e) for e in entries))


def fallback_face(entry: Mapping[str, Any]) -> Face:
    """Return the Face of one `fonts.fallback` entry (its `files` already resolved)."""
    files = Path(str(entry["files"]))
    if files.suffix:   # one font file, every style
        paths: tuple[str, str, str, str] = (str(files),) * 4
    else:              # a fontsource package: files/<name>-<subset>-<weight>-<style>.woff2
        # Four styles, one each; mypy cannot count a generator's items.
        paths = tuple(  # type: ignore[assignment]
            str(files / "files" / f"{files.name}-{{subset}}-{WEIGHTS[b]}-"
                f"{'italic' if i else 'normal'}.woff2")
            for b, i in ((False, False), (True, False), (False, True), (True, True)))
    return Face(str(entry["family"]), str(entry.get("web_family") or entry["family"]),
                entry.get("slot", "latin"), paths, str(entry.get("lang", "")))


def body_face(family: str, web_family: str, files: Sequence[Path]) -> Face:
    """Return the body face of a theme: its four files, and for fontsource files
    (`<name>-latin-<weight>-<style>.woff2`) the other subsets beside them."""
    paths = []
    for f in files:
        split = "-latin-" in f.name and (_package(f) / "unicode.json").is_file()
        paths.append(str(f.with_name(f.name.replace("-latin-", "-{subset}-", 1))) if split
                     else str(f))
    return Face(family, web_family, "latin", tuple(paths))  # type: ignore[arg-type]


def _package(path: Path) -> Path:
    return path.parent.parent if path.parent.name == "files" else path.parent


@lru_cache(maxsize=64)
def _ranges(package: Path) -> tuple[tuple[int, int, str], ...]:
    """Return (first, last, subset) code point ranges of a fontsource package."""
    try:
        table = json.loads((package / "unicode.json").read_text("utf-8"))
    except (OSError, ValueError):
        return ()
    out = []
    for subset, spec in table.items():
        for part in str(spec).split(","):
            low, _, high = part.strip().upper().removeprefix("U+").partition("-")
            out.append((int(low, 16), int(high or low, 16), subset.strip("[]")))
    return tuple(out)


@lru_cache(maxsize=512)
def cmap(path: Path) -> frozenset[int]:
    """Return the code points a font file has glyphs for (empty if it cannot be read)."""
    from fontTools.ttLib import TTFont, TTLibError

    try:
        with TTFont(str(path), lazy=True, fontNumber=0) as font:
            return frozenset(font.getBestCmap() or ())
    except (OSError, TTLibError, ValueError, KeyError, AssertionError):
        return frozenset()


def _candidates(face: Face, bold: bool, italic: bool) -> list[str]:
    """Return the face's file templates for a style, nearest first (a face without
    bold or italic files is drawn with its regular one, never synthesised)."""
    order = [(bold, italic), (bold, False), (False, italic), (False, False)]
    return list(dict.fromkeys(face.paths[int(b) + 2 * int(i)] for b, i in order))


@lru_cache(maxsize=4096)
def files_for(face: Face, code: int, bold: bool, italic: bool) -> tuple[Path, ...]:
    """Return the files of `face` that have a glyph for `code` in this style, nearest
    style first (a fontsource package's subsets may overlap: an emoji slice holds the
    skin tones and ZWJ pieces its sequences need)."""
    out: list[Path] = []
    for template in _candidates(face, bold, italic):
        if "{subset}" not in template:
            if code in cmap(Path(template)):
                out.append(Path(template))
            continue
        first = Path(template.format(subset="latin"))
        for low, high, subset in _ranges(_package(first)):
            if low <= code <= high:
                path = Path(template.format(subset=subset))
                if path.is_file() and code in cmap(path):
                    out.append(path)
        if out:
            break   # the nearest style that has it; never mix styles in one character
    return tuple(dict.fromkeys(out))


@lru_cache(maxsize=256)
def _main_file(face: Face, bold: bool, italic: bool) -> Path:
    return Path(face.paths[int(bold) + 2 * int(italic)].format(subset="latin"))


@lru_cache(maxsize=256)
def _main_cmap(face: Face, bold: bool, italic: bool) -> frozenset[str]:
    """Return the characters the body face's main file draws (the fast path's test).

    For a fontsource file that is its subset's unicode-range, which is also what decides
    in the browser, and it needs no font parsing: a Latin deck never loads fontTools.
    """
    template = face.paths[int(bold) + 2 * int(italic)]
    if "{subset}" in template:
        spans = [(low, high) for low, high, subset in
                 _ranges(_package(_main_file(face, bold, italic))) if subset == "latin"]
        if spans:
            return frozenset(chr(c) for low, high in spans for c in range(low, high + 1))
    return frozenset(map(chr, cmap(_main_file(face, bold, italic))))


def _cluster_file(faces: Sequence[Face], cluster: str, bold: bool, italic: bool
                  ) -> tuple[Face, Path] | None:
    """Return the first face (and its file) with glyphs for the whole cluster."""
    codes = {ord(c) for c in cluster if ord(c) not in _IGNORABLE} or {ord(cluster[0])}
    composed = unicodedata.normalize("NFC", cluster)
    for face in faces:
        for path in files_for(face, ord(cluster[0]), bold, italic):
            if codes <= cmap(path):
                return face, path
        if len(composed) == 1 and len(cluster) > 1:   # e + U+0301: the shaper composes é
            found = files_for(face, ord(composed), bold, italic)
            if found:
                return face, found[0]
    return None


def covered(body: Face, bold: bool, italic: bool, text: str) -> bool:
    """Return whether the body face's main file has every character of `text`."""
    return _main_cmap(body, bold, italic).issuperset(text)


def prefer(faces: Sequence[Face], text: str) -> tuple[Face, ...]:
    """Return the chain with the CJK face of the text's language first among the CJK
    faces: Hangul means Korean, kana Japanese, Han alone Chinese. Han characters are in
    all three fonts with different shapes; this picks the shapes the reader expects."""
    han, hangul, kana = (pattern(p).search(text) for p in (_HAN, _HANGUL, _KANA))
    if not han and not hangul and not kana:
        return tuple(faces)
    lang = "ko" if hangul else "ja" if kana else "zh"
    first = [f for f in faces[1:] if f.lang == lang]
    return (faces[0], *first, *(f for f in faces[1:] if f not in first)) if faces else ()


def segments(text: str, faces: Sequence[Face], bold: bool = False, italic: bool = False,
             context: str | None = None) -> list[Segment]:
    """Return `text` cut into stretches each drawn with one face of the chain (ordered
    for `context`, the whole paragraph, by `prefer`). A character no face has is left to
    the body face (measured as its missing glyph, as before)."""
    faces = tuple(faces)
    if not faces or not text:
        return []
    if _main_cmap(faces[0], bold, italic).issuperset(text):   # the usual case: all Latin
        return [Segment(text, faces[0], _main_file(faces[0], bold, italic))]
    return list(_segments(text, prefer(faces, context if context is not None else text),
                          bold, italic))


@lru_cache(maxsize=8192)
def _segments(text: str, faces: tuple[Face, ...], bold: bool, italic: bool
              ) -> tuple[Segment, ...]:
    out: list[Segment] = []
    main = _main_file(faces[0], bold, italic)
    for cluster in pattern(CLUSTER).findall(text):
        face, path = _cluster_file(faces, cluster, bold, italic) or (faces[0], main)
        if out and out[-1].face == face and out[-1].path == path:
            out[-1] = Segment(out[-1].text + cluster, face, path)
        else:
            out.append(Segment(cluster, face, path))
    return tuple(out)


def used(texts: Iterable[tuple[str, bool, bool, str]], faces: Sequence[Face]
         ) -> dict[tuple[Face, Path], set[str]]:
    """Return the characters drawn from each (fallback face, file), for stretches of text
    given as (text, bold, italic, paragraph)."""
    out: dict[tuple[Face, Path], set[str]] = {}
    for text, bold, italic, context in texts:
        for seg in segments(text, faces, bold, italic, context):
            if seg.face != faces[0]:
                out.setdefault((seg.face, seg.path), set()).update(seg.text)
    return out


def is_rtl(text: str) -> bool:
    """Return whether a paragraph is right-to-left: its first strong character is
    Hebrew, Arabic or another RTL script (UAX #9, rules P2 and P3)."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def keeps_words(text: str) -> bool:
    """Return whether a paragraph breaks lines only between words: Korean (any Hangul),
    which is written with spaces between words and wrapped at them (CSS `word-break:
    keep-all`; LibreOffice and PowerPoint keep Korean words whole too)."""
    return not text.isascii() and bool(pattern(_HANGUL).search(text))


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def break_points(word: str) -> list[int]:
    """Return the offsets inside a word (no spaces) where a line may break by UAX #14
    (uniseg) next to an East Asian wide character: between ideographs, kana, Hangul or
    emoji, never before closing or after opening punctuation. Breaks between other
    letters stay where every renderer takes them (spaces, hyphens), so Latin text wraps
    as it always did."""
    if word.isascii() or not pattern(_WIDE).search(word):
        return []
    from uniseg.linebreak import line_break_boundaries   # 0.3 s to import: only for CJK

    return [b for b in line_break_boundaries(word)
            if 0 < b < len(word) and (_wide(word[b - 1]) or _wide(word[b]))]


# ---------------------------------------------------------------- font files that open

# In the cache folder: the font files Pillow opened, each with its (size, mtime, inode)
# then and the Pillow that opened it. A rebuild with the same theme opens no font file
# to check it (nor imports Pillow's image modules, ~20 ms), as the image index spares
# decoding a picture the cache has vouched for.
OPENED = "fonts-opened.json"
_KEEP = 64   # entries beyond the last build's fonts kept in the file


def broken(paths: Iterable[Path], why_not: Callable[[Path], str | None],
           cache: Path | None = None) -> list[tuple[Path, str]]:
    """Return (file, why) for each font file that `why_not` cannot open. With a `cache`
    folder, a file that opened before and has not changed since is not opened again."""
    import PIL   # its version only (~1 ms)

    record = cache / OPENED if cache is not None else None
    known = _opened(record, PIL.__version__)
    out, passed = [], {}
    for path in paths:
        stamp = _stamp(path)
        if stamp is not None and known.get(str(path)) == stamp:
            passed[str(path)] = stamp
            continue
        why = why_not(path)
        if why is not None:
            out.append((path, why))
        elif stamp is not None:
            passed[str(path)] = stamp
    if record is not None and any(known.get(k) != v for k, v in passed.items()):
        _save(record, PIL.__version__, {**dict(list(known.items())[-_KEEP:]), **passed})
    return out


def _stamp(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def _opened(record: Path | None, pillow: str) -> dict[str, list[int]]:
    if record is None:
        return {}
    try:
        data = json.loads(record.read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("pillow") != pillow \
            or not isinstance(data.get("fonts"), dict):
        return {}
    return data["fonts"]


def _save(record: Path, pillow: str, fonts: dict[str, list[int]]) -> None:
    from deckbuilder.fsutil import atomic_write_bytes

    try:
        atomic_write_bytes(record, json.dumps({"pillow": pillow, "fonts": fonts},
                                              sort_keys=True).encode())
    except OSError:
        pass   # a read-only or full cache: the next build opens the fonts again
