"""`deckbuilder serve` for real: a server thread on an ephemeral port over a copy of the demo."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from click.testing import CliRunner

from _decks import demo_copy
from conftest import require_tool
from deckbuilder.cli import main
from deckbuilder.errors import BuildError
from deckbuilder.serve.preview import Preview
from deckbuilder.serve.server import bind, Hub, inject

CAPTION = "Left: document lengths in the raw crawl; right: after the heuristic filters."
NEW_CAPTION = "Left: raw crawl lengths; right: what the heuristic filters keep (edited)."
NOTE = "demo-vault/Data pipelines.md"
TIMEOUT = 60.0  # generous: a rebuild takes well under a second, but CI machines are shared


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One image cache for the module: the demo's images are normalised once."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture
def talk(tmp_path: Path) -> Path:
    """A copy of the demo talk and its vault; return the spec's path."""
    return demo_copy(tmp_path)


class Said(list):
    """What the preview printed, as (text, is_error) pairs."""

    def __call__(self, text: str, err: bool) -> None:
        self.append((text, err))

    def text(self) -> str:
        return "\n".join(t for t, _ in self)


@pytest.fixture
def serving(talk: Path, cache: Path) -> Iterator[Preview]:
    """A running preview of the copied demo talk on a free port."""
    with Preview(talk, port=0, cache_dir=cache, say=Said(), interval=0.1) as preview:
        yield preview


def get(url: str) -> tuple[int, Message, bytes]:
    """Return the status, headers (any case) and body of a GET (HTTP errors included)."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def status(preview: Preview) -> dict[str, Any]:
    """Return the preview's status endpoint as JSON."""
    return json.loads(get(preview.url + "__deckbuilder/status")[2])


