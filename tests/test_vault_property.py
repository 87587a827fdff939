"""Random Markdown never makes the reader raise anything but the project's own error."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deckbuilder.errors import DeckError
from deckbuilder.model import Entry
from deckbuilder.vault import read
from deckbuilder.vault.entries import read_note
from deckbuilder.vault.index import build

FRAGMENTS = [
    "![[", "]]", "]", "[[", "![", "](", ")", "(", "|", "\\|", "#", "#tag", "#a/b", "# ", "%%",
    "$$", "$", "`", "```", "~~~", "    ", "\t", ">", "> [!note]", "- ", "1. ", "---", "...",
    "\n", "\r\n", "\r", " ", "x.png", "Pasted image 20240415155715.png", "|300", "|300x200",
    "|alt|", "https://", "http://x.io/a.png", "From ", "(From ", "Source: ", "Via ", "; ", ": ",
    "Above:", "==", "*", "_", "^id", "tags: [a, b]", "tag: x", "created: 2024-02-30",
    "date: 2024-01-02", "date: [", ": :", "{", "}", "&", "<", ">", "%20", "../", "./", "/",
    "\u202f", "\ufeff", "\u0000", "\u2028", "\ud7ff", "🙂", "é", "e\u0301", "日本", "\x85",
]
markdown = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=60) \
    .map("".join)
with_front_matter = st.tuples(st.booleans(), markdown, markdown).map(
    lambda t: f"---\n{t[1]}\n---\n{t[2]}" if t[0] else t[1] + t[2])

FILES = ("x.png", "Pasted image 20240415155715.png", "a/b/Note.md", "Other.md", "sub/y.PNG")


def _index(tmp: Path):  # type: ignore[no-untyped-def]
    for name in FILES:
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_bytes(b"")
    return build(tmp)[0]


INDEX_DIR = Path(tempfile.mkdtemp(prefix="deckbuilder-prop-"))
INDEX = _index(INDEX_DIR)


def _check(entries: list[Entry], text: str) -> None:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    for e in entries:
        assert 1 <= e.line <= lines and e.images
        assert e.tags == tuple(sorted(set(e.tags))) and all(t == t.lower() for t in e.tags)
        e.to_json()


@settings(max_examples=600, deadline=None)
@given(with_front_matter)
def test_read_note_never_raises(text: str) -> None:
    try:
        entries, _ = read_note("a/n.md", text, INDEX)
    except DeckError:
        return
    _check(entries, text)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(with_front_matter.map(lambda t: t.encode("utf-8", "surrogatepass")),
                 st.binary(max_size=200)))
def test_read_vault_never_raises(data: bytes) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="deckbuilder-prop-"))
    try:
        (tmp / "n.md").write_bytes(data)
        try:
            v, diags = read(tmp)
        except DeckError:
            return
        assert all(str(d) for d in diags)
        for e in v.entries:
            e.to_json()
    finally:
        shutil.rmtree(tmp)


def teardown_module() -> None:
    shutil.rmtree(INDEX_DIR, ignore_errors=True)
