"""Talk specs: a YAML file -> `Talk`, with every problem reported at once at its line.

The spec is the file a speaker edits for weeks, so its errors read like a compiler's:
`talk.yaml:7: error: unknown key 'tagz' (did you mean 'tags'?)`, all of them in one run.
The YAML is composed into nodes and walked by hand (see `yamlnodes`) to keep lines.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from deckbuilder import theme as themes
from deckbuilder.spec import yamlnodes as y
from deckbuilder.errors import Diagnostic, SpecError, check, error
from deckbuilder.model import (ASPECTS, ORDERS, REMOTE_IMAGES, Criteria, ImagePick, Select,
                               SlideSpec, Source, Talk)
from deckbuilder.spec import schema
from deckbuilder.spec.schema import Key
from deckbuilder.vault import glob_regex, too_wide
from deckbuilder.spec.yamlnodes import Collector, day_end, day_start, did_you_mean

BARE_KINDS = ("title", "credits", "closing")
ITEM_KINDS = ("section", "select", "image", "text", "closing")   # written `- kind: value`


def load(path: Path) -> tuple[Talk, list[Diagnostic]]:
    """Return the validated talk and its warnings; raise SpecError listing every error."""
    talk, diags = parse(path)
    check(diags, kind=SpecError)
    if talk is None:  # parse returns None only together with an error
        raise SpecError(diags)
    return talk, diags


def parse(path: Path) -> tuple[Talk | None, list[Diagnostic]]:
    """Return the talk (None when unusable: bad YAML, no vault) and every diagnostic.

    Slide items with errors are left out of the talk, so later stages (image names,
    images) can still run and report their own problems in the same pass.
    """
    c = Collector(str(path), folder=path.parent)
    root = y.compose(c, path)
    if root is None:
        if not c.diags:
            c.diags.append(error("the talk spec is empty: it needs at least title, vault "
                                 "and slides", c.file, 1))
        return None, c.diags
    if not isinstance(root, MappingNode):
        c.err(root, "a talk spec is a YAML mapping with keys such as title, vault and slides")
        return None, c.diags
    talk = _talk(c, path, root)
    return talk, c.sorted()


# ---------------------------------------------------------------- the top level


def _talk(c: Collector, path: Path, root: MappingNode) -> Talk | None:
    values, _ = schema.read(c, root, TOP)
    if values["slides"] is None:
        c.warn(root, "no 'slides': the deck will be empty")
        values["slides"] = ()
    vault = values.pop("vault")
    return Talk(path=path, vault=vault, **values) if vault else None


def _text(c: Collector, node: Node, key: str) -> str | None:
    value = y.text(c, node, key)
    return None if value is None else value.strip()


def _title(c: Collector, node: Node, key: str) -> str | None:
    value = _text(c, node, key)
    if value == "":
        c.err(node, "'title' is empty")
    return value


def _day(c: Collector, node: Node, key: str) -> date | None:
    when = y.day(c, node, key)
    return when.date() if isinstance(when, datetime) else when


def _vault(c: Collector, node: Node, key: str) -> Path | None:
    value = y.text(c, node, key)
    if value is not None and not value.strip():
        c.err(node, "'vault' is empty: give the notes folder, relative to this file")
    if not value or not value.strip():
        return None
    # abspath, not resolve(): no file-system access until the path is known to be sane.
    vault = _path(c, node, value.strip())
    if vault is None:
        return None
    try:
        folder, note = vault.is_dir(), vault.is_file()
    except OSError as e:
        c.err(node, f"vault '{value}' cannot be read: {e.strerror or e}")
        return None
    if folder and too_wide(vault):
        c.err(node, f"vault '{value}' is {vault}, a whole file system or home folder: "
                    "give the folder of your notes (one that holds .obsidian/ or the notes)")
        return None
    if note and vault.suffix.lower() != ".md":
        c.err(node, f"vault '{value}' is a file but not a note: give a folder or a .md note")
    elif not (folder or note):
        c.err(node, f"vault '{value}' does not exist (looked for {vault})")
    return vault if folder or (note and vault.suffix.lower() == ".md") else None


def _path(c: Collector, node: Node, value: str) -> Path | None:
    """Return a path written in the spec, absolute (relative to the spec, `~` expanded)."""
    try:
        return Path(os.path.normpath(os.path.abspath(c.folder / Path(value).expanduser())))
    except RuntimeError as e:   # ~nosuchuser: pathlib cannot find that home folder
        c.err(node, f"'{value}': {e}")
        return None


def _globs(c: Collector, node: Node, key: str) -> tuple[str, ...]:
    """Return note globs that compile (a bad character range is the user's to fix)."""
    globs = y.strings(c, node, key)
    for g in globs:
        try:
            glob_regex(g)
        except re.error as e:
            c.err(node, f"bad glob {g!r} in '{key}': {e}")
            return ()
    return globs


def _template(c: Collector, node: Node, key: str) -> Path | None:
    value = (y.text(c, node, key) or "").strip()
    if not value:
        return None
    path = _path(c, node, value)
    if path is None:
        return None
    if path.suffix.lower() not in (".pptx", ".potx"):
        c.err(node, f"'{key}' must be a PowerPoint file (.pptx or .potx), not '{value}'")
        return None
    if not path.is_file():
        c.err(node, f"PowerPoint template '{value}' does not exist (looked for {path})")
        return None
    return path


def _theme(c: Collector, node: Node, key: str) -> str | None:
    name = (y.text(c, node, key) or "").strip()
    if not name:
        return None
    known = themes.names(c.folder)
    if name not in known:
        c.err(node, f"unknown theme '{name}'{did_you_mean(name, known)}; available: "
                    f"{', '.join(known) or 'none'}")
    return name


def _url(c: Collector, node: Node, key: str) -> str | None:
    value = _text(c, node, key)
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in value:
        c.err(node, f"'{key}' must be an http(s) URL, e.g. https://example.org/slides, "
                    f"not '{value}'")
        return None
    return value


def _remote_images(c: Collector, node: Node, key: str) -> str | None:
    return y.choice(c, node, key, REMOTE_IMAGES)


def _aspect(c: Collector, node: Node, key: str) -> str | None:
    # Unquoted 16:9 is a YAML 1.1 integer (969); the raw text is what the user meant.
    value = y.text(c, node, key)
    if value is None:
        return None
    if value.replace(" ", "") not in ASPECTS:
        c.err(node, f"'aspect' must be \"16:9\" or \"4:3\", not '{value}'")
        return None
    return value.replace(" ", "")


# ---------------------------------------------------------------- slides


def _slides(c: Collector, node: Node) -> list[SlideSpec]:
    if y.is_null(node):
        return []
    if not isinstance(node, SequenceNode):
        c.err(node, "'slides' must be a list, one '- item' per line")
        return []
    slides = [_item(c, item) for item in node.value]
    return [s for s in slides if s is not None]


def _item(c: Collector, node: Node) -> SlideSpec | None:
    line = node.start_mark.line + 1
    if isinstance(node, ScalarNode):
        return _bare(c, node)
    if not isinstance(node, MappingNode):
        c.err(node, "a slide item is a name (title, credits, closing) or a mapping, not a list")
        return None
    keys = [k.value for k, _ in node.value if isinstance(k, ScalarNode)]
    present = list(dict.fromkeys(k for k in keys if k in ITEM_KINDS))
    if not present and len(keys) == 1 and keys[0] in BARE_KINDS:
        c.err(node, f"'{keys[0]}' takes no value: write '- {keys[0]}'"
                    + (" (it shows the spec's title, subtitle, author, event and date)"
                       if keys[0] == "title" else ""))
        return None
    if len(present) != 1:
        hint = did_you_mean(keys[0], ITEM_KINDS) if keys and not present else ""
        c.err(node, f"a slide item has exactly one of {', '.join(ITEM_KINDS)}; this one has "
                    f"{' and '.join(present) or 'none'}{hint}")
        return None
    kind = present[0]
    marker = c.mark()
    values, _ = schema.read(c, node, ITEMS[kind])
    item = _slide_spec(kind, line, values)
    return item if item is not None and c.clean_since(marker) else None


def _slide_spec(kind: str, line: int, v: dict[str, Any]) -> SlideSpec | None:
    """Return the slide item made of its values (None when its main value was bad)."""
    if v[kind] is None:
        return None
    if kind == "select":
        return SlideSpec("select", line, select=replace(v["select"], repeat=v["repeat"]))
    if kind == "image":
        source = v["source"]   # None: not written; an empty Source: written empty
        kept = source if source is not None and (source.text or source.url) else None
        return SlideSpec("image", line, image=ImagePick(
            v["image"], v["caption"], v["notes"], kept, source_given=source is not None,
            repeat=v["repeat"]))
    return SlideSpec(kind, line, text=v[kind])  # type: ignore[arg-type]


def _bare(c: Collector, node: ScalarNode) -> SlideSpec | None:
    name = node.value.strip()
    if name in BARE_KINDS:
        return SlideSpec(name, node.start_mark.line + 1)
    kinds = BARE_KINDS + tuple(k for k in ITEM_KINDS if k not in BARE_KINDS)
    if name in ITEM_KINDS:
        c.err(node, f"'{name}' needs a value, e.g. '- {name}: …'")
    else:
        c.err(node, f"unknown slide kind '{name}'{did_you_mean(name, kinds)}; expected one "
                    f"of: {', '.join(kinds)}")
    return None


def _markdown(c: Collector, node: Node, key: str) -> str | None:
    body = y.text(c, node, key)
    return None if body is None else body.strip("\n")


def _image_name(c: Collector, node: Node, key: str) -> str | None:
    name = y.text(c, node, key)
    if name is not None and not name.strip():
        c.err(node, "'image' is empty: give an image file name or an entry id")
    return name.strip() if name and name.strip() else None


def _source(c: Collector, node: Node, key: str) -> Source | None:
    """Return the source written (an empty Source when it was written empty)."""
    if isinstance(node, ScalarNode):
        return Source("" if y.is_null(node) else node.value.strip())
    if not isinstance(node, MappingNode):
        c.err(node, "'source' is text, or a mapping with 'text' and 'url'")
        return None
    v, _ = schema.read(c, node, SOURCE)
    return Source(v["text"], v["url"] or None)


def _tags(c: Collector, node: Node, key: str) -> tuple[str, ...]:
    return tuple(t.lstrip("#").lower() for t in y.strings(c, node, key))


def _order(c: Collector, node: Node, key: str) -> str | None:
    return y.choice(c, node, key, ORDERS)


def _select(c: Collector, node: Node, key: str) -> Select | None:
    if not isinstance(node, MappingNode):
        c.err(node, "'select' takes a mapping, e.g. 'select: {tags: [ml], from: 2024-04-01}'")
        return None
    v, found = schema.read(c, node, SELECT)
    lo, hi = v["date_from"], v["date_to"]
    if lo and hi and day_start(lo) > day_end(hi):
        c.err(found["from"][1], f"'from' ({lo.isoformat()}) is after 'to' ({hi.isoformat()})")
    order, limit = v.pop("order"), v.pop("limit")
    return Select(Criteria(**v), order, limit)


# ---------------------------------------------------------------- the keys, declared once
# Each table drives validation (`schema.read`) and the README's key tables
# (`schema.markdown_table`; tests/test_spec_schema.py keeps the README in step).

TOP: tuple[Key, ...] = (
    Key("title", _title, "text", "The talk's title (title slide, file metadata).",
        default="", required="the talk's title"),
    Key("vault", _vault, "path", "The notes folder, or a single `.md` note, relative to "
        "this file (`~` is expanded).", required="the notes folder, relative to this file"),
    Key("subtitle", _text, "text", "Shown on the title slide.", default=""),
    Key("author", _text, "text", "Shown on the title slide; the PPTX's author.", default="",
        aliases=("speaker",)),
    Key("event", _text, "text", "The conference or meetup; shown in footers and on the "
        "title slide.", default=""),
    Key("date", _day, "date", "The talk's day, `YYYY-MM-DD`; shown on the title slide; "
        "the PPTX's dates."),
    Key("notes", _globs, "list of globs", "Vault-relative globs limiting which notes "
        "are read: `*` within a folder, `**` across folders; a folder name means "
        "everything under it.", default=()),
    Key("theme", _theme, "theme name", "A built-in theme (`default`, `dark`, `contrast`, "
        "`paper`, `mono`, `midnight`, `fullbleed`; `deckbuilder themes` lists them) or a "
        "folder `themes/<name>/` next to this file.", default="default"),
    Key("aspect", _aspect, '`"16:9"` or `"4:3"`', "The slide shape.", default="16:9",
        aliases=("aspect_ratio",)),
    Key("pptx_template", _template, "path", "A `.pptx` or `.potx` whose slide master, "
        "layouts, fonts, colours and logo the PPTX is built on (relative to this file); "
        "see [the speaker's own template](#the-speakers-own-template)."),
    Key("slides", lambda c, n, k: tuple(_slides(c, n)), "list of slide items",
        "The slides in order (below)."),
    Key("slides_url", _url, "URL", "Where the slides will be posted: the closing slide "
        "shows it as a QR code with the URL under it (the theme's `qr.slides` can add the "
        "title and credits slides).", default=""),
    Key("remote_images", _remote_images, "`fetch` or `off`", "`fetch` downloads the "
        "`http(s)` images the picked entries embed (`![](https://…/figure.png)`), once, "
        "into the image cache; `off` makes no request, and such an image is missing; see "
        "[remote images](#remote-images).", default="off"),
)

SELECT: tuple[Key, ...] = (
    Key("tags", _tags, "list of tags", "Any of these tags; case-insensitive, `#` optional, "
        "`ml` also matches `ml/eval`.", default=(), aliases=("tag",)),
    Key("all_tags", _tags, "list of tags", "Every one of these tags.", default=()),
    Key("not_tags", _tags, "list of tags", "None of these tags.", default=()),
    Key("from", y.day, "date or date-time", "Inclusive: `YYYY-MM-DD` covers the whole day; "
        "`YYYY-MM-DDTHH:MM[:SS]` is a local time. Entries without a date are left out when "
        "`from` or `to` is given.", attr="date_from"),
    Key("to", y.day, "date or date-time", "Inclusive, as `from`.", attr="date_to"),
    Key("match", y.regex, "regex", "A Python regular expression searched in caption, notes "
        "and source text, case-insensitively, with `^`/`$` at each line: "
        "`\"judge\\|benchmark\"`."),
    Key("notes", _globs, "list of globs", "Vault-relative globs of the notes the entries "
        "must come from.", default=()),
    Key("order", _order, "`note`, `date` or `reverse-date`", "`date` is oldest first. "
        "Undated entries go last.", default="note", aliases=("sort",)),
    Key("limit", y.count, "number", "At most this many entries, after ordering."),
)

REPEAT = Key("repeat", y.boolean, "true or false", "Show entries an earlier item already "
             "showed.", default=False)

IMAGE: tuple[Key, ...] = (
    Key("image", _image_name, "name", "An image's file name, its vault-relative path, or "
        "the entry id; case doesn't matter.", required="the image"),
    Key("caption", _markdown, "Markdown", "Replaces the entry's caption."),
    Key("notes", _markdown, "text", "Replaces the entry's speaker notes."),
    Key("source", _source, "text, or `{text, url}`", "Replaces the entry's source; empty "
        "removes it."),
    REPEAT,
)

SOURCE: tuple[Key, ...] = (
    Key("text", _text, "text", "What the credit says.", default=""),
    Key("url", _text, "URL", "Where it links.", default=""),
)

ITEMS: dict[str, tuple[Key, ...]] = {
    "section": (Key("section", _text, "text", "A section divider with this title."),),
    "select": (Key("select", _select, "mapping", "One slide per matching entry."), REPEAT),
    "image": IMAGE,
    "text": (Key("text", _markdown, "Markdown", "A text slide."),),
    "closing": (Key("closing", _markdown, "text", "The closing slide's text."),),
}
