"""Themes: folders on a search path, each with a theme.yaml that may `extends:` another.

The built-in `default` theme names every setting; it is the schema, so a key another
theme sets that default does not have is an error with file:line and a did-you-mean.
A theme without `extends:` extends `default`. The search path is the spec folder's
`themes/`, then the built-in themes (the checkout's top-level `themes/`, or
`deckbuilder/_themes` inside a wheel), so a talk can override a built-in theme by name;
`shadows` warns when it does, since a talk from someone else could bring its own
`themes/default/` without its spec saying so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import yaml

from deckbuilder import fonts
from deckbuilder.errors import Diagnostic, ThemeError, error, warning
from deckbuilder.model import Face

PACKAGE = Path(__file__).resolve().parent
VENDOR = PACKAGE / "_vendor"
BASE = "default"
_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
_FILE_KEYS = frozenset({"regular", "bold", "italic", "bold_italic"})
# Image and template settings: file names relative to the theme that names them.
FILE_SETTINGS = ("pptx.template", "logo.file", "backgrounds.image", "backgrounds.title",
                 "backgrounds.section")
# Settings with a fixed set of values, and numbers with a range: checked at load.
CHOICES = {"image_slide.layout": ("framed", "fullbleed"),
           "image_slide.caption_placement": ("bottom", "right", "auto"),
           "image_slide.fullbleed.fit": ("contain", "cover")}
RANGES = {"image_slide.fullbleed.band.opacity": (0.0, 1.0),
          "image_slide.fullbleed.cover_tolerance": (0.0, 1.0),
          "backgrounds.veil": (0.0, 1.0)}
MAX_VALUES = 100_000   # settings with aliases expanded; the default theme has ~300


def builtin_dir() -> Path:
    """Return the folder of the built-in themes: the checkout's or the wheel's."""
    wheel = PACKAGE / "_themes"
    return wheel if wheel.is_dir() else PACKAGE.parent / "themes"


def search_path(spec_dir: Path | None) -> list[Path]:
    """Return the folders searched for themes, most specific first."""
    dirs = [spec_dir / "themes"] if spec_dir is not None else []
    return [d for d in dirs if d.is_dir()] + [builtin_dir()]


def shadows(theme: Theme) -> list[Diagnostic]:
    """Return a warning for each folder of the theme's chain that stands in for a built-in
    theme of the same name: a talk's own `themes/default/` is used without the spec
    naming it."""
    builtin = builtin_dir().resolve()
    return [warning(f"this talk's own theme folder {folder} replaces the built-in theme "
                    f"'{folder.name}' (its templates and settings are used instead); rename "
                    "or remove it if you did not add it", str(folder / "theme.yaml"))
            for folder in theme.dirs
            if folder.parent != builtin and (builtin / folder.name / "theme.yaml").is_file()]


def names(spec_dir: Path | None) -> list[str]:
    """Return the sorted names of every theme on the search path."""
    found = {p.parent.name for d in search_path(spec_dir) for p in d.glob("*/theme.yaml")}
    return sorted(found)


@dataclass(frozen=True)
class Listed:
    """A theme as `deckbuilder themes` lists it."""

    name: str
    folder: Path                 # where the theme's own theme.yaml is
    extends: tuple[str, ...]     # the chain it builds on, nearest first
    description: str
    problems: tuple[str, ...]    # why it does not load, if it doesn't


def catalogue(spec_dir: Path | None) -> list[Listed]:
    """Return every theme on the search path, loaded (a broken one lists its problems)."""
    out = []
    for name in names(spec_dir):
        try:
            found = load(name, spec_dir)
        except ThemeError as exc:
            folder = _find(name, spec_dir, set()) or Path(name)
            out.append(Listed(name, folder, (), "", tuple(str(d) for d in exc.diagnostics)))
            continue
        out.append(Listed(name, found.dirs[0], tuple(d.name for d in found.dirs[1:]),
                          str(found.settings.get("description", "")), ()))
    return out


@dataclass(frozen=True)
class Theme:
    """A resolved theme: its folders (most specific first) and merged settings."""

    name: str
    dirs: tuple[Path, ...]
    settings: Mapping[str, Any]
    # Where each setting was given: dotted path -> (theme.yaml, line), the most specific
    # theme that sets it; for diagnostics about a setting's value at its line.
    origins: Mapping[str, tuple[str, int | None]] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, repr=False)

    def get(self, dotted: str) -> Any:
        """Return the setting at a dotted path, e.g. `image_slide.caption.min_size`."""
        node: Any = self.settings
        for part in dotted.split("."):
            node = node[part]
        return node

    def color(self, value: str) -> str:
        """Return "#RRGGBB" for a colour value or the name of an entry of `colors`."""
        colors = self.settings["colors"]
        resolved = colors.get(value, value)
        return str(resolved).upper()

    def where(self, dotted: str) -> tuple[str, int | None]:
        """Return (theme.yaml, line) of the theme that gave this setting its value."""
        return self.origins.get(dotted, (str(self.dirs[0] / "theme.yaml"), None))

    def has_slide(self, kind: str) -> bool:
        """Return whether the theme draws slides of this kind."""
        return kind in self.settings["slides"]

    def font_file(self, bold: bool = False, italic: bool = False) -> Path:
        """Return the body font file the layout measures with for this face."""
        face = {(False, False): "regular", (True, False): "bold",
                (False, True): "italic", (True, True): "bold_italic"}[(bold, italic)]
        return Path(self.settings["fonts"]["body"][face])

    def faces(self) -> tuple[Face, ...]:
        """Return the font fallback chain: the body face, then `fonts.fallback_first` and
        `fonts.fallback`, tried in order for each character."""
        body = self.settings["fonts"]["body"]
        files = [self.font_file(b, i) for b, i in
                 ((False, False), (True, False), (False, True), (True, True))]
        return fonts.chain(fonts.body_face(body["family"], body["web_family"], files),
                           self.settings["fonts"])


# ---------------------------------------------------------------- loading


# libyaml's parser when PyYAML has it (its wheels do): a theme is read on every build,
# and the pure-Python parser takes ten times as long (~35 ms for the default theme).
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):  # type: ignore[misc, valid-type]
    """A SafeLoader whose mappings remember the line of every key."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict:
    mapping = _LineDict()
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = key_node.start_mark.line + 1
    return mapping


