"""A talk over a vault in Korean, Japanese, Chinese, Arabic, Hebrew, Hindi and emoji:
it builds, Chromium draws the planned lines inside their boxes, LibreOffice keeps every
word in its box, and the PPTX names the East Asian and complex-script faces."""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from PIL import Image

from _office import PT, boxes, inside, to_pdf, words, words_outside_their_boxes
from conftest import require_tool

KOREAN_TITLE = "x 가 한없이 0 에 가까워 질 때"
CAPTIONS = {
    "ko": "x 가 한없이 0 에 가까워 질 때 극한값은 함수의 수렴을 설명하는 가장 기본적인 "
          "개념이며 미분과 적분의 출발점이다",
    "ja": "「機械学習」のデータは、重複を取り除いてから学習に使います。品質フィルタも"
          "大切で、言語の判定も欠かせません。",
    "zh": "训练数据在使用之前需要去重，并经过质量过滤，这样模型才能学得更好，"
          "也更少记住重复的网页。",
    "ar": "تنظيف البيانات قبل التدريب يحسن جودة النموذج بشكل كبير، وإزالة التكرار "
          "تقلل من حفظ الصفحات المتشابهة في مجموعة البيانات",
    "he": "ניקוי הנתונים לפני האימון משפר את איכות המודל, והסרת כפילויות מקטינה את "
          "השינון של דפים דומים במערך הנתונים",
    "hi": "प्रशिक्षण से पहले डेटा की सफ़ाई मॉडल की गुणवत्ता को बेहतर बनाती है",
    "emoji": "Emoji 😀 in a caption 👍🏽 with a ZWJ sequence 👩\u200d💻 and a combining "
             "mark: cafe\u0301 ✅ then a few more words to wrap the line 🎉",
}
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
NS = {"a": A}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    """Build the talk once: (PPTX, deck folder index.html, one-file deck)."""
    from deckbuilder.build import build

    root = tmp_path_factory.mktemp("scripts")
    vault = root / "vault"
    vault.mkdir()
    lines = ["# Notes in many scripts", ""]
    for name, caption in CAPTIONS.items():
        Image.new("RGB", (800, 450), "teal").save(vault / f"{name}.png")
        lines += [f"![[{name}.png]]", caption, ""]
    (vault / "Notes.md").write_text("\n".join(lines), encoding="utf-8")
    spec = root / "talk.yaml"
    spec.write_text(f"title: 한국어 발표 {KOREAN_TITLE}\nsubtitle: 日本語と中文と العربية\n"
                    "author: Ada\nvault: vault\nslides:\n  - title\n  - select: {}\n"
                    "  - text: |\n      ## עברית\n      שלום עולם, זהו טקסט לדוגמה\n",
                    encoding="utf-8")
    out = root / "out"
    result = build(spec, ["pptx", "html"], out, cache_dir=root / "cache")
    one = build(spec, ["html"], out, cache_dir=root / "cache", single_file=True)
    pptx = next(p for p in result.outputs if p.suffix == ".pptx")
    index = next(p for p in result.outputs if p.name == "index.html")
    return pptx, index, one.outputs[0]


def _slides(pptx: Path) -> list[etree._Element]:
    with zipfile.ZipFile(pptx) as z:
        names = sorted((n for n in z.namelist() if re.match(r"ppt/slides/slide\d+\.xml$", n)),
                       key=lambda n: int(re.findall(r"\d+", n)[0]))
        return [etree.fromstring(z.read(n)) for n in names]


def _runs(pptx: Path):
    for slide in _slides(pptx):
        for r in slide.iter(f"{{{A}}}r"):
            yield r.findtext("a:t", namespaces=NS) or "", r.find("a:rPr", NS)


def _face(rpr, slot: str) -> str | None:
    found = rpr.find(f"a:{slot}", NS) if rpr is not None else None
    return found.get("typeface") if found is not None else None


