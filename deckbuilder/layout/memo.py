"""Entry slides planned by an earlier build, kept for the next: a rebuild after one
caption changed plans that entry alone.

An entry's slides depend only on the pick (its entry, with the spec's overrides, and
the spec line), the theme (settings, font files), the canvas or template, the logo and
the entry's own images, and the planner's code: its key hashes all of them, so any
change there plans the entry again. The planner stays pure: `plan` reads and fills a
`Memo` in memory; the build loads it from the cache and saves it after writing the
deck. One file per talk holds the entries its last build used, so it never grows past
the talk. A damaged or foreign file is an empty memo: the deck is planned from scratch.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import pickle
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import PIL

from deckbuilder import __version__
from deckbuilder.errors import Diagnostic
from deckbuilder.fsutil import atomic_write_bytes, cache_root
from deckbuilder.model import LOGO_IMAGE, Pick, Slide
from deckbuilder.layout.context import Ctx

FORMAT = b"deckbuilder plan memo 1\n"
# The modules whose code decides an entry's slides, by path relative to the package.
_CODE = ("layout/*.py", "markup.py", "fonts.py", "model.py", "theme.py", "template.py",
         "errors.py")
# Libraries whose version is read from their source, never imported for it: markdown-it-py
# and regex take ~40 and ~20 ms to import, and a rebuild of plain Latin captions needs
# neither.
_VERSION_FILES = (("markdown_it", "__init__.py"), ("regex", "_main.py"))
Planned = tuple[list[Slide], list[Diagnostic]]


class Memo:
    """Planned entries by key: those a previous build saved, and those this one used."""

    def __init__(self, known: dict[str, bytes] | None = None) -> None:
        self._known = known or {}
        self.used: dict[str, bytes] = {}
        self._context: tuple[Ctx, str] | None = None   # a plan's ctx and its key part

    @property
    def changed(self) -> bool:
        """Whether saving would write something other than what was loaded."""
        return self.used != self._known

    def plan(self, ctx: Ctx, pick: Pick, planner: Callable[[], Planned]) -> Planned:
        """Return the entry's slides and warnings: remembered, else planned now."""
        self._widths_key(ctx)   # the context's key, made once per plan, not per entry
        assert self._context is not None
        key = entry_key(self._context[1], ctx, pick)
        data = self._known.get(key)
        if data is not None:
            try:
                found = _loads(data)
            except Exception:   # damaged (or from another version): planned again
                found = None
            if found is not None:
                self.used[key] = data
                return found
        planned = planner()
        self.used[key] = pickle.dumps(planned, protocol=pickle.HIGHEST_PROTOCOL)
        return planned

    def measure(self, ctx: Ctx) -> None:
        """Give the plan's fonts the word widths the last plan with the same fonts shaped."""
        data = self._known.get(self._widths_key(ctx))
        try:
            widths = _Unpickler(io.BytesIO(data)).load() if data is not None else {}
        except Exception:   # damaged: measured again
            widths = {}
        if isinstance(widths, dict) and all(_is_width(k, v) for k, v in widths.items()):
            ctx.fonts.remember(widths)

    def measured(self, ctx: Ctx) -> None:
        """Keep the word widths this plan used, for the next plan with the same fonts
        (those it was given, as they were, when it shaped nothing new)."""
        key = self._widths_key(ctx)
        widths = ctx.fonts.shaped()
        if widths is not None:
            self.used[key] = pickle.dumps(widths, protocol=pickle.HIGHEST_PROTOCOL)
        elif key in self._known:
            self.used[key] = self._known[key]

    def _widths_key(self, ctx: Ctx) -> str:
        if self._context is None or self._context[0] is not ctx:
            self._context = ctx, context_key(ctx)
        return f"widths {self._context[1]}"


def _is_width(key: object, value: object) -> bool:
    return (isinstance(key, tuple) and len(key) == 3 and isinstance(key[0], str)
            and isinstance(key[1], bool) and isinstance(key[2], bool)
            and isinstance(value, float))