class _LineDict(dict):
    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[Any, int] = {}


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _find(name: str, spec_dir: Path | None, skip: set[Path]) -> Path | None:
    for d in search_path(spec_dir):
        candidate = (d / name).resolve()
        if (candidate / "theme.yaml").is_file() and candidate not in skip:
            return candidate
    return None


def _read(folder: Path) -> _LineDict:
    path = folder / "theme.yaml"
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        line = mark.line + 1 if mark else None
        raise ThemeError([error(f"invalid YAML: {e.problem}", str(path), line)]) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ThemeError([error(f"cannot read theme: {e}", str(path))]) from None
    if data is None:
        data = _LineDict()
    if not isinstance(data, _LineDict):
        raise ThemeError([error("a theme.yaml must be a mapping of settings", str(path), 1)])
    if _expanded_size(data, {}) > MAX_VALUES:
        # YAML aliases share values; merging and freezing copy them, so nested aliases
        # ("billion laughs") would take exponential time and memory.
        raise ThemeError([error(f"the settings expand to more than {MAX_VALUES:,} values "
                                "(nested YAML aliases?); a theme is a short file",
                                str(path), 1)])
    return data


def _expanded_size(value: Any, seen: dict[int, int]) -> int:
    """Return how many values `value` holds with every alias expanded (linear time)."""
    if not isinstance(value, (dict, list)):
        return 1
    if id(value) not in seen:
        seen[id(value)] = 0   # a cycle counts once (yaml.load can build recursive lists)
        children = value.values() if isinstance(value, dict) else value
        total = 1
        for child in children:
            total += _expanded_size(child, seen)
            if total > MAX_VALUES:
                break
        seen[id(value)] = total
    return seen[id(value)]


def _chain(name: str, spec_dir: Path | None) -> list[tuple[Path, _LineDict]]:
    """Return (folder, raw settings) from the theme itself down to the base."""
    chain: list[tuple[Path, _LineDict]] = []
    seen: set[Path] = set()
    current: str | None = name
    while current is not None:
        folder = _find(current, spec_dir, seen)
        if folder is None:
            where = f"{chain[-1][0] / 'theme.yaml'}" if chain else None
            line = chain[-1][1].lines.get("extends") if chain else None
            known = names(spec_dir)
            import difflib   # for a typo in a theme only

            hint = difflib.get_close_matches(current, known, 1)
            msg = f"unknown theme {current!r}" + (f" (did you mean {hint[0]!r}?)" if hint
                                                   else f"; themes: {', '.join(known)}")
            raise ThemeError([error(msg, where, line)] if where else msg)
        data = _read(folder)
        seen.add(folder)
        chain.append((folder, data))
        parent = data.get("extends")
        is_base = current == BASE and folder.parent == builtin_dir().resolve()
        current = None if is_base else (str(parent) if parent else BASE)
    return chain


