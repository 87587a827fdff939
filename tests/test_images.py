"""Image normalisation: upright, converted, downscaled, stripped, deterministic, cached."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from PIL import Image

from deckbuilder import images, theme
from deckbuilder.errors import Location

WHERE = [Location("Notes.md", 7)]


@pytest.fixture(scope="module")
def th():
    return theme.load("default")


def noise(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    rng = random.Random(1)
    return Image.frombytes(mode, size, rng.randbytes(size[0] * size[1] * len(mode)))


def run(th, tmp_path: Path, *paths: Path):
    return images.normalise({p: WHERE for p in paths}, th, "16:9", tmp_path / "cache")


def test_exif_rotated_photo_becomes_upright_jpeg_without_metadata(th, tmp_path):
    src = tmp_path / "phone.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6            # rotate 90° on display
    exif[0x010F] = "PhoneMaker"
    noise((400, 300)).save(src, "JPEG", exif=exif)
    done, problems = run(th, tmp_path, src)
    n = done[src]
    assert not problems and (n.width, n.height) == (300, 400)
    with Image.open(n.path) as im:
        assert im.format == "JPEG" and im.size == (300, 400)
        assert not im.getexif() and "exif" not in im.info


def test_screenshot_stays_png_and_alpha_is_kept(th, tmp_path):
    shot, logo = tmp_path / "shot.png", tmp_path / "logo.webp"
    Image.new("RGB", (200, 100), "white").save(shot)
    rgba = Image.new("RGBA", (64, 64), (255, 0, 0, 0))
    rgba.save(logo, "WEBP", lossless=True)
    done, _ = run(th, tmp_path, shot, logo)
    with Image.open(done[shot].path) as a, Image.open(done[logo].path) as b:
        assert a.format == "PNG" and a.mode == "RGB"
        assert b.format == "PNG" and b.mode == "RGBA"


def test_large_images_shrink_to_the_theme_ppi_and_small_ones_never_grow(th, tmp_path):
    big, small = tmp_path / "big.jpg", tmp_path / "small.png"
    noise((4000, 3000)).save(big, quality=70)
    Image.new("RGB", (120, 80), "blue").save(small)
    done, _ = run(th, tmp_path, big, small)
    box_w, box_h = images.target_size(th, "16:9")
    assert done[big].width <= box_w and done[big].height <= box_h
    assert max(done[big].width / box_w, done[big].height / box_h) > 0.99   # as large as needed
    assert abs(done[big].width / done[big].height - 4 / 3) < 0.01          # aspect kept
    assert (done[small].width, done[small].height) == (120, 80)


def test_bytes_are_deterministic_and_cached_by_content(th, tmp_path):
    src = tmp_path / "p.jpg"
    noise((800, 600)).save(src)
    first, _ = images.normalise({src: WHERE}, th, "16:9", tmp_path / "c1")
    second, _ = images.normalise({src: WHERE}, th, "16:9", tmp_path / "c2")
    assert first[src].path.read_bytes() == second[src].path.read_bytes()
    assert first[src].path.parent.parent == tmp_path / "c1"
    mtime = first[src].path.stat().st_mtime_ns
    again, _ = images.normalise({src: WHERE}, th, "16:9", tmp_path / "c1")
    assert again[src].path == first[src].path and again[src].path.stat().st_mtime_ns == mtime


def test_missing_and_unreadable_images_are_errors_at_every_use(th, tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image at all")
    gone = tmp_path / "gone.png"
    uses = {bad: [Location("A.md", 3), Location("B.md", 9)], gone: [Location("C.md", 1)]}
    done, problems = images.normalise(uses, th, "16:9", tmp_path / "cache")
    assert done == {}
    shown = sorted(str(p) for p in problems)
    # An unchecked source is verified as `check` verifies it, and said in check's words.
    assert shown == ["A.md:3: error: unreadable image bad.png: not an image Pillow can read",
                     "B.md:9: error: unreadable image bad.png: not an image Pillow can read",
                     "C.md:1: error: image not found: gone.png"]


def test_decompression_bomb_is_refused(th, tmp_path):
    bomb = tmp_path / "bomb.png"
    buf = io.BytesIO()
    Image.new("1", (9000, 9000)).save(buf, "PNG")   # 81 MP, tiny file
    bomb.write_bytes(buf.getvalue())
    done, problems = run(th, tmp_path, bomb)
    assert bomb not in done and "too large" in problems[0].message


def test_cache_root_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert images.cache_root() == tmp_path / "deckbuilder" / "img"
    assert images.cache_root(tmp_path / "x") == tmp_path / "x"
