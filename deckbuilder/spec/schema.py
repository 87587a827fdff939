"""The spec's keys as data: one `Key` per key, read by one function, documented once.

`loader` declares its tables (top level, `select`, `image`) as tuples of Keys: name,
reader, default, whether it is required, aliases and the README's wording. `read`
validates a mapping against a table, and `markdown_table` writes the README's key
table from the same declaration, so the two cannot drift (a test compares them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from yaml.nodes import MappingNode, Node

from deckbuilder.spec import yamlnodes as y
from deckbuilder.spec.yamlnodes import Collector

Reader = Callable[[Collector, Node, str], Any]   # the value, or None when absent or bad


@dataclass(frozen=True)
class Key:
    """One key of a spec mapping: how it is read, its default, and what it means."""

    name: str
    read: Reader
    type: str                       # as the README names it: "text", "date", …
    doc: str                        # the README's "meaning" column
    default: Any = None
    required: str = ""              # if set, the key is required; this says what it is
    aliases: tuple[str, ...] = ()
    attr: str = ""                  # the field it fills, when not `name`

    @property
    def field(self) -> str:
        """Return the name of the value this key fills."""
        return self.attr or self.name


def read(c: Collector, node: MappingNode, keys: Sequence[Key]
         ) -> tuple[dict[str, Any], y.Fields]:
    """Return every key's value (its default when absent or bad) by field name, and the
    (key, value) nodes of the keys present, for messages about a pair of them.

    Unknown and duplicate keys, missing required ones and bad values are recorded in `c`.
    """
    aliases = {alias: k.name for k in keys for alias in k.aliases}
    found = y.fields(c, node, tuple(k.name for k in keys), aliases)
    values = {}
    for key in keys:
        value = None
        if key.name in found:
            value = key.read(c, found[key.name][1], key.name)
        elif key.required:
            c.err(node, f"missing required key '{key.name}' ({key.required})")
        values[key.field] = key.default if value is None else value
    return values, found


def markdown_table(keys: Sequence[Key]) -> str:
    """Return the README table of a key table: key (and aliases), type, default, meaning."""
    rows = ["| key | value | default | meaning |", "|---|---|---|---|"]
    for k in keys:
        names = f"`{k.name}`" + (f" (also {', '.join(f'`{a}`' for a in k.aliases)})"
                                 if k.aliases else "")
        default = "required" if k.required else _shown(k.default)
        rows.append(f"| {names} | {k.type} | {default} | {k.doc} |")
    return "\n".join(rows)


def _shown(default: Any) -> str:
    if default is None or default == () or default == "":
        return "—"
    if isinstance(default, bool):
        return "`true`" if default else "`false`"
    return f"`{default}`"
