"""Time `deckbuilder export talks/demo.yaml` for the slides PDF and for the handout.

Each command runs as a subprocess (interpreter start-up, the whole build, Chromium's
start and printing included) into a temporary folder, with an image cache that an
untimed first run has filled, so the figures are what a speaker sees on the second
export of a talk. Prints the machine and a Markdown table for benchmarks/README.md.

Usage: .venv/bin/python benchmarks/bench_export.py [--repeat 3] [--spec talks/demo.yaml]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_entries import CLI, best_of, machine  # noqa: E402  (a sibling script)

SPEC = HERE.parent / "talks" / "demo.yaml"
RUNS = {"--pdf": ("{name}.pdf",), "--handout": ("{name}-handout.pdf",),
        "--bundle": ("{name}-bundle.zip",)}


def run_export(spec: Path, flag: str, out: Path, cache: Path) -> None:
    """Run `deckbuilder export SPEC FLAG -o OUT`; exit with its stderr if it fails."""
    done = subprocess.run([str(CLI), "export", str(spec), flag, "-o", str(out),
                           "--cache-dir", str(cache)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    if done.returncode:
        sys.exit(f"deckbuilder export {flag} failed ({done.returncode}):\n"
                 f"{done.stderr.decode()[-2000:]}")


def pages(path: Path) -> str:
    """Return the page count pdfinfo reports, or "" without poppler or for a zip."""
    if path.suffix != ".pdf":
        return ""
    try:
        out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return ""
    return next((line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")), "")


def main() -> None:
    """Time each export flag, best of --repeat, and print the Markdown table."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=3, help="runs per measurement (best is kept)")
    p.add_argument("--spec", type=Path, default=SPEC, help="the talk to export")
    p.add_argument("--flags", default="--pdf,--handout", help="comma-separated export flags")
    a = p.parse_args()
    print(f"Machine: {machine()}; load average {os.getloadavg()[0]:.2f} at start\n")
    print("| command | output | pages | size | wall (best of %d) | CPU |" % a.repeat)
    print("|---|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        out, cache = Path(tmp) / "out", Path(tmp) / "cache"
        for flag in a.flags.split(","):
            run_export(a.spec, flag, out, cache)  # untimed: fills the image cache
            wall, cpu = best_of(a.repeat, lambda: run_export(a.spec, flag, out, cache))
            for pattern in RUNS[flag]:
                path = out / pattern.format(name=a.spec.stem)
                print(f"| `export {a.spec.name} {flag}` | {path.name} | {pages(path)} "
                      f"| {path.stat().st_size / 1e6:.1f} MB | {wall:.2f} s | {cpu:.2f} s |",
                      flush=True)


if __name__ == "__main__":
    main()
