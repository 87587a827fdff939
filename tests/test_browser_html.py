"""The reveal.js deck in a real headless Chromium, from file:// with the network blocked."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import pytest

from conftest import require_tool
from deckbuilder import theme as themes
from deckbuilder.export.browser import Browser, Page, find_chrome
from deckbuilder.errors import BuildError
from deckbuilder.model import Deck
from deckbuilder.render import html
from test_render_html import PAYLOAD, sample_deck

pytestmark = pytest.mark.tools

READY = ("window.Reveal && Reveal.isReady() && document.fonts.status === 'loaded' "
         "&& [...document.images].every(i => i.complete)")
NOTES = "(e => e ? e.textContent : '')(document.querySelector('.speaker-controls-notes .value'))"
KEYS = {"s": ("KeyS", 83), "o": ("KeyO", 79), "ArrowRight": ("ArrowRight", 39),
        "Escape": ("Escape", 27)}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole module (the machine is small)."""
    chrome = require_tool("chromium", "chromium-browser", "google-chrome")
    if not (html.VENDOR / "revealjs" / "reveal.js").is_file():
        message = "reveal.js is not vendored: run scripts/setup"
        if os.environ.get("DECKBUILDER_REQUIRE_TOOLS"):
            pytest.fail(message)
        pytest.skip(message)
    with Browser.launch(os.environ.get("DECKBUILDER_CHROME") or chrome) as b:
        yield b


@pytest.fixture
def theme() -> themes.Theme:
    """The built-in default theme."""
    return themes.load("default")


def open_deck(browser: Browser, path: Path, slide: int = 0) -> Page:
    """Return a page showing `path` from file://, loaded, at slide index `slide`."""
    page = browser.new_page(1280, 720)
    page.goto(path.as_uri())
    page.wait_for(READY)
    if slide:
        page.evaluate(f"Reveal.slide({slide})")
        page.wait_for(f"Reveal.getIndices().h === {slide}")
    return page


def press(page: Page, key: str) -> None:
    """Type one key into the page as a real keyboard event."""
    code, key_code = KEYS[key]
    page.press(key, code, key_code)


def outside(requests: list[str], allowed: set[str] | None = None) -> list[str]:
    """Return the requests that are neither inline data nor (allowed) local files."""
    return [u for u in requests if not u.startswith("data:")
            and not (u.startswith("file://") if allowed is None else u in allowed)]


def test_folder_deck_works_offline(browser, tmp_path, theme):
    deck = sample_deck(tmp_path, PAYLOAD)
    page = open_deck(browser, html.write(deck, tmp_path / "out", "talk", theme))
    try:
        assert page.errors == []
        assert outside(page.requests) == [] and page.blocked == []
        assert page.evaluate("document.querySelectorAll('.slides section').length") == 5
        widths = page.evaluate("[...document.images].map(i => i.naturalWidth)")
        assert len(widths) == 4 and all(w > 0 for w in widths)
        assert page.evaluate("document.fonts.check('28px Carlito')")
    finally:
        page.close()


def test_items_sit_exactly_at_their_planned_boxes(browser, tmp_path, theme):
    deck = sample_deck(tmp_path)
    page = open_deck(browser, html.write(deck, tmp_path / "out", "talk", theme), slide=2)
    try:
        rects = page.evaluate("[...document.querySelectorAll('section.present .db-item')]"
                              ".map(e => e.getBoundingClientRect().toJSON())")
        boxes = [i.box for i in deck.slides[2].items]
        assert len(rects) == len(boxes) == 3
        for rect, box in zip(rects, boxes):
            got = (rect["x"], rect["y"], rect["width"], rect["height"])
            assert got == pytest.approx((box.x, box.y, box.w, box.h), abs=0.5)
        family = page.evaluate("getComputedStyle(document.querySelector('.db-caption'))"
                               ".fontFamily")
        assert family.startswith("Carlito")
    finally:
        page.close()


