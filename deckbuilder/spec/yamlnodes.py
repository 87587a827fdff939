"""Typed values from a PyYAML node tree, with a diagnostic at the line of every bad one.

Composing (not constructing) keeps each value's line, and keeps text exactly as typed:
`title: yes` stays "yes", `aspect: 16:9` is not YAML 1.1's sexagesimal 969, and a bad
date is our message at its line rather than a constructor exception.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Iterable

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from deckbuilder.errors import Diagnostic, error, warning
from deckbuilder.markup import normal_text
from deckbuilder.vault import parse_iso

NULL = "tag:yaml.org,2002:null"
_SURROGATE = re.compile("[\ud800-\udfff]")
Fields = dict[str, tuple[Node, Node]]


@dataclass
class Collector:
    """Diagnostics gathered while walking one YAML file, located at node lines."""

    file: str
    diags: list[Diagnostic] = field(default_factory=list)
    folder: Path = Path(".")      # what relative paths in the file are relative to

    def err(self, node: Node, message: str) -> None:
        """Record an error at the node's line."""
        self.diags.append(error(message, self.file, node.start_mark.line + 1))

    def warn(self, node: Node, message: str) -> None:
        """Record a warning at the node's line."""
        self.diags.append(warning(message, self.file, node.start_mark.line + 1))

    def sorted(self) -> list[Diagnostic]:
        """Return the diagnostics in line order (stable), as an editor lists them."""
        return sorted(self.diags, key=lambda d: (d.location.line or 0) if d.location else 0)

    def mark(self) -> int:
        """Return a marker; `clean_since(marker)` tells whether no diagnostic came after."""
        return len(self.diags)

    def clean_since(self, marker: int) -> bool:
        """Return whether nothing was recorded since `mark()` returned `marker`."""
        return len(self.diags) == marker


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """Return " (did you mean 'x'?)" for the nearest known word, or ""."""
    near = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f" (did you mean '{near[0]}'?)" if near else ""


def parse_date(text: str) -> date | datetime:
    """Return the day (YYYY-MM-DD) or local date-time (YYYY-MM-DD HH:MM[:SS]) written.

    The vault's ISO parser, so a spec's dates and a note's front-matter dates are read
    alike; a spec's date-times are local time, so a time zone is refused.
    """
    return parse_iso(text, zones=False)


def day_start(d: date) -> datetime:
    """Return the first moment of a day (a date-time stays as it is)."""
    return d if isinstance(d, datetime) else datetime.combine(d, time.min)


def day_end(d: date) -> datetime:
    """Return the last moment of a day, so a `to` day is inclusive (a date-time stays)."""
    return d if isinstance(d, datetime) else datetime.combine(d, time.max)


def compose(c: Collector, path: Path) -> Node | None:
    """Return the YAML node tree of a file, or None after recording why it has none."""
    try:
        data = path.read_bytes()
    except OSError as e:
        c.diags.append(error(f"cannot read: {e.strerror or e}", c.file))
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        c.diags.append(error(f"not UTF-8 text (byte {e.start})", c.file,
                             data[: e.start].count(b"\n") + 1))
        return None
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = (mark.line + 1, mark.column + 1) if mark else (None, None)
        c.diags.append(error(f"YAML syntax: {_problem(e)}", c.file, *where))
    except yaml.YAMLError as e:  # ReaderError: a character YAML does not allow
        pos = getattr(e, "position", 0) or 0
        c.diags.append(error(f"YAML: {e}".replace("\n", " "), c.file,
                             text[:pos].count("\n") + 1))
    except RecursionError:  # PyYAML's composer recurses once per nesting level
        c.diags.append(error("YAML nested too deeply", c.file, 1))
    return None


def _problem(e: yaml.MarkedYAMLError) -> str:
    problem = e.problem or "invalid YAML"
    if e.context and e.context_mark and e.problem_mark and \
            e.context_mark.line != e.problem_mark.line:
        return f"{problem} ({e.context} on line {e.context_mark.line + 1})"
    return f"{e.context}: {problem}" if e.context else problem


def kind_name(node: Node) -> str:
    """Return how a user would call this node's shape: text, a list or a mapping."""
    names: dict[type[Node], str] = {SequenceNode: "a list", MappingNode: "a mapping"}
    return names.get(type(node), "text")


def is_null(node: Node) -> bool:
    """Return whether the node is an empty value (`key:` or `key: null`)."""
    return isinstance(node, ScalarNode) and node.tag == NULL


