"""What every slide planner shares: the planning context and text helpers."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Mapping

from deckbuilder import fonts, markup
from deckbuilder.layout import measure
from deckbuilder.model import Normalised
from deckbuilder.model import LOGO_IMAGE, Box, Frame, Item, Role, Talk, Template, TextStyle
from deckbuilder.template import avoid
from deckbuilder.layout.measure import Fonts
from deckbuilder.theme import Theme

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


@dataclass(frozen=True)
class Ctx:
    """Everything a slide planner reads: the talk, theme, fonts, canvas and images."""

    talk: Talk
    theme: Theme
    fonts: Fonts
    width: int
    height: int
    images: Mapping[str, Normalised]
    template: Template | None = None

    @property
    def content(self) -> Box:
        """Return the canvas less the theme's margins."""
        m = self.theme.get("canvas.margin")
        return Box(m["left"], m["top"], self.width - m["left"] - m["right"],
                   self.height - m["top"] - m["bottom"])

    def frame(self, kind: str) -> Frame:
        """Return where a slide kind's content goes: the template layout's placeholders,
        else the canvas less the theme's margins."""
        frame = (self.template.frames[kind] if self.template is not None
                 and kind in self.template.frames else Frame(self.content))
        logo = self.logo_box() if kind in self.theme.get("logo.slides") else None
        return replace(frame, content=avoid(frame.content, [logo])) if logo else frame

    def logo_box(self) -> Box | None:
        """Return where the theme's logo goes, or None without one."""
        found = self.images.get(LOGO_IMAGE)
        if found is None:
            return None
        s = self.theme.get("logo")
        h = float(s["height"])
        w = h * found.width / found.height
        x = s["inset"] if "left" in s["corner"] else self.width - s["inset"] - w
        y = s["inset"] if "top" in s["corner"] else self.height - s["inset"] - h
        return Box(x, y, w, h)

    def style(self, spec: Mapping, size: float | None = None, align: str = "left",
              valign: str = "top") -> TextStyle:
        """Return a TextStyle from a theme style mapping ({size, color, bold, italic})."""
        return TextStyle(font=self.theme.get("fonts.body.family"),
                         size=float(size if size is not None else spec["size"]),
                         color=self.theme.color(spec.get("color", "text")),
                         bold=bool(spec.get("bold", False)), italic=bool(spec.get("italic", False)),
                         align=align, valign=valign, line_height=self.fonts.line_height,
                         code_font=self.theme.get("fonts.code.family"),
                         highlight=self.theme.color("highlight"), faces=self.fonts.chain)

    def where(self, line: int | None) -> tuple[str, int | None]:
        """Return (spec file, line) for a diagnostic."""
        return str(self.talk.path), line


def format_date(d: date | datetime | None, theme: Theme) -> str:
    """Return a date as the theme writes it ("15 April 2024"), independent of locale."""
    if d is None:
        return ""
    return theme.get("text.date_format").format(day=d.day, month=MONTHS[d.month - 1],
                                                year=d.year)


# Boxes whose side is the slide's, not the text's: the footer sits left of the number.
_NOT_MIRRORED = frozenset({"footer", "slide-number", "marker", "bullet"})


def text_block(ctx: Ctx, md: str, box: Box, role: Role, style: TextStyle) -> Item:
    """Return a text item (inline Markdown) at `box`, to be wrapped by the renderer.

    No line breaks are inserted: a deck is edited, and its consumer may lack the font,
    so the text must reflow. Instead the box is narrowed (about its anchor) to a width
    at which the renderer's own wrap gives the lines that were measured here, so
    PowerPoint, LibreOffice and browsers draw the planned lines in the intended font.
    A right-to-left paragraph (Arabic, Hebrew) that would start at the left edge is
    right-aligned instead, where its lines start; the renderers mark it RTL.
    """
    runs = markup.runs(md)
    if style.align == "left" and role not in _NOT_MIRRORED and \
            fonts.is_rtl("".join(r.text for r in runs)):
        style = replace(style, align="right")
    drawn = measure.styled(runs, style.bold, style.italic)
    width = measure.stable_width(drawn, style.size, box.w, ctx.fonts)
    shift = {"left": 0.0, "center": (box.w - width) / 2, "right": box.w - width}[style.align]
    return Item("text", Box(box.x + shift, box.y, width, box.h), role=role, text=md,
                style=style)


def fitted_text(ctx: Ctx, md: str, spec: Mapping, width: float, max_h: float,
                min_size: int | None = None) -> tuple[measure.Fit, float]:
    """Return the fit of inline Markdown in `width` x `max_h`, and its height.

    The text is measured as drawn: in the bold or italic face when the style says so.
    """
    bold, italic = bool(spec.get("bold")), bool(spec.get("italic"))
    top = int(spec.get("size", spec.get("max_size")))
    low = int(min_size if min_size is not None else spec.get("min_size", top))
    fit = measure.fit(measure.styled(markup.runs(md), bold, italic), width, max_h, low, top,
                      ctx.fonts)
    # The box's style already draws every run bold or italic: keep the runs as written.
    runs = tuple(markup.Run(r.text, r.bold and not bold, r.italic and not italic, r.code,
                            r.mark, r.link) for r in fit.runs)
    return replace(fit, runs=runs), fit.lines * ctx.fonts.pitch(fit.size)


def md_text(text: str) -> str:
    """Return plain text as inline Markdown that shows it literally."""
    return measure.to_markdown([markup.Run(text)]) if text else ""
