"""The inline CSS the HTML deck's templates write: lengths, colours, CSS strings,
font stacks, and each item's box, crop and text style."""

from __future__ import annotations

import re
from typing import Sequence

from markupsafe import Markup

from deckbuilder import fonts, markup
from deckbuilder.errors import BuildError
from deckbuilder.model import Face, Item, TextStyle
from deckbuilder.render import html_fonts
from deckbuilder.theme import Theme

# `*` and `@` too: a css_string value may also sit in a comment (the title does), which
# `*/` would end; with `@` escaped, not even its text reads as an at-rule such as @import.
_CSS_UNSAFE = re.compile(r'["\'\\<>&*@\x00-\x1f\x7f]')
_COLOR = re.compile(r"^#(?:[0-9A-Fa-f]{3}){1,2}$")


def px(value: float) -> str:
    """Return a CSS pixel length, rounded to 1/100 px with no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{'0' if text == '-0' else text}px"


def css_string(text: str) -> str:
    """Return `text` as a double-quoted CSS string that cannot end a string, rule, style
    or comment."""
    # One regular-expression pass, not a loop over characters: a one-file deck's font
    # URLs are data: URIs of some 100,000 characters each.
    escaped = _CSS_UNSAFE.sub(lambda m: f"\\{ord(m[0]):x} ", str(text))
    return f'"{escaped}"'


def color(value: str | None) -> str:
    """Return a "#RGB"/"#RRGGBB" colour unchanged; raise BuildError for anything else."""
    if value is None or not _COLOR.match(value):
        raise BuildError(f"not a colour: {value!r} (themes use \"#RRGGBB\")")
    return value


def font_stack(font: str, theme: Theme, fallback: Sequence[str] = ()) -> str:
    """Return the CSS font-family list for a TextStyle font: the bundled face first,
    then the bundled fallback faces (`fallback`, for non-Latin text)."""
    body, code = theme.get("fonts.body"), theme.get("fonts.code")
    if font == body["family"]:
        names, generic = [body["web_family"], font, *fallback], "sans-serif"
    elif font == code["family"]:
        names, generic = [font, "Liberation Mono"], "monospace"
    else:
        names, generic = [font, body["web_family"]], "sans-serif"
    return ", ".join([css_string(n) for n in names] + [generic])


def text_css(style: TextStyle, theme: Theme, text: str = "",
             used: frozenset[Face] = frozenset()) -> str:
    """Return the inline CSS of a text box: face, size, colour, alignment, line pitch.
    `used` are the deck's bundled fallback faces, listed in the order the planner chose
    them for the box's `text`."""
    justify = {"top": "flex-start", "middle": "center", "bottom": "flex-end"}[style.valign]
    plain = markup.plain(text) if used else ""
    fallback = html_fonts.stack(style.faces, set(used), plain) if used else []
    keep = "word-break: keep-all; " if used and fonts.keeps_words(plain) else ""
    return (f"font-family: {font_stack(style.font, theme, fallback)}; {keep}"
            f"font-size: {px(style.size)}; "
            f"color: {color(style.color)}; font-weight: {700 if style.bold else 400}; "
            f"font-style: {'italic' if style.italic else 'normal'}; "
            f"text-align: {style.align}; line-height: {style.line_height}; "
            f"justify-content: {justify}; --db-mark: {color(style.highlight)}; "
            f"--db-code-font: {font_stack(style.code_font, theme)}")


def style_text(css: str) -> Markup:
    # Inlined CSS sits in a raw-text <style> element: `</style` would end it early.
    return Markup(re.sub(r"</(style)", r"<\\/\1", css, flags=re.IGNORECASE))


def stretch_css(url: str) -> str:
    # After the theme's rules, and above them: what export's print stand-ins need.
    return f'\n.db-image img[src="{url}"] {{ object-fit: fill !important; }}'


def box_css(item: Item) -> str:
    """Return the inline CSS placing an item at its box on the canvas."""
    b = item.box
    return f"left: {px(b.x)}; top: {px(b.y)}; width: {px(b.w)}; height: {px(b.h)}"


def crop_css(item: Item) -> str:
    """Return the inline CSS of a cropped picture inside its box ("" when uncropped): the
    whole image, larger than the box, shifted so that the box shows the planned part."""
    left, top, right, bottom = item.crop
    if not any(item.crop):
        return ""
    b = item.box
    w, h = b.w / (1 - left - right), b.h / (1 - top - bottom)
    return (f"position: absolute; max-width: none; left: {px(-left * w)}; top: {px(-top * h)}; "
            f"width: {px(w)}; height: {px(h)}")
