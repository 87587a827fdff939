"""Edits of a talk spec's `slides:` list that leave every other byte of the file as it was.

The picker adds, removes, moves and re-captions slide items. Each edit is a splice of
the file's own lines at the positions PyYAML's node marks give: an item is the lines
from its `- ` to its last value, the comment lines directly above it travel with it
when it moves, and nothing else is re-emitted, so comments, key order, quoting, flow
mappings and blank lines stay exactly as the user wrote them.

A round-trip library (ruamel.yaml) was tried first: it dumps the demo spec back byte
for byte, but it attaches a comment to the neighbouring node, so moving or removing an
item dropped the comment above it and shifted blank lines. Splicing lines cannot do
that. Every result is checked before it is returned: loaded as YAML it must equal the
old data with exactly the intended change, else nothing is written.
"""

from __future__ import annotations

import copy
import hashlib
import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

# Line breaks PyYAML counts besides "\n": line numbers would not match our split.
_ODD_BREAKS = re.compile("\r(?!\n)|[\x85\u2028\u2029]")
ITEM_KINDS = ("section", "select", "image", "text", "closing")


class EditError(ValueError):
    """An edit the picker cannot make on this spec (said in words the page shows)."""


def digest(data: bytes) -> str:
    """Return the content hash the page sends back with each edit."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Item:
    """One slide item's place in the file (0-based line numbers, `last` inclusive)."""

    index: int
    lead: int       # the first comment line directly above it, else == first
    first: int      # the line of its `-`
    last: int       # its last line with content
    dash: int       # the column of its `-`
    node: Node


@dataclass(frozen=True)
class Spec:
    """A spec's text, split into lines, with the slide items located in it."""

    lines: list[str]
    items: list[Item]
    indent: int           # column of the items' `-`
    end: int              # line index after which an item appended at the end goes
    newline: str
    bom: str

    @classmethod
    def parse(cls, data: bytes) -> Spec:
        """Return the located spec; raise EditError when the picker cannot edit it."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise EditError("the spec is not UTF-8 text") from None
        bom = "\ufeff" if text.startswith("\ufeff") else ""
        text = text[len(bom):]
        if _ODD_BREAKS.search(text):
            raise EditError("the spec has line breaks other than \\n or \\r\\n")
        newline = "\r\n" if "\r\n" in text else "\n"
        lines = text.split("\n")
        lines = [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
        seq, key_line = _slides_node(text)
        items = _locate(lines, seq, key_line)
        indent = items[0].dash if items else _key_indent(lines, key_line) + 2
        end = items[-1].last if items else key_line
        return cls(lines, items, indent, end, newline, bom)

    def text(self) -> str:
        """Return the whole file's text."""
        return self.bom + "".join(self.lines)


def _slides_node(text: str) -> tuple[SequenceNode | None, int]:
    """Return the `slides:` block sequence (None when empty) and the line of its key."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        raise EditError(f"the spec is not valid YAML: {str(e).splitlines()[0]}") from None
    if not isinstance(root, MappingNode):
        raise EditError("the spec is not a YAML mapping")
    for key, value in root.value:
        if isinstance(key, ScalarNode) and key.value == "slides":
            if isinstance(value, ScalarNode) and value.tag.endswith(":null") and not value.value:
                return None, key.start_mark.line
            if not isinstance(value, SequenceNode) or value.flow_style:
                raise EditError("the picker edits a 'slides:' list written one '- item' "
                                "per line")
            return value, key.start_mark.line
    raise EditError("the spec has no 'slides:' list")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _key_indent(lines: list[str], line: int) -> int:
    return _indent(lines[line])


def _last_line(node: Node) -> int:
    """Return the last line holding any of the node's own text (block scalars trimmed)."""
    if isinstance(node, MappingNode) and not node.flow_style and node.value:
        return max(_last_line(n) for pair in node.value for n in pair)
    if isinstance(node, SequenceNode) and not node.flow_style and node.value:
        return max(_last_line(n) for n in node.value)
    end = node.end_mark
    return end.line if end.column > 0 else end.line - 1


def _locate(lines: list[str], seq: SequenceNode | None, key_line: int) -> list[Item]:
    items: list[Item] = []
    floor = key_line + 1
    for i, node in enumerate(seq.value if seq is not None else ()):
        first = node.start_mark.line
        dash = lines[first].rfind("-", 0, node.start_mark.column)
        if dash < 0 or lines[first][:dash].strip():
            raise EditError(f"line {first + 1}: the picker edits items written '- …' on "
                            "one line")
        last = _last_line(node)
        while last > first and not lines[last].strip():
            last -= 1
        # Comment lines right below it, indented as its keys are, are its own.
        while last + 1 < len(lines) and _indent(lines[last + 1]) > dash and \
                lines[last + 1].lstrip().startswith("#"):
            last += 1
        lead = first
        while lead - 1 >= floor and lines[lead - 1].lstrip().startswith("#"):
            lead -= 1
        items.append(Item(i, lead, first, last, dash, node))
        floor = last + 1
    return items


# ---------------------------------------------------------------- the edits


def quoted(value: str) -> str:
    """Return `value` as a one-line YAML scalar (quoted only when it must be)."""
    dumped = yaml.safe_dump({"k": value}, default_flow_style=False, allow_unicode=True,
                            width=1 << 30)
    return dumped[len("k: "):].rstrip("\n").removesuffix("\n...").strip()


def _caption_lines(caption: str, indent: int, newline: str) -> list[str]:
    pad = " " * indent
    body = caption.split("\n")
    if len(body) == 1 or body[0][:1] == " " or any(line != line.rstrip() for line in body):
        return [f"{pad}caption: {quoted(caption)}{newline}"]
    return [f"{pad}caption: |-{newline}"] + [
        f"{pad}  {line}{newline}" if line else newline for line in body]


