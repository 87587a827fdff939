"""Time `deckbuilder entries VAULT --json > /dev/null` on synthetic vaults.

For each size (default 1,000 and 10,000 notes, 5 image embeds per note on average) the
vault is generated once under benchmarks/out/ by make_vault.py, then timed as a
subprocess (best of --repeat runs, so the page cache is warm) and in-process through
`deckbuilder.vault.read` (the reader without interpreter start-up and JSON output).
Prints the machine and a Markdown table for benchmarks/README.md. With --in-thread the
in-process read runs in a second thread while another thread sits in an HTTP server's
loop, as in `deckbuilder serve`.

Usage: .venv/bin/python benchmarks/bench_entries.py [--sizes 1000,10000] [--repeat 3]
       [--in-thread]
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import platform
import resource
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from make_vault import make_vault  # noqa: E402  (a sibling script, not a package)

OUT = HERE / "out"
CLI = Path(sys.executable).parent / "deckbuilder"


def cpu_seconds() -> float:
    """Return the user+system CPU time used so far by this process and its children."""
    me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def best_of(repeat: int, run: Callable[[], object]) -> tuple[float, float]:
    """Return the fastest wall-clock and the fastest CPU time of `repeat` calls, in seconds.

    CPU time (user+system) is reported beside wall time because on a shared machine
    other processes inflate wall time, but hardly the work done by the one measured.
    """
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), cpu_seconds()
        run()
        walls.append(time.perf_counter() - wall)
        cpus.append(cpu_seconds() - cpu)
    return min(walls), min(cpus)


def vault_for(notes: int, seed: int) -> tuple[Path, dict[str, object]]:
    """Return a generated vault of `notes` notes and its stats, reusing an up-to-date one."""
    root, meta = OUT / f"vault-{notes}", OUT / f"vault-{notes}.json"
    params = {"notes": notes, "seed": seed, "images": "all", "missing": 0.02}
    if meta.exists() and root.is_dir():
        stats = json.loads(meta.read_text())
        if stats.get("params") == params:
            return root, stats
    stats = asdict(make_vault(root, notes, seed))
    meta.write_text(json.dumps(stats, indent=2) + "\n")
    return root, stats


def run_cli(root: Path) -> subprocess.CompletedProcess[bytes]:
    """Run `deckbuilder entries ROOT --json` with stdout discarded; fail loudly on error."""
    done = subprocess.run([str(CLI), "entries", str(root), "--json"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    if done.returncode:
        sys.exit(f"deckbuilder entries failed ({done.returncode}):\n{done.stderr.decode()[-2000:]}")
    return done


def count_entries(root: Path) -> int:
    """Return how many entries `entries --json` prints (an untimed run)."""
    out = subprocess.run([str(CLI), "entries", str(root), "--json"], capture_output=True,
                         check=True).stdout
    return len(json.loads(out))


def in_process(root: Path, repeat: int, in_thread: bool = False) -> tuple[float, float] | None:
    """Return the best time of `deckbuilder.vault.read(root)`, or None when it is absent."""
    try:
        from deckbuilder import vault
    except ImportError:
        return None
    read = getattr(vault, "read", None)
    if read is None:
        return None
    if not in_thread:
        return best_of(repeat, lambda: read(root))

    def threaded() -> None:
        worker = threading.Thread(target=read, args=(root,))
        worker.start()
        worker.join()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        return best_of(repeat, threaded)
    finally:
        server.shutdown()
        server.server_close()


def machine() -> str:
    """Return a one-paragraph description of this machine and software."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = Path("/proc/meminfo").read_text().split()[1]
        mem = f", {int(mem) // 1024 // 1024} GiB RAM"
    except OSError:
        mem = ""
    return (f"{cpu}, {os.cpu_count()} cores{mem}; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}")


def main() -> None:
    """Generate the vaults, time them and print the Markdown table."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="1000,10000", help="comma-separated note counts")
    p.add_argument("--repeat", type=int, default=3, help="runs per measurement (best is kept)")
    p.add_argument("--seed", type=int, default=0, help="generator seed")
    p.add_argument("--in-thread", action="store_true",
                   help="read in a thread while an HTTP server thread runs (as `serve` does)")
    a = p.parse_args()
    startup = best_of(a.repeat, lambda: subprocess.run([str(CLI), "--version"], check=True,
                                                       stdout=subprocess.DEVNULL))
    print(f"Machine: {machine()}; load average {os.getloadavg()[0]:.2f} at start\n")
    print(f"`deckbuilder --version` (start-up alone): {startup[0]:.2f} s wall, "
          f"{startup[1]:.2f} s CPU\n")
    print("| notes | image embeds | entries | Markdown | `entries --json` wall | CPU "
          "| per 1,000 notes (wall) | `vault.read` in-process wall | CPU | warnings |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for notes in (int(s) for s in a.sizes.split(",")):
        root, stats = vault_for(notes, a.seed)
        warnings = run_cli(root).stderr.decode(errors="replace").count(": warning:")
        cli = best_of(a.repeat, lambda: run_cli(root))
        inproc = in_process(root, a.repeat, a.in_thread)
        inproc_text = "n/a | n/a" if inproc is None else f"{inproc[0]:.2f} s | {inproc[1]:.2f} s"
        print(f"| {notes:,} | {stats['image_embeds']:,} | {count_entries(root):,} "
              f"| {stats['bytes'] / 2**20:.1f} MB | {cli[0]:.2f} s | {cli[1]:.2f} s "
              f"| {cli[0] / notes * 1000:.3f} s | {inproc_text} | {warnings:,} |", flush=True)


if __name__ == "__main__":
    main()
