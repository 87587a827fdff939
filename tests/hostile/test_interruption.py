"""A build or export that is killed leaves the previous decks whole, and its temporaries
are removed by the next run; one that is asked to stop (SIGTERM) stops cleanly."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from _outputs import ROOT, cli, deck_title, leftovers, make_talk, set_title, snapshot
from conftest import require_tool
from deckbuilder import fsutil
from deckbuilder.build import build

pytestmark = pytest.mark.hostile

# Runs the CLI in a child that signals itself at the Nth rename, exchange or replace
# (before or after it): every point where a deck is half swapped in gets its turn.
SIGNALLED_AT_RENAME = textwrap.dedent("""
    import os, signal, sys
    from deckbuilder import fsutil
    n, when, signum, exchange = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
    count = 0
    def counted(real):
        def call(*args, **kwargs):
            global count
            count += 1
            if count == n and when == "before":
                os.kill(os.getpid(), signum)
            result = real(*args, **kwargs)
            if count == n and when == "after":
                os.kill(os.getpid(), signum)
            return result
        return call
    os.rename, os.replace = counted(os.rename), counted(os.replace)
    if exchange == "off":   # as on a system without renameat2(RENAME_EXCHANGE)
        fsutil.exchange = lambda a, b: False
    elif hasattr(fsutil, "exchange"):
        fsutil.exchange = counted(fsutil.exchange)
    from deckbuilder.cli import main
    main(sys.argv[5:], prog_name="deckbuilder")
""")


def signalled_build(n: int, when: str, signum: int, spec: Path, out: Path, cache: Path,
                    exchange: str = "on") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", SIGNALLED_AT_RENAME, str(n), when,
                           str(int(signum)), exchange, "build", str(spec), "-f", "all", "-o",
                           str(out), "--cache-dir", str(cache)],
                          capture_output=True, text=True, timeout=300, check=False, cwd=ROOT)


@pytest.fixture
def old_deck(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A talk built once as "Old" into out/ (kept as a pristine copy); (spec, out, cache)."""
    spec = make_talk(tmp_path / "talk", "Old")
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(spec, ("pptx", "html"), out, cache_dir=cache)
    shutil.copytree(out, tmp_path / "pristine", symlinks=True)
    set_title(spec, "New")
    return spec, out, cache


def _restore(tmp_path: Path, out: Path) -> None:
    shutil.rmtree(out)
    shutil.copytree(tmp_path / "pristine", out, symlinks=True)


def _every_rename_point(tmp_path, spec, out, cache, signum, exchange="on", cold=False):
    """Signal the build at each rename point in turn; yield what each left."""
    for when in ("before", "after"):
        for n in range(1, 100):
            _restore(tmp_path, out)
            if cold:
                shutil.rmtree(cache, ignore_errors=True)
            done = signalled_build(n, when, signum, spec, out, cache, exchange)
            if done.returncode == 0:     # fewer than n renames: every point was visited
                assert n > 2
                break
            yield n, when, done


@pytest.mark.parametrize("cold", [False, True], ids=["cached", "cold cache"])
def test_a_build_killed_at_any_rename_leaves_the_old_or_the_new_deck(tmp_path, old_deck, cold):
    spec, out, cache = old_deck
    for n, when, done in _every_rename_point(tmp_path, spec, out, cache, signal.SIGKILL,
                                             cold=cold):
        assert done.returncode == -signal.SIGKILL, (n, when, done.stderr)
        titles = deck_title(out)
        assert titles["pptx"] in ("Old", "New") and titles["html"] in ("Old", "New"), (n, when)
        # The next build removes what the killed one left, and writes the new decks.
        build(spec, ("pptx", "html"), out, cache_dir=cache)
        assert deck_title(out) == {"pptx": "New", "html": "New"}
        assert leftovers(out, out / "talk") == [], (n, when)
        assert not list(cache.rglob(".*")) and leftovers(cache / "tmp") == []


def test_without_exchange_a_kill_between_the_renames_is_repaired_by_the_next_run(
        tmp_path, old_deck):
    # Where renameat2 is missing, a deck folder is replaced by two renames; a kill between
    # them leaves the old folder at a temporary name, and the next run puts it back.
    spec, out, cache = old_deck
    missing = 0
    for n, when, done in _every_rename_point(tmp_path, spec, out, cache, signal.SIGKILL,
                                             exchange="off"):
        if not (out / "talk").exists():
            missing += 1
            fsutil.clean_stale(out)
            assert deck_title(out)["html"] == "Old", (n, when)
        assert deck_title(out)["html"] in ("Old", "New")
        build(spec, ("pptx", "html"), out, cache_dir=cache)
        assert leftovers(out, out / "talk") == [], (n, when)
    assert missing >= 1    # the window exists, and was hit


