"""spec.load: the talk YAML -> Talk, every error at once with its line."""

from __future__ import annotations

import textwrap
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deckbuilder import spec
from deckbuilder.errors import DeckError, SpecError
from deckbuilder.model import ImagePick, Source

FULL = """\
title: What goes into an LLM's training data
subtitle: Notes from spring 2024
author: Ada Example
event: Example Conf 2026
date: 2026-05-14
vault: notes
notes: ["ML/*.md"]
theme: dark
aspect: "4:3"
slides:
  - title
  - section: Data pipelines
  - select: {from: 2024-04-15, to: 2024-04-15}
  - select: {tags: [eval, "#Judge"], match: "judge|benchmark", order: date, limit: 5}
  - image: "Pasted image 20240415160930.png"
    caption: Heuristic quality filters
  - text: |
      ## Take-aways
      - Deduplicate early
  - credits
  - closing
"""


def write(tmp_path: Path, text: str, name: str = "talk.yaml") -> Path:
    (tmp_path / "notes").mkdir(exist_ok=True)
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def errors_of(path: Path) -> list[str]:
    """Return the error lines of a spec that must fail, as printed."""
    with pytest.raises(SpecError) as info:
        spec.load(path)
    return [str(d) for d in info.value.diagnostics]


def minimal(extra: str = "", slides: str = "  - title\n") -> str:
    return f"title: T\nvault: notes\n{extra}slides:\n{slides}"


# ---------------------------------------------------------------- a valid spec


def test_full_spec_loads_every_field(tmp_path):
    talk, diags = spec.load(write(tmp_path, FULL))
    assert diags == []
    assert (talk.title, talk.subtitle, talk.author, talk.event) == (
        "What goes into an LLM's training data", "Notes from spring 2024", "Ada Example",
        "Example Conf 2026")
    assert talk.date == date(2026, 5, 14)
    assert talk.vault == (tmp_path / "notes").resolve()
    assert talk.notes == ("ML/*.md",)
    assert (talk.theme, talk.aspect) == ("dark", "4:3")
    assert [(s.kind, s.line) for s in talk.slides] == [
        ("title", 11), ("section", 12), ("select", 13), ("select", 14), ("image", 15),
        ("text", 17), ("credits", 20), ("closing", 21)]


def test_slide_params(tmp_path):
    talk, _ = spec.load(write(tmp_path, FULL))
    section, day, evals, image, text = talk.slides[1:6]
    assert section.text == "Data pipelines"
    assert day.select.criteria.date_from == day.select.criteria.date_to == date(2024, 4, 15)
    assert evals.select.criteria.tags == ("eval", "judge")  # '#' dropped, lower case
    assert (evals.select.criteria.match, evals.select.order, evals.select.limit) == (
        "judge|benchmark", "date", 5)
    assert day.select.order == "note" and day.select.limit is None
    assert image.image == ImagePick("Pasted image 20240415160930.png",
                                    caption="Heuristic quality filters")
    assert text.text == "## Take-aways\n- Deduplicate early"


def test_slide_items_are_read_only(tmp_path):
    talk, _ = spec.load(write(tmp_path, FULL))
    with pytest.raises(AttributeError):
        talk.slides[1].text = "changed"  # type: ignore[misc]


def test_defaults(tmp_path):
    talk, _ = spec.load(write(tmp_path, minimal()))
    assert (talk.theme, talk.aspect, talk.subtitle, talk.date, talk.notes) == (
        "default", "16:9", "", None, ())


def test_text_fields_keep_what_was_typed(tmp_path):
    # YAML 1.1 would make these a boolean, a number and a date.
    talk, _ = spec.load(write(tmp_path, "title: yes\nsubtitle: 1.10\nauthor: 2024-01-01\n"
                                        "vault: notes\nslides: [title]\n"))
    assert (talk.title, talk.subtitle, talk.author) == ("yes", "1.10", "2024-01-01")


@pytest.mark.parametrize("written", ["16:9", '"16:9"', "4:3", "'4:3'"])
def test_aspect_quoted_or_not(tmp_path, written):
    # Unquoted 16:9 is the YAML 1.1 integer 969; it must still mean 16:9.
    talk, _ = spec.load(write(tmp_path, minimal(f"aspect: {written}\n")))
    assert talk.aspect == written.strip("'\"")


