"""The PPTX slide cache: a rebuild places the slides drawn before from their cached XML
and draws only the others, and the deck comes out byte for byte as a build without a
cache makes it: cold, warm, partly warm, damaged, unwritable, after a change."""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from dataclasses import fields, replace
from pathlib import Path

import pytest
from pptx import Presentation

from _decks import sample
from deckbuilder import build, fsutil
from deckbuilder.render import pptx, pptx_cache, pptx_zip

from test_pptx_template import make_template, talk as template_talk


@pytest.fixture
def drawn(monkeypatch):
    """Count the slides drawn through python-pptx's shape API (the cache's misses)."""
    calls = []
    real = pptx._add_slide

    def counting(add_slide, layout, planned, deck):
        calls.append(planned.title)
        return real(add_slide, layout, planned, deck)

    monkeypatch.setattr(pptx, "_add_slide", counting)
    return calls


def _entries(cache: Path) -> list[Path]:
    return sorted((cache / pptx_cache.FOLDER).glob("*/*.slide"))


def test_a_warm_build_is_the_cold_build_byte_for_byte(tmp_path, drawn):
    deck, _, _ = sample(tmp_path)
    plain = pptx.to_bytes(deck)               # no cache at all
    assert len(drawn) == len(deck.slides)
    cold = pptx.write(deck, tmp_path / "cold.pptx", tmp_path / "c").read_bytes()
    assert len(_entries(tmp_path / "c")) == len(deck.slides)
    drawn.clear()
    warm = pptx.write(deck, tmp_path / "warm.pptx", tmp_path / "c").read_bytes()
    assert drawn == []                        # every slide from the cache
    assert cold == warm == plain
    prs = Presentation(str(tmp_path / "warm.pptx"))
    for planned, slide in zip(deck.slides, prs.slides):
        assert slide._element.cSld.get("name").startswith(planned.kind)
        if planned.notes:
            assert slide.notes_slide.notes_text_frame.text == planned.notes


def test_one_caption_changed_redraws_that_slide_and_equals_a_cold_build(tmp_path, drawn):
    deck, _, _ = sample(tmp_path)
    pptx.to_bytes(deck, tmp_path / "c")
    n = next(i for i, s in enumerate(deck.slides) if s.kind == "image")
    caption = next(i for i in deck.slides[n].items if i.role == "caption")
    changed = replace(caption, text=caption.text + " (revised)")
    slide = replace(deck.slides[n], items=tuple(changed if i is caption else i
                                                for i in deck.slides[n].items))
    edited = replace(deck, slides=deck.slides[:n] + (slide,) + deck.slides[n + 1:])
    drawn.clear()
    warm = pptx.to_bytes(edited, tmp_path / "c")
    assert drawn == [slide.title]
    assert warm == pptx.to_bytes(edited)      # a cold build of the changed deck
    assert warm != pptx.to_bytes(deck)


def test_slides_placed_between_drawn_ones_keep_every_name_and_id(tmp_path, drawn):
    # Partly warm, in any pattern: pictures, notes pages and links are numbered in deck
    # order whether their slide was drawn or placed.
    deck, _, _ = sample(tmp_path)
    plain = pptx.to_bytes(deck)
    for keep in (slice(0, None, 2), slice(1, None, 2), slice(3, 6)):
        cache = tmp_path / f"c{keep.start}{keep.step}"
        pptx.to_bytes(replace(deck, slides=deck.slides[keep]), cache)
        drawn.clear()
        assert pptx.to_bytes(deck, cache) == plain
        assert len(drawn) == len(deck.slides) - len(deck.slides[keep])


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty", "garbage", "misfit",
                                    "other-json", "lengths"])