@pytest.mark.parametrize("pattern, slot, family", [
    (r"[가-힣]", "ea", "Noto Sans CJK KR"), (r"[ぁ-ヿ]", "ea", "Noto Sans CJK JP"),
    (r"[们这样记]", "ea", "Noto Sans CJK SC"), (r"[\u0600-\u06FF]", "cs", "Noto Sans Arabic"),
    (r"[\u0590-\u05FF]", "cs", "Noto Sans Hebrew"),
    (r"[\u0900-\u097F]", "cs", "Noto Sans Devanagari")])
def test_pptx_runs_name_the_face_of_their_script(built, pattern, slot, family):
    runs = [(t, rpr) for t, rpr in _runs(built[0]) if re.search(pattern, t)]
    assert runs, f"no run holds {pattern}"
    assert {_face(rpr, slot) for _, rpr in runs} == {family}


def test_pptx_neighbouring_runs_of_one_face_are_one_run(built):
    # Regression: a CJK face comes as numbered slice files, and each file's characters
    # used to become a run of their own ("「", "機", "械", ...), one per character.
    japanese = next(p for slide in _slides(built[0]) for p in slide.iter(f"{{{A}}}p")
                    if "機械学習" in "".join(p.itertext()))
    runs = [(r.findtext("a:t", namespaces=NS), etree.tostring(r.find("a:rPr", NS)))
            for r in japanese.iter(f"{{{A}}}r")]
    assert all(a[1] != b[1] for a, b in zip(runs, runs[1:])), [t for t, _ in runs]
    assert any("機械学習" in t for t, _ in runs)


def test_pptx_emoji_runs_name_the_emoji_face_and_latin_runs_stay_plain(built):
    emoji = [rpr for t, rpr in _runs(built[0]) if "😀" in t or "👩\u200d💻" in t]
    assert emoji and {_face(r, "latin") for r in emoji} == {"Noto Color Emoji"}
    latin = [rpr for t, rpr in _runs(built[0]) if t.strip() == "Ada"]
    assert latin and all(_face(r, "ea") is None and _face(r, "cs") is None for r in latin)


def test_pptx_rtl_paragraphs_are_marked_and_right_aligned(built):
    rtl = [p for s in _slides(built[0]) for p in s.iter(f"{{{A}}}p")
           if re.search(r"[\u0590-\u06FF]", "".join(p.itertext()))
           and not re.search(r"[A-Za-z\u3040-\u30FF\u4E00-\u9FFF]", "".join(p.itertext()))]
    assert len(rtl) >= 4   # two captions, a heading and a paragraph
    for p in rtl:
        ppr = p.find("a:pPr", NS)
        assert ppr is not None and ppr.get("rtl") == "1"
    captions = [p for p in rtl if p.find("a:pPr", NS).get("algn") == "r"]
    assert len(captions) >= 2
    ltr = [p for s in _slides(built[0]) for p in s.iter(f"{{{A}}}p")
           if "Ada" in "".join(p.itertext())]
    assert ltr and all((p.find("a:pPr", NS) is None or p.find("a:pPr", NS).get("rtl") is None)
                       for p in ltr)


def test_pptx_font_scheme_names_the_east_asian_and_complex_faces(built):
    with zipfile.ZipFile(built[0]) as z:
        theme = etree.fromstring(z.read("ppt/theme/theme1.xml"))
    for scheme in ("a:majorFont", "a:minorFont"):
        font = theme.find(f".//{scheme}", NS)
        assert font.find("a:ea", NS).get("typeface") == "Noto Sans CJK KR"
        assert font.find("a:cs", NS).get("typeface") == "Noto Sans Arabic"
        scripts = {f.get("script"): f.get("typeface") for f in font.findall("a:font", NS)}
        assert scripts["Hang"] == "Noto Sans CJK KR" and scripts["Jpan"] == "Noto Sans CJK JP"
        assert scripts["Hans"] == "Noto Sans CJK SC" and scripts["Hebr"] == "Noto Sans Hebrew"


