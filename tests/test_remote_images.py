"""Remote images (`![](https://…/figure.png)`): downloaded only when the talk asks, once.

Everything is served by a loopback HTTP server the test starts (tests/_remote.py), which
counts the requests: CI needs no network, and "no request" is something a test can see.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from _remote import Loopback, png, serving
from deckbuilder import remote
from deckbuilder.build import build
from deckbuilder.check import check
from deckbuilder.cli import main
from deckbuilder.errors import DeckError
from deckbuilder.serve.preview import Builder


@pytest.fixture
def server(monkeypatch):
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy",
                 "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)   # the loopback is never reached via a proxy
    yield from serving()


def _talk(root: Path, server: Loopback, paths: list[str], key: str | None = "fetch") -> Path:
    """Write a note embedding each path of the server (line 1, 4, 7, …) and a spec whose
    `remote_images` is `key` (None: not written), picking everything on its line 5."""
    notes = root / "notes"
    notes.mkdir(parents=True)
    body = "".join(f"![]({server.url(p)})\nClipped figure {i}\n\n" for i, p in enumerate(paths))
    (notes / "Web.md").write_text(body, encoding="utf-8")
    spec = root / "talk.yaml"
    spec.write_text("title: T\nvault: notes\n" + (f"remote_images: {key}\n" if key else "\n")
                    + "slides:\n  - select: {}\n", encoding="utf-8")
    return spec


def _colour(data: bytes) -> tuple[int, ...]:
    with Image.open(io.BytesIO(data)) as im:
        return im.convert("RGB").getpixel((im.width // 2, im.height // 2))


def _near(rgb: tuple[int, ...], want: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 8 for a, b in zip(rgb, want))


CRIMSON, NAVY = (220, 20, 60), (0, 0, 128)


def test_without_the_option_nothing_is_requested_and_the_image_is_missing(tmp_path, server):
    spec = _talk(tmp_path, server, ["/good.png"], key=None)
    url = server.url("/good.png")
    with pytest.raises(DeckError) as checked:
        check(spec, cache_dir=tmp_path / "cache")
    with pytest.raises(DeckError) as built:
        build(spec, ("pptx", "html"), tmp_path / "out", cache_dir=tmp_path / "cache")
    said = [str(d) for d in checked.value.diagnostics]
    assert said == [str(d) for d in built.value.diagnostics]
    assert said == [f"{tmp_path / 'notes' / 'Web.md'}:1: error: remote images are not "
                    f"downloaded: {url} (add 'remote_images: fetch' to the spec, or pass "
                    f"--fetch-remote) (picked on {spec}:5)"]
    # --allow-missing: the old warning and a placeholder, still without a request.
    result = build(spec, ("pptx",), tmp_path / "out", allow_missing=True,
                   cache_dir=tmp_path / "cache")
    assert [d.severity for d in result.warnings] == ["warning"]
    assert "remote images are not downloaded" in result.warnings[0].message
    slide = Presentation(str(result.outputs[0])).slides[0]
    assert not [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert any(f"Missing image: {url}" in s.text_frame.text for s in slide.shapes
               if s.has_text_frame)
    assert server.requests == []
    assert not (tmp_path / "cache" / "remote").exists()


def test_with_the_option_both_decks_show_the_picture_and_the_second_build_asks_nothing(
        tmp_path, server):
    spec = _talk(tmp_path, server, ["/good.png", "/photo.jpg"])
    cache = tmp_path / "cache"
    result = build(spec, ("pptx", "html"), tmp_path / "out", cache_dir=cache)
    assert result.warnings == () and result.images == 2
    assert sorted(server.requests) == ["/good.png", "/photo.jpg"]
    # Cached once, under the hash of its URL, as the server sent it.
    good = remote.cached_path(server.url("/good.png"), cache)
    assert good.read_bytes() == png()

    prs = Presentation(str(tmp_path / "out" / "talk.pptx"))
    pictures = [[s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
                for slide in prs.slides]
    assert [len(p) for p in pictures] == [1, 1]
    assert _near(_colour(pictures[0][0].image.blob), CRIMSON)
    assert _near(_colour(pictures[1][0].image.blob), NAVY)
    notes = prs.slides[0].notes_slide.notes_text_frame.text
    assert f"Image: {server.url('/good.png')}" in notes
    assert pictures[0][0].width / pictures[0][0].height == pytest.approx(160 / 90, rel=0.01)

    html = (tmp_path / "out" / "talk" / "index.html").read_text(encoding="utf-8")
    shown = re.findall(r'<img src="(img/[^"]+)"', html)
    assert len(shown) == 2 and server.url("/good.png") not in re.sub(r"<aside.*?</aside>", "",
                                                                     html, flags=re.S)
    colours = [_colour((tmp_path / "out" / "talk" / s).read_bytes()) for s in shown]
    assert _near(colours[0], CRIMSON) and _near(colours[1], NAVY)

    before = list(server.requests)
    again = build(spec, ("pptx", "html"), tmp_path / "out2", cache_dir=cache)
    assert server.requests == before    # the cache answered: not one request
    assert (tmp_path / "out2" / "talk.pptx").read_bytes() == \
        (tmp_path / "out" / "talk.pptx").read_bytes()
    assert again.images == 2


def test_the_flag_does_what_the_spec_key_does_and_check_fills_the_cache(tmp_path, server):
    spec = _talk(tmp_path, server, ["/good.png"], key=None)
    cache = str(tmp_path / "cache")
    runner = CliRunner()
    checked = runner.invoke(main, ["check", str(spec), "--fetch-remote", "--cache-dir", cache])
    assert checked.exit_code == 0, checked.output
    assert "Missing or unreadable images: none" in checked.output
    assert "Remote images downloaded (or already in the image cache): 1" in checked.output
    assert server.requests == ["/good.png"]
    built = runner.invoke(main, ["build", str(spec), "--fetch-remote", "--cache-dir", cache,
                                 "-o", str(tmp_path / "out")])
    assert built.exit_code == 0, built.output
    assert server.requests == ["/good.png"]   # check's download is the build's
    # Without the flag, the cached file is not used either: the talk did not ask for it.
    refused = runner.invoke(main, ["build", str(spec), "--cache-dir", cache,
                                   "-o", str(tmp_path / "out3")])
    assert refused.exit_code == 1 and "remote images are not downloaded" in refused.output
    for command in ("build", "check", "export", "serve"):
        assert "--fetch-remote" in runner.invoke(main, [command, "--help"]).output


def test_failed_downloads_are_errors_at_their_note_line_all_at_once(tmp_path, server):
    spec = _talk(tmp_path, server, ["/good.png", "/missing.png", "/page.html", "/fake.png"])
    note = tmp_path / "notes" / "Web.md"
    with pytest.raises(DeckError) as checked:
        check(spec, cache_dir=tmp_path / "cache")
    said = [str(d) for d in checked.value.diagnostics]
    assert said == [
        f"{note}:4: error: cannot download {server.url('/missing.png')}: the server answered "
        f"404 Not Found (picked on {spec}:5)",
        f"{note}:7: error: cannot download {server.url('/page.html')}: the server sent a web "
        "page (text/html), not an image: the link may need a login, or lead to the page that "
        f"shows the picture (picked on {spec}:5)",
        f"{note}:10: error: cannot download {server.url('/fake.png')}: not an image the deck "
        f"can show (not an image Pillow can read) (picked on {spec}:5)",
    ]
    with pytest.raises(DeckError) as built:
        build(spec, ("pptx", "html"), tmp_path / "out", cache_dir=tmp_path / "cache")
    assert [str(d) for d in built.value.diagnostics] == said
    assert not (tmp_path / "out").exists()
    # Only the good one was cached, so it is not asked for again; failures are retried.
    assert server.requests.count("/good.png") == 1
    assert server.requests.count("/fake.png") == 2
    # With --allow-missing: warnings, and placeholders where the pictures would be.
    result = build(spec, ("pptx",), tmp_path / "out", allow_missing=True,
                   cache_dir=tmp_path / "cache")
    assert [d.severity for d in result.warnings] == ["warning"] * 3
    prs = Presentation(str(result.outputs[0]))
    kinds = [any(s.shape_type == MSO_SHAPE_TYPE.PICTURE for s in slide.shapes)
             for slide in prs.slides]
    assert kinds == [True, False, False, False]


def test_offline_is_an_error_at_the_note_line(tmp_path, server):
    spec = _talk(tmp_path, server, [])
    closed = Loopback()            # bound, then closed: nothing listens on its port
    url = closed.url("/figure.png")
    closed.server_close()
    (tmp_path / "notes" / "Web.md").write_text(f"Intro\n\n![]({url})\nA figure\n",
                                               encoding="utf-8")
    with pytest.raises(DeckError) as checked:
        check(spec, cache_dir=tmp_path / "cache")
    assert [str(d) for d in checked.value.diagnostics] == [
        f"{tmp_path / 'notes' / 'Web.md'}:3: error: cannot download {url}: 127.0.0.1 refused "
        f"the connection (picked on {spec}:5)"]


def test_a_damaged_cache_file_is_downloaded_again(tmp_path, server):
    spec = _talk(tmp_path, server, ["/good.png"])
    cache = tmp_path / "cache"
    check(spec, cache_dir=cache)
    cached = remote.cached_path(server.url("/good.png"), cache)
    cached.write_bytes(cached.read_bytes()[:50])
    check(spec, cache_dir=cache)
    assert server.requests == ["/good.png", "/good.png"]
    assert _near(_colour(cached.read_bytes()), CRIMSON)
    assert not (cache / "tmp").exists() or not list((cache / "tmp").iterdir())


def test_a_redirect_is_followed_and_cached_under_the_url_the_note_names(tmp_path, server):
    spec = _talk(tmp_path, server, ["/moved.png", "/no-type.png"])
    report = check(spec, cache_dir=tmp_path / "cache")
    assert set(report.remote) == {server.url("/moved.png"), server.url("/no-type.png")}
    assert report.remote[server.url("/moved.png")] == remote.cached_path(
        server.url("/moved.png"), tmp_path / "cache")
    assert server.requests.count("/good.png") == 1


def test_other_schemes_are_never_downloaded(tmp_path, server):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "Odd.md").write_text(
        "![](file:///etc/hostname)\nA file URL\n\n![](ftp://127.0.0.1/x.png)\nFTP\n\n"
        "![](data:image/png;base64,iVBORw0KGgo=)\nData\n", encoding="utf-8")
    spec = tmp_path / "talk.yaml"
    spec.write_text("title: T\nvault: notes\nremote_images: fetch\nslides:\n  - select: {}\n",
                    encoding="utf-8")
    with pytest.raises(DeckError) as checked:
        check(spec, cache_dir=tmp_path / "cache")
    said = [d.message for d in checked.value.diagnostics if d.is_error]
    assert said and all(m.startswith("image not found") for m in said), said
    assert not (tmp_path / "cache" / "remote").exists()
    for url in ("file:///etc/hostname", "ftp://127.0.0.1/x.png", "data:image/png;base64,AA=="):
        with pytest.raises(remote.Refused, match="only http and https"):
            remote.download(url)


def test_a_bad_value_for_the_key_is_a_spec_error(tmp_path, server):
    spec = _talk(tmp_path, server, ["/good.png"])
    spec.write_text(spec.read_text().replace("remote_images: fetch", "remote_images: yes"))
    with pytest.raises(DeckError) as checked:
        check(spec)
    assert str(checked.value.diagnostics[0]) == (
        f"{spec}:3: error: 'remote_images' must be one of off, fetch, not 'yes'")
    assert server.requests == []


def test_serve_fetches_when_asked(tmp_path, server):
    spec = _talk(tmp_path, server, ["/good.png"], key=None)
    work = tmp_path / "work"
    work.mkdir()
    outcome = Builder(spec, work, cache_dir=tmp_path / "cache", fetch_remote=True).run()
    assert outcome.result is not None and outcome.result.images == 1
    assert server.requests == ["/good.png"]


def test_a_url_with_a_korean_file_name_is_asked_for_as_a_browser_would(tmp_path, server):
    spec = _talk(tmp_path, server, ["/그림 파일.png".replace(" ", "%20")])
    report = check(spec, cache_dir=tmp_path / "cache")
    assert len(report.remote) == 1 and report.image_problems == ()
    assert server.requests == ["/%EA%B7%B8%EB%A6%BC%20%ED%8C%8C%EC%9D%BC.png"]


def test_export_fetches_when_asked(tmp_path, server):
    # --sources needs no browser, but builds the talk first, as every export does.
    spec = _talk(tmp_path, server, ["/good.png"], key=None)
    runner = CliRunner()
    args = ["export", str(spec), "--sources", "--cache-dir", str(tmp_path / "cache"),
            "-o", str(tmp_path / "out")]
    refused = runner.invoke(main, args)
    assert refused.exit_code == 1 and "remote images are not downloaded" in refused.output
    assert server.requests == []
    done = runner.invoke(main, args + ["--fetch-remote"])
    assert done.exit_code == 0, done.output
    assert server.requests == ["/good.png"]
    assert (tmp_path / "out" / "talk-sources.md").is_file()


def test_only_the_picked_entries_images_are_downloaded(tmp_path, server):
    spec = _talk(tmp_path, server, ["/good.png", "/photo.jpg"])
    spec.write_text(spec.read_text().replace("select: {}", 'select: {match: "figure 1"}'))
    report = check(spec, cache_dir=tmp_path / "cache")
    assert list(report.remote) == [server.url("/photo.jpg")]
    assert server.requests == ["/photo.jpg"]


def test_entries_and_new_never_ask_the_network(tmp_path, server):
    _talk(tmp_path, server, ["/good.png"])
    runner = CliRunner()
    listed = runner.invoke(main, ["entries", str(tmp_path / "notes"), "--json"])
    assert listed.exit_code == 0 and server.url("/good.png") in listed.output
    started = runner.invoke(main, ["new", str(tmp_path / "new.yaml"), "--vault",
                                   str(tmp_path / "notes")])
    assert started.exit_code == 0, started.output
    assert server.requests == []


def test_a_download_pruned_between_two_builds_is_downloaded_again(tmp_path, server):
    import os
    import time

    from deckbuilder.commands import cache as housekeeping

    spec = _talk(tmp_path, server, ["/good.png"])
    store = tmp_path / "cache"
    build(spec, ("pptx",), tmp_path / "out", cache_dir=store)
    old = time.time() - 100 * 86_400
    for path in store.rglob("*"):
        if path.is_file():
            os.utime(path, (old, old))
    housekeeping.prune(store, 60)
    assert not remote.cached_path(server.url("/good.png"), store).exists()
    build(spec, ("pptx",), tmp_path / "again", cache_dir=store)
    assert server.requests == ["/good.png", "/good.png"]
    assert (tmp_path / "again" / "talk.pptx").read_bytes() == \
        (tmp_path / "out" / "talk.pptx").read_bytes()