def test_one_file_deck_requests_nothing_but_itself(browser, tmp_path, theme):
    out = html.write(sample_deck(tmp_path), tmp_path / "out", "talk", theme, single_file=True)
    page = open_deck(browser, out)
    try:
        assert page.errors == []
        assert outside(page.requests, {out.as_uri()}) == []
        assert out.as_uri() in page.requests
        assert page.evaluate("[...document.images].every(i => i.naturalWidth > 0)")
        assert page.evaluate("document.fonts.check('700 60px Carlito')")
    finally:
        page.close()


def test_hostile_caption_and_notes_run_nothing(browser, tmp_path, theme):
    deck = sample_deck(tmp_path, PAYLOAD)
    slides = list(deck.slides)
    slides[1] = replace(slides[1], notes=PAYLOAD)
    deck = replace(deck, slides=tuple(slides))
    page = open_deck(browser, html.write(deck, tmp_path / "out", "t", theme), slide=1)
    try:
        caption = page.evaluate("document.querySelector('section.present .db-caption')"
                                ".textContent")
        assert "<script>window.__xss=1;alert(1)</script>" in caption
        assert '<img src=x onerror="window.__xss=2">' in caption
        assert "[click](javascript:window.__xss=3)" in caption
        assert page.evaluate("document.querySelectorAll('a[href^=\"javascript\"]').length") == 0
        assert page.evaluate("document.scripts.length") == 3  # reveal, notes, initialize
        press(page, "s")  # the notes (same payload) go into the speaker view's DOM
        speaker = browser.wait_for_popup(page)
        speaker.wait_for(f"{NOTES}.includes('onerror')")
        for p in (page, speaker):
            assert p.evaluate("typeof window.__xss") == "undefined"
            assert p.dialogs == []
        assert page.errors == []
        speaker.close()
    finally:
        page.close()


def test_speaker_view_shows_the_current_slides_notes(browser, tmp_path, theme):
    page = open_deck(browser, html.write(sample_deck(tmp_path), tmp_path / "out", "t", theme))
    try:
        press(page, "s")
        speaker = browser.wait_for_popup(page)
        assert speaker.wait_for("document.title") == "reveal.js - Speaker View"
        assert "Welcome everyone." in speaker.wait_for(NOTES)
        press(page, "ArrowRight")
        speaker.wait_for(f"{NOTES}.includes('Source: the web')")
        assert "Welcome" not in speaker.evaluate(NOTES)
        # The slides draw their own numbers, so reveal's counter is for the speaker view
        # (its file:// iframes are cross-origin, so their DOM cannot be read from here).
        assert page.evaluate("[Reveal.getConfig().slideNumber, "
                             "Reveal.getConfig().showSlideNumber]") == ["c/t", "speaker"]
        assert page.errors == [] and speaker.errors == []
        assert outside(speaker.requests) == []
        speaker.close()
    finally:
        page.close()


def test_keyboard_overview_and_slide_numbers(browser, tmp_path, theme):
    deck = sample_deck(tmp_path)
    # Without numbers drawn on the slides, reveal's own counter shows on every slide.
    slides = tuple(replace(s, items=tuple(i for i in s.items if i.role != "slide-number"))
                   for s in deck.slides)
    out = html.write(replace(deck, slides=slides), tmp_path / "out", "t", theme)
    page = open_deck(browser, out)
    try:
        number = ("document.querySelector('.reveal .slide-number').textContent"
                  ".replace(/\\s+/g, '')")
        assert page.evaluate(number) == "1/5"
        press(page, "ArrowRight")
        page.wait_for("Reveal.getIndices().h === 1")
        assert page.evaluate(number) == "2/5"
        press(page, "o")
        page.wait_for("Reveal.isOverview()")
        press(page, "Escape")
        page.wait_for("!Reveal.isOverview()")
        assert page.errors == []
    finally:
        page.close()