def _insert_at(spec: Spec, index: int) -> int:
    """Return the line before which an item that is to become item `index` goes."""
    if index < len(spec.items):
        return spec.items[index].lead
    return spec.end + 1


def add(spec: Spec, index: int, image: str) -> str:
    """Return the text with `- image: <image>` inserted as slide item `index`."""
    index = max(0, min(index, len(spec.items)))
    line = f"{' ' * spec.indent}- image: {quoted(image)}{spec.newline}"
    lines = list(spec.lines)
    at = _insert_at(spec, index)
    if at > 0 and not lines[at - 1].endswith("\n"):
        lines[at - 1] += spec.newline   # the file ended without a final newline
    lines.insert(at, line)
    return spec.bom + "".join(lines)


def remove(spec: Spec, index: int) -> str:
    """Return the text without slide item `index` (the comments above it stay)."""
    item = _item(spec, index)
    lines = spec.lines[:item.first] + spec.lines[item.last + 1:]
    return spec.bom + "".join(lines)


def move(spec: Spec, index: int, to: int) -> str:
    """Return the text with slide item `index` (and its comments) moved to place `to`."""
    item = _item(spec, index)
    to = max(0, min(to, len(spec.items) - 1))
    if to == index:
        return spec.text()
    block = spec.lines[item.lead:item.last + 1]
    if not block[-1].endswith("\n"):
        block[-1] += spec.newline
    rest = Spec.parse((spec.bom + "".join(spec.lines[:item.lead] + spec.lines[item.last + 1:])
                       ).encode("utf-8"))
    at = _insert_at(rest, to)
    lines = list(rest.lines)
    if at > 0 and not lines[at - 1].endswith("\n"):
        lines[at - 1] += spec.newline
    lines[at:at] = block
    return spec.bom + "".join(lines)


def set_caption(spec: Spec, index: int, caption: str | None) -> str:
    """Return the text with image item `index`'s caption override set (None: removed)."""
    item = _item(spec, index)
    node = item.node
    if not isinstance(node, MappingNode) or node.flow_style:
        raise EditError(f"line {item.first + 1}: the picker sets captions of image items "
                        "written as '- image: …' with keys on their own lines")
    keys = {k.value: (k, v) for k, v in node.value if isinstance(k, ScalarNode)}
    if "image" not in keys:
        raise EditError(f"line {item.first + 1}: only an image item has a caption")
    lines = list(spec.lines)
    indent = node.start_mark.column
    at = _last_line(keys["image"][1]) + 1
    if "caption" in keys:
        key, value = keys["caption"]
        if key.start_mark.line == item.first:
            raise EditError(f"line {item.first + 1}: put 'image:' first to edit the caption "
                            "here")
        at, stop = key.start_mark.line, _last_line(value)
        while stop > at and not lines[stop].strip():
            stop -= 1
        del lines[at:stop + 1]
    if caption:
        if at > 0 and not lines[at - 1].endswith("\n"):
            lines[at - 1] += spec.newline
        lines[at:at] = _caption_lines(caption, indent, spec.newline)
    return spec.bom + "".join(lines)


def _item(spec: Spec, index: int) -> Item:
    if not 0 <= index < len(spec.items):
        raise EditError(f"there is no slide item {index + 1} (the spec has "
                        f"{len(spec.items)})")
    return spec.items[index]


# ---------------------------------------------------------------- checked edits


def apply(data: bytes, op: dict[str, Any]) -> bytes:
    """Return the spec bytes after one edit, checked to change exactly that.

    `op` is {"op": "add", "image": name, "index": i} | {"op": "remove", "index": i} |
    {"op": "move", "index": i, "to": j} | {"op": "caption", "index": i, "caption": text}.
    """
    spec = Spec.parse(data)
    kind = op["op"]
    if kind == "add":
        text = add(spec, op["index"], op["image"])
    elif kind == "remove":
        text = remove(spec, op["index"])
    elif kind == "move":
        text = move(spec, op["index"], op["to"])
    elif kind == "caption":
        text = set_caption(spec, op["index"], op["caption"] or None)
    else:
        raise EditError(f"unknown edit {kind!r}")
    new = text.encode("utf-8")
    _check(data, new, op, len(spec.items))
    return new


def _check(old: bytes, new: bytes, op: dict[str, Any], count: int) -> None:
    """Raise EditError unless `new` loads as `old` with exactly the edit `op` made."""
    before, after = _load(old), _load(new)
    expected = copy.deepcopy(before)
    slides = expected.get("slides") or []
    expected["slides"] = slides
    kind, i = op["op"], op.get("index", 0)
    if kind == "add":
        slides.insert(max(0, min(i, count)), {"image": op["image"]})
    elif kind == "remove":
        del slides[i]
    elif kind == "move":
        slides.insert(max(0, min(op["to"], count - 1)), slides.pop(i))
    elif kind == "caption":
        if op["caption"]:
            slides[i]["caption"] = op["caption"]
        else:
            slides[i].pop("caption", None)
    if after.get("slides") is None and not expected["slides"]:
        after["slides"] = []
    if after != expected:
        raise EditError("this edit would change more of the spec than intended; nothing "
                        "was written (please report it)")


def _load(data: bytes) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(data.decode("utf-8"))
    except yaml.YAMLError as e:
        raise EditError(f"the edited spec would not be valid YAML: {e}") from None
    if not isinstance(loaded, dict):
        raise EditError("the spec is not a YAML mapping")
    return loaded
