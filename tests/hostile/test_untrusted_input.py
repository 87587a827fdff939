"""A talk from someone else (a git clone, a zip) must not run code or reach the network.

Its `themes/` folder, its spec text and its image files are all untrusted: templates
render sandboxed, spec text never reaches CSS as code, images are opened only as the
formats deckbuilder supports (no Ghostscript), and `serve` answers only its own host.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Iterator

import pytest
from PIL import EpsImagePlugin

from _decks import draw
from conftest import require_tool
from deckbuilder import images
from deckbuilder.build import build
from deckbuilder.errors import DeckError, Location
from deckbuilder.serve import server as http_server
from deckbuilder.serve.preview import Preview

pytestmark = pytest.mark.hostile


def talk(root: Path, title: str = "T", image: str = "a.png", theme: str | None = None) -> Path:
    """Write a one-slide talk over a vault with one picture; return the spec's path."""
    notes = root / "notes"
    if not (notes / image).exists():
        draw(notes / image, (320, 180))
    (notes / "n.md").write_text(f"![[{image}]]\nA caption\n", encoding="utf-8")
    spec = root / "talk.yaml"
    lines = [f"title: {json.dumps(title)}", "vault: notes"]
    if theme:
        lines.append(f"theme: {theme}")
    lines += ["slides:", "  - title", f"  - image: {image}"]
    spec.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return spec