def test_aliases(tmp_path):
    talk, _ = spec.load(write(tmp_path, minimal(
        "speaker: Ada\naspect_ratio: 4:3\n", "  - select: {tag: ML, sort: reverse-date}\n")))
    assert talk.author == "Ada" and talk.aspect == "4:3"
    assert talk.slides[0].select.criteria.tags == ("ml",)
    assert talk.slides[0].select.order == "reverse-date"


def test_vault_is_relative_to_the_spec_file_not_the_cwd(tmp_path, monkeypatch):
    (tmp_path / "talks").mkdir()
    path = write(tmp_path, "title: T\nvault: ../notes\nslides: [title]\n", "talks/t.yaml")
    monkeypatch.chdir("/")
    talk, _ = spec.load(path)
    assert talk.vault == (tmp_path / "notes").resolve()


def test_vault_may_be_a_single_note(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.md").write_text("x")
    talk, _ = spec.load(write(tmp_path, "title: T\nvault: notes/a.md\nslides: [title]\n"))
    assert talk.vault.name == "a.md"


def test_date_time_values(tmp_path):
    talk, _ = spec.load(write(tmp_path, minimal(slides=(
        "  - select: {from: 2024-04-15T16:00, to: '2024-04-15 16:30:10'}\n"))))
    p = talk.slides[0].select.criteria
    assert p.date_from == datetime(2024, 4, 15, 16, 0)
    assert p.date_to == datetime(2024, 4, 15, 16, 30, 10)


def test_from_and_to_on_the_same_day_are_fine(tmp_path):
    talk, _ = spec.load(write(tmp_path, minimal(slides=(
        "  - select: {from: 2024-04-15T12:00, to: 2024-04-15}\n"))))
    assert talk.slides[0].select.criteria.date_to == date(2024, 4, 15)


def test_image_overrides(tmp_path):
    talk, _ = spec.load(write(tmp_path, minimal(slides="""\
  - image: a.png
    caption: "*New* caption"
    notes: Say this
    source: {text: Thom Wolf, url: "https://example.com/t"}
    repeat: yes
  - image: b
    source: Somebody
""")))
    a, b = talk.slides
    assert a.image == ImagePick("a.png", "*New* caption", "Say this",
                                Source("Thom Wolf", "https://example.com/t"),
                                source_given=True, repeat=True)
    assert b.image.source == Source("Somebody") and a.repeat and not b.repeat


def test_a_theme_in_the_specs_own_themes_folder(tmp_path):
    (tmp_path / "themes" / "mine").mkdir(parents=True)
    (tmp_path / "themes" / "mine" / "theme.yaml").write_text("extends: default\n")
    talk, _ = spec.load(write(tmp_path, minimal("theme: mine\n")))
    assert talk.theme == "mine"


def test_no_slides_is_a_warning(tmp_path):
    talk, diags = spec.load(write(tmp_path, "title: T\nvault: notes\n"))
    assert talk.slides == ()
    assert [str(d) for d in diags] == [
        f"{tmp_path / 'talk.yaml'}:1: warning: no 'slides': the deck will be empty"]


# ---------------------------------------------------------------- each error rule


@pytest.mark.parametrize("text, line, column, fragment", [
    ("title: T\nvault: notes\nslides:\n  - title\n - oops\n", 5, 2, "YAML syntax"),
    ("title: [unclosed\nvault: notes\n", 2, 6, "flow sequence on line 1"),
    ("title: 'T\n", 2, 1, "YAML syntax"),
    ("a: *nowhere\n", 1, 4, "undefined alias"),
])
def test_yaml_syntax_errors_have_line_and_column(tmp_path, text, line, column, fragment):
    path = write(tmp_path, text)
    [message] = errors_of(path)
    assert message.startswith(f"{path}:{line}:{column}: error: ") and fragment in message


@pytest.mark.parametrize("text, expected", [
    (minimal("titel: X\n"), ":3: error: unknown key 'titel' (did you mean 'title'?)"),
    (minimal("colour: red\n"), ":3: error: unknown key 'colour'; expected one of: title,"),
    (minimal(slides="  - select: {tagz: [a]}\n"),
     ":4: error: unknown key 'tagz' (did you mean 'tags'?)"),
    (minimal(slides="  - image: a.png\n    captoin: x\n"),
     ":5: error: unknown key 'captoin' (did you mean 'caption'?)"),
    (minimal(slides="  - image: a.png\n    source: {txt: x}\n"),
     ":5: error: unknown key 'txt' (did you mean 'text'?)"),
    (minimal(slides="  - titel\n"), ":4: error: unknown slide kind 'titel' (did you mean 'title'?)"),
    (minimal(slides="  - sektion: A\n"), "this one has none (did you mean 'section'?)"),
])
def test_unknown_keys_with_did_you_mean(tmp_path, text, expected):
    [message] = errors_of(write(tmp_path, text))
    assert expected in message


def test_duplicate_key(tmp_path):
    [message] = errors_of(write(tmp_path, "title: A\nvault: notes\ntitle: B\nslides: [title]\n"))
    assert ":3: error: duplicate key 'title' (first on line 1)" in message


def test_alias_and_its_key_together_are_a_duplicate(tmp_path):
    [message] = errors_of(write(tmp_path, minimal(slides="  - select: {tags: [a], tag: b}\n")))
    assert "duplicate key 'tag'" in message


@pytest.mark.parametrize("text, expected", [
    ("title: [a, b]\nvault: notes\n", ":1: error: 'title' must be text, not a list"),
    (minimal().replace("slides:\n  - title\n", "slides: title\n"),
     ":3: error: 'slides' must be a list"),
    (minimal(slides="  - select: {tags: {a: 1}}\n"), "'tags' must be a list of texts, not a mapping"),
    (minimal(slides="  - select: {tags: [[a]]}\n"), "each item of 'tags' must be text, not a list"),
    (minimal(slides="  - select: {limit: five}\n"), "'limit' must be a whole number of at least 1, not 'five'"),
    (minimal(slides="  - select: {limit: 0}\n"), "'limit' must be a whole number of at least 1"),
    (minimal(slides="  - select: {order: newest}\n"), "'order' must be one of note, date, reverse-date"),
    (minimal(slides="  - select: {repeat: 1}\n"), "unknown key 'repeat'"),
    (minimal(slides="  - select: [a]\n"), "'select' takes a mapping"),
    (minimal(slides="  - select: {}\n    repeat: maybe\n"), ":5: error: 'repeat' must be true or false, not 'maybe'"),
    (minimal(slides="  - section\n"), ":4: error: 'section' needs a value"),
    (minimal(slides="  - title: Other\n"), ":4: error: 'title' takes no value: write '- title'"),
    (minimal(slides="  - credits: {}\n"), ":4: error: 'credits' takes no value"),
    (minimal(slides="  - section: A\n    text: B\n"), "this one has section and text"),
    (minimal(slides="  - [a]\n"), "a slide item is a name (title, credits, closing) or a mapping"),
    (minimal(slides="  - image: ''\n"), "'image' is empty"),
    (minimal(slides="  - image: a.png\n    source: [x]\n"), "'source' is text, or a mapping"),
    ("- title\n", ":1: error: a talk spec is a YAML mapping"),
    ("", ":1: error: the talk spec is empty"),
    ("vault: notes\n", ":1: error: missing required key 'title'"),
    ("title: ''\nvault: notes\n", ":1: error: 'title' is empty"),
])
def test_wrong_types_and_shapes(tmp_path, text, expected):
    messages = errors_of(write(tmp_path, text))
    assert any(expected in m for m in messages), messages


@pytest.mark.parametrize("value, fragment", [
    ("2024-13-01", "month must be in 1..12"),
    ("2024-02-30", "day is out of range"),
    ("next week", "expected YYYY-MM-DD"),
    ("'2024-04-15T25:00'", "hour must be in 0..23"),
    ("2024-04-15T10:00:00+02:00", "expected YYYY-MM-DD"),  # no time zones: entries are local
    ("", "must be a date (YYYY-MM-DD), not empty"),
    ("[2024-01-01]", "must be a date (YYYY-MM-DD), not a list"),
])
def test_bad_dates(tmp_path, value, fragment):
    [message] = errors_of(write(tmp_path, minimal(slides=f"  - select:\n      from: {value}\n")))
    assert ":5: error: " in message and fragment in message


def test_bad_talk_date(tmp_path):
    [message] = errors_of(write(tmp_path, minimal("date: 14 May 2026\n")))
    assert ":3: error: bad date for 'date'" in message


def test_from_after_to(tmp_path):
    [message] = errors_of(write(tmp_path, minimal(
        slides="  - select:\n      to: 2024-04-01\n      from: 2024-04-02\n")))
    assert ":6: error: 'from' (2024-04-02) is after 'to' (2024-04-01)" in message


def test_invalid_regex(tmp_path):
    [message] = errors_of(write(tmp_path, minimal(slides="  - select: {match: 'judge(|x'}\n")))
    assert ":4: error: invalid regular expression 'judge(|x' in 'match': missing )" in message


def test_unknown_theme_lists_the_available_ones(tmp_path):
    [message] = errors_of(write(tmp_path, minimal("theme: drak\n")))
    assert ":3: error: unknown theme 'drak' (did you mean 'dark'?); available: " in message
    assert "default" in message


def test_vault_that_is_not_there(tmp_path):
    path = write(tmp_path, "title: T\nvault: ../elsewhere\nslides: [title]\n")
    [message] = errors_of(path)
    assert message.startswith(f"{path}:2: error: vault '../elsewhere' does not exist")


def test_vault_file_that_is_not_a_note(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    [message] = errors_of(write(tmp_path, "title: T\nvault: notes.txt\nslides: [title]\n"))
    assert ":2: error: vault 'notes.txt' is a file but not a note" in message


def test_missing_vault_key(tmp_path):
    [message] = errors_of(write(tmp_path, "title: T\nslides: [title]\n"))
    assert ":1: error: missing required key 'vault'" in message


@pytest.mark.parametrize("value", ['"3:2"', "16:10", "wide"])
def test_bad_aspect(tmp_path, value):
    [message] = errors_of(write(tmp_path, minimal(f"aspect: {value}\n")))
    assert ":3: error: 'aspect' must be \"16:9\" or \"4:3\"" in message


def test_not_utf8(tmp_path):
    path = tmp_path / "talk.yaml"
    path.write_bytes(b"title: T\nvault: \xff\n")
    [message] = errors_of(path)
    assert ":2: error: not UTF-8 text" in message


def test_missing_spec_file(tmp_path):
    with pytest.raises(SpecError, match=r"nope.yaml: error: cannot read: No such file"):
        spec.load(tmp_path / "nope.yaml")


FIVE_MISTAKES = """\
title: Five mistakes
vault: notes
theme: ligth
slides:
  - title
  - select: {tagz: [eval]}
  - select:
      from: 2024-04-31
  - select: {match: "judge(", limit: 3}
  - image: a.png
    caption: ok
  - select: {from: 2024-05-01, to: 2024-04-01}
"""


def test_five_mistakes_reported_at_once_with_their_lines(tmp_path):
    path = write(tmp_path, FIVE_MISTAKES)
    messages = errors_of(path)
    assert [m.split(": error: ")[0] for m in messages] == [
        f"{path}:{n}" for n in (3, 6, 8, 9, 12)]
    assert "unknown theme 'ligth'" in messages[0]
    assert "unknown key 'tagz' (did you mean 'tags'?)" in messages[1]
    assert "day is out of range" in messages[2]
    assert "invalid regular expression" in messages[3]
    assert "is after 'to'" in messages[4]


# ---------------------------------------------------------------- never crashes


@settings(max_examples=500, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(list("abc:-[]{}#&*!|>'\"%@`,? \n\t0123456789.")),
               max_size=200))
def test_random_yaml_text_raises_only_deck_error(tmp_path, text):
    _load_or_deck_error(tmp_path, text)


@settings(max_examples=500, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=120))
def test_random_unicode_raises_only_deck_error(tmp_path, text):
    _load_or_deck_error(tmp_path, text)


KEYS = [k.name for k in spec.TOP + spec.SELECT] + ["select", "image", "section", "text",
                                                 "caption", "source", "repeat", "url"]
SCALARS = (st.none() | st.booleans() | st.integers(-5, 99) | st.dates()
           | st.sampled_from(["notes", "title", "credits", "16:9", "(", "note", "date", ""])
           | st.text(max_size=8))
VALUES = st.recursive(SCALARS, lambda kids: st.lists(kids, max_size=4)
                      | st.dictionaries(st.sampled_from(KEYS), kids, max_size=4), max_leaves=20)


@settings(max_examples=500, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=8))
def test_random_spec_shaped_yaml_raises_only_deck_error(tmp_path, data):
    _load_or_deck_error(tmp_path, yaml.safe_dump(data, allow_unicode=True))


def _load_or_deck_error(tmp_path: Path, text: str) -> None:
    (tmp_path / "notes").mkdir(exist_ok=True)
    path = tmp_path / "talk.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        talk, diags = spec.load(path)
    except DeckError as e:
        assert e.diagnostics and all(d.location for d in e.diagnostics)
    else:
        assert talk.title and not any(d.is_error for d in diags)
