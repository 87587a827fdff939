"""Hostile servers behind a note's `![](https://…)`: nothing hangs, nothing big or foreign
is kept, no scheme but http(s) is ever opened, and the user reads one line per image.

The servers are a loopback HTTP server started by the test (tests/_remote.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from _remote import MB, serving
from deckbuilder import remote
from deckbuilder.build import build
from deckbuilder.check import check
from deckbuilder.errors import DeckError

pytestmark = pytest.mark.hostile

# Short waits so the slow servers cost the suite a second or two; the size cap is the
# real default (20 MB).
QUICK = remote.Limits(timeout=0.5, total=3.0)

# path on the loopback server -> what the error says after "cannot download URL: "
HOSTILE = {
    "/slow.png": r"no answer from 127\.0\.0\.1 within 0\.5 s",
    "/trickle.png": r"took more than 3 s",
    "/loop-a": r"redirect loop \(http://127\.0\.0\.1:\d+/loop-a → http://127\.0\.0\.1:\d+/loop-b"
               r" → http://127\.0\.0\.1:\d+/loop-a\)",
    "/self": r"redirect loop",
    "/hop/7": r"more than 5 redirects",
    "/to-file": r"redirected to file:///etc/passwd: only http and https are followed",
    "/to-ftp": r"redirected to ftp://127\.0\.0\.1/good\.png: only http and https are followed",
    "/to-data": r"redirected to data:image/png;base64,iVBORw0KGgo=: only http and https",
    "/to-javascript": r"redirected to javascript:alert\(1\): only http and https",
    "/huge.png": r"larger than 20 MB \(21 MB\)",
    "/endless.png": r"larger than 20 MB \(stopped after 20\.\d MB\)",
    "/fake.png": r"not an image the deck can show \(not an image Pillow can read\)",
    "/page.html": r"the server sent a web page \(text/html\), not an image",
    "/short.png": r"the download broke off after 100 bytes",
}


@pytest.fixture
def server(monkeypatch):
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    yield from serving()


def _spec(root: Path, url: str) -> Path:
    notes = root / "notes"
    notes.mkdir(parents=True)
    (notes / "Clip.md").write_text(f"# Clipped\n\n![]({url})\nA figure from the web\n",
                                   encoding="utf-8")
    spec = root / "talk.yaml"
    spec.write_text("title: T\nvault: notes\nremote_images: fetch\nslides:\n  - select: {}\n",
                    encoding="utf-8")
    return spec


@pytest.mark.parametrize("path", sorted(HOSTILE))
def test_a_hostile_answer_is_one_error_at_the_note_line_and_nothing_is_kept(
        tmp_path, server, path):
    url = server.url(path)
    spec = _spec(tmp_path, url)
    cache = tmp_path / "cache"
    with pytest.raises(DeckError) as checked:
        check(spec, cache_dir=cache, limits=QUICK)
    said = [str(d) for d in checked.value.diagnostics]
    assert len(said) == 1
    head = f"{tmp_path / 'notes' / 'Clip.md'}:3: error: cannot download {url}: "
    assert said[0].startswith(head), said[0]
    assert re.match(HOSTILE[path], said[0][len(head):]), said[0]
    assert said[0].endswith(f"(picked on {spec}:5)")
    # Nothing of it is cached: no file under remote/, no temporary left in tmp/.
    assert not [p for p in cache.rglob("*") if p.is_file()]
    # A redirect elsewhere is refused before anything is opened there: the one request
    # is the redirecting one.
    if path.startswith("/to-"):
        assert server.requests == [path]


def test_check_predicts_build_for_a_hostile_server(tmp_path, server):
    spec = _spec(tmp_path, server.url("/to-file"))
    with pytest.raises(DeckError) as checked:
        check(spec, cache_dir=tmp_path / "cache")
    with pytest.raises(DeckError) as built:
        build(spec, ("pptx", "html"), tmp_path / "out", cache_dir=tmp_path / "cache")
    assert [str(d) for d in built.value.diagnostics] == [str(d) for d in checked.value.diagnostics]
    assert not (tmp_path / "out").exists()
    # --allow-missing: a warning and a placeholder, as for a missing local image.
    result = build(spec, ("pptx", "html"), tmp_path / "out", allow_missing=True,
                   cache_dir=tmp_path / "cache")
    assert [d.severity for d in result.warnings] == ["warning"]
    assert "Missing image" in (tmp_path / "out" / "talk" / "index.html").read_text("utf-8")


def test_the_size_cap_is_refused_from_the_header_without_reading_the_body(server):
    # 21 MB announced: refused before a byte of the body is read (the server cannot finish).
    with pytest.raises(remote.Refused, match=r"larger than 1 MB \(21 MB\)"):
        remote.download(server.url("/huge.png"), remote.Limits(max_bytes=1 * MB))
    with pytest.raises(remote.Refused, match=r"larger than 1 MB \(stopped after 1\.\d MB\)"):
        remote.download(server.url("/endless.png"), remote.Limits(max_bytes=1 * MB))