def local_theme(root: Path, name: str, templates: dict[str, str]) -> Path:
    """Write themes/<name>/ beside the spec, with these templates; return the folder."""
    folder = root / "themes" / name
    (folder / "templates").mkdir(parents=True)
    (folder / "theme.yaml").write_text("extends: default\n", encoding="utf-8")
    for rel, text in templates.items():
        (folder / "templates" / rel).write_text(text, encoding="utf-8")
    return folder


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run `deckbuilder ARGS` in a fresh interpreter; return what it did."""
    return subprocess.run([sys.executable, "-m", "deckbuilder", *args], capture_output=True,
                          text=True, env=env, timeout=120, check=False)


# ------------------------------------------------ 1. a talk's own templates are sandboxed

ESCAPES = {
    "mro": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "cycler": "{{ cycler.__init__.__globals__.os.popen('touch MARKER').read() }}",
    "lipsum": "{{ lipsum.__globals__['os'].popen('touch MARKER').read() }}",
    "format": "{{ '{0.__class__.__mro__}'.format('') }}",
}


@pytest.mark.parametrize("name", sorted(ESCAPES))
def test_a_talk_local_template_cannot_escape_the_sandbox(tmp_path, name):
    marker = tmp_path / "PWNED"
    payload = ESCAPES[name].replace("MARKER", str(marker))
    spec = talk(tmp_path)  # names no theme: the talk's own "default" is used anyway
    template = local_theme(tmp_path, "default", {"deck.html.j2": f"<p>{payload}</p>\n"}) \
        / "templates" / "deck.html.j2"
    with pytest.raises(DeckError) as caught:
        build(spec, ("html",), tmp_path / "out", cache_dir=tmp_path / "cache")
    message = str(caught.value)
    assert message.startswith(f"{template}:1: error: the template does something themes "
                              "may not do: "), message
    assert "unsafe" in message
    assert not marker.exists()
    assert not (tmp_path / "out").exists()
    # From the command line: the same one line, no traceback, nothing written.
    done = run_cli("build", str(spec), "-f", "html", "-o", str(tmp_path / "out"),
                   "--cache-dir", str(tmp_path / "cache"))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"{template}:1: error: the template does something themes may not do" in done.stderr
    assert not marker.exists() and not (tmp_path / "out").exists()


def test_a_broken_talk_local_template_is_a_located_error(tmp_path):
    spec = talk(tmp_path)
    folder = local_theme(tmp_path, "default", {"deck.html.j2": "<p>\n{{ deck.title | nosuch }}\n"})
    with pytest.raises(DeckError, match=re.escape(
            f"{folder / 'templates' / 'deck.html.j2'}:2: error: template error: ")):
        build(spec, ("html",), tmp_path / "out", cache_dir=tmp_path / "cache")


def test_a_talk_local_theme_that_shadows_a_built_in_one_is_warned_about(tmp_path):
    spec = talk(tmp_path)
    folder = local_theme(tmp_path, "default", {})
    result = build(spec, ("html",), tmp_path / "out", cache_dir=tmp_path / "cache")
    shown = [str(w) for w in result.warnings]
    assert shown == [(f"{folder / 'theme.yaml'}: warning: this talk's own theme folder "
                      f"{folder} replaces the built-in theme 'default' (its templates and "
                      "settings are used instead); rename or remove it if you did not add it")]
    with pytest.raises(DeckError, match="replaces the built-in theme 'default'"):
        build(spec, ("html",), tmp_path / "out2", strict=True, cache_dir=tmp_path / "cache")


def test_a_talk_local_theme_of_its_own_name_is_not_warned_about(tmp_path):
    spec = talk(tmp_path, theme="mine")
    local_theme(tmp_path, "mine", {})
    result = build(spec, ("html",), tmp_path / "out", cache_dir=tmp_path / "cache")
    assert result.warnings == ()


# ------------------------------------------------ 2. spec text never becomes CSS

TITLES = {
    "brief": "x */ section{display:none} @import url(https://evil.example/x.css); /*",
    "import-first": "x */ @import url(https://evil.example/x.css); "
                    "section{display:none !important} /*",
    "bare": "a */ b",
}


def _without_comments(css: str) -> str:
    """Return the CSS as a parser sees it: comments removed, as CSS removes them."""
    return re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)


@pytest.mark.parametrize("name", sorted(TITLES))
def test_a_title_cannot_close_the_css_comment(tmp_path, name):
    spec = talk(tmp_path, TITLES[name])
    build(spec, ("html",), tmp_path / "out", cache_dir=tmp_path / "cache")
    css = (tmp_path / "out" / "talk" / "assets" / "deck.css").read_text(encoding="utf-8")
    code = _without_comments(css)
    assert "@import" not in css
    assert "evil.example" not in code and "display:none" not in code
    assert code.lstrip().startswith("@font-face")  # the regular face is the first rule
    assert code.count("@font-face") == 4
    # The one-file deck inlines the same stylesheet.
    build(spec, ("html",), tmp_path / "one", single_file=True, cache_dir=tmp_path / "cache")
    page = (tmp_path / "one" / "talk.html").read_text(encoding="utf-8")
    styles = "".join(re.findall(r"<style>(.*?)</style>", page, flags=re.DOTALL))
    assert "@import" not in styles and "evil.example" not in _without_comments(styles)


def test_css_string_is_inert_in_a_string_and_in_a_comment():
    from deckbuilder.render import html_css

    escaped = html_css.css_string('x */ @import url(y); /* "</style>')
    assert escaped == r'"x \2a / \40 import url(y); /\2a  \22 \3c /style\3e "'
    assert not set('*@<>"') & set(escaped[1:-1])


@pytest.mark.tools
def test_a_hostile_title_leaves_the_slides_visible_and_the_deck_offline(tmp_path):
    from deckbuilder.export.browser import Browser
    from deckbuilder.render import html

    chrome = require_tool("chromium", "chromium-browser", "google-chrome")
    if not (html.VENDOR / "revealjs" / "reveal.js").is_file():
        pytest.skip("reveal.js is not vendored: run scripts/setup")
    spec = talk(tmp_path, TITLES["import-first"])
    build(spec, ("html",), tmp_path / "out", cache_dir=tmp_path / "cache")
    index = tmp_path / "out" / "talk" / "index.html"
    with Browser.launch(os.environ.get("DECKBUILDER_CHROME") or chrome) as browser:
        page = browser.new_page(1280, 720)
        try:
            page.goto(index.as_uri())
            page.wait_for("window.Reveal && Reveal.isReady() && "
                          "document.fonts.status === 'loaded'")
            for slide in (0, 1):
                page.evaluate(f"Reveal.slide({slide})")
                page.wait_for(f"Reveal.getIndices().h === {slide}")
                shown = page.evaluate(
                    "(s => getComputedStyle(s).display !== 'none' && "
                    "getComputedStyle(s).visibility !== 'hidden' && "
                    "s.getBoundingClientRect().width > 0)"
                    "(document.querySelector('.slides section.present'))")
                assert shown, f"slide {slide} is hidden"
            assert page.evaluate("document.fonts.check('400 28px Carlito')")
            faces = page.evaluate("[...document.fonts].filter(f => f.family.includes('Carlito')"
                                  " && f.weight === '400' && f.style === 'normal').length")
            assert faces >= 1
            assert [u for u in page.requests if not u.startswith(("file://", "data:"))] == []
            assert page.blocked == []
        finally:
            page.close()


# ------------------------------------------------ 3. images open only as supported formats

EPS = (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n%%EndComments\n"
       b"newpath 0 0 moveto 10 10 lineto stroke\nshowpage\n%%EOF\n")


@pytest.fixture
def fake_gs(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """A `gs` first on PATH that leaves a marker file; yield (marker, environment)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    marker = tmp_path / "GHOSTSCRIPT-RAN"
    gs = bin_dir / "gs"
    gs.write_text(f"#!/bin/sh\ntouch '{marker}'\nexit 1\n", encoding="utf-8")
    gs.chmod(0o755)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    yield marker, env


