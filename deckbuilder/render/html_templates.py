"""Where the HTML deck's theme templates run: the sandbox, and their compiled code kept
between builds.

Compiling the default theme's four templates takes jinja2 some 50 ms, a tenth of a
warm rebuild, for code that only changes with the templates. Each build stores the code
in the cache folder (`templates/`), keyed by jinja2's version and this package's
template code; jinja2 checks each entry against its template's source, so an edited
template is compiled again. Compiled code is Python that the build runs, so a cache
file is only read from a folder and file that no one but this user can write (the
image cache may be a shared folder): anywhere else the templates are compiled each time.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from types import FunctionType
from typing import IO, Any

import jinja2
import jinja2.sandbox
from jinja2.bccache import Bucket
from jinja2.runtime import Macro

from deckbuilder import __version__
from deckbuilder.cache import used
from deckbuilder.errors import BuildError, error
from deckbuilder.fsutil import atomic_write_bytes
from deckbuilder.model import Deck, Item, Slide

# The planner's records, which the templates read some 40 times a slide: their public
# attributes are plain data (no method of a str, no function), where jinja2's check comes
# to "not private" after a walk through Python's internal types (a fifth of drawing).
_RECORDS = frozenset({Deck, Slide, Item})
# The modules of the drawing helpers the renderer hands the templates (box_css, ...).
_HELPERS = frozenset({"deckbuilder.render.html", "deckbuilder.render.html_css"})


class Sandbox(jinja2.sandbox.SandboxedEnvironment):
    """Where theme templates render: a template from a talk's own `themes/` folder (a
    colleague's zip) cannot reach Python (`__class__`, `__globals__`, ...). A template's
    problem, a forbidden access included, is a BuildError at its file:line."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) in _RECORDS and not attribute.startswith("_"):
            try:
                return getattr(obj, attribute)
            except AttributeError:
                pass   # undefined, as jinja2 says it
        return super().getattr(obj, attribute)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        # A theme's macros and deckbuilder's own drawing helpers (box_css, ...): safe to
        # call, and called as jinja2 would, without its checks (a third of drawing).
        if type(__obj) is Macro or (type(__obj) is FunctionType
                                    and __obj.__module__ in _HELPERS):
            kwargs.pop("_loop_vars", None)
            kwargs.pop("_block_vars", None)
            try:
                return __obj(*args, **kwargs)
            except StopIteration:
                return __context.environment.undefined(
                    "value was undefined because a callable raised a StopIteration exception")
        return super().call(__context, __obj, *args, **kwargs)

    def handle_exception(self, source: str | None = None) -> Any:
        from jinja2.debug import rewrite_traceback_stack

        exc = rewrite_traceback_stack(source=source)
        if not isinstance(exc, jinja2.TemplateError):
            raise exc  # a filter's BuildError, or a bug: as it was raised
        file, line = getattr(exc, "filename", None), getattr(exc, "lineno", None)
        tb = exc.__traceback__
        while tb is not None:  # the innermost template frame is where it went wrong
            if "__jinja_exception__" in tb.tb_frame.f_globals:
                file, line = tb.tb_frame.f_code.co_filename, tb.tb_lineno
            tb = tb.tb_next
        if isinstance(exc, jinja2.sandbox.SecurityError):
            what = f"the template does something themes may not do: {exc.message}"
        elif isinstance(exc, jinja2.TemplateNotFound):
            what = f"template not found: {exc.message}"
        else:
            what = f"template error: {exc.message}"
        raise BuildError([error(what, file, line)]) from None


class CompiledTemplates(jinja2.BytecodeCache):
    """The templates' compiled code in `folder`, read only where this user alone writes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder / _generation()

    def _file(self, bucket: Bucket) -> Path:
        return self.folder / f"{bucket.key}.jinja"

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            with open(self._file(bucket), "rb") as f:
                if _private(f, self.folder):
                    used(f.fileno())   # its last use, for pruning
                    bucket.load_bytecode(f)   # checks jinja2's magic and the source's hash
        except OSError:
            return   # not cached yet, or unreadable: compiled now

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            atomic_write_bytes(self._file(bucket), bucket.bytecode_to_string())
        except OSError:
            pass   # a read-only or full cache: the next build compiles again


def _generation() -> str:
    """Return the name of this jinja2's and this deckbuilder's templates' folder: the
    code compiled depends on both (the sandbox and the autoescape policy are ours)."""
    here = Path(__file__).resolve().parent
    h = hashlib.sha256(f"{jinja2.__version__}|{__version__}".encode())
    for name in ("html.py", "html_templates.py"):
        h.update((here / name).read_bytes())
    return h.hexdigest()[:24]


def _private(f: IO[bytes], folder: Path) -> bool:
    """Return whether only this user can have written the open file `f` in `folder`."""
    if not hasattr(os, "getuid"):
        return False   # no owners to check (Windows): compile every time
    uid = os.getuid()
    try:
        places = [os.fstat(f.fileno()), os.stat(folder)]
    except OSError:
        return False
    return all(s.st_uid == uid and not s.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
               for s in places)
