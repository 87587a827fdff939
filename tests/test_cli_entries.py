"""`deckbuilder entries`: table, exact JSON, filters, diagnostics and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from deckbuilder.cli import main

from _vaults import vault

P1, P2 = "Pasted image 20240415160930.png", "Pasted image 20240416093012.png"
NOTE = (f"---\ntags: [talk]\n---\n![[{P1}|300]]![[{P2}]]\n([ThomWolf](https://youtu.be/x)) "
        "Heuristics *filter* docs #data/filtering\n- notes\n\n"
        "![[Pasted image 20231224160119.png]\nFrom XKCD; Re: evaluation\n\n"
        "![[undated.png]]\nAn undated one\n")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return vault(tmp_path / "notes", {"AI/Screens.md": NOTE}, (f"attachments/{P1}", "undated.png"))


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["entries", *args])
    return result.exit_code, result.stdout, result.stderr


def test_json_is_exact(root: Path) -> None:
    code, out, err = run(str(root), "--json")
    assert code == 0
    data = json.loads(out)
    assert data[0] == {
        "id": "Pasted image 20240415160930", "note": "AI/Screens.md", "line": 4,
        "date": "2024-04-15T16:09:30", "tags": ["data/filtering", "talk"],
        "images": [{"target": P1, "path": f"attachments/{P1}", "width": 300, "height": None,
                    "alt": None},
                   {"target": P2, "path": None, "width": None, "height": None, "alt": None}],
        "caption": "Heuristics *filter* docs #data/filtering",
        "caption_text": "Heuristics filter docs #data/filtering",
        "source": {"text": "ThomWolf", "url": "https://youtu.be/x"}, "notes": "- notes"}
    assert [(e["id"], e["date"], e["source"]) for e in data[1:]] == [
        ("Pasted image 20231224160119", "2023-12-24T16:01:19", {"text": "XKCD", "url": None}),
        ("undated", None, None)]


def test_diagnostics_name_the_path_as_given(root: Path) -> None:
    _, _, err = run(str(root), "--json")
    shown = root / "AI" / "Screens.md"
    assert err.splitlines() == [
        f"{shown}:4: warning: image not found: '{P2}'",
        f"{shown}:8: warning: broken embed '![[Pasted image 20231224160119.png]' "
        "(no closing ']]'); read as an image",
        f"{shown}:8: warning: image not found: 'Pasted image 20231224160119.png'"]


def test_filters(root: Path) -> None:
    def ids(*args: str) -> list[str]:
        code, out, _ = run(str(root), "--json", *args)
        assert code == 0
        return [e["id"] for e in json.loads(out)]

    assert ids("--tag", "DATA") == ["Pasted image 20240415160930"]
    assert ids("--tag", "data", "--tag", "talk") == [
        "Pasted image 20240415160930", "Pasted image 20231224160119", "undated"]
    assert ids("--from", "2024-04-15", "--to", "2024-04-15") == ["Pasted image 20240415160930"]
    assert ids("--to", "2023-12-24") == ["Pasted image 20231224160119"]
    assert ids("--match", "xkcd|UNDATED") == ["Pasted image 20231224160119", "undated"]
    assert ids("--match", "nothing at all") == []


def test_table(root: Path) -> None:
    code, out, err = run(str(root))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["date", "image", "caption", "tags", "note:line"]
    assert lines[1].startswith("2024-04-15 16:09  Pasted image 20240415160930.png")
    assert lines[1].endswith("AI/Screens.md:4") and "Heuristics filter" in lines[1]
    assert lines[3].startswith("—") and lines[3].endswith("AI/Screens.md:11")
    assert out.endswith("\n")
    assert "3 of 3 entries" in err


def test_table_caption_is_cut_to_the_width(root: Path) -> None:
    result = CliRunner().invoke(main, ["entries", str(root)], env={"COLUMNS": "90"})
    assert all(len(line) <= 90 for line in result.stdout.splitlines())
    assert "…" in result.stdout


def test_unusable_path_and_bad_values(tmp_path: Path, root: Path) -> None:
    code, _, err = run(str(tmp_path / "nope"))
    assert code == 1 and "no such vault folder or note" in err
    (tmp_path / "x.txt").write_text("x")
    code, _, err = run(str(tmp_path / "x.txt"))
    assert code == 1 and "not a vault folder or a Markdown (.md) note" in err
    assert run(str(root), "--from", "2024-13-01")[0] == 2
    assert run(str(root), "--to", "yesterday")[0] == 2
    code, _, err = run(str(root), "--match", "(")
    assert code == 2 and "invalid regular expression" in err


def test_single_note_path(root: Path) -> None:
    code, out, err = run(str(root / "AI" / "Screens.md"), "--json")
    assert code == 0 and len(json.loads(out)) == 3
    assert err.startswith(f"{root / 'AI' / 'Screens.md'}:4: warning")


def test_help() -> None:
    result = CliRunner().invoke(main, ["entries", "--help"])
    assert result.exit_code == 0
    for option in ("--tag", "--from", "--to", "--match", "--json"):
        assert option in result.output


def test_real_subprocess(root: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "deckbuilder", "entries", str(root), "--json"],
                          capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout.decode("utf-8"))
    assert [e["line"] for e in data] == [4, 8, 11]
    assert done.stderr.decode().count("warning:") == 3


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS file names are always UTF-8")
def test_file_name_that_is_not_utf8(tmp_path: Path) -> None:
    root = tmp_path / "v"
    root.mkdir()
    (root / "n\udcff.md").write_text("![[x.png]]\ncap\n")   # the byte 0xFF on disk
    code, out, _ = run(str(root), "--json")
    assert code == 0 and json.loads(out)[0]["note"] == "n\udcff.md"
    assert run(str(root))[0] == 0