def wait_status(preview: Preview, ready: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """Return the first status that satisfies `ready`, polling the endpoint."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        now = status(preview)
        if ready(now):
            return now
        assert time.monotonic() < deadline, f"no such status within {TIMEOUT} s: {now}"
        time.sleep(0.1)


def edit(path: Path, old: str, new: str) -> None:
    """Replace text in a file, as an editor saving it would."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def first_event(url: str) -> dict[str, Any]:
    """Return the data of the first `status` event of the event stream at `url`."""
    with urllib.request.urlopen(url, timeout=TIMEOUT) as r:
        assert r.headers["Content-Type"] == "text/event-stream"
        event = None
        for raw in r:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                event = line[len("event: "):]
            elif line.startswith("data: ") and event == "status":
                return json.loads(line[len("data: "):])
    raise AssertionError("the stream ended without a status event")


def test_serves_the_deck_with_the_reload_script(serving):
    code, headers, body = get(serving.url)
    html = body.decode()
    now = status(serving)
    assert code == 200 and headers["Content-Type"].startswith("text/html")
    assert now["ok"] and now["slides"] == 24 and now["errors"] == []
    assert f'<script src="/__deckbuilder/live.js" data-build="{now["build"]}"></script>' in html
    assert html.index("live.js") > html.index("Reveal.initialize")
    assert CAPTION in html
    # Added when serving only: the built deck on disk has no trace of it.
    assert "__deckbuilder" not in (serving.hub.root / "index.html").read_text()
    code, headers, script = get(serving.url + "__deckbuilder/live.js")
    assert code == 200 and b"EventSource" in script and b"location.reload" in script
    assert headers["Cache-Control"] == "no-cache"


def test_serves_images_and_assets_and_nothing_outside(serving):
    html = get(serving.url)[2].decode()
    images = re.findall(r'src="(img/[0-9a-f]+\.png)"', html)
    assert len(images) >= 10
    code, headers, data = get(serving.url + images[0])
    assert code == 200 and headers["Content-Type"] == "image/png"
    assert data.startswith(b"\x89PNG")
    assert get(serving.url + "assets/deck.css")[0] == 200
    assert get(serving.url + "no-such-file.png")[0] == 404
    assert get(serving.url + "__deckbuilder/nothing")[0] == 404
    assert get(serving.url + "../../../../etc/passwd")[0] == 404


def test_editing_a_caption_rebuilds_and_serves_it(serving, talk):
    before = status(serving)
    assert first_event(serving.url + "__deckbuilder/events")["build"] == before["build"]
    edit(talk.parent / NOTE, CAPTION, NEW_CAPTION)
    after = wait_status(serving, lambda s: s["build"] != before["build"])
    assert after["ok"] and after["attempt"] > before["attempt"]
    html = get(serving.url)[2].decode()
    assert NEW_CAPTION in html and CAPTION not in html
    assert f'data-build="{after["build"]}"' in html
    said = serving.say.text()
    assert "changed: demo-vault/Data pipelines.md" in said
    assert re.search(r"rebuilt in \d+\.\d s: 24 slides", said)


def test_replacing_a_picked_image_rebuilds(serving, talk):
    attachments = (talk.parent / "demo-vault" / "attachments").resolve()
    picked = attachments / "Pasted image 20240312102210.png"
    assert len(serving.images) == 18 and picked in serving.images
    before = status(serving)
    # Same name, new pixels (an edited screenshot): no note changes, only the image.
    shutil.copy(attachments / "Pasted image 20240415160930.png", picked)
    after = wait_status(serving, lambda s: s["build"] != before["build"])
    assert after["ok"] and "changed: demo-vault/attachments/Pasted image 20240312102210.png" \
        in serving.say.text()


def test_a_broken_spec_keeps_the_last_good_deck_and_reports_why(serving, talk):
    good = status(serving)
    edit(talk, "theme: default", "theme: ligth")
    failed = wait_status(serving, lambda s: not s["ok"])
    assert failed["build"] == good["build"] and failed["slides"] == 24
    assert any(re.match(r".*demo\.yaml:\d+: error: unknown theme 'ligth'", e)
               for e in failed["errors"])
    html = get(serving.url)[2].decode()
    assert f'data-build="{good["build"]}"' in html and CAPTION in html
    event = first_event(serving.url + "__deckbuilder/events")
    assert event["ok"] is False and event["errors"] == failed["errors"]
    said = serving.say
    assert ("demo.yaml:" in said.text()) and any(err and "unknown theme" in t for t, err in said)
    assert any("rebuild failed: 1 error (still serving the last good deck)" in t for t, _ in said)
    # Fixed: the next good build clears the errors; its output is the same deck.
    edit(talk, "theme: ligth", "theme: default")
    fixed = wait_status(serving, lambda s: s["ok"] and s["attempt"] > failed["attempt"])
    assert fixed["errors"] == [] and fixed["build"] == good["build"]


def test_a_first_build_that_fails_serves_a_waiting_page_until_fixed(talk, cache):
    edit(talk, "vault: demo-vault", "vault: no-such-vault")
    said = Said()
    with Preview(talk, port=0, cache_dir=cache, say=said, interval=0.1) as preview:
        first = status(preview)
        assert first["ok"] is False and first["build"] == ""
        assert any("no-such-vault" in e for e in first["errors"])
        code, _, body = get(preview.url)
        assert code == 200 and b"No deck yet" in body and b'data-build=""' in body
        assert get(preview.url + "assets/deck.css")[0] == 404  # never the current folder
        edit(talk, "vault: no-such-vault", "vault: demo-vault")
        good = wait_status(preview, lambda s: s["ok"])
        assert good["build"] and CAPTION in get(preview.url)[2].decode()
    assert "build failed: 1 error" in said.text()


def test_an_image_that_appears_is_noticed(talk, cache):
    image = talk.parent / "demo-vault" / "attachments" / "Pasted image 20240415160930.png"
    hidden = image.with_name("elsewhere.bin")
    image.rename(hidden)
    with Preview(talk, port=0, cache_dir=cache, say=Said(), interval=0.1) as preview:
        assert any("image not found" in e for e in status(preview)["errors"])
        hidden.rename(image)
        assert wait_status(preview, lambda s: s["ok"])["slides"] == 24


def test_stopping_joins_the_threads_and_removes_the_temporary_folder(talk, cache):
    preview = Preview(talk, port=0, cache_dir=cache, say=Said(), interval=0.1)
    with preview:
        workdir, port = preview.workdir, preview.server.server_address[1]
        assert (preview.hub.root / "index.html").is_file()
        assert preview.hub.root.is_relative_to(workdir)
        stream = urllib.request.urlopen(preview.url + "__deckbuilder/events", timeout=TIMEOUT)
    try:
        assert not workdir.exists()
        assert not any(t.is_alive() for t in preview.threads)
        assert stream.read() .count(b"event: status") == 1  # the stream ended
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
    finally:
        stream.close()


def test_a_taken_port_moves_to_the_next_free_one():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        try:
            server, note = bind("127.0.0.1", port, Hub())
        except BuildError:
            pytest.skip("the ports after an ephemeral one are taken on this machine")
        try:
            assert server.server_address[1] > port
            assert note == f"port {port} is in use; using {server.server_address[1]}"
        finally:
            server.server_close()


def test_inject_puts_the_tag_before_the_last_body_end():
    html = "<html><body><p>&lt;/body&gt;</p></BODY></html>"
    out = inject(html, "abc")
    assert out.endswith('<script src="/__deckbuilder/live.js" data-build="abc"></script>\n'
                        "</BODY></html>")
    assert inject("no body", "x").startswith("no body<script")


def test_cli_help_names_every_option():
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--open", "--allow-missing", "--cache-dir",
                   "--allow-remote-edits"):
        assert option in result.output
    assert "reloads on the same slide" in " ".join(result.output.split())


