"""Choosing entries: tags, date range, text and notes, the same for the CLI and talk specs.

Tags match case-insensitively and a tag also matches the tags below it (`llm` matches
`llm/eval`). Dates are inclusive: a day bound covers the whole day. Entries without a
date are left out as soon as a date bound is given (never guessed into a range).
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence


from deckbuilder import markup
from deckbuilder.errors import DeckError, Diagnostic, error, warning
from deckbuilder.model import Criteria, Entry, ImagePick, Pick, Select, SlideSpec, Talk, Vault
from deckbuilder.vault import glob_regex

if TYPE_CHECKING:
    import regex


MATCH_SECONDS = 0.5   # the longest one `match` search may take on one entry


class SlowPattern(DeckError):
    """A `match` pattern that takes too long (catastrophic backtracking)."""


def filter(entries: Iterable[Entry], criteria: Criteria) -> list[Entry]:  # noqa: A001
    """Return the entries matching `criteria`, in their order."""
    test = _Compiled(criteria)
    return [e for e in entries if test(e)]


def has_tag(entry_tags: Sequence[str], tag: str) -> bool:
    """Return whether `tag` (case-insensitive, without '#') is one of the tags or above one."""
    tag = tag.lower().lstrip("#").strip("/")
    below = tag + "/"
    return any(t == tag or t.startswith(below) for t in map(str.lower, entry_tags))


def _pattern(match: str) -> regex.Pattern[str]:
    import regex   # here: ~20 ms to import, and most talks match no text

    return regex.compile(match, regex.IGNORECASE | regex.MULTILINE | regex.V0)


class _Compiled:
    """Criteria with the regexes compiled and the bounds turned into instants, once."""

    def __init__(self, c: Criteria) -> None:
        self.c = c
        self.start = _instant(c.date_from, time.min) if c.date_from is not None else None
        self.end = _instant(c.date_to, time.max) if c.date_to is not None else None
        # Per line (^ and $ at each line of caption, notes, source), case-insensitive.
        # The `regex` module, unlike `re`, can give up: a pattern like (a|aa)+$ takes
        # exponential time on some text, and a talk must never hang on one entry.
        self.regex = _pattern(c.match) if c.match else None
        self.globs = [glob_regex(g) for g in c.notes]

    def __call__(self, e: Entry) -> bool:
        c = self.c
        if c.tags and not any(has_tag(e.tags, t) for t in c.tags):
            return False
        if not all(has_tag(e.tags, t) for t in c.all_tags):
            return False
        if any(has_tag(e.tags, t) for t in c.not_tags):
            return False
        if (self.start or self.end) and not self._in_range(e.date):
            return False
        if self.globs and not any(g.fullmatch(e.note) for g in self.globs):
            return False
        if self.regex is None:
            return True
        try:
            return bool(self.regex.search(_searched(e), timeout=MATCH_SECONDS))
        except TimeoutError:
            raise SlowPattern(f"the regular expression {c.match!r} takes too long on the "
                              f"entry at {e.note}:{e.line} (more than {MATCH_SECONDS:g} s); "
                              "simplify it (nested repeats such as (a|aa)+ are the usual "
                              "cause)") from None

    def _in_range(self, when: date | datetime | None) -> bool:
        if when is None:
            return False
        # A date-only entry spans its whole day: it is in range if the day overlaps it.
        first, last = _instant(when, time.min), _instant(when, time.max)
        return (self.start is None or last >= self.start) and \
            (self.end is None or first <= self.end)


def _instant(d: date | datetime, at: time) -> datetime:
    """Return a bound as a naive date-time (a date becomes its first or last moment)."""
    if isinstance(d, datetime):
        return d.replace(tzinfo=None)   # vault dates are local wall-clock time
    return datetime.combine(d, at)


def _searched(e: Entry) -> str:
    """Return the text `match` searches: caption, notes and source text, one per line."""
    return "\n".join((e.caption, e.notes, e.source.text if e.source else ""))


# ---------------------------------------------------------------- talk picks
# Turning a talk's `slides:` list into Picks: selects filtered and ordered, image
# names resolved, per-entry overrides applied, and every entry shown only once.


def ordered(entries: Sequence[Entry], order: str = "note") -> list[Entry]:
    """Return the entries in note order, date order or newest first (undated last)."""
    if order == "note":
        return list(entries)
    dated = [e for e in entries if e.date is not None]
    dated.sort(key=lambda e: _instant(e.date, time.min),  # type: ignore[arg-type]  # not None
               reverse=order == "reverse-date")
    return dated + [e for e in entries if e.date is None]


def selected(entries: Sequence[Entry], select: Select) -> list[Entry]:
    """Return the entries a `select` slide picks: filtered, ordered, limited."""
    found = ordered(filter(entries, select.criteria), select.order)
    return found[:select.limit] if select.limit else found


def _fold(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


def _names(entry: Entry) -> list[str]:
    """Return every name an `image:` pick may use for this entry."""
    names = [entry.id]
    for image in entry.images:
        for written in (image.target, image.path):
            if written:
                names += [written, written.rsplit("/", 1)[-1]]
    return list(dict.fromkeys(names))


@dataclass(frozen=True)
class Names:
    """How `image:` picks find entries: an entry id exactly, else an image's file name or
    vault-relative path, case-insensitively. Built once, so lookups stay cheap."""

    ids: Mapping[str, Entry]
    folded: Mapping[str, tuple[Entry, ...]]
    written: tuple[str, ...]           # every name as written, for did-you-mean

    @classmethod
    def of(cls, entries: Iterable[Entry]) -> Names:
        """Return the name index of the entries."""
        folded: dict[str, list[Entry]] = {}
        written: dict[str, None] = {}
        ids: dict[str, Entry] = {}
        for e in entries:
            ids[e.id] = e
            for name in _names(e):
                written[name] = None
                found = folded.setdefault(_fold(name), [])
                if not found or found[-1] is not e:
                    found.append(e)
        return cls(ids, {k: tuple(v) for k, v in folded.items()}, tuple(written))

    def find(self, name: str) -> list[Entry]:
        """Return the entries a name means, in note order ([] when none)."""
        exact = self.ids.get(name)
        return [exact] if exact else list(self.folded.get(_fold(name), ()))

    def nearest(self, name: str, n: int = 3) -> list[str]:
        """Return the names nearest to one that matched nothing."""
        return difflib.get_close_matches(name, self.written, n=n, cutoff=0.5)


def override(entry: Entry, pick: ImagePick) -> Entry:
    """Return the entry with an `image:` pick's caption, notes and source applied."""
    changes: dict[str, Any] = {}
    if pick.notes is not None:
        changes["notes"] = pick.notes
    if pick.source_given:
        changes["source"] = pick.source
    if pick.caption is not None:
        changes.update(caption=pick.caption, caption_text=markup.plain(pick.caption))
    return replace(entry, **changes) if changes else entry


