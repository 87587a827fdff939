"""`deckbuilder serve`: a live preview that rebuilds on every change and reloads the browser.

The HTML deck is built by `build.build` into a private temporary folder and served by
the standard library's threading HTTP server. A watcher thread polls what the talk
depends on (`watch`), waits for the files to settle, and rebuilds. The served
index.html gets one extra script tag (added here, never in a built deck) that
listens on a Server-Sent Events stream and reloads the page when a new deck is
ready: the address keeps `#/n`, so reveal.js comes back on the same slide. A failed
rebuild keeps the last good deck and shows its errors over it, until a build works.
"""

from __future__ import annotations

import shutil
import signal
import tempfile
import threading
import time
import traceback
import webbrowser
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from deckbuilder.build import BuildResult, build
from deckbuilder.errors import DeckError, Diagnostic
from deckbuilder.fsutil import clean_stale_temp, temp_prefix
from deckbuilder.serve.picker import Picker
from deckbuilder.serve.server import Hub, Server, Status, bind, deck_id, loopback, url_of
from deckbuilder.serve.watch import Poller, Watched, changes, rebase, watched

Say = Callable[[str, bool], None]   # (text, is_error)
SETTLE = 0.2        # s of quiet after a change before rebuilding (editors save in steps)
MAX_SETTLE = 2.0    # ...but a folder being synced for minutes still gets a build
SERVE_LEFTOVER_AGE = 7 * 24 * 3600.0   # s: a preview folder this old is a leftover even if its
                                      # process number is alive again (pids are reused)
# Polls wait at least this many times as long as one poll took, so the watcher stays
# under ~2% of a core on any vault (a 10,000-note vault polls every ~1.5 s, not 0.5 s).
IDLE_RATIO = 50


def _echo(text: str, err: bool) -> None:
    import click

    click.echo(text, err=err)


@dataclass(frozen=True)
class Outcome:
    """One build attempt: the deck folder and result, or the diagnostics that stopped it."""

    root: Path | None
    result: BuildResult | None
    problems: tuple[Diagnostic | str, ...] = ()


class Builder:
    """Builds the HTML deck into numbered folders of a private work folder."""

    def __init__(self, spec_path: Path, workdir: Path, allow_missing: bool = False,
                 cache_dir: Path | None = None, fetch_remote: bool = False):
        self.spec_path, self.workdir = spec_path, workdir
        self.allow_missing, self.cache_dir = allow_missing, cache_dir
        self.fetch_remote = fetch_remote
        self.count = 0
        self.kept: list[Path] = []     # the served deck's folder and the one before it

    def run(self) -> Outcome:
        """Return the outcome of one build; a failed one leaves nothing behind."""
        self.count += 1
        out = self.workdir / f"build-{self.count}"
        try:
            result = build(self.spec_path, ("html",), out, allow_missing=self.allow_missing,
                           cache_dir=self.cache_dir, fetch_remote=self.fetch_remote)
        except DeckError as e:
            shutil.rmtree(out, ignore_errors=True)
            return Outcome(None, None, e.diagnostics)
        except Exception:  # noqa: BLE001 - shown, never swallowed: see below
            # A bug or a full disk in one rebuild must not end a preview that stays open
            # for weeks: the traceback goes to the terminal and the browser instead.
            shutil.rmtree(out, ignore_errors=True)
            return Outcome(None, None, (traceback.format_exc().rstrip(),))
        self.kept.append(out)
        while len(self.kept) > 2:  # in-flight requests may still read the previous deck
            shutil.rmtree(self.kept.pop(0), ignore_errors=True)
        return Outcome(result.outputs[0].parent, result)


def status_of(outcome: Outcome, previous: Status) -> Status:
    """Return the status to publish after a build attempt (the last good deck stays)."""
    attempt = previous.attempt + 1
    if outcome.result is None or outcome.root is None:
        errors = tuple(str(p) for p in outcome.problems if not _is_warning(p))
        return Status(previous.build, False, errors, previous.slides, attempt,
                      previous.warnings)
    warnings = tuple(str(d) for d in outcome.result.warnings)
    return Status(deck_id(outcome.root), True, (), outcome.result.slides, attempt, warnings)


