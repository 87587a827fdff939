"""Screenshot `serve`'s picker on a copy of the demo talk in headless Chromium (for docs/).

    .venv/bin/python scripts/screenshot_picker.py docs/picker.png

The demo talk and vault are copied to a temporary folder (the picker is shown, nothing
is edited), one tag chip is pressed to show the filter, and the page is captured once
every visible thumbnail is decoded.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from deckbuilder.export.browser import Browser
from deckbuilder.serve.preview import Preview

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from screenshot_html import shrink  # noqa: E402  (a sibling script)

OPENED = ("window.deckbuilderPicker && deckbuilderPicker.ready && "
          "[...document.images].every(i => i.complete)")
DECODED = "Promise.all([...document.images].map(i => i.decode())).then(() => true)"


def screenshot(tag: str, width: int, height: int) -> bytes:
    """Return a PNG of the picker over the demo talk with the chip `tag` pressed."""
    with tempfile.TemporaryDirectory(prefix="deckbuilder-picker-shot-") as tmp:
        shutil.copy(ROOT / "talks" / "demo.yaml", Path(tmp) / "demo.yaml")
        shutil.copytree(ROOT / "talks" / "demo-vault", Path(tmp) / "demo-vault")
        with Preview(Path(tmp) / "demo.yaml", port=0, cache_dir=Path(tmp) / "cache",
                     say=lambda *_: None) as preview, Browser.launch() as browser:
            page = browser.new_page(width, height, block_network=False)
            page.goto(preview.url + "__deckbuilder/picker")
            page.wait_for(OPENED)
            if tag:
                page.evaluate(f"document.querySelector('[data-tag=\"{tag}\"]').click()")
                page.wait_for(OPENED)
            page.evaluate("document.querySelector('#items [data-kind=\"image\"]').focus()")
            page.evaluate(DECODED)
            if page.errors:
                raise SystemExit(f"console errors: {[str(e) for e in page.errors]}")
            return page.screenshot()


def main() -> None:
    """Parse the arguments and write the screenshot."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path, help="PNG to write")
    parser.add_argument("--tag", default="data", help="the tag chip to press ('' for none)")
    parser.add_argument("--size", default="1400x860", help="viewport, WxH")
    parser.add_argument("--max-kb", type=int, default=400)
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.split("x"))
    data = shrink(screenshot(args.tag, width, height), args.max_kb)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    print(f"{args.out}: {len(data) // 1024} KB")


if __name__ == "__main__":
    main()