def test_a_build_killed_at_random_moments_never_loses_the_deck(tmp_path):
    spec = make_talk(tmp_path / "talk", "Old", images=20, size=(480, 270))
    out, cache = tmp_path / "out", tmp_path / "cache"
    args = ("build", str(spec), "-f", "all", "-o", str(out), "--cache-dir", str(cache))
    assert cli(*args).returncode == 0
    shutil.copytree(out, tmp_path / "pristine", symlinks=True)
    set_title(spec, "New")
    started = time.monotonic()
    assert cli(*args, "-o", str(tmp_path / "timing")).returncode == 0
    took = time.monotonic() - started
    rng = random.Random(20240415)
    outcomes = {"Old": 0, "New": 0, "mixed": 0}
    for round_ in range(8):
        _restore(tmp_path, out)
        if round_ % 3 == 0:   # sometimes the images are being cached when the kill comes
            shutil.rmtree(cache, ignore_errors=True)
        child = subprocess.Popen([sys.executable, "-m", "deckbuilder", *args], cwd=ROOT,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, took))
        child.send_signal(signal.SIGKILL)
        child.wait()
        titles = deck_title(out)
        assert set(titles.values()) <= {"Old", "New"}, titles
        both = set(titles.values())
        outcomes[both.pop() if len(both) == 1 else "mixed"] += 1
    build(spec, ("pptx", "html"), out, cache_dir=cache)
    assert leftovers(out, out / "talk") == [] and not list(cache.rglob(".*"))
    assert outcomes["Old"] >= 1, outcomes


def test_sigterm_stops_a_build_cleanly_at_any_rename(tmp_path, old_deck):
    spec, out, cache = old_deck
    for n, when, done in _every_rename_point(tmp_path, spec, out, cache, signal.SIGTERM):
        assert done.returncode == 128 + signal.SIGTERM, (n, when, done.stderr)
        assert done.stderr == "error: stopped by SIGTERM; the previous outputs are unchanged\n"
        assert deck_title(out) == {"pptx": "Old", "html": "Old"}, (n, when)
        assert snapshot(out) == snapshot(tmp_path / "pristine")
        assert leftovers(out, out / "talk") == [], (n, when)
        assert not list(cache.rglob(".*")) and leftovers(cache / "tmp") == []


def test_sigterm_during_a_real_build(tmp_path):
    # The signal is sent when the build says it has started normalising its images (its
    # progress lines appear on a terminal: stderr is a pseudo-terminal here), not after a
    # fixed sleep, which a fast enough build outran.
    import pty
    import select

    spec = make_talk(tmp_path / "talk", "New", images=20, size=(480, 270))
    out = tmp_path / "out"
    terminal, child_side = pty.openpty()
    child = subprocess.Popen([sys.executable, "-m", "deckbuilder", "build", str(spec), "-f",
                              "all", "-o", str(out), "--cache-dir", str(tmp_path / "cache")],
                             cwd=ROOT, stdout=subprocess.DEVNULL, stderr=child_side)
    os.close(child_side)
    said = b""
    try:
        while b"normalising images" not in said:
            if not select.select([terminal], [], [], 60)[0]:
                pytest.fail(f"no progress within 60 s: {said!r}")
            said += os.read(terminal, 4096)
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=60)
        while select.select([terminal], [], [], 0.5)[0]:
            try:
                chunk = os.read(terminal, 4096)
            except OSError:   # the child side is closed: everything has been read
                break
            if not chunk:
                break
            said += chunk
    finally:
        os.close(terminal)
    lines = said.decode("utf-8").replace("\r\n", "\n").splitlines()
    assert child.returncode == 128 + signal.SIGTERM, lines
    assert lines[-1] == "error: stopped by SIGTERM; the previous outputs are unchanged"
    assert not out.exists() or leftovers(out) == []
    assert not list((tmp_path / "cache").rglob(".*"))


