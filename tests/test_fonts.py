"""The fallback chain: which face draws each grapheme, where CJK lines may break, RTL."""

from __future__ import annotations

from pathlib import Path

import pytest

from deckbuilder import fonts, theme as themes
from deckbuilder.errors import ThemeError
from deckbuilder.layout import measure
from deckbuilder.markup import Run

KOREAN = "x 가 한없이 0 에 가까워 질 때"


@pytest.fixture(scope="module")
def chain():
    return themes.load("default").faces()


def faces_of(text: str, chain) -> list[tuple[str, str]]:
    return [(s.text, s.face.web_family) for s in fonts.segments(text, chain)]


def test_latin_text_is_one_stretch_of_the_body_face(chain):
    assert faces_of("Heuristic quality filters, 8% — “quoted”", chain) == [
        ("Heuristic quality filters, 8% — “quoted”", "Carlito")]


def test_korean_goes_to_the_korean_face_and_spaces_and_digits_stay_latin(chain):
    segs = faces_of(KOREAN, chain)
    assert "".join(t for t, _ in segs) == KOREAN
    assert {t for t, f in segs if f == "Noto Sans KR"} >= {"가", "한", "없", "이", "때"}
    assert all(f == "Carlito" for t, f in segs if t.strip() in ("x", "0", ""))


def test_han_takes_the_face_of_the_texts_language(chain):
    # 中 is in the Korean, Japanese and Chinese fonts, with different shapes.
    def face(context: str) -> str:
        return fonts.segments("中", chain, context=context)[0].face.web_family
    assert face("中です") == "Noto Sans JP"
    assert face("中文") == "Noto Sans SC"
    assert face("중앙 中") == "Noto Sans KR"
    # 学 (the Japanese and simplified form) is not in the Korean font: the next face has it
    assert fonts.segments("学", chain, context="학교 学")[0].face.web_family != "Noto Sans KR"


@pytest.mark.parametrize("text, face", [
    ("مرحبا", "Noto Sans Arabic"), ("שלום", "Noto Sans Hebrew"),
    ("नमस्ते", "Noto Sans Devanagari"), ("😀", "Noto Emoji")])
def test_each_script_has_its_face(chain, text, face):
    assert faces_of(text, chain) == [(text, face)]


def test_grapheme_clusters_are_never_split_between_faces(chain):
    zwj, tone, combining = "👩\u200d💻", "👍🏽", "cafe\u0301"
    for text in (zwj, tone):
        assert faces_of(text, chain) == [(text, "Noto Emoji")]
    # e + combining acute: the body face draws it composed (é), in one piece
    assert faces_of(combining, chain) == [(combining, "Carlito")]


def test_a_character_no_face_has_stays_with_the_body_face(chain):
    assert faces_of("\U000E01EF", chain)[0][1] == "Carlito"   # a variation selector alone


def test_measured_widths_use_the_fallback_glyphs(chain):
    fnt = measure.Fonts.of(themes.load("default"))
    hangul = fnt.width("가나다라", Run("가나다라"), 100)
    assert hangul == pytest.approx(4 * 92, abs=1)   # Noto Sans KR: Hangul is 0.92 em
    body_only = measure.Fonts(fnt.faces, fnt.code_advance, fnt.safety, fnt.line_height)
    assert body_only.width("가나다라", Run("가나다라"), 100) != pytest.approx(hangul, abs=1)


@pytest.mark.parametrize("word, breaks", [
    ("日本語", [1, 2]),                     # between ideographs
    ("「日本」", [2]),                       # not after 「 nor before 」
    ("です。テスト", [1, 3, 4, 5]),            # not before 。
    ("测试，好", [1, 3]),                     # not before the full-width comma
    ("Latin-ish/words", []),                # Latin keeps its rules (spaces, hyphens)
    ("word😀word", [4, 5]),                 # around an emoji
])
def test_cjk_break_points_follow_uax14(word, breaks):
    assert fonts.break_points(word) == breaks


def test_korean_wraps_between_words_only():
    toks = measure.tokens([Run(KOREAN)])
    assert [t.text for t in toks if t.kind == "word"] == KOREAN.split()
    japanese = measure.tokens([Run("機械学習")])
    assert [t.text for t in japanese if t.kind == "word"] == list("機械学習")


def test_a_break_between_two_runs_of_ideographs_is_kept():
    toks = measure.tokens([Run("日本", bold=True), Run("語")])
    assert [t.kind for t in toks] == ["word", "space", "word", "space", "word"]