def test_a_damaged_entry_is_drawn_again_with_the_same_bytes(tmp_path, drawn, damage):
    deck, _, _ = sample(tmp_path)
    cold = pptx.to_bytes(deck, tmp_path / "c")
    entries = _entries(tmp_path / "c")
    for path in entries:
        data = path.read_bytes()
        if damage == "truncate":
            data = data[:len(data) // 2]
        elif damage == "flip":   # one byte of the XML changed: the checksum tells
            data = data[:-40] + bytes([data[-40] ^ 1]) + data[-39:]
        elif damage == "empty":
            data = b""
        elif damage == "garbage":
            data = os.urandom(300)
        elif damage == "other-json":   # checksum right, content of another shape
            body = b'{"slide": 1, "rels": [[1, 2, 3]], "notes": []}'
            data = hashlib.sha256(body).hexdigest().encode() + b"\n" + body
        elif damage == "lengths":      # checksum right, the XMLs cut elsewhere
            head, _, xml = data.partition(b"\n")[2].partition(b"\n")
            found = json.loads(head)
            found["slide"] += 1
            body = json.dumps(found).encode() + b"\n" + xml
            data = hashlib.sha256(body).hexdigest().encode() + b"\n" + body
        else:   # a well-formed entry that does not fit the slide: another layout
            entry = pptx_cache._decode(data)
            rels = (("layout", "/ppt/slideLayouts/slideLayout99.xml"),) + entry.rels[1:]
            data = pptx_cache._encode(replace(entry, rels=rels))
        path.write_bytes(data)
    drawn.clear()
    assert pptx.to_bytes(deck, tmp_path / "c") == cold
    assert len(drawn) == len(deck.slides)
    drawn.clear()
    assert pptx.to_bytes(deck, tmp_path / "c") == cold   # written again, whole
    assert drawn == []


def test_a_cache_that_cannot_be_written_still_builds(tmp_path, drawn):
    deck, _, _ = sample(tmp_path)
    plain = pptx.to_bytes(deck)
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would be")
    assert pptx.to_bytes(deck, blocked) == plain
    # Files where each entry's folder would be (the cache folder itself writable).
    cache = pptx_cache.SlideCache(tmp_path / "c", deck)
    for slide in deck.slides:
        folder = tmp_path / "c" / pptx_cache.FOLDER / cache.key(slide)[:2]
        folder.parent.mkdir(parents=True, exist_ok=True)
        folder.write_text("in the way")
    drawn.clear()
    assert pptx.to_bytes(deck, tmp_path / "c") == plain
    assert len(drawn) == len(deck.slides) and _entries(tmp_path / "c") == []


def test_a_theme_change_misses(tmp_path, drawn):
    deck, _, _ = sample(tmp_path)
    cache = pptx_cache.SlideCache(tmp_path / "c", deck)
    slide = deck.slides[2]
    for other in (replace(deck, accent="#123456"), replace(deck, font="Georgia"),
                  replace(deck, theme="dark"), replace(deck, width=960),
                  replace(deck, background="#000000")):
        assert pptx_cache.SlideCache(tmp_path / "c", other).key(slide) != cache.key(slide)
    assert pptx_cache.SlideCache(tmp_path / "c", deck).key(slide) == cache.key(slide)
    # The deck in other colours, built on the same cache, draws every slide again.
    pptx.to_bytes(deck, tmp_path / "c")
    recoloured = replace(deck, accent="#123456", text="#222222")
    drawn.clear()
    assert pptx.to_bytes(recoloured, tmp_path / "c") == pptx.to_bytes(recoloured)
    assert len(drawn) == 2 * len(deck.slides)


def test_the_version_and_the_drawing_code_are_in_the_key(tmp_path, monkeypatch):
    deck, _, _ = sample(tmp_path)
    key = pptx_cache.SlideCache(tmp_path, deck).key(deck.slides[0])
    monkeypatch.setattr(pptx_cache, "PPTX_CACHE_VERSION", pptx_cache.PPTX_CACHE_VERSION + 1)
    assert pptx_cache.SlideCache(tmp_path, deck).key(deck.slides[0]) != key
    monkeypatch.undo()
    monkeypatch.setattr(pptx_cache, "_drawing_digest", lambda: "changed")
    assert pptx_cache.SlideCache(tmp_path, deck).key(deck.slides[0]) != key


def test_a_template_build_is_the_same_warm_and_a_changed_template_misses(tmp_path, drawn):
    spec = template_talk(tmp_path)
    make_template(tmp_path / "brand.pptx")
    cache, out = tmp_path / "cache", tmp_path / "out"
    first = build.build(spec, ["pptx"], out, cache_dir=cache)
    cold = first.outputs[0].read_bytes()
    slides = first.slides
    assert len(drawn) == slides
    drawn.clear()
    again = build.build(spec, ["pptx"], out, cache_dir=cache)
    assert drawn == [] and again.outputs[0].read_bytes() == cold
    # Same layouts, other content (a master of another colour): every slide drawn again.
    make_template(tmp_path / "brand.pptx")
    with zipfile.ZipFile(tmp_path / "brand.pptx") as z:
        members = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(tmp_path / "brand.pptx", "w") as z:
        for info, data in members:
            z.writestr(info, data + (b"<!-- v2 -->" if info.filename.endswith(
                "slideMaster1.xml") else b""))
    drawn.clear()
    changed = build.build(spec, ["pptx"], out, cache_dir=cache).outputs[0].read_bytes()
    assert len(drawn) == slides
    drawn.clear()
    assert build.build(spec, ["pptx"], tmp_path / "fresh", cache_dir=tmp_path / "c2"
                       ).outputs[0].read_bytes() == changed


def test_the_build_keeps_slides_in_the_image_cache_folder(tmp_path, drawn):
    spec = template_talk(tmp_path)
    make_template(tmp_path / "brand.pptx")
    build.build(spec, ["pptx"], tmp_path / "out", cache_dir=tmp_path / "cache")
    assert _entries(tmp_path / "cache")
    assert list(tmp_path.rglob(pptx_cache.FOLDER)) == [tmp_path / "cache" / pptx_cache.FOLDER]


def test_a_slide_with_an_unknown_relationship_is_not_kept(tmp_path):
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    slide.part.relate_to(prs.slide_master.part, "http://example.org/other")
    deck, _, _ = sample(tmp_path)
    assert pptx_cache.drawn(slide.part, deck.slides[0]) is None


def test_a_picture_file_changed_in_place_misses(tmp_path, drawn):
    # A screenshot passed through from the vault is its own file: edited in place, the
    # slide that shows it is drawn again.
    deck, _, _ = sample(tmp_path)
    pptx.to_bytes(deck, tmp_path / "c")
    picture = next(i.image for s in deck.slides for i in s.items if i.image is not None)
    info = picture.stat()
    os.utime(picture, ns=(info.st_atime_ns, info.st_mtime_ns + 10**9))
    drawn.clear()
    assert pptx.to_bytes(deck, tmp_path / "c") == pptx.to_bytes(deck)
    uses = [s.title for s in deck.slides if any(i.image == picture for i in s.items)]
    assert drawn[:len(uses)] == uses and len(drawn) == len(uses) + len(deck.slides)


def test_a_text_items_faces_are_in_the_key(tmp_path):
    # The fallback chain is keyed by its digest, each item's own: another chain misses.
    deck, _, _ = sample(tmp_path)
    slide = next(s for s in deck.slides if any(i.style and i.style.faces for i in s.items))
    n, item = next((n, i) for n, i in enumerate(slide.items) if i.style and i.style.faces)
    fewer = replace(item, style=replace(item.style, faces=item.style.faces[:1]))
    other = replace(slide, items=slide.items[:n] + (fewer,) + slide.items[n + 1:])
    cache = pptx_cache.SlideCache(tmp_path / "c", deck)
    assert len({cache.key(slide), cache.key(other)}) == 2
    assert pptx_cache.SlideCache(tmp_path / "c", deck).key(other) == cache.key(other)


def test_entries_are_written_whole_and_what_a_killed_build_left_is_cleaned(tmp_path, drawn):
    spec = template_talk(tmp_path)
    make_template(tmp_path / "brand.pptx")
    tmp = tmp_path / "cache" / pptx_cache.FOLDER / "tmp"
    tmp.mkdir(parents=True)
    # a half-written entry of a build whose process is gone (pid 2**22 + 1 never exists)
    left = tmp / f".{'ab' * 32}.json.deckbuilder-{fsutil.host_tag()}-{2**22 + 1}-0123abcd.tmp"
    left.write_bytes(b"{half")
    build.build(spec, ["pptx"], tmp_path / "out", cache_dir=tmp_path / "cache")
    assert list(tmp.iterdir()) == []
    entries = _entries(tmp_path / "cache")
    assert entries and all(pptx_cache._decode(p.read_bytes()) for p in entries)


def _changed(value):
    """Return another value of the same kind (None: a string)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if value is None:
        return "x"
    if isinstance(value, tuple):
        return value[1:] if value else ("x",)
    return replace(value, **{fields(value)[0].name: _changed(getattr(value, fields(value)[0].name))})


def test_every_field_of_a_slide_its_items_and_their_styles_is_in_the_key(tmp_path):
    deck, _, _ = sample(tmp_path)
    slide = next(s for s in deck.slides if any(i.style and i.style.faces for i in s.items))
    n, item = next((n, i) for n, i in enumerate(slide.items) if i.style and i.style.faces)
    cache = pptx_cache.SlideCache(tmp_path / "c", deck)
    others = [replace(slide, **{f.name: _changed(getattr(slide, f.name))})
              for f in fields(slide) if f.name != "items"]
    items = [replace(item, **{f.name: _changed(getattr(item, f.name))})
             for f in fields(item) if f.name not in ("style", "image")]
    items += [replace(item, style=replace(item.style, **{f.name: _changed(
        getattr(item.style, f.name))})) for f in fields(item.style)]
    others += [replace(slide, items=slide.items[:n] + (i,) + slide.items[n + 1:])
               for i in items]
    keys = {cache.key(s) for s in [slide] + others}
    assert len(keys) == 1 + len(others) and len(others) > 25


def test_a_warm_build_deflates_only_the_xml_that_changed(tmp_path, monkeypatch):
    deck, _, _ = sample(tmp_path)
    plain = pptx.to_bytes(deck)
    pptx.to_bytes(deck, tmp_path / "c")
    (kept,) = (tmp_path / "c" / pptx_cache.FOLDER).glob("deflated-*.bin")
    deflated = []
    real = pptx_zip._deflate
    monkeypatch.setattr(pptx_zip, "_deflate", lambda data: deflated.append(data) or real(data))
    assert pptx.to_bytes(deck, tmp_path / "c") == plain and deflated == []
    n = next(i for i, s in enumerate(deck.slides) if s.kind == "image")
    slide = replace(deck.slides[n], notes=deck.slides[n].notes + " (revised)")
    edited = replace(deck, slides=deck.slides[:n] + (slide,) + deck.slides[n + 1:])
    cold = pptx.to_bytes(edited)
    deflated.clear()
    assert pptx.to_bytes(edited, tmp_path / "c") == cold
    assert len(deflated) == 1 and b"(revised)" in deflated[0]   # its notes page
    kept.write_bytes(kept.read_bytes()[:-1])  # damaged: not used, the same deck
    assert pptx.to_bytes(edited, tmp_path / "c") == cold