def _resolve_files(data: dict, folder: Path) -> None:
    # Font and template paths are relative to the theme that names them, so resolve them
    # before merging.
    for top, key in (name.split(".") for name in FILE_SETTINGS):
        part = data.get(top)
        if isinstance(part, dict) and isinstance(part.get(key), str) and part[key]:
            part[key] = str(folder / part[key])
    section = data["fonts"] if isinstance(data.get("fonts"), dict) else {}
    for key in ("fallback", "fallback_first"):
        for entry in section.get(key) or ():
            if isinstance(entry, dict) and isinstance(entry.get("files"), str):
                entry["files"] = _file(entry["files"], folder)
    body = section.get("body", {})
    if not isinstance(body, dict):
        return
    for key in _FILE_KEYS & body.keys():
        body[key] = _file(str(body[key]), folder)


def _file(value: str, folder: Path) -> str:
    """Return a theme's font path resolved: "vendor:" files come with deckbuilder."""
    return str(VENDOR / value[7:] if value.startswith("vendor:") else folder / value)


def _merge(base: Any, over: Any, path: str, file: str, line: int | None,
           problems: list[Diagnostic]) -> Any:
    """Return `over` merged onto `base`, checking keys and types against the base."""
    if not isinstance(base, dict):
        if isinstance(base, bool) != isinstance(over, bool) or not _same_kind(base, over):
            problems.append(error(f"{path} must be {_kind(base)}, not {_kind(over)}",
                                  file, line))
            return base
        return over
    if not isinstance(over, dict):
        problems.append(error(f"{path} must be a mapping, not {_kind(over)}", file, line))
        return base
    merged = dict(base)
    own_lines = getattr(over, "lines", {})
    for key, value in over.items():
        sub = f"{path}.{key}" if path else str(key)
        if key not in base:
            import difflib

            hint = difflib.get_close_matches(str(key), [str(k) for k in base], 1)
            msg = f"unknown theme key {sub!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
            problems.append(error(msg, file, own_lines.get(key, line)))
            continue
        merged[key] = _merge(base[key], value, sub, file, own_lines.get(key, line), problems)
    return merged


def _origins(data: Any, file: str, prefix: str, out: dict[str, tuple[str, int | None]]) -> None:
    """Record (file, line) for every setting `data` gives, by dotted path."""
    lines = getattr(data, "lines", {})
    for key, value in data.items() if isinstance(data, dict) else ():
        dotted = f"{prefix}.{key}" if prefix else str(key)
        out[dotted] = (file, lines.get(key))
        _origins(value, file, dotted, out)


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true or false",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def _same_kind(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return True
    return isinstance(b, type(a))


def _check_colors(settings: dict, where: Any) -> list[Diagnostic]:
    colors = settings["colors"]
    bad = [k for k, v in colors.items() if not _HEX.match(str(v))]
    return [error(f"colors.{k} must be \"#RRGGBB\", not {colors[k]!r}", *where(f"colors.{k}"))
            for k in bad]


def _setting(settings: dict, dotted: str) -> Any:
    node: Any = settings
    for part in dotted.split("."):
        node = node[part]
    return node


def _check_values(settings: dict, where: Any) -> list[Diagnostic]:
    """Return an error, at the setting's line, for a value outside its choices or range,
    and for a file setting naming a file that is not there."""
    out = []
    for dotted, choices in CHOICES.items():
        value = _setting(settings, dotted)
        if value not in choices:
            out.append(error(f"{dotted} must be one of {', '.join(choices)}, not {value!r}",
                             *where(dotted)))
    for dotted, (low, high) in RANGES.items():
        value = _setting(settings, dotted)
        if not low <= value <= high:
            out.append(error(f"{dotted} must be between {low:g} and {high:g}, not {value!r}",
                             *where(dotted)))
    for dotted in FILE_SETTINGS:
        value = _setting(settings, dotted)
        if value and not Path(value).is_file():
            what = "is not a file" if Path(value).exists() else "is missing"
            out.append(error(f"{dotted}: {Path(value).name} {what} (looked for {value}; "
                             "the path is relative to the theme's folder)", *where(dotted)))
    return out