# ------------------------------------------------------------ stale temporaries


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_only_deckbuilders_stale_temporaries_are_removed(tmp_path):
    host = fsutil.host_tag()
    dead, alive = _dead_pid(), os.getpid()
    # name -> removed now (False: kept), removed two hours later
    names = {
        # ours, from a process of this host that is gone: removed at once
        f".talk.pptx.deckbuilder-{host}-{dead}-0123abcd.tmp": (True, True),
        f".talk.deckbuilder-{host}-{dead}-0123abcd.tmp/": (True, True),
        # ours, in use: a live process here, or another host's (its pid means nothing
        # here): kept until they are an hour old
        f".talk.pptx.deckbuilder-{host}-{alive}-0123abcd.tmp": (False, True),
        f".talk.pptx.deckbuilder-otherhost-{dead}-0123abcd.tmp": (False, True),
        # what earlier versions left beside these outputs: kept for an hour
        ".talk.pptx.abcd_123.tmp": (False, True),
        ".talk.k2j4h5g6.tmp/": (False, True),
        # not deckbuilder's, or not for these outputs: always kept
        ".other.pptx.abcd_123.tmp": (False, False),
        ".talk.pptx.tmp": (False, False), "notes.tmp": (False, False),
        ".talk.pptx.swp": (False, False), ".hidden/": (False, False),
        f".talk.pptx.deckbuilder-{host}-{dead}-notahex!.tmp": (False, False),
        f"talk.pptx.deckbuilder-{host}-{dead}-0123abcd.tmp": (False, False),
        f".talk.pptx.deckbuilder-{host}-{dead}-0123abcd.bak": (False, False),
        "talk.pptx": (False, False),
    }
    for name in names:
        path = tmp_path / name.rstrip("/")
        if name.endswith("/"):
            path.mkdir()
            (path / "index.html").write_text("x", encoding="utf-8")
        else:
            path.write_text("x", encoding="utf-8")
    for later, now in enumerate((None, time.time() + 2 * 3600)):
        fsutil.clean_stale(tmp_path, ("talk.pptx", "talk"), now=now)
        for name, removed in names.items():
            assert (tmp_path / name.rstrip("/")).exists() != removed[later], (later, name)


def test_a_deck_parked_by_a_run_that_died_is_put_back_when_its_place_is_empty(tmp_path):
    host = fsutil.host_tag()
    parked = tmp_path / f".talk.deckbuilder-{host}-{_dead_pid()}-0123abcd.old"
    parked.mkdir()
    (parked / "index.html").write_text("old deck", encoding="utf-8")
    legacy = tmp_path / ".other.abcdefgh.old"    # how earlier versions parked a deck
    (legacy / "x").mkdir(parents=True)
    (legacy / "x" / "index.html").write_text("other deck", encoding="utf-8")
    replaced = tmp_path / f".third.deckbuilder-{host}-{_dead_pid()}-0123abcd.old"
    replaced.mkdir()
    (tmp_path / "third").mkdir()
    (tmp_path / "third" / "index.html").write_text("new deck", encoding="utf-8")
    fsutil.clean_stale(tmp_path, ("talk", "other", "third"), now=time.time() + 2 * 3600)
    assert (tmp_path / "talk" / "index.html").read_text(encoding="utf-8") == "old deck"
    assert (tmp_path / "other" / "index.html").read_text(encoding="utf-8") == "other deck"
    assert (tmp_path / "third" / "index.html").read_text(encoding="utf-8") == "new deck"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other", "talk", "third"]


def test_stale_private_folders_in_tmpdir_are_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    host, dead = fsutil.host_tag(), _dead_pid()
    names = {f"deckbuilder-export-{host}-{dead}-abcd_123": True,
             f"deckbuilder-chrome-{host}-{dead}-abcd_123": True,
             f"deckbuilder-export-{host}-{os.getpid()}-abcd_123": False,   # still exporting
             "deckbuilder-export-abcd_123": False,     # an earlier version's, recent
             f"deckbuilder-serve-{host}-{dead}-abcd_123": False,   # not asked for
             "deckbuilder-sandbox-abcd_123": False, "unrelated": False}
    for name in names:
        (tmp_path / name).mkdir()
        (tmp_path / name / "f").write_text("x", encoding="utf-8")
    theirs = tmp_path / f"deckbuilder-export-{host}-{dead}-theirs01"
    theirs.mkdir()
    if os.geteuid() == 0:
        os.chown(theirs, 65534, 65534)     # another user's: never touched
    fsutil.clean_stale_temp(("export", "chrome"))
    for name, removed in names.items():
        assert (tmp_path / name).exists() != removed, name
    assert theirs.exists() == (os.geteuid() == 0)
    fsutil.clean_stale_temp(("export",), now=time.time() + 2 * 3600)
    assert not (tmp_path / "deckbuilder-export-abcd_123").exists()


