"""`deckbuilder themes`: the themes a talk can use, and one theme's merged settings."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from deckbuilder.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_lists_the_built_in_themes_with_descriptions() -> None:
    result = run("themes")
    assert result.exit_code == 0, result.output
    assert "default " in result.output and "dark " in result.output
    assert "(extends default)" in result.output


def test_a_talks_own_theme_is_listed_and_a_broken_one_shows_its_error(tmp_path: Path) -> None:
    mine = tmp_path / "themes" / "mine"
    mine.mkdir(parents=True)
    (mine / "theme.yaml").write_text("extends: dark\ndescription: Mine\ncolors:\n  accent: '#C2410C'\n")
    broken = tmp_path / "themes" / "broken"
    broken.mkdir()
    (broken / "theme.yaml").write_text("colours:\n  accent: red\n")
    (tmp_path / "talk.yaml").write_text("title: T\nvault: .\n")
    result = run("themes", str(tmp_path / "talk.yaml"))
    assert result.exit_code == 0, result.output
    assert "Mine (extends dark < default)" in result.output
    assert str(mine) in result.output
    assert "theme.yaml:1: error: unknown theme key 'colours' (did you mean 'colors'?)" in result.output


def test_show_prints_the_merged_settings_as_yaml(tmp_path: Path) -> None:
    result = run("themes", "--show", "dark")
    assert result.exit_code == 0, result.output
    settings = yaml.safe_load(result.output)
    assert settings["colors"]["background"] == "#15181D"   # from dark
    assert settings["canvas"]["margin"]["left"] == 72       # inherited from default
    assert run("themes", "--show", "nope").exit_code == 1
