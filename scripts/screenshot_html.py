"""Screenshot one slide of a built reveal.js deck in headless Chromium (for docs/).

    .venv/bin/python scripts/screenshot_html.py talks/build/demo/index.html 5 docs/demo-slide-html.png

SLIDE is 1-based, as the slide numbers show. The PNG is reduced to a 256-colour palette
when it would be larger than --max-kb, so that committed screenshots stay small.
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

from PIL import Image

from deckbuilder.export.browser import Browser

READY = ("window.Reveal && Reveal.isReady() && document.fonts.status === 'loaded' "
         "&& [...document.images].every(i => i.complete)")
# complete is not painted: wait until the current slide's pictures are decoded too.
DECODED = ("Promise.all([...document.querySelectorAll('section.present img')]"
           ".map(i => i.decode())).then(() => true)")


def screenshot(deck: Path, slide: int) -> bytes:
    """Return a PNG of slide `slide` (1-based) at the deck's own canvas size."""
    with Browser.launch() as browser:
        page = browser.new_page(1280, 720)
        page.goto(deck.resolve().as_uri())
        page.wait_for(READY)
        width, height = page.evaluate("[Reveal.getConfig().width, Reveal.getConfig().height]")
        page.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height,
                                                         "deviceScaleFactor": 1,
                                                         "mobile": False})
        # Controls and the progress bar are chrome around the slide, not the slide; with
        # no transition the new slide is fully shown at once.
        page.evaluate("Reveal.configure({controls: false, progress: false, transition: 'none',"
                      f" backgroundTransition: 'none'}}); Reveal.slide({slide - 1})")
        page.wait_for(f"Reveal.getIndices().h === {slide - 1} && " + READY)
        page.evaluate(DECODED)
        if page.errors:
            raise SystemExit(f"console errors: {[str(e) for e in page.errors]}")
        return page.screenshot()


def shrink(png: bytes, max_kb: int) -> bytes:
    """Return the PNG unchanged if small enough, else as a 256-colour palette PNG."""
    if len(png) <= max_kb * 1024:
        return png
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(256, dither=Image.Dither.NONE)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def main() -> None:
    """Parse the arguments and write the screenshot."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("deck", type=Path, help="index.html of a deck folder, or a one-file deck")
    parser.add_argument("slide", type=int, help="slide number, 1-based")
    parser.add_argument("out", type=Path, help="PNG to write")
    parser.add_argument("--max-kb", type=int, default=300)
    args = parser.parse_args()
    data = shrink(screenshot(args.deck, args.slide), args.max_kb)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    print(f"{args.out}: {len(data) // 1024} KB")


if __name__ == "__main__":
    main()
