"""Reading a big vault with worker processes: same result, no process-wide side effects."""

from __future__ import annotations

import gc
import io
import os
import pickle
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from deckbuilder.vault import pool, read, reader, root_of
from deckbuilder.vault.index import build

from _vaults import vault

P1 = "Pasted image 20240415160930.png"
NOTES = 2100   # above the size at which the reader starts a worker


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = {f"d{k % 3}/n{k:04}.md": f"#t{k % 7}\n![[{P1}]]\nFrom X; c{k}\n![[missing {k}.png]]\n"
             for k in range(NOTES)}
    return vault(tmp_path_factory.mktemp("big"), files, (P1,))


@pytest.fixture(scope="module")
def serial(big: Path):
    return read(big, jobs=1)


def _children() -> set[int]:
    """Return the pids of this process's children (Linux; empty elsewhere)."""
    found: set[int] = set()
    for task in Path("/proc/self/task").glob("*/children"):
        found.update(int(pid) for pid in task.read_text().split())
    return found


def test_parallel_read_equals_serial(big: Path, serial) -> None:
    assert reader._processes(NOTES, 2) == min(2, len(os.sched_getaffinity(0))
                                             if hasattr(os, "sched_getaffinity") else 2)
    assert read(big, jobs=2) == serial
    assert len(serial[0].entries) == 2 * NOTES and len(serial[1]) == NOTES


@pytest.mark.parametrize("enabled", [True, False])
def test_read_leaves_process_state_alone_and_runs_in_a_thread(big: Path, serial,
                                                              enabled: bool) -> None:
    """gc switch and thresholds, signal handlers: as found, before, during and after."""
    thresholds, was_enabled = gc.get_threshold(), gc.isenabled()
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    before_children = _children()
    try:
        gc.set_threshold(555, 7, 8)
        (gc.enable if enabled else gc.disable)()
        done: dict[str, object] = {}
        thread = threading.Thread(target=lambda: done.update(result=read(big, jobs=2)))
        thread.start()
        seen = set()
        while thread.is_alive():   # the main thread watches while a thread reads
            seen.add((gc.isenabled(), gc.get_threshold()))
            thread.join(0.001)
        seen.add((gc.isenabled(), gc.get_threshold()))
        assert seen == {(enabled, (555, 7, 8))}
        assert done["result"] == serial
        assert {s: signal.getsignal(s) for s in handlers} == handlers
        assert _children() <= before_children   # the workers are gone (and reaped)
        assert threading.active_count() == 1
    finally:
        gc.set_threshold(*thresholds)
        (gc.enable if was_enabled else gc.disable)()


@pytest.mark.parametrize("boot", [
    "import sys; sys.exit(3)",                                   # cannot start
    "import sys; sys.stdin.buffer.read(10); sys.exit(3)",        # dies while starting
    "import sys, pickle; pickle.load(sys.stdin.buffer); sys.stdout.buffer.write(b'junk')",
])
def test_a_failing_worker_costs_only_speed(big: Path, serial, monkeypatch, boot: str) -> None:
    monkeypatch.setattr(pool, "command", lambda: [sys.executable, "-c", boot])
    assert read(big, jobs=2) == serial


def test_no_worker_without_an_interpreter(big: Path, serial, monkeypatch) -> None:
    monkeypatch.setattr(sys, "executable", "")
    assert reader._processes(NOTES, 2) == 1
    assert read(big, jobs=2) == serial


def test_the_worker_answers_each_part_like_the_reader(big: Path) -> None:
    root = big.resolve()
    index, _ = build(root)
    notes = list(index.notes)
    parts = [(notes[:3], ["a", "b", "c"]), (notes[3:5], ["d", "e"])]
    data = pickle.dumps((root, index)) + b"".join(pickle.dumps(p) for p in parts)
    done = subprocess.run(pool.command(), input=data, capture_output=True, check=True, timeout=60)
    assert _loads_all(done.stdout) == [reader.read_chunk(root, n, index, s) for n, s in parts]


def _loads_all(data: bytes) -> list[object]:
    stream, out = io.BytesIO(data), []
    while stream.tell() < len(data):
        out.append(pickle.load(stream))
    return out


def test_parts_keep_the_note_order_and_shrink_towards_the_end() -> None:
    notes = [f"n{k}" for k in range(10_000)]
    parts = reader._split(notes, 2)
    assert [n for p in parts for n in p] == notes
    sizes = [len(p) for p in parts]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] == 400 and sizes[-1] <= 50


def test_diagnostics_name_notes_as_path_joins_them(tmp_path: Path) -> None:
    for path in (Path("."), Path("v"), Path("/"), tmp_path, Path("a/b/")):
        assert reader._shown(path, None)("x/y.md") == str(path / "x/y.md")
    assert reader._shown(Path("v/n.md"), "n.md")("n.md") == "v/n.md"


def test_root_of_a_note(tmp_path: Path) -> None:
    (tmp_path / "v" / ".obsidian").mkdir(parents=True)
    (tmp_path / "v" / "a" / "b").mkdir(parents=True)
    assert root_of(tmp_path / "v" / "a" / "b" / "n.md") == tmp_path / "v"
    assert root_of(tmp_path / "v" / "n.md") == tmp_path / "v"
    assert root_of(tmp_path / "w" / "n.md") == tmp_path / "w"   # no vault above: its folder