# ---------------------------------------------------------------- a real browser


@pytest.mark.tools
def test_the_open_page_reloads_itself_on_the_same_slide(talk, cache):
    from deckbuilder.export.browser import Browser

    chrome = require_tool("chromium", "chromium-browser", "google-chrome")
    with Preview(talk, port=0, cache_dir=cache, say=Said(), interval=0.1) as preview, \
            Browser.launch(os.environ.get("DECKBUILDER_CHROME") or chrome) as browser:
        page = browser.new_page(1280, 720, block_network=False)
        page.goto(preview.url + "#/3")
        page.wait_for("window.Reveal && Reveal.isReady()")
        caption = "document.querySelector('section.present .db-caption').textContent"
        assert page.evaluate("Reveal.getIndices().h") == 3
        assert CAPTION in page.evaluate(caption)
        deadline = time.monotonic() + TIMEOUT
        # (Had the edit come first, the stream's first event would reload the page anyway.)
        while not any(u.endswith("/__deckbuilder/events") for u in page.requests):
            page.pipe.pump(deadline - time.monotonic(), "the page to open the event stream")
        loads = page.loads
        edit(talk.parent / NOTE, CAPTION, NEW_CAPTION)
        while page.loads == loads:  # the page reloads by itself: nobody navigates it
            page.pipe.pump(deadline - time.monotonic(), "the page to reload")
        page.wait_for("window.Reveal && Reveal.isReady()")
        assert page.evaluate("location.hash") == "#/3"
        assert page.evaluate("Reveal.getIndices().h") == 3
        assert NEW_CAPTION in page.evaluate(caption)
        # A broken spec: the page keeps the deck and shows the error over it, escaped.
        edit(talk, "theme: default", "theme: <b>ligth</b>")
        box = "(e => e && e.textContent)(document.getElementById('deckbuilder-errors'))"
        text = page.wait_for(box, TIMEOUT)
        assert "unknown theme '<b>ligth</b>'" in text and "demo.yaml:" in text
        assert page.evaluate("document.querySelectorAll('#deckbuilder-errors b').length") == 0
        assert page.evaluate("Reveal.getIndices().h") == 3 and page.loads == loads + 1
        assert page.errors == []
        page.close()


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "term"])
def test_the_command_stops_cleanly(talk, cache, tmp_path, how):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "deckbuilder", "serve", str(talk), "--port", "0",
         "--cache-dir", str(cache)], env={**os.environ, "TMPDIR": str(tmp)},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        for line in proc.stdout:  # type: ignore[union-attr]
            lines.append(line)
            if line.startswith("serving "):
                break
        url = lines[-1].split()[1]
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url)
        assert any(re.search(r"built in \d+\.\d s: 24 slides", x) for x in lines)
        assert len(list(tmp.glob("deckbuilder-serve-*"))) == 1
        assert CAPTION in get(url)[2].decode()
        proc.send_signal(how)
        rest, _ = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0 and "stopping" in rest and "Traceback" not in rest
    assert list(tmp.iterdir()) == []
