"""Themes: search path, extends chains, merged settings, errors with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from deckbuilder import theme
from deckbuilder.errors import ThemeError


def write(spec_dir: Path, name: str, text: str) -> Path:
    folder = spec_dir / "themes" / name
    folder.mkdir(parents=True)
    (folder / "theme.yaml").write_text(text, encoding="utf-8")
    return folder


def test_default_has_every_setting_the_layout_reads():
    t = theme.load("default")
    assert t.name == "default" and t.dirs == (theme.builtin_dir().resolve() / "default",)
    assert t.get("image_slide.caption.min_size") < t.get("image_slide.caption.max_size")
    assert t.color("accent").startswith("#") and len(t.color("text")) == 7
    assert t.font_file(bold=True).is_file() and t.font_file().suffix == ".woff2"
    assert t.has_slide("closing") and not t.has_slide("nonsense")


def test_builtin_names_and_search_path(tmp_path):
    assert {"default", "dark"} <= set(theme.names(None))
    write(tmp_path, "mine", "extends: dark\n")
    assert theme.search_path(tmp_path)[0] == tmp_path / "themes"
    assert "mine" in theme.names(tmp_path)


def test_extends_chain_merges_most_specific_last(tmp_path):
    folder = write(tmp_path, "mine", "extends: dark\ncolors:\n  accent: '#FF0000'\n")
    t = theme.load("mine", tmp_path)
    assert t.dirs[0] == folder.resolve() and t.dirs[-1].name == "default"
    assert [d.name for d in t.dirs] == ["mine", "dark", "default"]
    assert t.color("accent") == "#FF0000"               # own
    assert t.color("background") == "#15181D"           # from dark
    assert t.get("canvas.gap") == theme.load("default").get("canvas.gap")  # from default


def test_theme_without_extends_extends_default(tmp_path):
    write(tmp_path, "plain", "canvas:\n  gap: 10\n")
    t = theme.load("plain", tmp_path)
    assert t.get("canvas.gap") == 10 and t.get("canvas.margin.left") > 0


def test_local_theme_overrides_builtin_of_same_name(tmp_path):
    write(tmp_path, "default", "extends: default\ncanvas:\n  gap: 3\n")
    t = theme.load("default", tmp_path)
    assert t.get("canvas.gap") == 3 and len(t.dirs) == 2


def test_font_paths_are_relative_to_the_theme_that_names_them(tmp_path):
    folder = write(tmp_path, "f", "fonts:\n  body:\n    regular: my.woff2\n")
    (folder / "my.woff2").write_bytes(theme.load("default").font_file().read_bytes())
    assert theme.load("f", tmp_path).font_file() == folder / "my.woff2"


def test_unknown_keys_wrong_types_and_colours_reported_together(tmp_path):
    write(tmp_path, "bad", "extends: default\ncanvas:\n  gapp: 3\n  margin: 4\n"
                           "colors:\n  text: blue\n")
    with pytest.raises(ThemeError) as e:
        theme.load("bad", tmp_path)
    text = str(e.value)
    assert "bad/theme.yaml:3: error: unknown theme key 'canvas.gapp' (did you mean 'gap'?)" in text
    assert "theme.yaml:4: error: canvas.margin must be a mapping" in text
    assert "colors.text must be \"#RRGGBB\"" in text


def test_bad_yaml_has_line(tmp_path):
    write(tmp_path, "broken", "colors:\n  text: [\n")
    with pytest.raises(ThemeError, match=r"broken/theme.yaml:\d+: error: invalid YAML"):
        theme.load("broken", tmp_path)


def test_unknown_theme_suggests(tmp_path):
    with pytest.raises(ThemeError, match="did you mean 'dark'"):
        theme.load("drak", tmp_path)
    write(tmp_path, "child", "extends: nowhere\n")
    with pytest.raises(ThemeError, match=r"child/theme.yaml:1: error: unknown theme 'nowhere'"):
        theme.load("child", tmp_path)


def test_missing_font_file_is_an_error(tmp_path):
    write(tmp_path, "nofont", "fonts:\n  body:\n    bold: gone.woff2\n")
    with pytest.raises(ThemeError, match="gone.woff2 is missing"):
        theme.load("nofont", tmp_path)


def test_font_files_that_opened_are_not_opened_again_until_they_change(tmp_path, monkeypatch):
    # With the build's cache folder, a font file Pillow opened before, unchanged since, is
    # taken as it was (a rebuild imports no Pillow for it); a changed one is opened again.
    default = theme.load("default")
    font = tmp_path / "body.woff2"
    font.write_bytes(Path(default.font_file()).read_bytes())
    write(tmp_path, "own", f"fonts:\n  body:\n    regular: {font}\n")
    opened: list[Path] = []
    real = theme._not_a_font
    monkeypatch.setattr(theme, "_not_a_font", lambda p: opened.append(p) or real(p))
    cache = tmp_path / "cache"
    theme.load("own", tmp_path, cache)
    assert font in opened
    opened.clear()
    theme.load("own", tmp_path, cache)
    assert opened == []
    font.write_bytes(b"not a font any more")
    with pytest.raises(ThemeError, match="body.woff2 is not a font the layout can measure"):
        theme.load("own", tmp_path, cache)
    assert opened == [font]
    with pytest.raises(ThemeError):   # a broken font is never recorded as one that opens
        theme.load("own", tmp_path, cache)


def test_fonts_opened_by_another_pillow_are_opened_again(tmp_path, monkeypatch):
    import json

    from deckbuilder import fonts

    cache = tmp_path / "cache"
    theme.load("default", None, cache)
    record = cache / fonts.OPENED
    data = json.loads(record.read_text())
    record.write_text(json.dumps({**data, "pillow": "0.1"}))
    opened: list[Path] = []
    monkeypatch.setattr(theme, "_not_a_font", lambda p: opened.append(p))
    theme.load("default", None, cache)
    assert len(opened) == 4


def test_settings_are_read_only():
    t = theme.load("default")
    with pytest.raises(TypeError):
        t.settings["canvas"]["gap"] = 1  # type: ignore[index]
