"""Open time, memory and scrolling of `serve`'s picker on a generated vault (Linux).

Starts a preview in-process over a talk on the generated N-note vault, waits until it
has prepared the picker's data (as it does on its own after the first build), then
opens /__deckbuilder/picker in headless Chromium: first with no cached thumbnails
(cold), then again (warm). "Open" is navigation start until the page has loaded every entry
and the spec and every visible card's thumbnail has arrived. Also reports the entries
JSON, the server's resident memory, the page's JS heap and DOM size, the page's
filter times, and frame times while scrolling the grid from top to bottom.

Usage: python benchmarks/bench_picker.py [--notes 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_entries import OUT, machine, vault_for  # noqa: E402  (sibling scripts)

from deckbuilder.export.browser import Browser  # noqa: E402
from deckbuilder.serve.picker import entries_document  # noqa: E402
from deckbuilder.serve.preview import Preview  # noqa: E402

TALK = """title: Picker benchmark
vault: vault-{notes}
slides:
  - title
  - select: {{tags: [eval/judge], order: date, limit: 30}}
  - credits
"""
OPENED = ("window.deckbuilderPicker && deckbuilderPicker.ready && "
          "[...document.querySelectorAll('.card img')].every(i => i.complete)")
SCROLL = """new Promise(done => {
  const grid = document.getElementById('grid'), frames = [];
  let last = performance.now(), most = 0;
  const step = () => {
    const now = performance.now(); frames.push(now - last); last = now;
    most = Math.max(most, document.querySelectorAll('.card').length);
    if (grid.scrollTop + grid.clientHeight >= grid.scrollHeight - 1 || frames.length > 600) {
      frames.sort((a, b) => a - b);
      done({frames: frames.length, p50: frames[frames.length >> 1],
            p95: frames[Math.floor(frames.length * 0.95)], max: frames[frames.length - 1],
            cards: most, height: grid.scrollHeight});
      return;
    }
    grid.scrollTop += grid.scrollHeight / 400;
    requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
})"""
FILTERS = {"tag": "{tags: ['eval/judge']}", "text": "{match: 'judge|benchmark'}",
           "dates": "{from: '2024-01-01', to: '2024-06-30'}"}


def rss_mb() -> float:
    """Return this process's resident memory in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def open_once(browser: Browser, url: str) -> dict[str, float]:
    """Open the picker in a fresh tab; return its open time (s), JS heap (MB) and nodes."""
    page = browser.new_page(1400, 900, block_network=False)
    page.call("Performance.enable")
    started = time.perf_counter()
    page.goto(url + "__deckbuilder/picker", timeout=120)
    page.wait_for(OPENED, timeout=120)
    opened = time.perf_counter() - started
    metrics = {m["name"]: m["value"] for m in page.call("Performance.getMetrics")["metrics"]}
    timings = page.evaluate("deckbuilderPicker.timings")
    result = {"open": opened, "heap": metrics["JSHeapUsedSize"] / 1e6,
              "entries": timings["entries"] / 1e3, "shown": timings["shown"] / 1e3,
              "nodes": metrics["Nodes"],
              "cards": page.evaluate("document.querySelectorAll('.card').length")}
    for name, criteria in FILTERS.items():
        result[f"filter {name}"] = page.evaluate(   # text: with the server's round trip
            f"(async () => {{ const t = performance.now(); const n = (await deckbuilderPicker"
            f".filter({criteria})).length; return [performance.now() - t, n]; }})()")
    result["scroll"] = page.evaluate(SCROLL, timeout=300)
    page.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=10000, help="notes in the vault")
    parser.add_argument("--repeat", type=int, default=3, help="warm opens after the cold one")
    args = parser.parse_args()
    root, stats = vault_for(args.notes, 0)
    spec = OUT / f"picker-{args.notes}.yaml"
    spec.write_text(TALK.format(notes=args.notes), encoding="utf-8")
    cache = OUT / "picker-cache"
    shutil.rmtree(cache / "thumbs", ignore_errors=True)   # cold thumbnails
    before = rss_mb()
    started = time.perf_counter()
    with Preview(spec, port=0, cache_dir=cache, say=lambda *_: None) as preview:
        built = time.perf_counter() - started
        while preview.picker.builds and not preview.picker.prepared:   # the watcher's start
            time.sleep(0.05)
        prepared = time.perf_counter() - started - built
        after_build = rss_mb()
        entries = len(preview.picker.vault.entries)
        t = time.perf_counter()                # what the first entries.json request does
        entries_document(preview.picker.vault.entries, 1)
        json_s = time.perf_counter() - t
        with urllib.request.urlopen(preview.url + "__deckbuilder/entries.json") as r:
            size = len(r.read())
        with Browser.launch() as browser:
            cold = open_once(browser, preview.url)
            warm = [open_once(browser, preview.url) for _ in range(args.repeat)]
        after_open = rss_mb()
    report(args.notes, entries, stats, built, prepared, json_s, size, before, after_build,
           after_open, cold, warm)


def report(notes, entries, stats, built, prepared, json_s, size, before, after_build,
           after_open, cold, warm) -> None:
    best = min(warm, key=lambda r: r["open"])
    print(f"machine: {machine()}")
    print(f"vault: {notes} notes, {entries} entries")
    print(f"first build (serve start, not the picker): {built:.1f} s; then the picker's "
          f"entries and spec state, in the watcher thread: {prepared:.1f} s")
    print(f"entries JSON: {size / 1e6:.1f} MB, made in {json_s:.2f} s")
    print(f"server RSS: {before:.0f} MB before, {after_build:.0f} MB after the first build, "
          f"{after_open:.0f} MB after {1 + len(warm)} picker opens")
    print()
    print("| | cold (no thumbnails) | warm (best of %d) |" % len(warm))
    print("|---|---:|---:|")
    print(f"| open: navigation to visible cards | {cold['open']:.2f} s | {best['open']:.2f} s |")
    print(f"| … entries loaded and parsed | {cold['entries']:.2f} s | {best['entries']:.2f} s |")
    print(f"| … spec state in, first cards drawn | {cold['shown']:.2f} s | "
          f"{best['shown']:.2f} s |")
    print(f"| JS heap | {cold['heap']:.0f} MB | {best['heap']:.0f} MB |")
    print(f"| DOM nodes / cards rendered | {cold['nodes']:.0f} / {cold['cards']} | "
          f"{best['nodes']:.0f} / {best['cards']} |")
    for name in FILTERS:
        ms, n = cold[f"filter {name}"]
        warm_ms = best[f"filter {name}"][0]
        print(f"| filter by {name} ({n} match) | {ms:.0f} ms | {warm_ms:.0f} ms |")
    for label, r in (("cold", cold), ("warm", best)):
        s = r["scroll"]
        print(f"scroll ({label}): {s['frames']} frames over {s['height'] / 1e6:.1f} M px, "
              f"frame p50 {s['p50']:.1f} ms, p95 {s['p95']:.1f} ms, max {s['max']:.0f} ms, "
              f"at most {s['cards']} cards in the DOM")
    opens = ", ".join(f"{r['open']:.2f}" for r in warm)
    print(f"warm opens: {opens} s; median "
          f"{statistics.median(r['open'] for r in warm):.2f} s")


if __name__ == "__main__":
    main()
