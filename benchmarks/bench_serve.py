"""Idle CPU use and rebuild latency of `deckbuilder serve` (Linux: reads /proc).

Runs the real command as a subprocess on a free port, waits for its first build, then
reads the process's CPU time (user + system, all threads) from /proc over an idle
window; then edits one note (restored afterwards) and times until the status endpoint
reports the rebuild. Talks: the demo, and a talk over the generated 1,000-note vault.

Usage: python benchmarks/bench_serve.py [--idle 10] [--notes 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_entries import CLI, OUT, machine, vault_for  # noqa: E402  (sibling scripts)

TICK = os.sysconf("SC_CLK_TCK")
BIG_TALK = """title: Serve benchmark
vault: vault-{notes}
slides:
  - title
  - select: {{tags: [eval/judge], order: date, limit: 30}}
  - credits
"""


def cpu_of(pid: int) -> float:
    """Return the CPU seconds (user + system, every thread) process `pid` has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def status(url: str) -> dict[str, object]:
    """Return the preview's status."""
    with urllib.request.urlopen(url + "__deckbuilder/status", timeout=30) as r:
        return json.loads(r.read())


def poll_cost(spec: Path) -> tuple[float, int]:
    """Return the median time of one poll (ms, warm cache) and how many paths it covers."""
    from deckbuilder.build import build
    from deckbuilder.serve.watch import Poller, watched

    result = build(spec, ("html",), OUT / "serve-poll", cache_dir=OUT / "serve-cache")
    what, poller = watched(spec, result.inputs), Poller()
    poller.snapshot(what)
    times = []
    for _ in range(21):
        started = time.perf_counter()
        snap = poller.snapshot(what)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, len(snap)


def measure(spec: Path, note: Path, idle: float) -> dict[str, float]:
    """Return idle CPU %, first-build and rebuild-after-edit seconds for one talk."""
    proc = subprocess.Popen([str(CLI), "serve", str(spec), "--port", "0", "--cache-dir",
                             str(OUT / "serve-cache")], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    started, url = time.monotonic(), ""
    try:
        for line in proc.stdout:  # type: ignore[union-attr]
            found = re.search(r"serving (http://\S+)", line)
            if found:
                url = found.group(1)
                break
        first = time.monotonic() - started
        time.sleep(2)  # let start-up settle (imports, first listings) before measuring
        cpu0, wall0 = cpu_of(proc.pid), time.monotonic()
        time.sleep(idle)
        cpu = (cpu_of(proc.pid) - cpu0) / (time.monotonic() - wall0)
        before, text = status(url)["attempt"], note.read_bytes()
        try:
            edited = time.monotonic()
            note.write_bytes(text + b"\nAn edit for the benchmark.\n")
            while status(url)["attempt"] == before:
                time.sleep(0.02)
            rebuild = time.monotonic() - edited
        finally:
            note.write_bytes(text)
    finally:
        proc.terminate()  # SIGTERM: the benchmark only needs it gone
        proc.wait(30)
    return {"first": first, "idle_cpu_pct": cpu * 100, "edit_to_rebuilt": rebuild}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=float, default=10.0, help="idle window, seconds")
    parser.add_argument("--notes", type=int, default=1000, help="notes in the big vault")
    args = parser.parse_args()
    root, _ = vault_for(args.notes, 0)
    big = OUT / f"serve-{args.notes}.yaml"
    big.write_text(BIG_TALK.format(notes=args.notes))
    demo = HERE.parent / "talks" / "demo.yaml"
    talks = [("demo", demo, demo.parent / "demo-vault" / "Deduplication.md"),
             (f"{args.notes:,} notes", big, min(root.rglob("*.md")))]
    print(machine())
    print("| talk | paths watched | one poll | first build (start-up incl.) | idle CPU "
          f"over {args.idle:.0f} s | edit → rebuilt |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, spec, note in talks:
        ms, paths = poll_cost(spec)
        m = measure(spec, note, args.idle)
        print(f"| {name} | {paths:,} | {ms:.1f} ms | {m['first']:.1f} s | "
              f"{m['idle_cpu_pct']:.2f} % of one core | {m['edit_to_rebuilt']:.1f} s |")


if __name__ == "__main__":
    main()
