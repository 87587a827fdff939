"""The spec's key tables drive validation and the README: the two cannot drift."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from yaml import compose

from deckbuilder import spec
from deckbuilder.spec import schema
from deckbuilder.spec.yamlnodes import Collector

ROOT = Path(__file__).resolve().parent.parent


def _readme_tables():
    loc = importlib.util.spec_from_file_location("readme_tables", ROOT / "scripts" / "readme_tables.py")
    module = importlib.util.module_from_spec(loc)
    loc.loader.exec_module(module)
    return module


def test_the_readme_key_tables_are_the_declared_ones():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert _readme_tables().updated(readme) == readme, (
        "README key tables are stale: run .venv/bin/python scripts/readme_tables.py")


def test_a_changed_declaration_changes_the_readme_table():
    tables = _readme_tables()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    limit = next(k for k in spec.SELECT if k.name == "limit")
    tables.TABLES["select"] = tuple(
        schema.Key("limit", limit.read, "number", "Changed.") if k is limit else k
        for k in spec.SELECT)
    assert "| `limit` | number | — | Changed. |" in tables.updated(readme)


def test_read_applies_defaults_aliases_and_required_keys():
    keys = (schema.Key("name", lambda c, n, k: n.value, "text", "A name.", required="a name"),
            schema.Key("size", lambda c, n, k: int(n.value), "number", "A size.", default=3,
                       aliases=("sz",)))
    c = Collector("x.yaml")
    values, found = schema.read(c, compose("sz: 7\nextra: 1\n"), keys)
    assert values == {"name": None, "size": 7} and set(found) == {"size"}
    assert [str(d) for d in c.diags] == [
        "x.yaml:2: error: unknown key 'extra'; expected one of: name, size",
        "x.yaml:1: error: missing required key 'name' (a name)"]


def test_every_declared_key_has_words_for_the_readme():
    for keys in (spec.TOP, spec.SELECT, spec.IMAGE, *spec.ITEMS.values()):
        for k in keys:
            assert k.type and k.doc.endswith("."), k.name
