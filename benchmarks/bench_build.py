"""Time deckbuilder's builds side by side with pandoc, Marp and the `zip -0` floor (issue 11).

For each size N (default 200 and 1,000) a vault of N realistic screenshots, one entry
each, is generated once by make_screens.py under benchmarks/out/screens/ (PNG and JPEG,
800×600 to 3000×2000 px, about 71 MiB per 200). The same N slides are then built by

  deckbuilder  PPTX and one-file HTML (`build -f html --single-file`), each cold (empty
               image cache) and warm (cache filled, one caption changed in a copy of
               the vault), and the slides PDF cold (`export --pdf`);
  pandoc       the same slides as Markdown → pptx, and → revealjs `--embed-resources
               --standalone` (reveal.js 5 from benchmarks/.peers, no network);
  Marp         the same slides as Markdown (`marp: true`) → `--pdf`, with the system
               Chromium;
  zip -0       the N images stored in a zip: the floor of writing any deck that
               carries them.

Every case runs as a subprocess, in rounds (round 1 runs every case once, then round
2, ...), so that load from other work on a shared machine spreads over all cases
instead of landing on one; the figures are medians over --repeat rounds: wall time, CPU
time (user + system of the whole process tree) and peak memory of the process tree
(see `TreeSampler`). Prints the machine, a table of every case and a table of the
issue's goals (ratios in the same run) with whether each holds; writes both to
benchmarks/out/bench-build-latest.{md,json} (and a time-stamped copy).

pandoc and Marp are found in benchmarks/.peers/ (git-ignored) or on PATH; a missing one
is a skipped column with a note saying how to install it (`--install-peers` runs those
commands). Timings on a busy machine are rough: read the CPU column beside wall time.

Usage: .venv/bin/python benchmarks/bench_build.py [--sizes 200,1000] [--repeat 3]
       [--quick] [--cases pptx-cold,pandoc-pptx,...] [--install-peers]
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
import zipfile
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_entries import CLI, machine  # noqa: E402  (sibling scripts, not a package)
from make_screens import (VERSION, Picture, change_one_caption, copy_for_editing,  # noqa: E402
                          make_screens_vault, write_marp_markdown, write_pandoc_markdown,
                          write_spec)

OUT = HERE / "out"
SCREENS = OUT / "screens"
WORK = OUT / "bench-build"
PEERS = HERE / ".peers"
ROOT = HERE.parent
MIB = 2 ** 20

# Pinned peers; PEER_INSTALL is what the README and the missing-tool notes tell you to run.
PANDOC_PYPI = "pypandoc_binary==1.17"        # ships pandoc 3.9 (Debian 12 has 2.17: no --embed-resources)
MARP_NPM = "@marp-team/marp-cli@4.5.1"
REVEAL5_NPM = "reveal.js@5.2.1"              # pandoc's revealjs template wants reveal.js 5's layout
PEER_INSTALL = {
    "pandoc": [sys.executable, "-m", "pip", "install", "--no-deps", "--target",
               str(PEERS / "python"), PANDOC_PYPI],
    "npm": ["npm", "install", "--prefix", str(PEERS), "--save-exact", "--no-fund", "--no-audit",
            MARP_NPM, REVEAL5_NPM],
    "zip": ["apt-get", "install", "-y", "zip"],
}


# --- finding the tools ------------------------------------------------------------------

@dataclass
class Tools:
    """Paths of the programs the cases run (None: missing) and their versions."""

    deckbuilder: Path | None = None
    pandoc: Path | None = None
    marp: Path | None = None
    chrome: Path | None = None
    reveal5: Path | None = None
    zip: Path | None = None
    versions: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def first_line(cmd: list[str]) -> str:
    """Return the first line a `--version` command prints, or "" when it fails."""
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return ((done.stdout or done.stderr).strip().splitlines() or [""])[0]


def shown(cmd: list[str]) -> str:
    """Return a command as one would type it, paths made relative to the checkout."""
    return " ".join(str(Path(c).relative_to(ROOT)) if c.startswith(str(ROOT)) else c
                    for c in (str(c) for c in cmd))


def find_tools() -> Tools:
    """Find deckbuilder, pandoc, Marp, Chromium, reveal.js 5 and zip; note what is missing."""
    t = Tools()
    t.deckbuilder = CLI if CLI.exists() else None
    for path in (PEERS / "python" / "pypandoc" / "files" / "pandoc", shutil.which("pandoc")):
        if path and Path(path).exists():
            t.pandoc = Path(path)
            break
    for path in (PEERS / "node_modules" / ".bin" / "marp", shutil.which("marp")):
        if path and Path(path).exists():
            t.marp = Path(path)
            break
    chrome = os.environ.get("CHROME_PATH") or next(
        (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
    t.chrome = Path(chrome) if chrome else None
    reveal = PEERS / "node_modules" / "reveal.js"
    t.reveal5 = reveal if (reveal / "plugin" / "notes" / "notes.js").exists() else None
    t.zip = Path(shutil.which("zip")) if shutil.which("zip") else None

    if t.deckbuilder:
        t.versions["deckbuilder"] = first_line([str(t.deckbuilder), "--version"]).split()[-1]
    if t.pandoc:
        t.versions["pandoc"] = first_line([str(t.pandoc), "--version"])
        if not embeds_resources(t.versions["pandoc"]):
            t.notes.append(f"{t.versions['pandoc']} has no --embed-resources (pandoc ≥ 2.19): "
                           f"install a newer one with `{shown(PEER_INSTALL['pandoc'])}`")
    else:
        t.notes.append(f"pandoc not found: `{shown(PEER_INSTALL['pandoc'])}` "
                       "(or `apt-get install pandoc`, but Debian 12's 2.17 cannot --embed-resources)")
    if t.marp:
        t.versions["marp"] = first_line([str(t.marp), "--version"])
    if not t.marp or not t.reveal5:
        t.notes.append(f"Marp or reveal.js 5 not found in benchmarks/.peers: `{shown(PEER_INSTALL['npm'])}`")
    if t.chrome:
        t.versions["chromium"] = first_line([str(t.chrome), "--version"])
    else:
        t.notes.append("Chromium not found (Marp and `export --pdf` need it): "
                       "`apt-get install chromium`, or set CHROME_PATH")
    if t.zip:
        m = re.search(r"Zip \S+", first_line(["sh", "-c", f"'{t.zip}' -v | sed -n 2p"]))
        t.versions["zip"] = m[0] if m else "zip"
    else:
        t.notes.append(f"zip not found: `{shown(PEER_INSTALL['zip'])}`")
    try:
        from importlib.metadata import version
        t.versions["Pillow"] = version("Pillow")
        t.versions["python-pptx"] = version("python-pptx")
    except Exception:   # noqa: BLE001  (versions are information only)
        pass
    return t


def embeds_resources(version_line: str) -> bool:
    """Return whether `pandoc --version`'s first line names a pandoc with --embed-resources."""
    m = re.search(r"(\d+)\.(\d+)", version_line)
    return bool(m) and (int(m[1]), int(m[2])) >= (2, 19)