def test_overlong_words_break_between_clusters_only():
    fnt = measure.Fonts.of(themes.load("default"))
    word = "👩\u200d💻" * 40
    out = measure.breakable([Run(word)], 40, 200, fnt)
    assert all(piece.startswith("👩\u200d💻") or not piece
               for piece in out[0].text.split(measure.ZWSP))


@pytest.mark.parametrize("text, rtl", [
    ("مرحبا بالعالم", True), ("שלום עולם", True), ("123 שלום", True),
    ("Hello שלום", False), (KOREAN, False), ("", False)])
def test_a_paragraph_is_rtl_when_its_first_strong_letter_is(text, rtl):
    assert fonts.is_rtl(text) is rtl


def test_a_theme_extends_the_chain_with_a_face_of_its_own(tmp_path):
    folder = tmp_path / "themes" / "thai"
    folder.mkdir(parents=True)
    arimo = themes.VENDOR / "fonts" / "arimo" / "files" / "arimo-latin-400-normal.woff2"
    (folder / "theme.yaml").write_text(
        "fonts:\n  fallback_first:\n"
        f"    - {{family: Arimo, slot: latin, files: \"{arimo}\"}}\n", encoding="utf-8")
    chain = themes.load("thai", tmp_path).faces()
    assert [f.family for f in chain[:3]] == ["Calibri", "Arimo", "Noto Sans CJK KR"]
    assert chain[1].paths == (str(arimo),) * 4


def test_a_bad_fallback_entry_is_an_error_at_the_theme(tmp_path):
    folder = tmp_path / "themes" / "bad"
    folder.mkdir(parents=True)
    (folder / "theme.yaml").write_text(
        "fonts:\n  fallback:\n    - {family: X, files: nowhere, slot: east}\n"
        "    - just a name\n", encoding="utf-8")
    with pytest.raises(ThemeError) as e:
        themes.load("bad", tmp_path)
    text = str(e.value)
    assert "fonts.fallback[0].slot must be one of latin, ea, cs" in text
    assert "fonts.fallback[0]: font files" in text and "are missing" in text
    assert "fonts.fallback[1] must be a mapping" in text
    assert str(Path("bad") / "theme.yaml") in text


def test_a_latin_deck_needs_no_fallback_font(tmp_path):
    from _decks import sample

    from deckbuilder.render import html_fonts

    fonts.cmap.cache_clear()
    measure._font.cache_clear()
    deck, _, _ = sample(tmp_path)
    assert len(deck.faces) > 1                 # the chain is there, but nothing uses it
    assert html_fonts.used_faces(deck) == {} and html_fonts.subsets(deck) == []
    # planning it parsed no font's cmap (the body face's coverage is its unicode-range)
    # and loaded the body font's files only (regular, bold, italic), no fallback face
    assert fonts.cmap.cache_info().currsize == 0
    assert measure._font.cache_info().currsize <= 4


# Words are shaped with Pillow's FreeType core directly (measure.PILLOW_INTERNALS), not
# through ImageFont: each face of the chain must give exactly ImageFont's widths, for
# every script, ligatures, kerning, marks and emoji included.
SHAPED = ["Hello", "AVATAR Ta Wo", "office ﬁ fl", "Wörld… “quoted” — 8%", "e\u0301 n\u0303",
          "مرحبا بالعالم", "שלום עולם", "漢字かなカナ", "가까워", "नमस्ते", "ภาษาไทย", "👍🏽 👩‍👩‍👧",
          "x" * 5000, ""]


def test_the_freetype_core_measures_as_imagefont_does(chain):
    from PIL import ImageFont

    body = measure.Fonts.of(themes.load("default")).faces
    pieces = {(t, path) for t in SHAPED for path in body}
    pieces |= {(s.text, Path(s.path)) for t in SHAPED for s in fonts.segments(t, chain)}
    assert len({path for _, path in pieces}) > 8   # the body's four faces and the chain's
    for text, path in sorted(pieces):
        pillow = ImageFont.truetype(str(path), measure.REF_SIZE)
        assert measure.advance(measure._font(path), text) == pillow.getlength(text), \
            (path.name, text)


def test_text_too_long_for_imagefont_is_refused_by_the_core_too():
    from PIL import ImageFont

    regular = measure.Fonts.of(themes.load("default")).faces[0]
    text = "x" * (ImageFont.MAX_STRING_LENGTH + 1)
    with pytest.raises(ValueError):
        ImageFont.truetype(str(regular), 12).getlength(text)
    with pytest.raises(ValueError):
        measure.advance(measure._font(regular), text)