def _is_warning(problem: Diagnostic | str) -> bool:
    return isinstance(problem, Diagnostic) and not problem.is_error


def report_line(outcome: Outcome, previous: Status, first: bool) -> list[tuple[str, bool]]:
    """Return the terminal lines for a build attempt: one line, plus diagnostics when new."""
    stamp = time.strftime("%H:%M:%S")
    verb = "built" if first else "rebuilt"
    if outcome.result is None:
        kept = " (still serving the last good deck)" if previous.build else ""
        n = sum(1 for p in outcome.problems if not _is_warning(p))
        lines = [(f"{stamp} {'build' if first else 'rebuild'} failed: {n} error"
                  f"{'s' if n != 1 else ''}{kept}", True)]
        return lines + [(str(p), True) for p in outcome.problems]
    r = outcome.result
    text = f"{stamp} {verb} in {r.seconds:.1f} s: {r.slides} slides"
    warnings = tuple(str(d) for d in r.warnings)
    if warnings:
        text += f", {len(warnings)} warning{'s' if len(warnings) != 1 else ''}"
        if warnings == previous.warnings:
            return [(text + " (as before)", False)]
    return [(text, False)] + [(w, True) for w in warnings]


class Preview:
    """A running preview: the server and watcher threads. Use as a context manager."""

    def __init__(self, spec_path: Path, host: str = "127.0.0.1", port: int = 8000,
                 allow_missing: bool = False, cache_dir: Path | None = None,
                 say: Say = _echo, interval: float = 0.5, fetch_remote: bool = False,
                 allow_remote_edits: bool = False):
        self.spec_path = Path(spec_path)
        self.host, self.port, self.say, self.interval = host, port, say, interval
        # Previews that were killed left their decks in $TMPDIR: remove those first.
        clean_stale_temp(("serve",), older_than=SERVE_LEFTOVER_AGE)
        self.workdir = Path(tempfile.mkdtemp(prefix=temp_prefix("serve")))
        self.builder = Builder(self.spec_path, self.workdir, allow_missing, cache_dir,
                               fetch_remote)
        self.hub = Hub()
        # The picker writes the spec: only from this machine, unless asked for.
        self.picker = Picker(self.spec_path, loopback(host) or allow_remote_edits, cache_dir)
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.server: Server | None = None
        self.url = ""
        self.images: tuple[Path, ...] = ()   # the last good build's picked image files

    def __enter__(self) -> Preview:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Listen, build once, then start serving and watching; return at once."""
        # A busy port fails first, before any build.
        self.server, note = bind(self.host, self.port, self.hub, self.picker)
        if note:
            self.say(note, False)
        self.url = url_of(self.server, self.host)
        poller = Poller()
        what = watched(self.spec_path)
        what, snap = self._build(poller, what, poller.snapshot(what), first=True)
        serving = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.5},
                                   name="deckbuilder-http")
        watching = threading.Thread(target=self._watch, args=(poller, what, snap),
                                    name="deckbuilder-watch")
        self.threads = [serving, watching]
        for t in self.threads:
            t.start()

    def _build(self, poller: Poller, what: Watched, before: dict, first: bool = False
               ) -> tuple[Watched, dict]:
        """Build, publish and report; return the new watch set and its baseline snapshot."""
        outcome = self.builder.run()
        previous = self.hub.status
        for text, err in report_line(outcome, previous, first):
            self.say(text, err)
        if outcome.result is not None:   # before the page hears of the new deck
            self.images = outcome.result.inputs
            self.picker.update(outcome.result.vault, outcome.result.deck)
        self.hub.publish(status_of(outcome, previous), outcome.root)
        what = watched(self.spec_path, self.images)
        return what, rebase(before, poller.snapshot(what))

    def _watch(self, poller: Poller, what: Watched, snap: dict) -> None:
        """Poll until stopped; after a change has settled, rebuild."""
        self.picker.prepare()   # here, not before serving: a big vault is ready when asked
        wait = self.interval
        now: dict | None   # a snapshot; None when stopping
        while not self.stopping.wait(wait):
            started = time.perf_counter()
            now = poller.snapshot(what)
            wait = max(self.interval, (time.perf_counter() - started) * IDLE_RATIO)
            if now == snap:  # the common case, compared in C: no per-path work
                continue
            now = self._settle(poller, what, now)
            if now is None:
                return
            changed = changes(snap, now)
            if not changed:  # e.g. a file saved and then put back as it was
                snap = now
                continue
            self.say(_changed_line(changed, self.spec_path), False)
            what, snap = self._build(poller, what, now)

    def _settle(self, poller: Poller, what: Watched, now: dict) -> dict | None:
        """Return the snapshot once nothing changed for SETTLE s; None when stopping."""
        deadline = time.monotonic() + MAX_SETTLE
        while not self.stopping.wait(SETTLE):
            later = poller.snapshot(what)
            if later == now or time.monotonic() > deadline:
                return later
            now = later
        return None

    def wait(self) -> None:
        """Block until stop() is called (from another thread) or Ctrl-C."""
        while not self.stopping.wait(1.0):
            pass

    def stop(self) -> None:
        """Stop the threads, close the server and remove the temporary folder."""
        self.stopping.set()
        self.hub.close()                # ends the event streams
        if self.server is not None:
            if self.threads:            # shutdown() would wait forever for a loop never run
                self.server.shutdown()
            self.server.server_close()  # joins the request threads
        for t in self.threads:
            if t is not threading.current_thread():
                t.join()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _changed_line(changed: list[str], spec_path: Path) -> str:
    """Return "changed: <first path>" (relative to the spec's folder when inside it)."""
    base = spec_path.resolve().parent
    first = Path(changed[0])
    shown = first.relative_to(base) if first.is_relative_to(base) else first
    what = " (images added or removed)" if first.is_dir() else ""
    more = f" and {len(changed) - 1} more" if len(changed) > 1 else ""
    return f"changed: {shown}{what}{more}"


def serve(spec_path: Path, host: str = "127.0.0.1", port: int = 8000,
          open_browser: bool = False, allow_missing: bool = False,
          cache_dir: Path | None = None, say: Say = _echo, fetch_remote: bool = False,
          allow_remote_edits: bool = False) -> None:
    """Serve a live preview of the talk until Ctrl-C; return once everything is cleaned up."""
    # The handlers go in before the first build: a SIGTERM arriving just after "serving"
    # is printed must still clean up (Preview.__enter__ stops what it started).
    try:
        with _interrupted_by_termination(), Preview(
                spec_path, host, port, allow_missing, cache_dir, say, fetch_remote=fetch_remote,
                allow_remote_edits=allow_remote_edits) as preview:
            say(f"serving {preview.url}  (Ctrl-C to stop)", False)
            say(f"picker  {preview.url}__deckbuilder/picker  (choose slides by looking"
                f"{'' if preview.picker.editable else '; read-only'})", False)
            if host in ("0.0.0.0", "::", ""):
                say("listening on every network interface: anyone who can reach this "
                    "machine can see the deck" + ("" if preview.picker.editable else
                                                  "; the picker is read-only "
                                                  "(--allow-remote-edits)"), True)
            if open_browser:
                webbrowser.open(preview.url)
            preview.wait()
    except KeyboardInterrupt:
        say("stopping", False)


@contextmanager
def _interrupted_by_termination() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP (a closed terminal) into Ctrl-C inside the block.

    Then they clean up as Ctrl-C does: threads joined, the temporary folder removed.
    """
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    wanted = [getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n)]
    if threading.current_thread() is not threading.main_thread():
        wanted = []  # only the main thread may set handlers; Ctrl-C still works there
    previous = {n: signal.signal(n, interrupt) for n in wanted}
    try:
        yield
    finally:
        for n, handler in previous.items():
            signal.signal(n, handler)
