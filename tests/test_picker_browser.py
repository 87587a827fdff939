"""The picker in a real headless Chromium: filter, add, drag, keys, caption, remove.

After every step the spec on disk must hold exactly the expected picks with the
user's comments intact, and the served deck must show the change.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from markupsafe import escape

from _decks import demo_copy
from conftest import ROOT, require_tool
from deckbuilder import picks, vault
from deckbuilder.export.browser import Browser, Page
from deckbuilder.model import Criteria
from deckbuilder.serve.preview import Preview
from test_serve import get, status, wait_status

pytestmark = pytest.mark.tools

SPEC = """\
# Picker acceptance: every comment here must survive every edit.
title: Picker acceptance
vault: demo-vault        # the demo's notes

slides:
  - title

  # the dedup pictures, by tag
  - select: {tags: [data/dedup], order: date}
  - closing   # thanks
"""
COMMENTS = [line for line in SPEC.splitlines() if "#" in line]
A, B = "Pasted image 20240502141233", "Pasted image 20240502142010"
TIMEOUT = 60.0


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chrome = require_tool("chromium", "chromium-browser", "google-chrome")
    with Browser.launch(os.environ.get("DECKBUILDER_CHROME") or chrome) as b:
        yield b


@pytest.fixture
def talk(tmp_path: Path) -> Path:
    return demo_copy(tmp_path, SPEC, "talk.yaml")


@pytest.fixture
def serving(talk: Path, tmp_path: Path) -> Iterator[Preview]:
    with Preview(talk, port=0, cache_dir=tmp_path / "cache", say=lambda *_: None,
                 interval=0.1) as p:
        yield p


def open_picker(browser: Browser, preview: Preview) -> Page:
    page = browser.new_page(1400, 900, block_network=False)
    page.goto(preview.url + "__deckbuilder/picker")
    page.wait_for("window.deckbuilderPicker && deckbuilderPicker.ready")
    return page


def center(page: Page, selector: str) -> tuple[float, float]:
    rect = page.wait_for(f"(e => e && e.getBoundingClientRect().toJSON())"
                         f"(document.querySelector({json.dumps(selector)}))")
    return rect["x"] + rect["width"] / 2, rect["y"] + rect["height"] / 2


def mouse(page: Page, kind: str, x: float, y: float, buttons: int = 0) -> None:
    page.call("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left",
                                           "buttons": buttons, "clickCount": 1})


def click(page: Page, selector: str) -> None:
    """Click an element with the (emulated) mouse, as a user would."""
    x, y = center(page, selector)
    mouse(page, "mouseMoved", x, y)
    mouse(page, "mousePressed", x, y, 1)
    mouse(page, "mouseReleased", x, y)


def drag(page: Page, source: str, target: str, below: bool) -> None:
    """Drag `source` with the mouse and drop it over the lower (or upper) part of `target`."""
    x, y = center(page, source)
    rect = page.evaluate(f"document.querySelector({json.dumps(target)})"
                         ".getBoundingClientRect().toJSON()")
    to_y = rect["y"] + rect["height"] * (0.85 if below else 0.15)
    mouse(page, "mouseMoved", x, y)
    mouse(page, "mousePressed", x, y, 1)
    for k in range(1, 11):
        mouse(page, "mouseMoved", x, y + (to_y - y) * k / 10, 1)
    mouse(page, "mouseReleased", x, to_y)


def key(page: Page, name: str, code: int, modifiers: int = 0) -> None:
    """Press one key (modifiers: 1 Alt, 2 Ctrl, 8 Shift) as a real keyboard event."""
    event = {"key": name, "code": name, "windowsVirtualKeyCode": code,
             "nativeVirtualKeyCode": code, "modifiers": modifiers}
    page.call("Input.dispatchKeyEvent", {"type": "rawKeyDown", **event})
    page.call("Input.dispatchKeyEvent", {"type": "keyUp", **event})


def slides_on_disk(talk: Path) -> list[Any]:
    return yaml.safe_load(talk.read_text(encoding="utf-8"))["slides"]


def wait_spec(talk: Path, expected: list[Any]) -> str:
    """Wait until the spec on disk holds `expected`; check its comments; return its text."""
    deadline = time.monotonic() + TIMEOUT
    while slides_on_disk(talk) != expected:
        assert time.monotonic() < deadline, f"the spec holds {slides_on_disk(talk)}"
        time.sleep(0.05)
    text = talk.read_text(encoding="utf-8")
    assert [line for line in text.splitlines() if "#" in line] == COMMENTS
    return text


def wait_deck(preview: Preview, before: str, captions: list[str], deck: Page | None = None
              ) -> str:
    """Wait for a new build; return its id after checking the captions' order in the deck
    served and, when given, in the open deck tab (which must have reloaded itself)."""
    now = wait_status(preview, lambda s: s["build"] != before and s["ok"])
    html = get(preview.url)[2].decode()
    places = [html.find(str(escape(c))) for c in captions]
    assert all(p >= 0 for p in places) and places == sorted(places), (captions, places)
    assert len(html.split("<section")) - 1 == now["slides"]
    if deck is not None:
        shown = deck.wait_for(
            f"window.Reveal && Reveal.isReady() && document.querySelector("
            f"'script[data-build=\"{now['build']}\"]') && [...document.querySelectorAll("
            f"'.slides > section')].map(s => s.textContent).join('\\n')")
        at = [shown.find(c) for c in captions]
        assert all(p >= 0 for p in at) and at == sorted(at), (captions, at)
    return now["build"]


def caption_of(entry_id: str) -> str:
    entries, _ = vault.read(ROOT / "talks" / "demo-vault")
    return next(e.caption_text for e in entries.entries if e.id == entry_id)


def test_filter_add_drag_keys_caption_remove(browser, serving, talk):
    base = [{"select": {"tags": ["data/dedup"], "order": "date"}}]
    cap_a, cap_b = caption_of(A)[:40], caption_of(B)[:40]
    page = open_picker(browser, serving)
    build = status(serving)["build"]
    assert page.evaluate("document.getElementById('count').textContent") == "17 of 17 entries"

    # Filter by a tag: its chip says how many entries have it, and only they are shown.
    assert page.evaluate("document.querySelector('[data-tag=\"eval/ablation\"] .n')"
                         ".textContent") == "2"
    click(page, '[data-tag="eval/ablation"]')
    page.wait_for("document.querySelectorAll('.card').length === 2")
    assert page.evaluate("[...document.querySelectorAll('.card')].map(c => c.dataset.id)") \
        == [A, B]

    # Add two entries: the first at the end (before the closing slide)...
    click(page, f'.card[data-id="{A}"]')
    text = wait_spec(talk, ["title", *base, {"image": A}, "closing"])
    assert text == SPEC.replace("  - closing", f"  - image: {A}\n  - closing")
    build = wait_deck(serving, build, [cap_a])
    page.wait_for(f"!!document.querySelector('.card[data-id=\"{A}\"] .badge')")

    # ...the second after the slide the deck shows (the first dedup picture, #/1).
    deck = browser.new_page(1280, 720, block_network=False)
    deck.goto(serving.url + "#/1")
    deck.wait_for("window.Reveal && Reveal.isReady()")
    page.wait_for("document.getElementById('deck-slide').textContent === '(slide 2)'")
    click(page, 'input[name="at"][value="slide"]')
    click(page, f'.card[data-id="{B}"]')
    wait_spec(talk, ["title", *base, {"image": B}, {"image": A}, "closing"])
    build = wait_deck(serving, build, [cap_b, cap_a], deck)

    # Drag B (item 3) by its handle below A (item 4).
    page.wait_for("document.querySelectorAll('#items .item').length === 5")
    drag(page, '#items [data-index="2"] .handle', '#items [data-index="3"]', below=True)
    wait_spec(talk, ["title", *base, {"image": A}, {"image": B}, "closing"])
    build = wait_deck(serving, build, [cap_a, cap_b], deck)

    # Keys only: focus B and move it up with Alt+ArrowUp.
    page.wait_for(f"document.querySelector('#items [data-index=\"3\"]').textContent"
                  f".includes({json.dumps(cap_b[:20])})")
    page.evaluate("document.querySelector('#items [data-index=\"3\"]').focus()")
    key(page, "ArrowUp", 38, modifiers=1)
    wait_spec(talk, ["title", *base, {"image": B}, {"image": A}, "closing"])
    build = wait_deck(serving, build, [cap_b, cap_a], deck)
    assert page.wait_for("document.activeElement.dataset.index") == "2"   # focus follows

    # A caption override, typed in place: ArrowDown to A, Enter, type, Enter.
    key(page, "ArrowDown", 40)
    assert page.evaluate("document.activeElement.dataset.index") == "3"
    key(page, "Enter", 13)
    page.wait_for("document.activeElement.classList.contains('caption')")
    page.evaluate("document.activeElement.select()")
    page.call("Input.insertText", {"text": "Ablations: the short story"})
    key(page, "Enter", 13)
    wait_spec(talk, ["title", *base, {"image": B},
                     {"image": A, "caption": "Ablations: the short story"}, "closing"])
    build = wait_deck(serving, build, [cap_b, "Ablations: the short story"], deck)

    # Remove B with Delete.
    page.wait_for("!!document.querySelector('#items [data-index=\"2\"]')")
    page.evaluate("document.querySelector('#items [data-index=\"2\"]').focus()")
    key(page, "Delete", 46)
    text = wait_spec(talk, ["title", *base,
                            {"image": A, "caption": "Ablations: the short story"}, "closing"])
    assert text == SPEC.replace(
        "  - closing", f"  - image: {A}\n    caption: 'Ablations: the short story'\n  - closing")
    wait_deck(serving, build, ["Ablations: the short story"], deck)
    assert str(escape(cap_b)) not in get(serving.url)[2].decode()
    assert cap_b not in deck.evaluate("document.querySelector('.slides').textContent")
    assert page.errors == [] and deck.errors == []
    deck.close()
    page.close()


def test_an_edit_made_on_disk_meanwhile_wins_and_the_page_reloads(browser, serving, talk):
    page = open_picker(browser, serving)
    edited = SPEC.replace("  - closing", "  - credits\n  - closing")
    talk.write_text(edited, encoding="utf-8")   # the page still holds the old hash
    loads = page.loads
    page.evaluate("deckbuilderPicker.ready = false")
    click(page, '.card[data-id="quality-funnel"]')
    deadline = time.monotonic() + TIMEOUT
    while page.loads == loads:
        page.pipe.pump(deadline - time.monotonic(), "the picker to reload")
    page.wait_for("window.deckbuilderPicker && deckbuilderPicker.ready")
    assert talk.read_text(encoding="utf-8") == edited
    assert "changed on disk" in page.evaluate("document.getElementById('notice').textContent")
    page.close()


CRITERIA = [
    {}, {"tags": ["data"]}, {"tags": ["DATA/Dedup"]}, {"tags": ["#eval"]},
    {"tags": ["eval/ablation", "data/stats"]}, {"tags": ["dat"]},
    {"from": "2024-04-15", "to": "2024-04-18"}, {"from": "2024-05-02", "to": "2024-05-02"},
    {"from": "2024-05-03"}, {"to": "2024-03-12"},
    {"match": "tidyset"}, {"match": "judge|benchmark"}, {"match": "^left"},
    {"match": "8%"}, {"match": "ExampleWeb"},
    {"tags": ["llm"], "from": "2024-04-01", "match": "filter"},
]


@pytest.mark.parametrize("order", ["note", "date"])
def test_the_pages_filter_follows_the_rules_of_picks(browser, serving, order):
    entries = serving.picker.vault.entries
    page = open_picker(browser, serving)
    for c in CRITERIA:
        criteria = Criteria(tags=tuple(c.get("tags", ())), date_from=_day(c.get("from")),
                            date_to=_day(c.get("to")), match=c.get("match"))
        expected = [e.id for e in picks.ordered(picks.filter(entries, criteria), order)]
        got = page.evaluate(f"deckbuilderPicker.ordered({json.dumps(c)}, '{order}')")
        assert got == expected, c
    page.close()


def _day(text: str | None):
    from datetime import date

    return date.fromisoformat(text) if text else None
