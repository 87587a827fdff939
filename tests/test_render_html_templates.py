"""render.html_templates: compiled theme templates kept in the cache give the same deck,
are compiled again when a template changes, and are never read from a shared folder."""

from __future__ import annotations

import os
from pathlib import Path

import jinja2
import pytest

from deckbuilder import theme as themes
from deckbuilder.errors import BuildError
from deckbuilder.render import html
from test_render_html import fake_vendor, local_theme, sample_deck  # noqa: F401 - a fixture

NAMES = ("deck.css.j2", "deck.html.j2", "slide.html.j2", "items.html.j2")


def _compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Return the list that each template compiled from source is appended to."""
    compiled: list[str] = []
    real = jinja2.Environment.compile

    def spy(self, source, name=None, filename=None, *args, **kwargs):
        compiled.append(name)
        return real(self, source, name, filename, *args, **kwargs)
    monkeypatch.setattr(jinja2.Environment, "compile", spy)
    return compiled


def test_a_second_build_takes_the_compiled_templates_from_the_cache(
        tmp_path, fake_vendor, monkeypatch):
    deck, theme = sample_deck(tmp_path), themes.load("default")
    compiled = _compiles(monkeypatch)
    plain = html.write(deck, tmp_path / "plain", "t", theme, single_file=True).read_bytes()
    first = html.write(deck, tmp_path / "a", "t", theme, single_file=True,
                       cache=tmp_path / "cache").read_bytes()
    assert sorted(compiled) == sorted(NAMES * 2)
    compiled.clear()
    again = html.write(deck, tmp_path / "b", "t", theme, single_file=True,
                       cache=tmp_path / "cache").read_bytes()
    assert compiled == []
    assert again == first == plain


def test_an_edited_template_is_compiled_again(tmp_path, fake_vendor, monkeypatch):
    deck, spec_dir = sample_deck(tmp_path), tmp_path / "talk"
    mine = local_theme(spec_dir, "mine", {"deck.html.j2": '{% extends "!default/deck.html.j2" %}'
                                          "{% block title %}one{% endblock %}"})
    html.write(deck, tmp_path / "a", "t", mine, cache=tmp_path / "cache")
    template = spec_dir / "themes" / "mine" / "templates" / "deck.html.j2"
    template.write_text(template.read_text().replace("one", "two"))
    compiled = _compiles(monkeypatch)
    page = html.write(deck, tmp_path / "b", "t", mine, cache=tmp_path / "cache").read_text()
    assert "<title>two</title>" in page and compiled == ["deck.html.j2"]


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX owners and modes")
def test_compiled_code_is_not_read_from_a_folder_others_can_write(
        tmp_path, fake_vendor, monkeypatch):
    # Compiled templates are Python the build runs: in a shared cache anyone could have
    # put code there, so they are compiled from source instead (and the deck is the same).
    deck, theme = sample_deck(tmp_path), themes.load("default")
    first = html.write(deck, tmp_path / "a", "t", theme, cache=tmp_path / "cache").read_bytes()
    folder, = (tmp_path / "cache" / "templates").iterdir()
    folder.chmod(0o777)
    compiled = _compiles(monkeypatch)
    again = html.write(deck, tmp_path / "b", "t", theme, cache=tmp_path / "cache").read_bytes()
    assert sorted(compiled) == sorted(NAMES) and again == first
    folder.chmod(0o700)
    one = folder / sorted(os.listdir(folder))[0]
    one.chmod(0o666)
    compiled.clear()
    html.write(deck, tmp_path / "c", "t", theme, cache=tmp_path / "cache")
    assert len(compiled) == 1


def test_a_cache_that_cannot_be_written_only_costs_time(tmp_path, fake_vendor):
    deck, theme = sample_deck(tmp_path), themes.load("default")
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    page = html.write(deck, tmp_path / "a", "t", theme, cache=blocked).read_bytes()
    assert page == html.write(deck, tmp_path / "b", "t", theme).read_bytes()


def test_the_records_quick_attribute_path_says_what_jinja2s_sandbox_says(tmp_path):
    from jinja2.sandbox import SandboxedEnvironment

    from deckbuilder.render.html_templates import Sandbox

    deck = sample_deck(tmp_path)
    ours, theirs = Sandbox(), SandboxedEnvironment()
    records = [deck, *deck.slides, *(i for s in deck.slides for i in s.items)]
    for record in records:
        for name in [*vars(type(record)), *getattr(record, "__dataclass_fields__", {}), "nosuch"]:
            mine, real = ours.getattr(record, name), theirs.getattr(record, name)
            assert type(mine) is type(real) and (
                mine is real or mine == real or isinstance(mine, jinja2.Undefined)), name
    with pytest.raises(BuildError, match="themes may not do"):
        ours.from_string("{{ it.__class__.__init__.__globals__ }}").render(it=records[-1])


def test_a_slide_includes_its_template_without_looking_at_the_disk_again(
        tmp_path, fake_vendor, monkeypatch):
    # An environment lives for one render: its templates are loaded once, not checked for
    # changes each time one of the deck's slides includes slide.html.j2.
    import jinja2.loaders

    deck, theme = sample_deck(tmp_path), themes.load("default")
    looked: list[str] = []
    real = os.path.getmtime
    monkeypatch.setattr(jinja2.loaders.os.path, "getmtime",
                        lambda p: looked.append(str(p)) or real(p))
    html.write(deck, tmp_path / "a", "t", theme)
    assert len(deck.slides) > 1 and len(looked) <= len(NAMES)


def test_macros_and_helpers_called_directly_draw_the_same_deck(tmp_path, fake_vendor,
                                                                 monkeypatch):
    # The sandbox calls the templates' macros and html's own helpers (box_css, ...)
    # without jinja2's checks on every call: the page is what the checked calls give.
    from jinja2.sandbox import SandboxedEnvironment

    from deckbuilder.render.html_templates import Sandbox

    deck, theme = sample_deck(tmp_path), themes.load("default")
    quick = html.write(deck, tmp_path / "a", "t", theme, single_file=True).read_bytes()
    monkeypatch.setattr(Sandbox, "call", SandboxedEnvironment.call)
    checked = html.write(deck, tmp_path / "b", "t", theme, single_file=True).read_bytes()
    assert quick == checked


def test_any_other_callable_is_still_checked_by_the_sandbox():
    from jinja2.sandbox import unsafe

    from deckbuilder.render.html_templates import Sandbox

    @unsafe
    def wipe() -> str:
        return "wiped"
    with pytest.raises(BuildError, match="not safely callable"):
        Sandbox().from_string("{{ wipe() }}").render(wipe=wipe)
    macro = "{% macro m(x) %}[{{ x }}]{% endmacro %}{% for i in [1, 2] %}{{ m(i) }}{% endfor %}"
    assert Sandbox().from_string(macro).render() == "[1][2]"
