"""What `deckbuilder check` prints: the human summary and the planned slides as JSON."""

from __future__ import annotations

from typing import Any

from deckbuilder.check import CheckReport
from deckbuilder.markup import shown
from deckbuilder.model import Entry


def to_json(report: CheckReport) -> list[dict[str, Any]]:
    """Return the planned slides as `check --json` prints them."""
    talk, out, seen = report.talk, [], []
    for p in report.picks:
        item: dict[str, Any] = {"kind": p.kind, "line": p.line}
        if p.kind == "title":
            item.update(title=talk.title, subtitle=talk.subtitle, author=talk.author,
                        event=talk.event, date=talk.date.isoformat() if talk.date else None)
        elif p.kind == "section":
            item["title"] = p.text
        elif p.kind in ("text", "closing"):
            item["text"] = p.text
        elif p.kind == "entry" and p.entry is not None:
            item["entry"] = p.entry.to_json()
            seen.append(p.entry)
        elif p.kind == "credits":
            item["sources"] = _credits(seen)
        out.append(item)
    return out


def _credits(entries: list[Entry]) -> list[dict[str, Any]]:
    """Return the distinct sources of the entries shown so far, first use first."""
    found: dict[tuple[str, str | None], list[str]] = {}
    for e in entries:
        if e.source is not None:
            found.setdefault((e.source.text, e.source.url), []).append(e.id)
    return [{"text": t, "url": u, "entries": ids} for (t, u), ids in found.items()]


def summary(report: CheckReport) -> str:
    """Return the human summary `check` prints."""
    entries, talk = report.entries, report.talk
    lines = [f"{talk.path}: {len(report.picks)} slides, {len(entries)} of them entries "
             f"(from {len(report.vault.entries)} in {talk.vault})", "Slides per section:"]
    lines += [f"  {n:4d}  {title or '(before the first section)'}"
              for title, n in report.sections()]
    unsourced = report.unsourced()
    lines.append(f"Entries without a source: {len(unsourced) or 'none'}")
    lines += [f"  {shown(e.note)}:{e.line}  {shown(e.id)}" for e in unsourced]
    lines.append(f"Missing or unreadable images: {len(report.image_problems) or 'none'}")
    lines += [f"  {shown(p.entry.note)}:{p.entry.line}  {shown(p.image.target)}  "
              f"({p.problem}; picked on "
              f"line {p.pick_line})" for p in report.image_problems]
    if report.remote:
        lines.append(f"Remote images downloaded (or already in the image cache): "
                     f"{len(report.remote)}")
    if report.hidden_warnings:
        n = report.hidden_warnings
        lines.append(f"({n} vault warning{'s are' if n > 1 else ' is'} about entries this "
                     f"talk does not show; `deckbuilder entries {talk.vault}` lists them)")
    return "\n".join(lines)