def test_html_deck_bundles_only_subsets_of_the_fallback_fonts(built):
    _, index, one = built
    fonts_dir = index.parent / "assets" / "fonts"
    subsets = sorted(fonts_dir.glob("*-sub.woff2"))
    names = " ".join(p.name for p in subsets)
    for package in ("noto-sans-kr", "noto-sans-jp", "noto-sans-sc", "noto-sans-arabic",
                    "noto-sans-hebrew", "noto-sans-devanagari", "noto-emoji"):
        assert package in names
        assert (fonts_dir / f"LICENSE-{package}").is_file()
    # a few dozen characters each, not the font's thousands of glyphs
    assert sum(p.stat().st_size for p in subsets) < 400_000
    css = (index.parent / "assets" / "deck.css").read_text(encoding="utf-8")
    assert "\"Noto Sans KR\"" in css and "U+AC00-D7A3" not in css   # the used syllables only
    assert 'dir="auto"' in index.read_text(encoding="utf-8")
    assert one.read_text(encoding="utf-8").count("data:font/woff2;base64,") >= len(subsets)


# ------------------------------------------------------------------ Chromium

LINES = """(() => {
  const out = [];
  for (const el of document.querySelectorAll('section.present .db-text')) {
    const t = el.querySelector('.db-t');
    const range = document.createRange();
    range.selectNodeContents(t);
    const rects = [...range.getClientRects()].filter(r => r.width > 0.5);
    const box = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    const pitch = parseFloat(cs.lineHeight);   // px: the planner's size x line_height
    const centres = rects.map(r => (r.top + r.bottom) / 2).sort((a, b) => a - b);
    let lines = 0, last = -1e9;
    for (const c of centres) { if (c - last > pitch / 2) { lines += 1; last = c; } }
    const outside = rects.filter(r => r.left < box.left - 1 || r.right > box.right + 1 ||
                                      r.top < box.top - 1 || r.bottom > box.bottom + 1);
    out.push({text: t.textContent, role: [...el.classList].join(' '), lines,
              planned: Math.round(box.height / pitch), outside: outside.length});
  }
  return out;
})()"""


@pytest.fixture(scope="module")
def browser():
    from deckbuilder.export.browser import Browser

    chrome = require_tool("chromium", "chromium-browser", "google-chrome")
    with Browser.launch(os.environ.get("DECKBUILDER_CHROME") or chrome) as b:
        yield b


def _drawn(browser, deck: Path) -> list[dict]:
    from test_browser_html import open_deck

    page = open_deck(browser, deck)
    try:
        assert page.errors == []
        assert [u for u in page.requests if not u.startswith(("data:", "file://"))] == []
        found = []
        for n in range(page.evaluate("Reveal.getTotalSlides()")):
            page.evaluate(f"Reveal.slide({n})")
            page.wait_for(f"Reveal.getIndices().h === {n}")
            found += [dict(d, slide=n + 1) for d in page.evaluate(LINES)]
        for family, sample in (("Noto Sans KR", "가"), ("Noto Sans JP", "の"),
                               ("Noto Sans Arabic", "ب"), ("Noto Emoji", "😀")):
            assert page.evaluate(f"document.fonts.check('20px \"{family}\"', '{sample}')")
        return found
    finally:
        page.close()


@pytest.mark.tools
@pytest.mark.parametrize("which", ["folder", "one file"])
def test_chromium_draws_every_planned_line_inside_its_box(browser, built, which):
    drawn = _drawn(browser, built[1] if which == "folder" else built[2])
    texts = [d for d in drawn if "db-footer" not in d["role"] and "db-slide-number" not in d["role"]]
    captions = [d for d in texts if "db-caption" in d["role"]]
    assert len(captions) == len(CAPTIONS)
    assert any(d["lines"] > 1 for d in captions)    # the wrapping is really tested
    assert [(d["slide"], d["text"][:20], d["lines"]) for d in texts] == \
        [(d["slide"], d["text"][:20], d["planned"]) for d in texts]
    assert [d for d in texts if d["outside"]] == []


# ------------------------------------------------------------------ LibreOffice