def context_key(ctx: Ctx) -> str:
    """Return the hash of what decides every entry's slides alike: the planner's code,
    the theme and its font files, the canvas or template, and the logo."""
    parts = (_code_version(), repr(ctx.theme), repr(ctx.fonts), repr(_font_files(ctx)),
             ctx.width, ctx.height, repr(ctx.template), repr(ctx.images.get(LOGO_IMAGE)))
    return _hash(parts)


def entry_key(context: str, ctx: Ctx, pick: Pick) -> str:
    """Return the hash of everything that decides the slides of an entry pick: the
    context's key, the pick (its entry as overridden, its spec line) and its images."""
    entry = pick.entry
    assert entry is not None
    return _hash((context, repr(pick), repr([ctx.images.get(ref.key) for ref in entry.images])))


def _hash(parts: tuple[object, ...]) -> str:
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _font_files(ctx: Ctx) -> list[tuple[str, int, int]]:
    """Return (path, size, mtime) of the font files measured with: a font replaced in
    place under the same name measures differently."""
    paths = [str(p) for p in ctx.fonts.faces]
    paths += [p for face in ctx.fonts.chain for p in face.paths if "{subset}" not in p]
    out = []
    for path in dict.fromkeys(paths):
        try:
            st = Path(path).stat()
            out.append((path, st.st_size, st.st_mtime_ns))
        except OSError:
            out.append((path, -1, -1))
    return out


@lru_cache(maxsize=1)
def _code_version() -> str:
    """Return the hash of the planner's source and of the libraries that measure and
    parse text, so that a changed deckbuilder never reuses another one's plan."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256(f"{__version__}|{PIL.__version__}".encode())
    for package, name in _VERSION_FILES:
        h.update(package.encode() + b"\0" + _package_file(package, name).read_bytes())
    for pattern in _CODE:
        for path in sorted(root.glob(pattern)):
            h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _package_file(package: str, name: str) -> Path:
    """Return the file `name` of an installed package, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"{package} is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / name


# ---------------------------------------------------------------- the memo on disk


def path_for(talk_path: Path, cache_dir: Path | None = None) -> Path:
    """Return the memo file of the talk at `talk_path`, in the image cache's folder."""
    digest = hashlib.sha256(str(talk_path.resolve()).encode("utf-8", "surrogatepass"))
    return cache_root(cache_dir) / "plans" / f"{digest.hexdigest()[:32]}.pickle"


def load(path: Path) -> Memo:
    """Return the memo saved at `path`; an empty one when it is missing or damaged."""
    try:
        data = path.read_bytes()
    except OSError:
        return Memo()
    if not data.startswith(FORMAT):
        return Memo()
    try:
        known = _Unpickler(io.BytesIO(data[len(FORMAT):])).load()
    except Exception:
        return Memo()
    if not isinstance(known, dict) or not all(
            isinstance(k, str) and isinstance(v, bytes) for k, v in known.items()):
        return Memo()
    return Memo(known)


def save(memo: Memo, path: Path) -> None:
    """Write the entries this build used (if they changed); a failure only costs speed."""
    if not memo.changed:
        return
    try:
        atomic_write_bytes(path, FORMAT + pickle.dumps(memo.used, pickle.HIGHEST_PROTOCOL),
                           path.parent.parent / "tmp")
    except OSError:
        pass   # a read-only or full cache: the next build plans again


class _Unpickler(pickle.Unpickler):
    """Loads planned slides, and nothing else: the cache is a file anyone with access to
    the folder could have written, and unpickling may otherwise call any function."""

    ALLOWED = {("deckbuilder.model", n) for n in
               ("Slide", "Item", "Box", "TextStyle", "Face", "Source")} | \
              {("deckbuilder.errors", n) for n in ("Diagnostic", "Location")} | \
              {("pathlib", "PosixPath"), ("pathlib", "WindowsPath"), ("pathlib", "Path")}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"not in a plan: {module}.{name}")
        return super().find_class(module, name)


def _loads(data: bytes) -> Planned | None:
    slides, diags = _Unpickler(io.BytesIO(data)).load()
    if not (isinstance(slides, list) and all(isinstance(s, Slide) for s in slides)
            and isinstance(diags, list) and all(isinstance(d, Diagnostic) for d in diags)):
        return None
    return slides, diags
