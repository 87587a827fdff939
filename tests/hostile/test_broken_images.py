"""`check` predicts `build`: an image `check` passes is one `build` can use.

Broken files that only fail when their pixels are decoded (a JPEG cut in half, a PNG
whose compressed data is damaged but whose checksums are right) used to pass `check`
and then stop `build`. Now both decode the same way and say the same thing.
"""

from __future__ import annotations

import io
import random
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from deckbuilder.build import build
from deckbuilder.check import check
from deckbuilder.errors import DeckError
from deckbuilder.pixels import unreadable
from _png import chunks as png_chunks, joined

pytestmark = pytest.mark.hostile


def _noise(size: tuple[int, int] = (600, 400)) -> Image.Image:
    rng = random.Random(7)
    return Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))


def _encoded(fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    _noise().save(out, fmt, **options)
    return out.getvalue()


def _png_with_idat(change) -> bytes:
    return joined([(k, change(b) if k == b"IDAT" else b) for k, b in png_chunks(_encoded("PNG"))])


def _big_png_with_damage() -> bytes:
    out = io.BytesIO()   # beyond 350 ppi in the default theme: to be shrunk
    Image.linear_gradient("L").resize((4400, 2400)).convert("RGB").save(out, "PNG")

    def damaged(b: bytes) -> bytes:
        mid = len(b) // 2
        return b[:mid] + bytes(x ^ 0xA5 for x in b[mid:mid + 64]) + b[mid + 64:]

    return joined([(k, damaged(b) if k == b"IDAT" else b) for k, b in png_chunks(out.getvalue())])


def _half(data: bytes) -> bytes:
    return data[:len(data) // 2]


# name -> (file name, bytes): each passed `check` and failed `build` before.
BROKEN = {
    "jpeg cut in half": ("cut.jpg", lambda: _half(_encoded("JPEG", quality=90))),
    "gif cut in half": ("cut.gif", lambda: _half(_encoded("GIF"))),
    "bmp cut in half": ("cut.bmp", lambda: _half(_encoded("BMP"))),
    "png with damaged zlib data": ("zlib.png", lambda: _png_with_idat(
        lambda b: b[:100] + bytes(200) + b[300:])),
    "png whose image data stops early": ("short.png", lambda: _png_with_idat(
        lambda b: b[:len(b) // 2])),
    "png cut in half": ("cut.png", lambda: _half(_encoded("PNG"))),
    "empty file": ("empty.png", lambda: b""),
    # too big to pass through: the image stage decodes it to shrink it, and that decode
    # is the build's verification (check defers to it), so it must say what check says
    "png to shrink with damaged zlib data": ("big.png", lambda: _big_png_with_damage()),
    "eps named png": ("eps.png", lambda: b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 9 9\n"),
}


def _talk(root: Path, name: str, data: bytes) -> Path:
    notes = root / "notes"
    notes.mkdir(parents=True)
    (notes / name).write_bytes(data)
    Image.new("RGB", (64, 48), "teal").save(notes / "fine.png")
    (notes / "n.md").write_text(f"![[fine.png]]\nFine\n\n![[{name}]]\nBroken\n",
                                encoding="utf-8")
    spec = root / "talk.yaml"
    spec.write_text(f"title: T\nvault: notes\nslides:\n  - image: fine.png\n  - image: {name}\n",
                    encoding="utf-8")
    return spec


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_check_fails_exactly_when_build_fails(tmp_path, case):
    name, make = BROKEN[case]
    spec = _talk(tmp_path, name, make())
    with pytest.raises(DeckError) as checked:
        check(spec)
    with pytest.raises(DeckError) as built:
        build(spec, ("pptx", "html"), tmp_path / "out", cache_dir=tmp_path / "cache")
    note = tmp_path / "notes" / "n.md"
    said = [str(d) for d in checked.value.diagnostics]
    assert said == [str(d) for d in built.value.diagnostics]
    assert len(said) == 1 and said[0].startswith(f"{note}:4: error: unreadable image {name}: ")
    assert not (tmp_path / "out").exists()
    # With --allow-missing both go on, and build draws the placeholder.
    report = check(spec, allow_missing=True)
    assert [d.severity for d in report.diagnostics] == ["warning"]
    result = build(spec, ("pptx",), tmp_path / "out", allow_missing=True,
                   cache_dir=tmp_path / "cache")
    assert result.outputs == (tmp_path / "out" / "talk.pptx",)


def test_the_reason_is_the_decoders_own(tmp_path):
    path = tmp_path / "cut.jpg"
    path.write_bytes(BROKEN["jpeg cut in half"][1]())
    assert unreadable(path).startswith("image file is truncated")
    good = tmp_path / "good.jpg"
    _noise().save(good, quality=80)
    assert unreadable(good) is None


def test_the_command_line_says_so_before_building(tmp_path):
    spec = _talk(tmp_path, "cut.jpg", BROKEN["jpeg cut in half"][1]())
    done = subprocess.run([sys.executable, "-m", "deckbuilder", "check", str(spec)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1
    assert f"{tmp_path / 'notes' / 'n.md'}:4: error: unreadable image cut.jpg: image file " \
           f"is truncated" in done.stderr
    assert "Traceback" not in done.stderr


def test_build_leaves_decoding_to_the_image_stage_yet_says_what_check_says(tmp_path, monkeypatch):
    # A build decodes each picked file once, in the image stage's processes, instead of
    # once in check and again to normalise it: check's decoder is never called...
    import deckbuilder.check as check_mod

    spec = _talk(tmp_path, "zlib.png", BROKEN["png with damaged zlib data"][1]())
    report = check(spec, allow_missing=True, defer_decoding=True)
    assert report.unverified == {tmp_path / "notes" / "fine.png", tmp_path / "notes" / "zlib.png"}
    assert report.image_problems == ()
    called = []
    monkeypatch.setattr(check_mod, "unreadable", lambda p: called.append(p) or "no")
    with pytest.raises(DeckError) as built:
        build(spec, ("pptx",), tmp_path / "out", cache_dir=tmp_path / "cache")
    assert called == []
    # ...and the error is check's own, at the note's line, naming the spec line.
    assert [str(d) for d in built.value.diagnostics] == [
        f"{tmp_path / 'notes' / 'n.md'}:4: error: unreadable image zlib.png: "
        f"{unreadable(tmp_path / 'notes' / 'zlib.png')} (picked on {spec}:5)"]


def test_a_check_that_fails_anyway_decodes_so_that_every_problem_is_told(tmp_path):
    spec = _talk(tmp_path, "cut.jpg", BROKEN["jpeg cut in half"][1]())
    spec.write_text(spec.read_text(encoding="utf-8") + "  - image: gone.png\n", encoding="utf-8")
    with pytest.raises(DeckError) as deferred:
        check(spec, defer_decoding=True)
    with pytest.raises(DeckError) as plain:
        check(spec)
    said = [str(d) for d in deferred.value.diagnostics if d.is_error]
    assert said == [str(d) for d in plain.value.diagnostics if d.is_error]
    assert any("unreadable image cut.jpg" in s for s in said) and len(said) == 2


def test_many_images_are_decoded_in_worker_processes_with_the_same_verdicts(
        tmp_path, monkeypatch):
    import deckbuilder.check as check_mod
    from deckbuilder import workers

    files = []
    for case, (name, make) in sorted(BROKEN.items()):
        files.append(tmp_path / f"{len(files)}-{name}")
        files[-1].write_bytes(make())
        good = tmp_path / f"{len(files)}-good.png"
        _noise().save(good)
        files.append(good)
    here = {path: unreadable(path) for path in files}
    assert sum(v is None for v in here.values()) == len(BROKEN)   # half of them sound
    started = []
    real = workers._spawn
    monkeypatch.setattr(workers, "_spawn", lambda args: started.append(args) or real(args))
    monkeypatch.setattr(check_mod, "PROCESSES_FROM_BYTES", 0)   # a worker even for these
    monkeypatch.setattr(check_mod.os, "cpu_count", lambda: 2)
    assert check_mod.verify(files) == here
    assert len(started) == 1   # one worker besides this process