def test_deck_without_notes_or_images_still_loads(browser, tmp_path, theme):
    deck = Deck("Empty", 960, 720, (sample_deck(tmp_path).slides[3],))
    page = open_deck(browser, html.write(deck, tmp_path / "out", "t", theme))
    try:
        assert page.evaluate("[Reveal.getConfig().width, Reveal.getConfig().height]") == \
            [960, 720]
        assert page.evaluate("document.querySelectorAll('.slides section').length") == 1
        assert page.errors == []
    finally:
        page.close()


def test_network_requests_are_recorded_and_blocked(browser, tmp_path, theme):
    # Proves the offline checks above are not vacuous: a --cdn deck asks for the network.
    out = html.write(sample_deck(tmp_path), tmp_path / "out", "t", theme, cdn=True)
    page = browser.new_page(1280, 720)
    try:
        page.goto(out.as_uri())
        cdn = [u for u in page.requests if u.startswith("https://cdn.jsdelivr.net/npm/reveal.js@")]
        assert len(cdn) == 4 and sorted(page.blocked) == sorted(cdn)
        assert page.evaluate("typeof Reveal") == "undefined"
        assert any("ERR_BLOCKED_BY_CLIENT" in m.text for m in page.errors)
    finally:
        page.close()


def test_find_chrome_honours_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DECKBUILDER_CHROME", str(tmp_path / "no-such-chrome"))
    with pytest.raises(BuildError, match="DECKBUILDER_CHROME"):
        find_chrome()
    monkeypatch.delenv("DECKBUILDER_CHROME")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BuildError, match="install it"):
        find_chrome()
    fake = tmp_path / "chromium-browser"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    assert find_chrome() == str(fake)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int]:
    """The demo talk built as a deck folder and as one file: (index.html, one file, slides)."""
    from deckbuilder.build import build

    out = tmp_path_factory.mktemp("demo")
    spec = Path(__file__).resolve().parent.parent / "talks" / "demo.yaml"
    folder = build(spec, ["html"], out, cache_dir=out / "cache")
    one = build(spec, ["html"], out, cache_dir=out / "cache", single_file=True)
    assert folder.slides == one.slides
    return folder.outputs[0], one.outputs[0], folder.slides


def test_demo_deck_offline_from_a_folder(browser, demo):
    index, _, planned = demo
    page = open_deck(browser, index)
    try:
        assert page.errors == []
        assert outside(page.requests) == [] and page.blocked == []
        assert page.evaluate("document.querySelectorAll('.slides section').length") == planned
        images = page.evaluate("[...document.images].map(i => [i.naturalWidth, i.alt])")
        assert len(images) >= 10
        assert all(width > 0 for width, _ in images)
        # Alt text is the caption (or source and date), never a file name or path; the
        # slides_url QR code's says what it holds.
        assert all(alt and ("/" not in alt or alt.startswith("QR code: https://"))
                   and not alt.lower().endswith((".png", ".jpg")) for _, alt in images)
        files = {p.name for p in (index.parent / "img").iterdir()}
        assert len(files) == len({u for u in page.requests if "/img/" in u})
    finally:
        page.close()


def test_demo_deck_as_one_file(browser, demo):
    _, one, planned = demo
    page = open_deck(browser, one)
    try:
        assert page.errors == []
        assert outside(page.requests, {one.as_uri()}) == []
        assert page.evaluate("document.querySelectorAll('.slides section').length") == planned
        assert page.evaluate("[...document.images].every(i => i.naturalWidth > 0)")
        press(page, "s")
        speaker = browser.wait_for_popup(page)
        assert speaker.wait_for("document.title") == "reveal.js - Speaker View"
        speaker.close()
    finally:
        page.close()


def test_a_browser_that_dies_at_once_is_a_clear_error(tmp_path):
    with pytest.raises(BuildError, match="closed the DevTools pipe"):
        Browser.launch("/bin/true")
