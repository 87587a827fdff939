"""Tools over resolved themes: the WCAG contrast of every text/background pair a theme
draws, and `themes new` (a starter theme that lists every setting it inherits)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from deckbuilder.errors import ThemeError
from deckbuilder.theme import VENDOR, Theme, load

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Pair:
    """One text colour on one background, where the theme draws it."""

    where: str          # e.g. "image_slide.source", "link", "highlight"
    text: str           # "#RRGGBB"
    background: str
    ratio: float


def luminance(hex_color: str) -> float:
    """Return the WCAG 2 relative luminance of "#RRGGBB" (0 black .. 1 white)."""
    channels = [int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def ratio(a: str, b: str) -> float:
    """Return the WCAG contrast ratio of two colours, from 1 to 21."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def blend(top: str, under: str, opacity: float) -> str:
    """Return the colour seen where `top` at `opacity` lies over `under` (both "#RRGGBB")."""
    mixed = [round(int(top[i:i + 2], 16) * opacity + int(under[i:i + 2], 16) * (1 - opacity))
             for i in (1, 3, 5)]
    return "#%02X%02X%02X" % tuple(mixed)


def _styles(node: Any, path: str) -> list[tuple[str, str]]:
    """Return (dotted path, colour) of every text style (a mapping with `color`)."""
    if not isinstance(node, Mapping):
        return []
    # Rules and other drawn shapes (a full-bleed band) have a colour too, but no text.
    found = [(path, str(node["color"]))] if "color" in node and not path.endswith(
        ("rule", "band")) else []
    for key, value in node.items():
        found += _styles(value, f"{path}.{key}" if path else str(key))
    return found


def pairs(theme: Theme) -> list[Pair]:
    """Return every text/background pair the theme can draw, with its contrast ratio."""
    c = theme.color
    bg, section_bg = c("background"), c(theme.get("section_slide.background"))
    out = []
    band = theme.get("image_slide.fullbleed.band")
    bleed = theme.get("image_slide.layout") == "fullbleed"
    for where, color in _styles(theme.settings, ""):
        ground = section_bg if where.startswith("section_slide") else bg
        if where.startswith("images.placeholder"):
            ground = c("placeholder_fill")
        if bleed and where.startswith(("image_slide.caption", "image_slide.source")):
            # on the band, over a picture that may be white or black there
            for under in ("#FFFFFF", "#000000"):
                out.append((f"{where} (on the band over {under})", c(color),
                            blend(c(band["color"]), under, band["opacity"])))
            continue
        out.append((where, c(color), ground))
    heading = theme.get("text_slide.heading_color")
    out += [("text_slide.heading_color", c(heading), bg), ("link", c("link"), bg),
            ("highlight (text on it)", c("text"), c("highlight")),
            ("section_text", c("section_text"), section_bg),
            ("placeholder_text", c("placeholder_text"), c("placeholder_fill"))]
    return [Pair(w, t, g, ratio(t, g)) for w, t, g in out]


def minimum(theme: Theme) -> Pair:
    """Return the theme's pair with the lowest contrast ratio."""
    return min(pairs(theme), key=lambda p: p.ratio)


# ---------------------------------------------------------------- themes new

TEMPLATES_README = """\
Templates of the theme {name}. A file here replaces the template of the same name of
the theme it extends ({parent}); it may extend that very template and replace only
some of its blocks (title, head, slides, scripts):

    {{% extends "!default/deck.html.j2" %}}
    {{% block head %}}{{{{ super() }}}}<style>.db-canvas {{ outline: 1px solid red }}</style>{{% endblock %}}

Copy a template from the built-in themes/default/templates/ to start from all of it.
"""


class _Dumper(yaml.SafeDumper):
    """Block mappings (one setting a line, so each can be uncommented alone), flow lists."""


_Dumper.add_representer(list, lambda dumper, data: dumper.represent_sequence(
    "tag:yaml.org,2002:seq", data, flow_style=True))


def plain(value: Any, folders: tuple[Path, ...] = ()) -> Any:
    """Return read-only theme settings as plain dicts, lists and strings for YAML, font
    files inside the package as `vendor:` paths again, and other files inside one of the
    theme's `folders` by their name there (a new theme lists them as the theme it
    extends names them; uncommented, they are looked for in the new theme's folder)."""
    if isinstance(value, Mapping):
        return {k: plain(v, folders) for k, v in value.items()}
    if isinstance(value, tuple):
        return [plain(v, folders) for v in value]
    if isinstance(value, str) and value.startswith(f"{VENDOR}/"):
        return "vendor:" + value[len(str(VENDOR)) + 1:]
    for folder in folders:
        if isinstance(value, str) and value.startswith(f"{folder}/"):
            return value[len(str(folder)) + 1:]
    return str(value) if isinstance(value, Path) else value


def starter_yaml(name: str, parent: Theme) -> str:
    """Return the theme.yaml of a new theme extending `parent`: every setting listed,
    commented out, with the value it has now; uncomment a line (and its parents) to
    change it."""
    settings = plain(parent.settings, parent.dirs)
    settings.pop("description", None)
    body = yaml.dump(settings, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     width=1000, default_flow_style=False)
    listed = "".join(f"# {line}\n" if line.strip() else "\n" for line in body.splitlines())
    return (f"# Theme {name}: the theme {parent.name}, with what you change here.\n"
            "# Every setting is listed below, commented out, with its current value (see\n"
            "# the comments of the built-in themes/default/theme.yaml for what each does).\n"
            "# To change one, uncomment its line and the lines of the keys it sits under.\n"
            "# Font files: `vendor:` paths are deckbuilder's own; others are relative to\n"
            "# this folder. Pictures and templates (logo, backgrounds, pptx) are files in\n"
            "# this folder too: copy one here before uncommenting its line.\n"
            f"extends: {parent.name}\n"
            + yaml.safe_dump({"description": f"{name} - based on {parent.name}."},
                             allow_unicode=True) + "\n"
            + listed)


def new(name: str, parent: str = "default", spec: Path | None = None,
        cwd: Path | None = None) -> Path:
    """Write themes/NAME/ (theme.yaml + templates/README) beside the spec, or under
    `cwd` without one; return the theme.yaml written. Never overwrites."""
    if not _NAME.match(name):
        raise ThemeError(f"a theme name is letters, digits, '-' and '_', not {name!r}")
    base = spec.parent if spec is not None else (cwd or Path.cwd())
    folder = base / "themes" / name
    if folder.exists():
        raise ThemeError(f"{folder} already exists; choose another name or remove it")
    found = load(parent, base)
    text = starter_yaml(name, found)
    (folder / "templates").mkdir(parents=True)
    (folder / "theme.yaml").write_text(text, encoding="utf-8")
    (folder / "templates" / "README.md").write_text(
        TEMPLATES_README.format(name=name, parent=parent), encoding="utf-8")
    return folder / "theme.yaml"