def test_an_eps_file_named_png_is_unreadable_and_ghostscript_never_runs(tmp_path, fake_gs):
    marker, env = fake_gs
    root = tmp_path / "talk"
    (root / "notes").mkdir(parents=True)
    (root / "notes" / "x.png").write_bytes(EPS)
    spec = talk(root, image="x.png")
    note = root / "notes" / "n.md"
    expected = (f"{note}:1: error: unreadable image x.png: not an image Pillow can read "
                f"(picked on {spec}:")
    cache = ["--cache-dir", str(tmp_path / "cache")]
    for args in (["check", str(spec)],
                 ["build", str(spec), "-f", "all", "-o", str(tmp_path / "out"), *cache]):
        done = run_cli(*args, env=env)
        assert done.returncode == 1, done.stderr
        assert expected in done.stderr
        assert "Traceback" not in done.stderr
        assert not marker.exists()
    # With --allow-missing it is drawn as a placeholder, still without Ghostscript.
    done = run_cli("build", str(spec), "-f", "all", "-o", str(tmp_path / "out"),
                   "--allow-missing", *cache, env=env)
    assert done.returncode == 0, done.stderr
    assert expected.replace(": error:", ": warning:") in done.stderr
    assert not marker.exists()


def test_normalising_an_eps_named_png_does_not_run_ghostscript(tmp_path, fake_gs, monkeypatch):
    marker, _ = fake_gs
    # Pillow would run this `gs` (it caches the binary it found on first use).
    monkeypatch.setattr(EpsImagePlugin, "gs_binary", str(tmp_path / "bin" / "gs"))
    source = tmp_path / "x.png"
    source.write_bytes(EPS)
    from deckbuilder import theme

    done, problems = images.normalise({source: [Location("n.md", 1)]}, theme.load("default"),
                                      "16:9", tmp_path / "cache")
    assert done == {}
    assert [str(p) for p in problems] == [
        "n.md:1: error: unreadable image x.png: not an image Pillow can read"]
    assert not marker.exists()


# ------------------------------------------------ 4. serve answers only its own host