@pytest.mark.tools
def test_an_export_stopped_or_killed_leaves_no_temporary_folders(tmp_path):
    require_tool("chromium", "chromium-browser", "google-chrome")
    spec = make_talk(tmp_path / "talk", "T")
    # A private $TMPDIR, short: Chromium's socket paths must stay under 108 bytes.
    tmp = Path(tempfile.mkdtemp(prefix="dbx-", dir="/tmp"))
    try:
        _export_stopped_and_killed(spec, tmp_path, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _export_stopped_and_killed(spec: Path, tmp_path: Path, tmp: Path) -> None:
    env = dict(os.environ, TMPDIR=str(tmp))
    args = [sys.executable, "-m", "deckbuilder", "export", str(spec), "--pdf", "--handout",
            "-o", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "cache")]
    for signum in (signal.SIGTERM, signal.SIGKILL):
        child = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not list(tmp.glob("deckbuilder-chrome-*")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert list(tmp.glob("deckbuilder-export-*")), "the export never started Chromium"
        time.sleep(0.3)
        child.send_signal(signum)
        _, stderr = child.communicate(timeout=60)
        if signum == signal.SIGTERM:
            assert child.returncode == 128 + signal.SIGTERM, stderr
            assert stderr.endswith("error: stopped by SIGTERM; the previous outputs are "
                                   "unchanged\n"), stderr
            assert sorted(os.listdir(tmp)) == []
        else:
            assert child.returncode == -signal.SIGKILL
            assert list(tmp.glob("deckbuilder-*"))    # what a kill leaves...
        assert not (tmp_path / "out").exists() or leftovers(tmp_path / "out") == []
    _wait_for_orphans(tmp)
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(tmp)) == []                  # ...the next export removes


def _wait_for_orphans(tmp: Path, timeout: float = 20) -> None:
    """Wait until no Chromium that the killed export started still uses `tmp`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        users = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if str(tmp).encode() in cmdline:
                users.append(int(pid))
        if not users:
            return
        time.sleep(0.1)
    for pid in users:        # Chromium children of the killed export, by their id
        os.kill(pid, signal.SIGKILL)


def test_a_killed_preview_leaves_its_folder_only_until_the_next_preview(tmp_path):
    """`serve` builds into $TMPDIR; a SIGKILL cannot clean up, so the next `serve` does."""
    spec = make_talk(tmp_path / "talk", "T")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = dict(os.environ, TMPDIR=str(tmp))
    args = [sys.executable, "-m", "deckbuilder", "serve", str(spec), "--port", "0",
            "--cache-dir", str(tmp_path / "cache")]

    def serve_until_built() -> subprocess.Popen[str]:
        child = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True)
        assert child.stdout is not None
        for line in child.stdout:          # "serving http://…" once built and serving
            if line.startswith("serving "):
                return child
        raise AssertionError(f"serve stopped before building (exit {child.wait()})")

    first = serve_until_built()
    folders = list(tmp.glob("deckbuilder-serve-*"))
    assert len(folders) == 1 and (folders[0] / "build-1" / "talk" / "index.html").is_file()
    first.kill()
    first.wait()
    assert folders[0].exists()             # a SIGKILL leaves it behind...
    second = serve_until_built()
    try:
        assert not folders[0].exists()     # ...and the next preview removes it
        assert len(list(tmp.glob("deckbuilder-serve-*"))) == 1   # its own, in use
    finally:
        second.terminate()
        second.communicate(timeout=30)
    assert not list(tmp.glob("deckbuilder-serve-*"))


def test_a_stop_while_worker_threads_start_is_the_stop_itself(monkeypatch):
    # A SIGTERM raised in the main thread while it starts the worker threads used to
    # end in "cannot join thread before it is started", a traceback instead of the stop.
    import threading

    from deckbuilder import workers

    class Stopped(BaseException):
        pass

    real, started = threading.Thread.start, []

    def start(self):
        if started:
            raise Stopped()   # as the stop handler raises, between two starts
        started.append(self)
        real(self)

    monkeypatch.setattr(threading.Thread, "start", start)
    with pytest.raises(Stopped):
        workers.run(list(range(8)), 2, lambda job: job, start=lambda: [],
                    header=lambda: b"", valid=lambda _: True, name="test-worker")
