"""Talk specs: a YAML file -> `Talk`, with every problem reported at once at its line.

The spec is the file a speaker edits for weeks, so its errors read like a compiler's:
`talk.yaml:7: error: unknown key 'tagz' (did you mean 'tags'?)`, all of them in one run.
The YAML is composed into nodes and walked by hand (see `yamlnodes`) to keep lines.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from deckbuilder import theme as themes
from deckbuilder.spec import yamlnodes as y
from deckbuilder.errors import Diagnostic, SpecError, check, error
from deckbuilder.model import ASPECTS, ORDERS, SlideSpec, Source, Talk
from deckbuilder.spec.yamlnodes import Collector, Fields, day_end, day_start, did_you_mean

TOP_KEYS = ("title", "subtitle", "author", "event", "date", "vault", "notes", "theme",
            "aspect", "slides")
TOP_ALIASES = {"speaker": "author", "aspect_ratio": "aspect"}
SELECT_KEYS = ("tags", "all_tags", "not_tags", "from", "to", "match", "notes", "order",
               "limit")
SELECT_ALIASES = {"tag": "tags", "sort": "order"}
BARE_KINDS = ("title", "credits", "closing")
# The extra keys each `- kind: value` item accepts beside its own.
ITEM_KEYS: dict[str, tuple[str, ...]] = {
    "section": (), "select": ("repeat",), "image": ("caption", "notes", "source", "repeat"),
    "text": (), "closing": ()}
TEXT_KEYS = ("title", "subtitle", "author", "event")


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
    c = Collector(str(path))
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
    f = y.fields(c, root, TOP_KEYS, TOP_ALIASES)
    text = {k: y.text(c, f[k][1], k) or "" for k in TEXT_KEYS if k in f}
    if "title" not in f:
        c.err(root, "missing required key 'title' (the talk's title)")
    elif not text["title"].strip():
        c.err(f["title"][1], "'title' is empty")
    when = y.day(c, f["date"][1], "date") if "date" in f else None
    slides = _slides(c, f["slides"][1]) if "slides" in f else []
    if not slides and "slides" not in f:
        c.warn(root, "no 'slides': the deck will be empty")
    values: dict[str, Any] = dict(
        {k: text.get(k, "").strip() for k in TEXT_KEYS},
        date=when.date() if isinstance(when, datetime) else when,
        notes=y.strings(c, f["notes"][1], "notes") if "notes" in f else (),
        theme=_theme(c, f["theme"][1], path.parent) if "theme" in f else "default",
        aspect=_aspect(c, f["aspect"][1]) if "aspect" in f else "16:9",
        slides=tuple(slides))
    vault = _vault(c, f.get("vault"), root, path.parent)
    return Talk(path=path, vault=vault, **values) if vault else None


def _vault(c: Collector, kv: tuple[Node, Node] | None, root: Node, spec_dir: Path) -> Path | None:
    if kv is None:
        c.err(root, "missing required key 'vault' (the notes folder, relative to this file)")
        return None
    value = y.text(c, kv[1], "vault")
    if value is not None and not value.strip():
        c.err(kv[1], "'vault' is empty: give the notes folder, relative to this file")
    if not value or not value.strip():
        return None
    # abspath, not resolve(): no file-system access until the path is known to be sane.
    vault = Path(os.path.normpath(os.path.abspath(spec_dir / Path(value.strip()).expanduser())))
    try:
        folder, note = vault.is_dir(), vault.is_file()
    except OSError as e:
        c.err(kv[1], f"vault '{value}' cannot be read: {e.strerror or e}")
        return None
    if note and vault.suffix.lower() != ".md":
        c.err(kv[1], f"vault '{value}' is a file but not a note: give a folder or a .md note")
    elif not (folder or note):
        c.err(kv[1], f"vault '{value}' does not exist (looked for {vault})")
    return vault if folder or (note and vault.suffix.lower() == ".md") else None


def _theme(c: Collector, node: Node, spec_dir: Path) -> str:
    name = (y.text(c, node, "theme") or "").strip()
    if not name:
        return "default"
    known = themes.names(spec_dir)
    if name not in known:
        c.err(node, f"unknown theme '{name}'{did_you_mean(name, known)}; available: "
                    f"{', '.join(known) or 'none'}")
    return name


def _aspect(c: Collector, node: Node) -> str:
    # Unquoted 16:9 is a YAML 1.1 integer (969); the raw text is what the user meant.
    value = y.text(c, node, "aspect")
    if value is None:
        return "16:9"
    if value.replace(" ", "") not in ASPECTS:
        c.err(node, f"'aspect' must be \"16:9\" or \"4:3\", not '{value}'")
        return "16:9"
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
    present = list(dict.fromkeys(k for k in keys if k in ITEM_KEYS))
    if not present and len(keys) == 1 and keys[0] in BARE_KINDS:
        c.err(node, f"'{keys[0]}' takes no value: write '- {keys[0]}'"
                    + (" (it shows the spec's title, subtitle, author, event and date)"
                       if keys[0] == "title" else ""))
        return None
    if len(present) != 1:
        hint = did_you_mean(keys[0], ITEM_KEYS) if keys and not present else ""
        c.err(node, f"a slide item has exactly one of {', '.join(ITEM_KEYS)}; this one has "
                    f"{' and '.join(present) or 'none'}{hint}")
        return None
    kind = present[0]
    f = y.fields(c, node, (kind,) + ITEM_KEYS[kind])
    marker = c.mark()
    params = _ITEMS[kind](c, f)
    if params is None or not c.clean_since(marker):
        return None
    return SlideSpec(kind, line, MappingProxyType(params))


def _bare(c: Collector, node: ScalarNode) -> SlideSpec | None:
    name = node.value.strip()
    if name in BARE_KINDS:
        return SlideSpec(name, node.start_mark.line + 1, MappingProxyType({}))
    kinds = BARE_KINDS + tuple(k for k in ITEM_KEYS if k not in BARE_KINDS)
    if name in ITEM_KEYS:
        c.err(node, f"'{name}' needs a value, e.g. '- {name}: …'")
    else:
        c.err(node, f"unknown slide kind '{name}'{did_you_mean(name, kinds)}; expected one "
                    f"of: {', '.join(kinds)}")
    return None


def _section(c: Collector, f: Fields) -> dict[str, Any] | None:
    title = y.text(c, f["section"][1], "section")
    return None if title is None else {"title": title.strip()}


def _text_item(c: Collector, f: Fields) -> dict[str, Any] | None:
    kind = "text" if "text" in f else "closing"
    body = y.text(c, f[kind][1], kind)
    return None if body is None else {"text": body.strip("\n")}


def _image(c: Collector, f: Fields) -> dict[str, Any] | None:
    name = y.text(c, f["image"][1], "image")
    if name is not None and not name.strip():
        c.err(f["image"][1], "'image' is empty: give an image file name or an entry id")
    if not name or not name.strip():
        return None
    params: dict[str, Any] = {"image": name.strip(), "repeat": _repeat(c, f)}
    for key in ("caption", "notes"):
        if key in f:
            params[key] = (y.text(c, f[key][1], key) or "").strip("\n")
    if "source" in f:
        params["source"] = _source(c, f["source"][1])
    return params


def _source(c: Collector, node: Node) -> Source | None:
    if isinstance(node, ScalarNode):
        text = "" if y.is_null(node) else node.value.strip()
        return Source(text) if text else None
    if not isinstance(node, MappingNode):
        c.err(node, "'source' is text, or a mapping with 'text' and 'url'")
        return None
    f = y.fields(c, node, ("text", "url"))
    text = (y.text(c, f["text"][1], "text") or "").strip() if "text" in f else ""
    url = (y.text(c, f["url"][1], "url") or "").strip() if "url" in f else ""
    return Source(text, url or None) if text or url else None


def _repeat(c: Collector, f: Fields) -> bool:
    return bool(y.boolean(c, f["repeat"][1], "repeat")) if "repeat" in f else False


def _select(c: Collector, f: Fields) -> dict[str, Any] | None:
    node = f["select"][1]
    if not isinstance(node, MappingNode):
        c.err(node, "'select' takes a mapping, e.g. 'select: {tags: [ml], from: 2024-04-01}'")
        return None
    s = y.fields(c, node, SELECT_KEYS, SELECT_ALIASES)
    got = {k: v for k, (_, v) in s.items()}
    tags = {k: tuple(t.lstrip("#").lower() for t in y.strings(c, got[k], k)) if k in got else ()
            for k in ("tags", "all_tags", "not_tags")}
    params: dict[str, Any] = dict(
        tags,
        notes=y.strings(c, got["notes"], "notes") if "notes" in got else (),
        date_from=y.day(c, got["from"], "from") if "from" in got else None,
        date_to=y.day(c, got["to"], "to") if "to" in got else None,
        match=y.regex(c, got["match"], "match") if "match" in got else None,
        order=y.choice(c, got["order"], "order", ORDERS) if "order" in got else "note",
        limit=y.count(c, got["limit"], "limit") if "limit" in got else None,
        repeat=_repeat(c, f))
    lo, hi = params["date_from"], params["date_to"]
    if lo and hi and day_start(lo) > day_end(hi):
        c.err(got["from"], f"'from' ({lo.isoformat()}) is after 'to' ({hi.isoformat()})")
    return params


_ITEMS: dict[str, Callable[[Collector, Fields], dict[str, Any] | None]] = {
    "section": _section, "select": _select, "image": _image, "text": _text_item,
    "closing": _text_item}