def _check_fonts(settings: dict, file: str, cache: Path | None = None) -> list[Diagnostic]:
    body = settings["fonts"]["body"]
    missing = [body[k] for k in sorted(_FILE_KEYS) if not Path(body[k]).is_file()]
    broken = fonts.broken([Path(p) for p in sorted({body[k] for k in _FILE_KEYS} - set(missing))],
                          _not_a_font, cache)
    return ([error(f"font file {p} is missing (run scripts/setup, which copies the fonts "
                   "from npm with scripts/vendor_assets.py)", file) for p in missing]
            + [error(f"font file {p} is not a font the layout can measure with: {why}", file)
               for p, why in broken])


_SLOTS = ("latin", "ea", "cs")


def _check_fallback(settings: dict, file: str) -> list[Diagnostic]:
    """Return the problems of the `fonts.fallback` chains: every entry names a family,
    a slot, and a fontsource package folder or a font file that is there."""
    problems = []
    for key in ("fallback_first", "fallback"):
        for n, entry in enumerate(settings["fonts"][key]):
            where = f"fonts.{key}[{n}]"
            if not isinstance(entry, dict) or not entry.get("family") or not entry.get("files"):
                problems.append(error(f"{where} must be a mapping with at least `family` and "
                                      "`files` (a fontsource package folder or a font file)",
                                      file))
                continue
            unknown = set(entry) - {"family", "web_family", "slot", "lang", "files"}
            if unknown:
                problems.append(error(f"{where}: unknown key {sorted(unknown)[0]!r} (keys: "
                                      "family, web_family, slot, lang, files)", file))
            if entry.get("slot", "latin") not in _SLOTS:
                problems.append(error(f"{where}.slot must be one of {', '.join(_SLOTS)}, not "
                                      f"{entry['slot']!r}", file))
            if not Path(str(entry["files"])).exists():
                problems.append(error(f"{where}: font files {entry['files']} are missing (run "
                                      "scripts/setup, which copies the fonts from npm)", file))
    return problems


def _not_a_font(path: Path) -> str | None:
    """Return why Pillow cannot open a font file, or None when it can."""
    from PIL import ImageFont

    try:
        ImageFont.truetype(str(path), 12)
    except OSError as e:
        return str(e) or type(e).__name__
    return None


def load(name: str, spec_dir: Path | None = None, cache: Path | None = None) -> Theme:
    """Return the named theme with its `extends:` chain merged; raise ThemeError if bad.
    With a `cache` folder, font files that opened before, unchanged, are not opened again."""
    chain = _chain(name, spec_dir)
    problems: list[Diagnostic] = []
    origins: dict[str, tuple[str, int | None]] = {}
    settings: dict[str, Any]   # the base theme's, then with each child's merged in
    base_folder, settings = chain[-1]
    _resolve_files(settings, base_folder)
    _origins(settings, str(base_folder / "theme.yaml"), "", origins)
    settings = {k: v for k, v in settings.items() if k != "extends"}
    for folder, data in reversed(chain[:-1]):
        _resolve_files(data, folder)
        data = _strip_extends(data)
        _origins(data, str(folder / "theme.yaml"), "", origins)
        settings = _merge(settings, data, "", str(folder / "theme.yaml"), None, problems)
    own = str(chain[0][0] / "theme.yaml")

    def where(dotted: str) -> tuple[str, int | None]:
        return origins.get(dotted, (own, None))

    problems += _check_colors(settings, where)
    problems += _check_fonts(settings, own, cache)
    problems += _check_fallback(settings, own)
    if not problems:   # a value of the wrong type is reported once, above
        problems += _check_values(settings, where)
    if problems:
        raise ThemeError(problems)
    return Theme(name, tuple(f for f, _ in chain), _freeze(settings),
                 MappingProxyType(origins))


def _strip_extends(data: _LineDict) -> _LineDict:
    out = _LineDict()
    out.update({k: v for k, v in data.items() if k != "extends"})
    out.lines = data.lines
    return out


def _freeze(value: Any) -> Any:
    # Settings are shared by every stage; read-only views keep them from being mutated.
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value
