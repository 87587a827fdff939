"""Diagnostics with file:line locations, and the project's one error type.

Every stage collects `Diagnostic`s instead of raising at the first problem, so the
user sees all of them at once, in the `file:line: severity: message` form that
editors jump to. `DeckError` subclasses `click.ClickException`, so the CLI needs no
try/except ladder: click prints the message and exits non-zero.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import IO, Iterable, Literal, Sequence

import click

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Location:
    """Where a problem is: a file as shown to the user, and optionally line and column."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in the input: an error stops the run, a warning does not."""

    severity: Severity
    message: str
    location: Location | None = None
    code: str = ""  # a stable name for the kind of problem, for programs (not printed)

    def __str__(self) -> str:
        prefix = f"{self.location}: " if self.location else ""
        return f"{prefix}{self.severity}: {self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def error(message: str, file: str | None = None, line: int | None = None,
          column: int | None = None, code: str = "") -> Diagnostic:
    """Return an error diagnostic at file:line[:column]."""
    return Diagnostic("error", message, Location(file, line, column) if file else None, code)


def warning(message: str, file: str | None = None, line: int | None = None,
            column: int | None = None, code: str = "") -> Diagnostic:
    """Return a warning diagnostic at file:line[:column]."""
    return Diagnostic("warning", message, Location(file, line, column) if file else None, code)


class DeckError(click.ClickException):
    """The project's error: one or more diagnostics, printed one per line, exit code 1."""

    exit_code = 1

    def __init__(self, problems: str | Sequence[Diagnostic]):
        if isinstance(problems, str):
            problems = [Diagnostic("error", problems)]
        self.diagnostics: tuple[Diagnostic, ...] = tuple(problems)
        super().__init__("\n".join(str(d) for d in self.diagnostics))

    def show(self, file: IO[str] | None = None) -> None:
        # The diagnostics already say "error:"; click's "Error: " prefix would repeat it.
        click.echo(self.format_message(), file=file or sys.stderr, err=file is None)


class VaultError(DeckError):
    """The vault path is unusable (missing, not a folder or note)."""


class SpecError(DeckError):
    """The talk spec has errors."""


class ThemeError(DeckError):
    """A theme is missing or malformed."""


class BuildError(DeckError):
    """The deck cannot be built (missing images, unwritable output, missing tool)."""


def errors_in(diagnostics: Iterable[Diagnostic], strict: bool = False) -> list[Diagnostic]:
    """Return the diagnostics that count as errors (with `strict`, warnings too)."""
    return [d for d in diagnostics if d.is_error or strict]


def report(diagnostics: Iterable[Diagnostic], file: IO[str] | None = None) -> None:
    """Print diagnostics to stderr (or `file`), one per line."""
    for d in diagnostics:
        click.echo(str(d), file=file or sys.stderr, err=file is None)


def check(diagnostics: Sequence[Diagnostic], strict: bool = False,
          kind: type[DeckError] = DeckError) -> None:
    """Raise `kind` listing every diagnostic if any is an error (or any at all, with strict)."""
    if errors_in(diagnostics, strict):
        if strict:
            diagnostics = [Diagnostic("error", d.message, d.location, d.code)
                           for d in diagnostics]
        raise kind(diagnostics)
