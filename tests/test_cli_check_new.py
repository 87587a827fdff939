"""`deckbuilder check` and `deckbuilder new` from the command line: output, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from _seed import seed_vault
from deckbuilder.cli import main

FIVE_MISTAKES = """\
title: Five mistakes
vault: vault
theme: ligth
slides:
  - title
  - select: {tagz: [eval]}
  - select:
      from: 2024-04-31
  - select: {match: "judge(", limit: 3}
  - image: "Pasted image 20240415160930.png"
    caption: fine
  - select: {from: 2024-05-01, to: 2024-04-01}
"""


@pytest.fixture
def seed(shared, tmp_path, monkeypatch) -> Path:
    seed_vault(shared, tmp_path / "vault")
    monkeypatch.chdir(tmp_path)  # so messages read `talk.yaml:LINE`, as typed
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_check_prints_the_summary(seed):
    Path("talk.yaml").write_text("title: T\nvault: vault\nslides:\n  - title\n"
                                 "  - select: {from: 2024-04-15, to: 2024-04-15}\n")
    result = run("check", "talk.yaml")
    assert result.exit_code == 0, result.output
    assert "talk.yaml: 10 slides, 9 of them entries (from 113 in" in result.stdout
    assert result.stderr == ""


def test_check_json(seed):
    Path("talk.yaml").write_text("title: T\nvault: vault\nslides:\n  - title\n"
                                 "  - image: 'Pasted image 20240415160930.png'\n"
                                 "    caption: Override\n")
    result = run("check", "talk.yaml", "--json")
    assert result.exit_code == 0, result.output
    slides = json.loads(result.stdout)
    assert [(s["kind"], s["line"]) for s in slides] == [("title", 4), ("entry", 5)]
    assert slides[1]["entry"]["caption"] == "Override"
    assert set(slides[1]["entry"]) == {"id", "note", "line", "date", "tags", "images", "caption",
                                       "caption_text", "source", "notes"}


def test_five_mistakes_all_reported_and_exit_non_zero(seed):
    Path("talk.yaml").write_text(FIVE_MISTAKES)
    result = run("check", "talk.yaml")
    assert result.exit_code == 1
    assert result.stdout == ""  # nothing but the errors
    lines = result.stderr.splitlines()
    assert [line.split(" error: ")[0] for line in lines] == [
        "talk.yaml:3:", "talk.yaml:6:", "talk.yaml:8:", "talk.yaml:9:", "talk.yaml:12:"]


def test_yaml_syntax_error_has_line_and_column(seed):
    Path("talk.yaml").write_text("title: T\nvault: vault\nslides:\n  - title\n - oops\n")
    result = run("check", "talk.yaml")
    assert result.exit_code == 1
    assert result.stderr.startswith("talk.yaml:5:2: error: YAML syntax: ")


def test_strict_turns_warnings_into_errors(seed):
    Path("talk.yaml").write_text("title: T\nvault: vault\nslides:\n  - select: {tags: [x]}\n")
    relaxed, strict = run("check", "talk.yaml"), run("check", "talk.yaml", "--strict")
    assert relaxed.exit_code == 0
    assert relaxed.stderr == "talk.yaml:4: warning: select matches none of the vault's 113 entries\n"
    assert strict.exit_code == 1 and strict.stdout == ""
    assert strict.stderr == "talk.yaml:4: error: select matches none of the vault's 113 entries\n"


def test_missing_image_fails_check_unless_allowed(seed):
    Path("vault/Pasted image 20240415160930.png").unlink()
    Path("talk.yaml").write_text("title: T\nvault: vault\nslides:\n"
                                 "  - image: 'Pasted image 20240415160930.png'\n")
    failed, allowed = run("check", "talk.yaml"), run("check", "talk.yaml", "--allow-missing")
    assert failed.exit_code == 1
    assert "Screenshots.md:173: error: image not found: Pasted image 20240415160930.png " \
           "(picked on talk.yaml:4)" in failed.stderr
    assert allowed.exit_code == 0 and "Missing or unreadable images: 1" in allowed.stdout


def test_new_then_check_passes_in_date_order(seed):
    result = run("new", "talk.yaml", "--vault", "vault", "--tag", "nothing-has-tags")
    assert result.exit_code == 1 and not Path("talk.yaml").exists()
    result = run("new", "talk.yaml", "--vault", "vault", "--from", "2024-04-10",
                 "--to", "2024-04-18", "--match", "(?i)data|lambert")
    assert result.exit_code == 0, result.output
    assert result.stdout == "wrote talk.yaml; next: deckbuilder check talk.yaml\n"
    checked = run("check", "talk.yaml", "--json")
    assert checked.exit_code == 0, checked.output
    dates = [s["entry"]["date"] for s in json.loads(checked.stdout) if s["kind"] == "entry"]
    assert len(dates) >= 5 and dates == sorted(dates)
    assert all("2024-04-10" <= d < "2024-04-19" for d in dates)


def test_new_refuses_to_overwrite_without_force(seed):
    Path("talk.yaml").write_text("keep me\n")
    refused = run("new", "talk.yaml", "--vault", "vault")
    assert refused.exit_code == 1
    assert refused.stderr == "talk.yaml: error: already exists; nothing written (use --force " \
                             "to overwrite it)\n"
    assert Path("talk.yaml").read_text() == "keep me\n"
    assert run("new", "talk.yaml", "--vault", "vault", "--force").exit_code == 0
    assert "- image:" in Path("talk.yaml").read_text()


@pytest.mark.parametrize("args, fragment", [
    (["--from", "15/04/2024"], "expected YYYY-MM-DD"),
    (["--to", "2024-02-30"], "day is out of range"),
    (["--match", "("], "invalid regular expression"),
])
def test_new_rejects_bad_options_and_writes_nothing(seed, args, fragment):
    result = run("new", "talk.yaml", "--vault", "vault", *args)
    assert result.exit_code == 2 and fragment in result.stderr
    assert not Path("talk.yaml").exists()


@pytest.mark.parametrize("command", ["check", "new"])
def test_help(command):
    result = run(command, "--help")
    assert result.exit_code == 0 and "Usage:" in result.stdout


def test_real_process_exit_code(seed):
    Path("talk.yaml").write_text(FIVE_MISTAKES)
    done = subprocess.run([sys.executable, "-m", "deckbuilder", "check", "talk.yaml"],
                          capture_output=True, text=True)
    assert done.returncode == 1 and done.stderr.count(": error: ") == 5
