"""The sources list: every source the talk shows, grouped by site as on the credits slide,
each with the numbers of the slides that show it and its URL, as `<name>-sources.md` and
`<name>-sources.html` (the theme's `sources.html.j2`), for the organisers and the audience.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence
from urllib.parse import urlsplit

from deckbuilder import __version__
from deckbuilder import theme as theme_mod
from deckbuilder.layout import format_date, source_groups
from deckbuilder.model import Deck
from deckbuilder.render import html

_MD_SPECIAL = re.compile(r"([\\`*_\[\]()<>#!|~=])")


@dataclass(frozen=True)
class Credit:
    """One source: how it is named, its URL (None without one), the slides that show it."""

    label: str
    url: str | None
    slides: tuple[int, ...]      # 1-based slide numbers

    @property
    def named(self) -> bool:
        """Return whether the label says more than the URL's host (else only the URL)."""
        return not self.url or self.label != urlsplit(self.url).netloc

    @property
    def where(self) -> str:
        """Return "slide 3" or "slides 3, 7"."""
        numbers = ", ".join(map(str, self.slides))
        return f"slide{'s' if len(self.slides) > 1 else ''} {numbers}"


@dataclass(frozen=True)
class Group:
    """The sources from one site; `site` is "" for those without a URL."""

    site: str
    credits: tuple[Credit, ...]


def collect(deck: Deck) -> list[Group]:
    """Return the deck's sources grouped as the credits slide groups them."""
    found = source_groups([slide.source for slide in deck.slides])
    return [Group(site, tuple(Credit(label, url, tuple(n + 1 for n in at))
                              for label, url, at in credits.values()))
            for site, credits in found.items()]


def count(groups: Sequence[Group]) -> int:
    """Return how many sources the groups hold."""
    return sum(len(g.credits) for g in groups)


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _meta(deck: Deck, theme: theme_mod.Theme) -> str:
    return " · ".join(x for x in (deck.author, deck.event, format_date(deck.date, theme)) if x)


def markdown(deck: Deck, groups: Sequence[Group], theme: theme_mod.Theme,
             slides_url: str = "") -> str:
    """Return the sources list as Markdown: a heading per site, a line per source."""
    lines = [f"# Sources: {_md(deck.title)}", ""]
    if _meta(deck, theme):
        lines += [_md(_meta(deck, theme)), ""]
    if slides_url:
        lines += [f"Slides: <{slides_url}>", ""]
    for group in groups:
        lines += [f"## {_md(group.site or theme.get('credits.no_link'))}", ""]
        for c in group.credits:
            parts = ([_md(c.label)] if c.named else []) + ([f"<{c.url}>"] if c.url else [])
            lines.append(f"- {' — '.join(parts)} ({c.where})")
        lines.append("")
    if not groups:
        lines += ["No slide of this talk names a source.", ""]
    return "\n".join(lines)


def page(deck: Deck, groups: Sequence[Group], theme: theme_mod.Theme,
         slides_url: str = "") -> str:
    """Return the sources list as one HTML page, from the theme's `sources.html.j2`."""
    return html.environment(theme).get_template("sources.html.j2").render(
        deck=deck, groups=groups, meta=_meta(deck, theme), slides_url=slides_url,
        no_link=theme.get("credits.no_link"), accent=theme.color("accent"),
        generator=f"deckbuilder {__version__}")