def install_peers() -> None:
    """Run the peer install commands (pip into .peers/python, npm into .peers, zip by apt)."""
    PEERS.mkdir(exist_ok=True)
    for name, cmd in PEER_INSTALL.items():
        if name == "zip" and shutil.which("zip"):
            continue
        print(f"$ {shown(cmd)}", flush=True)
        env = {**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1"}   # the system Chromium is used
        subprocess.run(cmd, check=True, env=env)


# --- measuring a process tree -------------------------------------------------------------

def become_subreaper() -> bool:
    """Make this process the parent of orphaned descendants (Linux), so none escape the tree.

    Chromium and npm helpers may double-fork; without this their orphans would be
    re-parented to init and fall out of both the memory sampling and the CPU time.
    """
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0   # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def descendants(root: int) -> list[int]:
    """Return the pids below `root`, from the parent field of every /proc/PID/stat."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(name))
    found, todo = [], [root]
    while todo:
        for kid in children.get(todo.pop(), ()):
            found.append(kid)
            todo.append(kid)
    return found


def status_kib(pid: int) -> dict[str, int]:
    """Return the memory fields (kB) of /proc/PID/status: RssAnon, RssFile, RssShmem, VmHWM."""
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            text = f.read().decode(errors="replace")
    except OSError:
        return {}
    return {k: int(v) for k, v in re.findall(r"^(RssAnon|RssFile|RssShmem|VmHWM|VmRSS):\s+(\d+)",
                                             text, re.M)}


class TreeSampler(threading.Thread):
    """Sample the memory of this process's descendants every `interval` seconds.

    Why this and not `getrusage(RUSAGE_CHILDREN).ru_maxrss`: that is the peak of the
    single largest child, while pandoc, Marp (node + several Chromium processes) and
    deckbuilder (image workers, Chromium for PDFs) are trees. cgroup memory.peak would
    be exact, but it counts the page cache too (every image read, every output and
    cache file written), which is not the tool's memory, and it needs a writable cgroup.
    And summing every process's RSS counts each shared page once per process: all of
    Chromium's processes map the same 200 MB binary. So each sample adds up
    private-ish memory and counts shared files once:

        tree = Σ RssAnon + max RssFile + max RssShmem        (over the live descendants)

    (fields of /proc/PID/status, cheap to read, unlike smaps_rollup's PSS, which walks
    the page tables: 40 ms for an 800 MiB process). Anonymous pages shared
    copy-on-write after a fork are still counted per process, so for forked workers
    this errs high. The peak reported is the larger of the sampled tree peak and the
    largest single process's VmHWM (its exact peak RSS, which sampling can miss);
    `rss_sum_mib` (plain Σ VmRSS, what adding up `ps` gives) is kept in the JSON.
    """

    def __init__(self, interval: float) -> None:
        super().__init__(daemon=True)
        self.interval, self.stop = interval, threading.Event()
        self.tree_kib = self.rss_sum_kib = self.hwm_kib = self.samples = 0

    def sample(self) -> int:
        """Take one sample; return how many descendants are alive."""
        pids = descendants(os.getpid())
        fields = [f for f in map(status_kib, pids) if f]
        if fields:
            tree = (sum(f.get("RssAnon", 0) for f in fields) + max(f.get("RssFile", 0) for f in fields)
                    + max(f.get("RssShmem", 0) for f in fields))
            self.tree_kib = max(self.tree_kib, tree)
            self.rss_sum_kib = max(self.rss_sum_kib, sum(f.get("VmRSS", 0) for f in fields))
            self.hwm_kib = max([self.hwm_kib] + [f.get("VmHWM", 0) for f in fields])
            self.samples += 1
        return len(pids)

    def run(self) -> None:
        while not self.stop.wait(self.interval):
            self.sample()


@dataclass
class Run:
    """One measured run of a case."""

    wall: float
    cpu: float
    peak_mib: float
    rss_sum_mib: float
    samples: int


def reap_orphans(deadline: float) -> None:
    """Wait for descendants left when the main child exited (re-parented here), then reap them."""
    while descendants(os.getpid()) and time.monotonic() < deadline:
        time.sleep(0.05)
        reap_zombies()
    for pid in descendants(os.getpid()):   # still alive: ours, started by the case
        try:
            os.kill(pid, 9)
        except OSError:
            pass
    reap_zombies()


def reap_zombies() -> None:
    """Collect every exited child (orphans of a case re-parented to this subreaper)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def children_cpu() -> float:
    """Return the user+system CPU time of every reaped descendant so far."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def measure(cmd: list[str], cwd: Path, env: dict[str, str], interval: float,
            timeout: float) -> tuple[Run, subprocess.CompletedProcess[bytes]]:
    """Run `cmd` once; return its wall time, tree CPU time and tree peak memory."""
    sampler = TreeSampler(interval)
    cpu0 = children_cpu()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sampler.start()
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        err += f"\n(killed after {timeout:.0f} s)".encode()
    wall = time.perf_counter() - start
    reap_orphans(time.monotonic() + 10)
    sampler.stop.set()
    sampler.join()
    run = Run(wall, children_cpu() - cpu0, max(sampler.tree_kib, sampler.hwm_kib) / 1024,
              sampler.rss_sum_kib / 1024, sampler.samples)
    return run, subprocess.CompletedProcess(cmd, proc.returncode, out, err)


# --- the inputs ---------------------------------------------------------------------------

@dataclass
class Inputs:
    """Everything the cases of one size read: the vault and the three inputs over it."""

    n: int
    vault: Path
    pictures: list[Picture]
    stats: dict[str, object]
    spec: Path
    pandoc_md: Path
    marp_md: Path
    warm_vault: Path
    warm_spec: Path


def screens_vault(n: int, seed: int, jobs: int | None) -> tuple[Path, dict[str, object], list[Picture]]:
    """Return the generated vault of n screenshots, reusing an up-to-date one."""
    root, meta = SCREENS / f"vault-{n}", SCREENS / f"vault-{n}.json"
    params = {"images": n, "seed": seed, "version": VERSION}
    if meta.exists() and root.is_dir():
        saved = json.loads(meta.read_text())
        if saved.get("params") == params:
            return root, saved["stats"], [Picture(**p) for p in saved["pictures"]]
    t = time.perf_counter()
    print(f"Writing the vault of {n} screenshots (images drawn once, into "
          f"{SCREENS.relative_to(ROOT)}/pool-*; this vault is cached too) ...", flush=True)
    stats, pictures = make_screens_vault(root, n, seed, SCREENS, jobs)
    print(f"  {time.perf_counter() - t:.0f} s", flush=True)
    meta.write_text(json.dumps({"params": params, "stats": asdict(stats),
                                "pictures": [asdict(p) for p in pictures]}, indent=1) + "\n")
    return root, asdict(stats), pictures


def write_inputs(n: int, seed: int = 0, jobs: int | None = None, work: Path = WORK) -> Inputs:
    """Generate (or reuse) the vault of n images and write the deckbuilder, pandoc and Marp inputs."""
    vault, stats, pictures = screens_vault(n, seed, jobs)
    folder = work / str(n)
    folder.mkdir(parents=True, exist_ok=True)
    warm_vault = folder / "vault-copy"
    copy_for_editing(vault, warm_vault)   # the warm cases edit this copy, never `vault`
    return Inputs(n, vault, pictures, stats,
                  spec=write_spec(folder / "talk.yaml", vault, n),
                  pandoc_md=write_pandoc_markdown(folder / "slides-pandoc.md", vault, pictures),
                  marp_md=write_marp_markdown(folder / "slides-marp.md", vault, pictures),
                  warm_vault=warm_vault,
                  warm_spec=write_spec(folder / "talk-warm.yaml", warm_vault, n))


# --- the cases ----------------------------------------------------------------------------

@dataclass
class Case:
    """One column of the benchmark: how to prepare a run (untimed), the command, its output."""

    key: str
    label: str
    tool: str                              # "deckbuilder", "pandoc", "marp", "floor"
    command: Callable[[Path], list[str]]   # the run's scratch folder -> argv
    output: Callable[[Path], Path]         # the scratch folder -> the file it writes
    cwd: Path
    prepare: Callable[[Path, int], None] = lambda scratch, i: None
    setup: Callable[[Path], list[str]] | None = None   # once, untimed (fill the cache)
    missing: str = ""                      # why it is skipped, if it is


def fresh(path: Path) -> Path:
    """Empty `path` (a folder) and return it."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def deck_cases(inp: Inputs, tools: Tools) -> list[Case]:
    """Return deckbuilder's cases: PPTX and one-file HTML cold and warm, PDF cold."""
    db = str(tools.deckbuilder)
    missing = "" if tools.deckbuilder else "deckbuilder not installed in this venv"

    def cold(fmt: list[str]) -> Callable[[Path], list[str]]:
        return lambda s: [db, "build", str(inp.spec), *fmt, "-o", str(s / "out"),
                          "--cache-dir", str(s / "cache")]

    # The warm cases share one cache and one output folder for the whole series (a
    # rebuild over the last deck), filled by one untimed build of both formats: the
    # two formats use the same normalised images, and it saves a cold build per size.
    shared = fresh(WORK / str(inp.n) / "runs" / "warm")

    def warm(fmt: list[str]) -> Callable[[Path], list[str]]:
        return lambda s: [db, "build", str(inp.warm_spec), *fmt, "-o", str(shared / "out"),
                          "--cache-dir", str(shared / "cache")]

    def empty_cache(s: Path, i: int) -> None:
        fresh(s / "cache")
        fresh(s / "out")

    def edit_caption(s: Path, i: int) -> None:
        # a caption no earlier build saw (the run's folder names the case), so every warm
        # run of either format has a change to build, even with caches shared by formats
        change_one_caption(inp.warm_vault, inp.pictures,
                           f"Changed caption, {s.parent.name} run {i + 1}")

    pptx, html = ["-f", "pptx"], ["-f", "html", "--single-file"]
    fill = warm(["-f", "pptx,html", "--single-file"])
    name = inp.spec.stem
    chrome_missing = missing or ("" if tools.chrome else "no Chromium")
    return [
        Case("pptx-cold", "PPTX, empty image cache", "deckbuilder", cold(pptx),
             lambda s: s / "out" / f"{name}.pptx", ROOT, empty_cache, missing=missing),
        Case("pptx-warm", "PPTX, cache filled, one caption changed", "deckbuilder", warm(pptx),
             lambda s: shared / "out" / "talk-warm.pptx", ROOT, edit_caption,
             setup=fill, missing=missing),
        Case("html-cold", "one-file HTML, empty image cache", "deckbuilder", cold(html),
             lambda s: s / "out" / f"{name}.html", ROOT, empty_cache, missing=missing),
        Case("html-warm", "one-file HTML, cache filled, one caption changed", "deckbuilder",
             warm(html), lambda s: shared / "out" / "talk-warm.html", ROOT, edit_caption,
             setup=fill, missing=missing),
        Case("pdf-cold", "slides PDF (`export --pdf`), empty image cache", "deckbuilder",
             lambda s: [db, "export", str(inp.spec), "--pdf", "-o", str(s / "out"),
                        "--cache-dir", str(s / "cache")],
             lambda s: s / "out" / f"{name}.pdf", ROOT, empty_cache, missing=chrome_missing),
    ]


def peer_cases(inp: Inputs, tools: Tools) -> list[Case]:
    """Return pandoc's, Marp's and the zip floor's cases over the same images."""
    pandoc, here = str(tools.pandoc), inp.pandoc_md.parent

    def out_dir(s: Path, i: int) -> None:
        fresh(s / "out")

    no_pandoc = "" if tools.pandoc else "pandoc not found"
    no_embed = no_pandoc or ("" if embeds_resources(tools.versions.get("pandoc", "")) else
                             "this pandoc has no --embed-resources")
    no_reveal = no_embed or ("" if tools.reveal5 else "reveal.js 5 not in benchmarks/.peers")
    no_marp = ("" if tools.marp else "Marp not found") or ("" if tools.chrome else "no Chromium")
    return [
        Case("pandoc-pptx", "pandoc → pptx", "pandoc",
             lambda s: [pandoc, inp.pandoc_md.name, "-o", str(s / "out" / "slides.pptx")],
             lambda s: s / "out" / "slides.pptx", here, out_dir, missing=no_pandoc),
        Case("pandoc-revealjs", "pandoc → revealjs `--embed-resources --standalone`", "pandoc",
             lambda s: [pandoc, inp.pandoc_md.name, "-t", "revealjs", "--embed-resources",
                        "--standalone", "-V", f"revealjs-url={tools.reveal5}",
                        "-o", str(s / "out" / "slides.html")],
             lambda s: s / "out" / "slides.html", here, out_dir, missing=no_reveal),
        Case("marp-pdf", "Marp → `--pdf`", "marp",
             lambda s: [str(tools.marp), "--pdf", "--allow-local-files", "--no-stdin",
                        "--browser-timeout", "900", inp.marp_md.name,
                        "-o", str(s / "out" / "slides.pdf")],
             lambda s: s / "out" / "slides.pdf", here, out_dir, missing=no_marp),
        Case("zip-floor", "`zip -0` of the images (the floor)", "floor",
             lambda s: [str(tools.zip), "-0", "-q", "-r", str(s / "out" / "images.zip"),
                        "attachments"],
             lambda s: s / "out" / "images.zip", inp.vault, out_dir,
             missing="" if tools.zip else "zip not found"),
    ]


CASE_KEYS = ["pptx-cold", "pptx-warm", "html-cold", "html-warm", "pdf-cold",
             "pandoc-pptx", "pandoc-revealjs", "marp-pdf", "zip-floor"]


# --- running ------------------------------------------------------------------------------

@dataclass
class Result:
    """A case's runs at one size, or why it has none."""

    n: int
    key: str
    label: str
    tool: str
    runs: list[Run] = field(default_factory=list)
    output_bytes: int = 0
    output_count: str = ""     # slides or pages in the output, where cheap to count
    skipped: str = ""
    error: str = ""

    def median(self, attr: str) -> float | None:
        """Return the median of one Run field over the runs, or None without runs."""
        return statistics.median(getattr(r, attr) for r in self.runs) if self.runs else None


def count_in_output(path: Path) -> str:
    """Return "N slides" for a PPTX, "N pages" for a PDF (pdfinfo), else ""."""
    try:
        if path.suffix == ".pptx":
            with zipfile.ZipFile(path) as z:
                slides = sum(bool(re.fullmatch(r"ppt/slides/slide\d+\.xml", n)) for n in z.namelist())
            return f"{slides} slides"
        if path.suffix == ".pdf" and shutil.which("pdfinfo"):
            info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
            m = re.search(r"^Pages:\s+(\d+)", info, re.M)
            return f"{m[1]} pages" if m else ""
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as z:
                return f"{len([n for n in z.namelist() if not n.endswith('/')])} images"
    except (OSError, zipfile.BadZipFile):
        pass
    return ""


def run_size(inp: Inputs, cases: list[Case], tools: Tools, repeat: int, interval: float,
             timeout: float) -> list[Result]:
    """Run every case `repeat` times, in rounds; return a Result per case."""
    # Python writes its bytecode as it would for a user (.pyc files in __pycache__): an
    # inherited PYTHONDONTWRITEBYTECODE would recompile deckbuilder at every run (+0.1 s).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if tools.chrome:
        env["CHROME_PATH"] = str(tools.chrome)   # how Marp is told which browser to use
    results = {c.key: Result(inp.n, c.key, c.label, c.tool, skipped=c.missing) for c in cases}
    live = [c for c in cases if not c.missing]
    scratch = {c.key: fresh(WORK / str(inp.n) / "runs" / c.key / "run") for c in live}
    setups: dict[tuple[str, ...], str] = {}   # each setup command runs once: its error, if any
    for c in live:
        if c.setup:   # untimed: fill the image cache the warm runs find
            cmd = tuple(c.setup(scratch[c.key]))
            if cmd not in setups:
                print(f"  N={inp.n} filling the image cache of the warm cases (untimed) ...", flush=True)
                done = subprocess.run(cmd, cwd=c.cwd, env=env, capture_output=True, check=False)
                setups[cmd] = done.stderr.decode(errors="replace")[-1500:] if done.returncode else ""
            results[c.key].error = setups[cmd]
    for i in range(repeat):
        for c in live:
            res = results[c.key]
            if res.error:
                continue
            s = scratch[c.key]
            c.prepare(s, i)
            # What earlier runs wrote (and the deletion of their outputs) goes to disk now,
            # untimed: otherwise the writeback lands on whichever case comes next.
            os.sync()
            run, done = measure(c.command(s), c.cwd, env, interval, timeout)
            out = c.output(s)
            if done.returncode or not out.exists():
                res.error = (f"exit {done.returncode}: "
                             + done.stderr.decode(errors="replace")[-1500:])
                print(f"  N={inp.n} {c.key}: FAILED ({res.error.splitlines()[0] if res.error else ''})",
                      flush=True)
                continue
            res.runs.append(run)
            res.output_bytes = out.stat().st_size
            res.output_count = count_in_output(out)
            print(f"  N={inp.n} round {i + 1}/{repeat} {c.key:16} {run.wall:7.2f} s wall "
                  f"{run.cpu:7.2f} s CPU {run.peak_mib:7.0f} MiB ({run.samples} samples)", flush=True)
    for c in live:   # image caches are big (N = 1000: hundreds of MB); the last outputs stay
        shutil.rmtree(scratch[c.key] / "cache", ignore_errors=True)
    shutil.rmtree(WORK / str(inp.n) / "runs" / "warm" / "cache", ignore_errors=True)
    return [results[c.key] for c in cases]


# --- the report ----------------------------------------------------------------------------

@dataclass
class Goal:
    """One goal of issue 11: `case`'s figure against `limit` × the reference's."""

    text: str
    case: str
    reference: str | None      # a case key, or None for an absolute limit
    limit: float               # ratio for a reference; MiB for memory
    measure: str = "wall"      # "wall" or "peak_mib"
    sizes: tuple[int, ...] = ()   # sizes the issue states it for (empty: every size)


GOALS = [
    Goal("PPTX cold ≤ 1/4 of pandoc → pptx", "pptx-cold", "pandoc-pptx", 0.25),
    Goal("PPTX warm ≤ 3× the `zip -0` floor", "pptx-warm", "zip-floor", 3.0),
    Goal("one-file HTML cold ≤ 1/4 of pandoc `--embed-resources`", "html-cold", "pandoc-revealjs", 0.25),
    Goal("one-file HTML warm ≤ 2× the floor", "html-warm", "zip-floor", 2.0),
    Goal("PDF cold ≤ 1/2 of Marp `--pdf`", "pdf-cold", "marp-pdf", 0.5, sizes=(200,)),
    *(Goal(f"peak memory of {what} < 300 MiB", key, None, 300.0, "peak_mib", sizes=(1000,))
      for key, what in [("pptx-cold", "PPTX cold"), ("pptx-warm", "PPTX warm"),
                        ("html-cold", "HTML cold"), ("html-warm", "HTML warm")]),
]


def fmt_s(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f} s" if x < 10 else f"{x:.1f} s"


def fmt_mib(x: float | None) -> str:
    return "—" if x is None else f"{x:,.0f} MiB"


def results_table(results: list[Result], repeat: int) -> list[str]:
    """Return the Markdown table of every case at every size."""
    lines = [f"| N | case | tool | wall (median of {repeat}) | CPU | peak memory (tree) | output |",
             "|---:|---|---|---:|---:|---:|---|"]
    for r in results:
        if r.skipped or r.error:
            why = f"skipped: {r.skipped}" if r.skipped else f"failed: {r.error.strip().splitlines()[-1][:120]}"
            lines.append(f"| {r.n:,} | {r.label} | {r.tool} | {why} | | | |")
            continue
        out = f"{r.output_bytes / MIB:.1f} MiB" + (f", {r.output_count}" if r.output_count else "")
        lines.append(f"| {r.n:,} | {r.label} | {r.tool} | {fmt_s(r.median('wall'))} "
                     f"| {fmt_s(r.median('cpu'))} | {fmt_mib(r.median('peak_mib'))} | {out} |")
    return lines


def goal_rows(results: list[Result]) -> list[dict[str, object]]:
    """Evaluate every goal at every size measured; return one row per (goal, size)."""
    by = {(r.n, r.key): r for r in results}
    rows = []
    for n in sorted({r.n for r in results}):
        for g in GOALS:
            mine = by.get((n, g.case))
            value = mine.median(g.measure) if mine else None
            row: dict[str, object] = {"goal": g.text, "n": n, "case": g.case, "value": value,
                                      "stated_for": list(g.sizes) or "every N"}
            if g.reference is None:
                row.update(reference=None, ratio=None, holds=None if value is None else value < g.limit)
            else:
                ref = by.get((n, g.reference))
                ref_value = ref.median(g.measure) if ref else None
                ratio = value / ref_value if value is not None and ref_value else None
                # the same ratio of CPU times: steadier than wall time on a busy machine,
                # though it rewards no parallelism (the goals are wall time)
                cpu, ref_cpu = (r.median("cpu") if r else None for r in (mine, ref))
                row.update(reference=g.reference, reference_value=ref_value, ratio=ratio,
                           cpu_ratio=cpu / ref_cpu if cpu is not None and ref_cpu else None,
                           limit=g.limit, holds=None if ratio is None else ratio <= g.limit)
            rows.append(row)
    return rows


def goals_table(rows: list[dict[str, object]]) -> list[str]:
    """Return the Markdown table of the goals: figures, ratio, limit, holds."""
    lines = ["| goal | N | deckbuilder | reference in the same run | ratio (wall) | holds? "
             "| CPU ratio |", "|---|---:|---:|---:|---:|---|---:|"]
    for r in rows:
        mem = r["reference"] is None
        value = fmt_mib(r["value"]) if mem else fmt_s(r["value"])
        ref = "limit 300 MiB" if mem else fmt_s(r.get("reference_value"))
        ratio = "—" if r["ratio"] is None else f"{r['ratio']:.2f}× (limit {r['limit']:g}×)"
        holds = {True: "**yes**", False: "no", None: "n/a"}[r["holds"]]
        stated = r["stated_for"]
        if stated != "every N" and r["n"] not in stated:
            holds += f" (issue states it for N = {', '.join(map(str, stated))})"
        cpu = "" if r.get("cpu_ratio") is None else f"{r['cpu_ratio']:.2f}×"
        lines.append(f"| {r['goal']} | {r['n']:,} | {value} | {ref} | {ratio} | {holds} | {cpu} |")
    return lines


def git_commit() -> str:
    """Return the checkout's commit (short hash, and "+ changes" if the tree is dirty)."""
    head = first_line(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return head + (" + uncommitted changes" if dirty else "")


def main() -> None:
    """Generate the vaults, run every case in rounds, print and save the tables."""
    p = argparse.ArgumentParser(description=__doc__.split("\nUsage:")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="Cases: " + ", ".join(CASE_KEYS) + ". See benchmarks/README.md.")
    p.add_argument("--sizes", default="200,1000", help="comma-separated image counts (default 200,1000)")
    p.add_argument("--repeat", type=int, default=3, help="rounds; figures are medians (default 3)")
    p.add_argument("--quick", action="store_true", help="try it out: N = 20, one round")
    p.add_argument("--cases", default=",".join(CASE_KEYS), help="comma-separated subset of the cases")
    p.add_argument("--seed", type=int, default=0, help="image generator seed")
    p.add_argument("--jobs", type=int, default=None, help="processes drawing the images (default: cores)")
    p.add_argument("--poll", type=float, default=0.05, help="memory sampling interval, s (default 0.05)")
    p.add_argument("--timeout", type=float, default=1800, help="seconds before a run is killed")
    p.add_argument("--install-peers", action="store_true",
                   help="first install pandoc (PyPI) and Marp + reveal.js 5 (npm) into benchmarks/.peers")
    a = p.parse_args()
    sizes = [20] if a.quick else [int(s) for s in a.sizes.split(",")]
    repeat = 1 if a.quick else a.repeat
    wanted = a.cases.split(",")
    if bad := [k for k in wanted if k not in CASE_KEYS]:
        p.error(f"unknown case(s) {', '.join(bad)}; known: {', '.join(CASE_KEYS)}")
    if a.install_peers:
        install_peers()
    if not become_subreaper():
        print("note: could not become a child subreaper; orphaned processes escape the measurement")
    tools = find_tools()
    started = datetime.now(timezone.utc)
    load0 = os.getloadavg()[0]
    head = [f"Machine: {machine()}", f"Commit: {git_commit()}",
            "Versions: " + "; ".join(f"{k} {v}" for k, v in tools.versions.items()),
            f"Started {started:%Y-%m-%d %H:%M} UTC, load average {load0:.2f}"]
    print("\n".join(head), flush=True)
    for note in tools.notes:
        print(f"note: {note}", flush=True)
    results: list[Result] = []
    stats = {}
    for n in sizes:
        inp = write_inputs(n, a.seed, a.jobs)
        stats[n] = inp.stats
        print(f"N = {n}: {inp.stats['png']} PNG + {inp.stats['jpeg']} JPEG, "
              f"{inp.stats['bytes'] / MIB:.1f} MiB", flush=True)
        cases = [c for c in deck_cases(inp, tools) + peer_cases(inp, tools) if c.key in wanted]
        results += run_size(inp, cases, tools, repeat, a.poll, a.timeout)
    load1 = os.getloadavg()[0]
    elapsed = (datetime.now(timezone.utc) - started).total_seconds()
    head.append(f"Load average {load1:.2f} at the end; the whole run took {elapsed / 60:.1f} min")
    vaults = "; ".join(f"N = {n}: {s['png']} PNG + {s['jpeg']} JPEG, {s['bytes'] / MIB:.1f} MiB"
                       for n, s in stats.items())
    rows = goal_rows(results)
    md = ["\n".join(f"- {h}" for h in head + [f"Vaults: {vaults}"]), "",
          *results_table(results, repeat), "", *goals_table(rows), ""]
    md += [f"- note: {n}" for n in tools.notes]
    text = "\n".join(md) + "\n"
    print("\n" + text)
    stamp = started.strftime("%Y%m%d-%H%M%S")
    payload = {"machine": machine(), "commit": git_commit(), "versions": tools.versions,
               "started": started.isoformat(), "load_start": load0, "load_end": load1,
               "elapsed_s": elapsed, "repeat": repeat, "poll_s": a.poll, "vaults": stats,
               "results": [asdict(r) for r in results], "goals": rows, "notes": tools.notes}
    OUT.mkdir(exist_ok=True)
    for name in (f"bench-build-{stamp}", "bench-build-latest"):
        (OUT / f"{name}.md").write_text(text, encoding="utf-8")
        (OUT / f"{name}.json").write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    print(f"Written: {(OUT / f'bench-build-{stamp}.md').relative_to(ROOT)} and .json "
          "(and bench-build-latest.*)")


if __name__ == "__main__":
    main()