def request(port: int, path: str, host: str | None, method: str = "GET") -> tuple[int, bytes]:
    """Return the status and the start of the body of one request with this Host header."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        if host is not None:
            conn.putheader("Host", host)
        conn.endheaders()
        response = conn.getresponse()
        # The event stream never ends: a first chunk is all there is to see.
        body = response.read1(200) if method == "GET" else b""
        return response.status, body
    finally:
        conn.close()


@pytest.fixture(scope="module")
def previewing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Preview]:
    """A running preview of a small talk on a free loopback port."""
    root = tmp_path_factory.mktemp("serve")
    spec = talk(root, "Secret talk")
    (root / "notes" / "n.md").write_text("![[a.png]]\nA caption\nsecret speaker notes\n",
                                         encoding="utf-8")
    with Preview(spec, port=0, cache_dir=root / "cache", say=lambda *_: None,
                 interval=0.1) as preview:
        yield preview


PATHS = ["/", "/index.html", "/assets/deck.css", "/__deckbuilder/status",
         "/__deckbuilder/events", "/__deckbuilder/live.js", "/favicon.ico", "/nosuch"]


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "localhost:1",
                                  "127.0.0.1.evil.example:{port}", "127.0.0.2:{port}",
                                  "", None])
def test_serve_refuses_a_foreign_host(previewing, host):
    port = int(previewing.url.rsplit(":", 1)[1].strip("/"))
    header = None if host is None else host.format(port=port)
    for path in PATHS:
        for method in ("GET", "HEAD"):
            code, body = request(port, path, header, method)
            assert code == 421, (path, method, header)
            assert b"Secret" not in body and b"secret" not in body and b'"build"' not in body


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LocalHost:{port}",
                                  "[::1]:{port}"])
def test_serve_answers_its_own_host(previewing, host):
    port = int(previewing.url.rsplit(":", 1)[1].strip("/"))
    code, body = request(port, "/", host.format(port=port))
    assert code == 200 and b"Secret talk" in body
    code, body = request(port, "/__deckbuilder/status", host.format(port=port))
    assert code == 200 and json.loads(body)["ok"] is True


def test_a_moved_port_accepts_the_port_it_really_has(tmp_path):
    server, _ = http_server.bind("127.0.0.1", 0, http_server.Hub())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        assert request(port, "/__deckbuilder/status", f"127.0.0.1:{port}")[0] == 200
        assert request(port, "/__deckbuilder/status", f"127.0.0.1:{port + 1}")[0] == 421
    finally:
        server.shutdown()
        server.server_close()


def test_which_hosts_a_bind_accepts():
    accepts = http_server.accepts
    for bound in ("127.0.0.1", "localhost", "::1"):
        for ok in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000", "LOCALHOST:8000"):
            assert accepts(bound, 8000, ok), (bound, ok)
        for bad in ("evil.example:8000", "127.0.0.1:8001", "localhost", "attacker.localhost:8000",
                    "127.0.0.1:8000@evil", "", None):
            assert not accepts(bound, 8000, bad), (bound, bad)
    assert accepts("127.0.0.1", 80, "localhost") and accepts("127.0.0.1", 80, "localhost:80")
    assert accepts("192.168.1.5", 8000, "192.168.1.5:8000")
    assert not accepts("192.168.1.5", 8000, "evil.example:8000")
    # Bound to every interface the deck is open to the network anyway: any host will do.
    for bound in ("0.0.0.0", "::", ""):
        assert accepts(bound, 8000, "evil.example:8000") and accepts(bound, 8000, "x")


@pytest.mark.parametrize("path", ["/%00", "/assets/deck.css%00.js", "/a%00/../index.html"])
def test_serve_answers_a_nul_in_the_path_with_404_not_a_traceback(previewing, path, capfd):
    port = int(previewing.url.rsplit(":", 1)[1].strip("/"))
    code, _ = request(port, path, f"127.0.0.1:{port}")
    assert code == 404
    assert "Traceback" not in capfd.readouterr().err
    assert request(port, "/", f"127.0.0.1:{port}")[0] == 200   # still serving
