"""Front matter: YAML between `---` lines at the very top of a note (research §2).

Invalid YAML never stops a read: the note is read without it and a warning says why
(obsidiantools does the same). Tags come from `tags` (a list, or a comma- or
space-separated string) and the legacy `tag`.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)   # libyaml is ~10x faster
_SPLIT_TAGS = re.compile(r"[,\s]+")


def parse(raw: list[str]) -> tuple[dict[Any, Any], int, list[tuple[int, str]]]:
    """Return the front matter, the index of the first line after it, and problems."""
    if not raw or raw[0].rstrip() != "---":
        return {}, 0, []
    end = next((i for i in range(1, len(raw)) if raw[i].rstrip() in ("---", "...")), 0)
    if not end:
        return {}, 0, []   # no closing fence: the "---" is a rule, not front matter
    try:
        data = yaml.load("\n".join(raw[1:end]), Loader=_LOADER)  # noqa: S506 (safe loader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 2 if exc.problem_mark else 1
        return {}, end + 1, [(line, f"invalid front matter ({exc.problem}); read as empty")]
    except (yaml.YAMLError, ValueError, OverflowError, RecursionError) as exc:
        return {}, end + 1, [(1, f"invalid front matter ({exc}); read as empty")]
    if data is None:
        return {}, end + 1, []
    if not isinstance(data, dict):
        return {}, end + 1, [(1, "front matter is not a mapping of keys to values; ignored")]
    return data, end + 1, []


def tags(meta: dict[Any, Any]) -> list[str]:
    """Return the tags of front matter `tags` (list or string) and legacy `tag`, lower case."""
    out: list[str] = []
    for key, value in meta.items():
        if not isinstance(key, str) or key.lower() not in ("tags", "tag"):
            continue
        values = value if isinstance(value, (list, tuple, set)) else [value]
        for v in values:
            if not isinstance(v, str):   # numbers, booleans, nested lists: not tags
                continue
            for tag in _SPLIT_TAGS.split(v):
                tag = tag.lstrip("#").strip("/").lower()
                if tag and not tag.replace("/", "").isdigit():
                    out.append(tag)
    return out
