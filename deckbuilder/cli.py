"""The command line: a thin click shell over the Python API.

Each command parses its options, calls one API function and prints the result.
Errors are `DeckError`s (click exceptions), so there is no try/except here, but the
one in `stops_cleanly`, which turns SIGTERM into a clean stop of `build` and `export`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from deckbuilder import __version__, heap

if TYPE_CHECKING:
    from datetime import date

F = TypeVar("F", bound=Callable[..., object])


def run() -> None:
    """Run the `deckbuilder` program: `main`, then an exit that does not sweep the heap.

    Python's exit collects the garbage of the whole heap, reference cycles included: some
    50 ms after a build (a tenth of a warm one) for a process about to end, whose memory
    the system takes back at once. Everything that matters is done by then: the outputs
    are in place (written and renamed before `main` returns), exit handlers still run,
    and stdout and stderr are still flushed; only garbage in cycles is left uncollected.
    """
    import gc

    try:
        main()
    finally:
        gc.freeze()   # the heap so far: not collected again (at exit, not at all)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="deckbuilder")
def main() -> None:
    """Turn an Obsidian notes archive of screenshots into talk decks.

    \b
    Typical session:
      deckbuilder entries ~/notes --tag llm        # what is in the vault?
      deckbuilder new talk.yaml --vault ~/notes    # a starter talk spec
      deckbuilder check talk.yaml                  # validate it
      deckbuilder build talk.yaml                  # write the decks
    """


# Arguments and options several commands share, defined once so they read the same.
SPEC = click.argument("spec_path", metavar="SPEC",
                      type=click.Path(exists=True, dir_okay=False, path_type=Path))
OUT_DIR = click.option("-o", "--out-dir", type=click.Path(file_okay=False, path_type=Path),
                       help="Folder for the outputs [default: build/ beside SPEC].")
STRICT = click.option("--strict", is_flag=True, help="Treat warnings as errors.")
CACHE_DIR = click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
                         help="Cache of normalised images "
                              "[default: $XDG_CACHE_HOME/deckbuilder/img].")
FETCH_REMOTE = click.option("--fetch-remote", is_flag=True,
                            help="Download the http(s) images the picked entries embed, once, "
                                 "into the image cache (as 'remote_images: fetch' in the "
                                 "spec); without it no request is ever made.")


def allow_missing(verb: str) -> Callable[[F], F]:
    """Return the --allow-missing option, its help starting with `verb`."""
    return click.option("--allow-missing", is_flag=True,
                        help=f"{verb} even if picked images are missing or unreadable, "
                             "drawing a marked placeholder in their place.")


def _day(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    from deckbuilder.spec import parse_date

    try:
        return parse_date(value) if value else None
    except ValueError as e:
        raise click.BadParameter(str(e)) from e


def _regex(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    import re

    try:
        return re.compile(value).pattern if value else None
    except re.error as e:
        raise click.BadParameter(f"invalid regular expression: {e}") from e


def entry_filters(command: F) -> F:
    """Add the --tag, --from, --to and --match options that pick entries (entries, new)."""
    options = [
        click.option("--tag", "tags", multiple=True, metavar="T",
                     help="Only entries tagged T or below it (T/sub), case-insensitive; "
                          "repeat for any of several."),
        click.option("--from", "date_from", metavar="DATE", callback=_day,
                     help="Only entries dated on or after DATE (YYYY-MM-DD[THH:MM]); "
                          "undated entries are left out."),
        click.option("--to", "date_to", metavar="DATE", callback=_day,
                     help="Only entries dated on or before DATE; a day is included whole."),
        click.option("--match", metavar="REGEX", callback=_regex,
                     help="Only entries whose caption, notes or source text match REGEX "
                          "(case-insensitive)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _progress() -> Callable[[str], None] | None:
    """Return a stage printer for a person watching a terminal; None in pipes and CI."""
    if not sys.stderr.isatty():
        return None
    return lambda stage: click.echo(f"{stage}…", err=True)


class _Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised in the main thread so that every cleanup on the way runs."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def uncollected(command: F) -> F:
    """Return `command` with Python's cycle collector paused while it runs (a one-shot
    command, never `serve`): a build leaves little garbage in cycles, and looking for it
    scans the young objects again and again, some 25 ms of a warm build."""
    import functools
    import gc

    @functools.wraps(command)
    def run(*args: object, **kwargs: object) -> object:
        was = gc.isenabled()
        gc.disable()
        try:
            return command(*args, **kwargs)
        finally:
            if was:
                gc.enable()
    return run  # type: ignore[return-value]


def stops_cleanly(command: F) -> F:
    """Return `command` with SIGTERM and SIGHUP (a closed terminal) stopping it as Ctrl-C does.

    The stop unwinds through the library's cleanups (temporaries removed, swapped-in
    outputs put back); then one line says so, and the exit code is 128 + the signal.
    Handlers are process-wide, so they are set here, around one command, never in the
    library (the same pattern as `serve`).
    """
    import functools
    import signal
    import threading

    @functools.wraps(command)
    def run(*args: object, **kwargs: object) -> object:
        def stop(signum: int, frame: object) -> None:
            signal.signal(signum, signal.SIG_IGN)   # one stop: let its cleanups finish
            raise _Stopped(signum)

        wanted = [getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n)]
        if threading.current_thread() is not threading.main_thread():
            wanted = []   # only the main thread may set handlers (tests run commands in threads)
        previous = {n: signal.signal(n, stop) for n in wanted}
        try:
            return command(*args, **kwargs)
        except KeyboardInterrupt as e:
            from deckbuilder.fsutil import REPLACED

            signum = e.signum if isinstance(e, _Stopped) else signal.SIGINT
            state = ("the new outputs were already in place"
                     if REPLACED in getattr(e, "__notes__", ()) else
                     "the previous outputs are unchanged")
            click.echo(f"error: stopped by {signal.Signals(signum).name}; {state}", err=True)
            raise SystemExit(128 + signum) from None
        finally:
            for n, handler in previous.items():
                signal.signal(n, handler)
    return run  # type: ignore[return-value]


def _prune_if_due(cache_dir: Path | None, days: int) -> None:
    """Prune the cache after a build, once a day, unless builds are using it (as
    `commands.cache.prune_if_due`); the housekeeping code is imported only on the day it
    runs."""
    from deckbuilder.cache import due

    if due(cache_dir, days):
        from deckbuilder.commands.cache import prune

        prune(cache_dir, days, wait=False)


@main.command("build")
@SPEC
@click.option("--format", "-f", "formats", default="pptx", show_default=True,
              help="Output formats, comma-separated (pptx, html), or 'all'.")
@OUT_DIR
@STRICT
@allow_missing("Build")
@CACHE_DIR
@FETCH_REMOTE
@click.option("--single-file", is_flag=True,
              help="html: write one self-contained OUTDIR/<name>.html (scripts, styles, fonts "
                   "and images inlined) instead of the OUTDIR/<name>/ folder.")
@click.option("--cdn", is_flag=True,
              help="html: link reveal.js from the pinned jsDelivr copy (with integrity "
                   "hashes) instead of copying it; the deck then needs the network.")
@stops_cleanly
@uncollected
def build_command(spec_path: Path, formats: str, out_dir: Path | None, strict: bool,
                  allow_missing: bool, cache_dir: Path | None, fetch_remote: bool,
                  single_file: bool, cdn: bool) -> None:
    """Build the decks of the talk SPEC (default: build/<spec name>.pptx beside it).

    Everything is checked before anything is written: a missing or unreadable image
    stops the build with every `note:line` listed, and the previous deck stays as it was.
    """
    from deckbuilder.build import RENDERERS, build
    from deckbuilder.cache import days_setting
    from deckbuilder.errors import report

    heap.keep_freed_memory()   # a one-shot command: fewer page faults per image
    days = days_setting()   # a bad $DECKBUILDER_CACHE_DAYS stops the build before it starts
    wanted = list(RENDERERS) if formats == "all" else [f.strip() for f in formats.split(",")]
    result = build(spec_path, wanted, out_dir, strict=strict, allow_missing=allow_missing,
                   progress=_progress(), cache_dir=cache_dir, single_file=single_file, cdn=cdn,
                   fetch_remote=fetch_remote)
    report(result.warnings)
    click.echo(result.summary())
    _prune_if_due(cache_dir, days)


@main.command("check")
@SPEC
@click.option("--json", "as_json", is_flag=True,
              help="Print the planned slides as a JSON list of {kind, line, ...} instead "
                   "of the summary; an entry slide carries the entry with the spec's "
                   "overrides applied.")
@STRICT
@click.option("--allow-missing", is_flag=True,
              help="Report picked images that are missing or unreadable as warnings "
                   "(build --allow-missing draws placeholders) instead of errors.")
@CACHE_DIR
@FETCH_REMOTE
def check_command(spec_path: Path, as_json: bool, strict: bool, allow_missing: bool,
                  cache_dir: Path | None, fetch_remote: bool) -> None:
    """Check the talk SPEC without writing anything: spec, vault, picks and images.

    Prints a summary (slides per section, entries without a source, missing or
    unreadable images with note:line). Every problem goes to stderr as
    `talk.yaml:LINE: error: ...`; any error exits non-zero and prints nothing else.
    With --fetch-remote (or `remote_images: fetch`), remote images are downloaded into
    the image cache as `build` would, so a failed download is reported here.
    """
    import json

    from deckbuilder.check import check
    from deckbuilder.commands.check import summary, to_json
    from deckbuilder.errors import report

    result = check(spec_path, strict=strict, allow_missing=allow_missing,
                   fetch_remote=fetch_remote, cache_dir=cache_dir)
    report(result.diagnostics)
    click.echo(json.dumps(to_json(result), ensure_ascii=False, indent=2) if as_json
               else summary(result))


@main.command("export")
@SPEC
@click.option("--pdf", "pdf", is_flag=True,
              help="OUTDIR/<name>.pdf: one page per slide at the deck's size (960×540 pt "
                   "for 16:9, 720×540 pt for 4:3), links clickable. The default.")
@click.option("--handout", is_flag=True,
              help="OUTDIR/<name>-handout.pdf, for the audience: A4, two slides per page, "
                   "each with its caption, source (a link) and the notes marked "
                   "'Public:' (the theme's handout.notes); never note.md:line or tags.")
@click.option("--sources", is_flag=True,
              help="OUTDIR/<name>-sources.md and .html: every source the talk shows, by "
                   "site, with its URL and the slides that show it. Needs no browser.")
@click.option("--bundle", is_flag=True,
              help="OUTDIR/<name>-bundle.zip: the PPTX, the PDF, the one-file HTML deck, "
                   "the handout, the sources list and a README saying which to use when.")
@click.option("--max-pdf-mb", "max_pdf_mb", type=click.FloatRange(min=0.1), metavar="N",
              help="Keep the slides PDF under N MB (a conference's upload limit): when it is "
                   "bigger, it is printed again with its pictures re-sampled for print "
                   "(150 ppi, then 110 and 72; photos as JPEG). Without it, a PDF over the "
                   "theme's export.max_pdf_mb (50) is only warned about.")
@OUT_DIR
@STRICT
@allow_missing("Export")
@CACHE_DIR
@FETCH_REMOTE
@stops_cleanly
def export_command(spec_path: Path, pdf: bool, handout: bool, sources: bool, bundle: bool,
                   max_pdf_mb: float | None, out_dir: Path | None, strict: bool,
                   allow_missing: bool, cache_dir: Path | None, fetch_remote: bool) -> None:
    """Write the conference outputs of the talk SPEC: slides PDF, handout, sources, bundle.

    The PDFs need headless Chromium (`apt-get install chromium`, or set
    $DECKBUILDER_CHROME to the browser's path). The talk is checked and built first,
    exactly as by `build`: any error stops the export and writes nothing, and each file
    replaces the previous one atomically, so a failed export leaves your last PDF as it
    was. The slides PDF has an outline (sections and slide titles); exporting the same
    talk twice gives the same bytes (dates from the spec's `date`).

    \b
      deckbuilder export talk.yaml                       # build/talk.pdf
      deckbuilder export talk.yaml --handout             # build/talk-handout.pdf
      deckbuilder export talk.yaml --pdf --handout --bundle -o usb/
      deckbuilder export talk.yaml --sources             # build/talk-sources.md, .html
      deckbuilder export talk.yaml --max-pdf-mb 20       # a smaller PDF, if it must be
    """
    from deckbuilder.cache import days_setting
    from deckbuilder.errors import report
    from deckbuilder.export import export

    heap.keep_freed_memory()   # a one-shot command: fewer page faults per image
    days = days_setting()
    chosen = (("pdf", pdf), ("handout", handout), ("sources", sources), ("bundle", bundle))
    wanted = [name for name, on in chosen if on] or ["pdf"]
    result = export(spec_path, wanted, out_dir, strict=strict, allow_missing=allow_missing,
                    progress=_progress(), cache_dir=cache_dir, max_pdf_mb=max_pdf_mb,
                    fetch_remote=fetch_remote)
    report(result.warnings)
    click.echo(result.summary())
    _prune_if_due(cache_dir, days)


@main.command("cache")
@CACHE_DIR
@click.option("--prune", "prune_now", is_flag=True,
              help="Delete now what has not been used for --days days (and what nothing "
                   "reads any more), as builds do once a day by themselves.")
@click.option("--days", type=click.IntRange(min=0), metavar="N",
              help="With --prune: the days of disuse after which a file goes [default: 60].")
@click.option("--clear", is_flag=True, help="Delete everything deckbuilder put in the cache.")
def cache_command(cache_dir: Path | None, prune_now: bool, days: int | None,
                  clear: bool) -> None:
    """Show where the cache is and how much each kind of file in it takes; prune or clear it.

    The cache keeps what builds made, to make the next build fast: normalised images,
    drawn PPTX slides, plan memos, compiled templates, downloaded remote images and the
    picker's thumbnails. All of it can be made again. After a successful build or export,
    at most once a day, what was not used for 60 days is deleted
    ($DECKBUILDER_CACHE_DAYS=N to change that, 0 never to prune automatically). Only files
    of the forms deckbuilder writes are ever deleted: your own files in the folder stay.

    \b
      deckbuilder cache                     # where it is, and its size per kind
      deckbuilder cache --prune --days 14   # keep only what the last two weeks used
      deckbuilder cache --clear             # delete it all (the next build is cold)
    """
    from deckbuilder.commands import cache as housekeeping

    if prune_now and clear:
        raise click.UsageError("choose --prune or --clear, not both")
    if days is not None and not prune_now:
        raise click.UsageError("--days goes with --prune")
    click.echo(housekeeping.run(cache_dir, prune_now, days, clear,
                                lambda line: click.echo(line, err=True)), nl=False)


@main.command("serve")
@SPEC
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Only this machine can connect by default; "
                   "0.0.0.0 shows the deck to every machine that can reach this one.")
@click.option("--port", "-p", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on; when it is taken, the next free one is used "
                   "(0: any free port).")
@click.option("--open", "open_browser", is_flag=True,
              help="Open the deck in the default web browser.")
@click.option("--allow-remote-edits", is_flag=True,
              help="Let the picker edit the spec when --host is not this machine only "
                   "(otherwise it is read-only there).")
@allow_missing("Build")
@CACHE_DIR
@FETCH_REMOTE
def serve_command(spec_path: Path, host: str, port: int, open_browser: bool,
                  allow_remote_edits: bool, allow_missing: bool,
                  cache_dir: Path | None, fetch_remote: bool) -> None:
    """Preview the talk SPEC in a browser, rebuilding and reloading on every change.

    Builds the HTML deck into a temporary folder, serves it at http://127.0.0.1:8000/
    and watches the spec, the vault's notes, the picked images and the themes. When
    you save, the deck is rebuilt and the open page reloads on the same slide. If a
    rebuild fails, the last good deck stays up, and its errors are printed here and
    shown over the slides until the next good build. Ctrl-C stops it; nothing is left
    behind (use `deckbuilder build` to write the decks).

    /__deckbuilder/picker shows every entry of the vault as a picture: click one to add
    it to the talk, drag or Alt+arrow to reorder, Delete to remove, Enter to set its
    caption. Each change is saved to SPEC at once (comments and layout kept).
    """
    from deckbuilder.serve import serve

    serve(spec_path, host, port, open_browser, allow_missing, cache_dir,
          fetch_remote=fetch_remote, allow_remote_edits=allow_remote_edits)


@main.command("entries")
@click.argument("vault_path", metavar="PATH", type=click.Path(path_type=Path))
@entry_filters
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON list of {id, note, line, date, tags, images, caption, "
                   "caption_text, source, notes} instead of the table.")
def entries_command(vault_path: Path, tags: tuple[str, ...], date_from: date | None,
                    date_to: date | None, match: str | None, as_json: bool) -> None:
    """List the entries of the vault PATH (a notes folder, or one note) in note order.

    An entry is a line holding image embeds, with the caption, source and notes written
    below it. Warnings (missing images, broken embeds, bad front matter) go to stderr as
    `PATH/note.md:LINE: warning: ...`; only an unusable PATH makes the exit code non-zero.
    """
    import shutil

    from deckbuilder.errors import report
    from deckbuilder.model import Criteria
    from deckbuilder.commands import entries as listing

    criteria = Criteria(tags=tags, date_from=date_from, date_to=date_to, match=match)
    found, total, problems = listing.entries(vault_path, criteria)
    report(problems)
    if as_json:
        # Bytes, so the JSON is UTF-8 whatever the locale; a file name that is not valid
        # UTF-8 keeps its lone surrogates as JSON \u escapes.
        click.echo(listing.to_json(found).encode("utf-8", "backslashreplace"), nl=False)
        return
    # Piped output is cut too (to $COLUMNS, else 120), so columns stay aligned for grep.
    text = listing.table(found, shutil.get_terminal_size((120, 24)).columns)
    click.echo(text.encode("utf-8", "replace"), nl=False)
    click.echo(f"{len(found)} of {total} entries", err=True)


class _ThemesGroup(click.Group):
    """`themes [SPEC]` lists; `themes new ...` is a subcommand (not read as SPEC)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] in self.commands:
            click.Command.parse_args(self, ctx, [])
            ctx._protected_args, ctx.args = args[:1], args[1:]
            return ctx.args
        return super().parse_args(ctx, args)


@main.group("themes", cls=_ThemesGroup, invoke_without_command=True)
@click.argument("where", metavar="[SPEC]", required=False,
                type=click.Path(exists=True, path_type=Path))
@click.option("--show", "show", metavar="NAME",
              help="Print the merged settings of theme NAME (its extends: chain applied).")
@click.pass_context
def themes_command(ctx: click.Context, where: Path | None, show: str | None) -> None:
    """List the themes a talk can use: built-in ones and those in the talk's themes/ folder.

    SPEC is a talk spec (or its folder); its `themes/` folder is searched first, so a
    theme there overrides a built-in one of the same name. A theme that does not load
    is listed with its errors. `deckbuilder themes new NAME` starts a theme of your own.
    """
    if ctx.invoked_subcommand is not None:
        return
    import yaml

    from deckbuilder import theme

    spec_dir = None if where is None else (where if where.is_dir() else where.parent)
    if show:
        settings = theme.load(show, spec_dir).settings
        click.echo(yaml.safe_dump(_plain(settings), sort_keys=False, allow_unicode=True), nl=False)
        return
    for t in theme.catalogue(spec_dir):
        chain = f" (extends {' < '.join(t.extends)})" if t.extends else ""
        click.echo(f"{t.name:<14} {t.description}{chain}\n{'':<14} {t.folder}")
        for problem in t.problems:
            click.echo(f"{'':<14} {problem}")


@themes_command.command("new")
@click.argument("name")
@click.argument("spec", metavar="[SPEC]", required=False,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--from", "parent", default="default", show_default=True, metavar="THEME",
              help="The theme the new one extends (built-in, or in the talk's themes/).")
def themes_new_command(name: str, spec: Path | None, parent: str) -> None:
    """Write themes/NAME/ beside SPEC (or in the current folder): a theme.yaml that
    `extends:` THEME and lists every setting, commented out, with its current value,
    and a templates/ folder for template overrides. Never overwrites."""
    from deckbuilder import theme_kit

    written = theme_kit.new(name, parent, spec)
    click.echo(f"wrote {written}; use it with `theme: {name}` in the spec")


def _plain(value: object) -> object:
    """Return read-only theme settings as plain dicts, lists and strings for YAML."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return str(value) if isinstance(value, Path) else value


@main.command("new")
@click.argument("spec_path", metavar="SPEC", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--vault", "vault_dir", required=True, type=click.Path(exists=True, path_type=Path),
              help="The notes folder (or one note) to pick entries from.")
@entry_filters
@click.option("--force", is_flag=True, help="Overwrite SPEC if it exists.")
def new_command(spec_path: Path, vault_dir: Path, tags: tuple[str, ...],
                date_from: date | None, date_to: date | None, match: str | None,
                force: bool) -> None:
    """Write a starter talk SPEC picking the matching entries of a vault.

    The slides list every matching entry as an explicit `image:` pick in date order
    (undated last), each with its date and caption as a comment, ready to reorder,
    cut and re-caption. Refuses to overwrite SPEC without --force.
    """
    from deckbuilder.starter import criteria, write_starter

    path = write_starter(spec_path, vault_dir, criteria(tags, date_from, date_to, match),
                         force=force)
    click.echo(f"wrote {path}; next: deckbuilder check {path}")