def of(talk: Talk, vault: Vault, names: Names | None = None
       ) -> tuple[list[Pick], list[Diagnostic]]:
    """Return the talk's slides-to-be in order, entries resolved, and the problems found.

    `names` is the vault's name index when the caller keeps one (`serve`'s picker).
    """
    file, names = str(talk.path), names or Names.of(vault.entries)
    out: list[Pick] = []
    diags: list[Diagnostic] = []
    first: dict[str, int] = {}  # entry id -> the spec line that first showed it
    for s in talk.slides:
        if s.kind not in ("select", "image"):
            out.append(Pick(s.kind, s.line, text=_text_of(talk, s)))  # type: ignore[arg-type]
            continue
        entries = _image_pick(names, s, file, diags) if s.kind == "image" else \
            _select_pick(vault, s, file, diags)
        for e in entries:
            if e.id in first and not s.repeat:
                diags.append(warning(
                    f"entry '{e.id}' ({e.note}:{e.line}) is already shown by line "
                    f"{first[e.id]}; dropped from line {s.line} (add 'repeat: true' to "
                    f"show it again)", file, s.line))
                continue
            first.setdefault(e.id, s.line)
            out.append(Pick("entry", s.line, entry=e))
    return out, diags


def _text_of(talk: Talk, s: SlideSpec) -> str:
    return talk.title if s.kind == "title" else s.text


def _select_pick(vault: Vault, s: SlideSpec, file: str, diags: list[Diagnostic]) -> list[Entry]:
    assert s.select is not None
    try:
        found = selected(vault.entries, s.select)
    except SlowPattern as e:
        diags.append(error(e.diagnostics[0].message, file, s.line))
        return []
    if not found:
        diags.append(warning(f"select matches none of the vault's {len(vault.entries)} "
                             f"entries", file, s.line))
    return found


def _image_pick(names: Names, s: SlideSpec, file: str, diags: list[Diagnostic]) -> list[Entry]:
    assert s.image is not None
    name = s.image.image
    found = names.find(name)
    if not found:
        near = names.nearest(name)
        hint = f" (nearest: {', '.join(repr(n) for n in near)})" if near else ""
        diags.append(error(f"no entry has the image or id '{name}'{hint}", file, s.line))
        return []
    if len(found) > 1:
        where = ", ".join(f"'{e.id}' ({e.note}:{e.line})" for e in found)
        diags.append(warning(f"image '{name}' is in {len(found)} entries: {where}; using the "
                             f"first (pick by entry id to choose another)", file, s.line))
    return [override(found[0], s.image)]