@pytest.mark.tools
def test_libreoffice_keeps_every_word_inside_its_box(built, tmp_path):
    require_tool("pdftotext")
    pdf = to_pdf(built[0], tmp_path / "lo")
    drawn = " ".join(w.text for w in words(pdf))
    for sample in ("한없이", "機械学習", "训练数据"):
        assert sample in drawn
    # poppler gives right-to-left words in the order they are drawn
    assert "הנתונים" in drawn or "הנתונים"[::-1] in drawn
    assert words_outside_their_boxes(built[0], pdf) == []


def _planned_lines(shape) -> int:
    """The lines the planner gave a text box: its height over its paragraphs' pitch."""
    pitches = shape._element.xpath(".//a:lnSpc/a:spcPts/@val")
    return round((shape.height / PT) / (int(pitches[0]) / 100)) if pitches else 0


def _drawn_rows(words_in_box) -> int:
    """Count the lines of words in a box: words whose middles are within a third of a
    line's height of each other share a line."""
    rows: list[float] = []
    for w in sorted(words_in_box, key=lambda w: w.middle[1]):
        if not rows or w.middle[1] - rows[-1] > (w.y1 - w.y0) / 3:
            rows.append(w.middle[1])
    return len(rows)


@pytest.mark.tools
def test_libreoffice_draws_each_caption_in_its_planned_number_of_lines(built, tmp_path):
    require_tool("pdftotext")
    pdf = to_pdf(built[0], tmp_path / "lo")
    found = words(pdf)
    checked = []
    for n, (texts, _) in enumerate(boxes(built[0])):
        for box, shape in texts:
            if not shape.name.startswith("caption") or not _planned_lines(shape):
                continue
            inside_box = [w for w in found if w.page == n and inside(w.middle, box)]
            checked.append((n + 1, shape.text_frame.text[:12], _drawn_rows(inside_box),
                            _planned_lines(shape)))
    assert len(checked) == len(CAPTIONS)
    assert any(planned > 1 for *_, planned in checked)   # the wrapping is really tested
    assert [c[:3] for c in checked] == [c[:2] + (c[3],) for c in checked]


@pytest.mark.tools
def test_the_faces_the_pptx_names_are_installed_fonts():
    import subprocess

    from deckbuilder import theme as themes

    listed = subprocess.run([require_tool("fc-list"), ":", "family"], check=True,
                            capture_output=True, text=True).stdout
    families = {name.strip() for line in listed.splitlines() for name in line.split(",")}
    wanted = {f.family for f in themes.load("default").faces()[1:]}
    assert wanted - families == set(), "CI installs fonts-noto-cjk, -core and -color-emoji"


SAMPLES = {"Noto Sans CJK KR": "가나다 한없이", "Noto Sans CJK JP": "機械学習のデータ",
           "Noto Sans CJK SC": "训练数据在使用", "Noto Sans Arabic": "تنظيف البيانات",
           "Noto Sans Hebrew": "ניקוי הנתונים", "Noto Sans Devanagari": "प्रशिक्षण से",
           "Noto Color Emoji": "😀👍🎉"}


@pytest.mark.tools
@pytest.mark.parametrize("family", sorted(SAMPLES))
def test_the_installed_faces_are_no_wider_than_the_measured_ones(family):
    """LibreOffice draws with the Debian fonts, the layout measured with the npm ones:
    the same designs, so the same advances (the colour emoji are 2% narrower)."""
    import subprocess

    from PIL import ImageFont

    from deckbuilder import fonts, theme as themes

    chain = themes.load("default").faces()
    face = next(f for f in chain if f.family == family)
    segs = [s for s in fonts.segments(SAMPLES[family], chain) if s.face == face]
    assert segs
    ours = sum(ImageFont.truetype(str(s.path), 100).getlength(s.text) for s in segs)
    found = subprocess.run([require_tool("fc-match"), "-f", "%{file}:%{index}", family],
                           check=True, capture_output=True, text=True).stdout
    path, index = found.rsplit(":", 1)
    size = 109 if "Emoji" in family else 100     # a bitmap font has one size: scale it
    system = ImageFont.truetype(path, size, index=int(index))
    theirs = sum(system.getlength(s.text) for s in segs) * 100 / size
    assert ours * 0.97 <= theirs <= ours * 1.005