def fields(c: Collector, node: MappingNode, known: tuple[str, ...],
           aliases: dict[str, str] | None = None) -> Fields:
    """Return {canonical key: (key node, value node)}; report unknown and repeated keys."""
    aliases = aliases or {}
    out: Fields = {}
    for k, v in node.value:
        if not isinstance(k, ScalarNode):
            c.err(k, f"a key must be a name, not {kind_name(k)}")
            continue
        name = aliases.get(k.value, k.value)
        if name not in known:
            # Canonical names first: 'tagz' should suggest 'tags', not the alias 'tag'.
            hint = did_you_mean(k.value, known) or did_you_mean(k.value, aliases)
            c.err(k, f"unknown key '{k.value}'{hint or '; expected one of: ' + ', '.join(known)}")
        elif name in out:
            c.err(k, f"duplicate key '{k.value}' (first on line {out[name][0].start_mark.line + 1})")
        else:
            out[name] = (k, v)
    return out


def text(c: Collector, node: Node, key: str) -> str | None:
    """Return a scalar exactly as typed ("" for an empty value); None after an error."""
    if isinstance(node, ScalarNode):
        if _SURROGATE.search(node.value):   # "\ud800" in a quoted string: not a character
            c.err(node, f"'{key}' holds a lone surrogate "
                        f"({node.value.encode('utf-8', 'backslashreplace').decode()!r}), "
                        "which is not a character; remove it")
            return None
        return "" if node.tag == NULL else normal_text(node.value)
    c.err(node, f"'{key}' must be text, not {kind_name(node)}")
    return None


def strings(c: Collector, node: Node, key: str) -> tuple[str, ...]:
    """Return a list of non-empty texts; a single text is a list of one."""
    if isinstance(node, ScalarNode):
        return () if node.tag == NULL or not node.value.strip() else (node.value.strip(),)
    if not isinstance(node, SequenceNode):
        c.err(node, f"'{key}' must be a list of texts, not {kind_name(node)}")
        return ()
    out = []
    for item in node.value:
        if not isinstance(item, ScalarNode):
            c.err(item, f"each item of '{key}' must be text, not {kind_name(item)}")
        elif item.tag != NULL and item.value.strip():
            out.append(item.value.strip())
    return tuple(out)


def day(c: Collector, node: Node, key: str) -> date | datetime | None:
    """Return a date or local date-time; None after an error."""
    if not isinstance(node, ScalarNode) or node.tag == NULL:
        c.err(node, f"'{key}' must be a date (YYYY-MM-DD), not "
                    f"{'empty' if is_null(node) else kind_name(node)}")
        return None
    try:
        return parse_date(node.value)
    except ValueError as e:
        c.err(node, f"bad date for '{key}': {e}")
        return None


def boolean(c: Collector, node: Node, key: str) -> bool | None:
    """Return true/false (also yes/no, on/off); None after an error."""
    if isinstance(node, ScalarNode) and node.value.lower() in yaml.SafeLoader.bool_values:
        return yaml.SafeLoader.bool_values[node.value.lower()]
    shown = node.value if isinstance(node, ScalarNode) else kind_name(node)
    c.err(node, f"'{key}' must be true or false, not '{shown}'")
    return None


def count(c: Collector, node: Node, key: str) -> int | None:
    """Return a whole number of at least 1; None after an error."""
    value = node.value.strip() if isinstance(node, ScalarNode) else kind_name(node)
    if not re.fullmatch(r"[0-9]{1,9}", value) or int(value) < 1:
        c.err(node, f"'{key}' must be a whole number of at least 1, not '{value}'")
        return None
    return int(value)


def regex(c: Collector, node: Node, key: str) -> str | None:
    """Return a regular expression that compiles; None after an error."""
    import regex as regex_module   # here: ~20 ms to import, for a spec that has a pattern

    pattern = text(c, node, key)
    if pattern is None:
        return None
    try:   # the `regex` module runs it (picks.py), so it judges the syntax too
        regex_module.compile(pattern, regex_module.V0)
    except (regex_module.error, OverflowError, RecursionError) as e:
        c.err(node, f"invalid regular expression {pattern!r} in '{key}': {e}")
        return None
    return pattern


def choice(c: Collector, node: Node, key: str, choices: tuple[str, ...]) -> str | None:
    """Return one of `choices`; None after an error."""
    value = text(c, node, key)
    if value is not None and value not in choices:
        c.err(node, f"'{key}' must be one of {', '.join(choices)}, not '{value}'"
                    f"{did_you_mean(value, choices)}")
        return None
    return value
