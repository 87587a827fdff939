"""Shared fixtures: the ../shared test data and external tools (skip or fail)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from deckbuilder.outputs import is_ours

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def _missing(reason: str) -> None:
    # CI installs every tool and sets DECKBUILDER_REQUIRE_TOOLS, so there a missing
    # tool is a failure, never a silent skip.
    if os.environ.get("DECKBUILDER_REQUIRE_TOOLS"):
        pytest.fail(f"{reason} (DECKBUILDER_REQUIRE_TOOLS is set)")
    pytest.skip(reason)


def require_tool(*names: str) -> str:
    """Return the path of the first of `names` on PATH, or skip (fail in CI)."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    _missing(f"{' or '.join(names)} not installed")
    raise AssertionError  # unreachable


@pytest.fixture
def shared() -> Path:
    """The ../shared folder with the seed and corpus vaults; skip where it is absent."""
    if not (SHARED / "seed" / "vault").is_dir():
        pytest.skip("../shared (seed and corpus vaults) is not beside this checkout")
    return SHARED


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", default=False,
        help="rewrite the golden files under tests/golden/ from the current output "
             "(and remove stale ones) instead of comparing; review their diff")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """Whether `--update-golden` was given: golden tests rewrite their files, not compare."""
    return bool(request.config.getoption("--update-golden"))


_AUDITED: set[Path] = set()


def ooxml_findings(decks) -> list[str]:
    """Return openxml-audit's findings for the decks deckbuilder wrote among `decks`."""
    from openxml_audit import validate_pptx

    findings = []
    for deck in decks:
        deck = Path(deck)
        if deck in _AUDITED or deck.is_symlink() or not is_ours(deck):  # not a stand-in
            continue
        _AUDITED.add(deck)
        result = validate_pptx(str(deck))
        findings += [f"{deck}: {e}" for e in result.errors] if not result.is_valid else []
    return findings


@pytest.fixture(autouse=True)
def _every_pptx_passes_the_ooxml_validator(request: pytest.FixtureRequest):
    """After each test, audit every .pptx it wrote under its tmp_path with openxml-audit.

    An independent validator catches what PowerPoint would repair or refuse, which
    python-pptx and LibreOffice both open without a word. Decks made by module-scoped
    fixtures are audited at the end of the session (`pytest_sessionfinish`).
    """
    yield
    folder = getattr(request.node, "funcargs", {}).get("tmp_path")
    if folder is None:   # pytest keeps the folder itself after the test; its path is here
        return
    findings = ooxml_findings(sorted(Path(folder).rglob("*.pptx")))
    assert findings == [], "\n".join(findings[:20])


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Audit every deck the session wrote anywhere under pytest's temporary folder."""
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is None:
        return
    try:
        base = factory.getbasetemp()
    except (OSError, ValueError):
        return
    findings = ooxml_findings(sorted(base.rglob("*.pptx")))
    if findings:
        print("\nopenxml-audit findings in decks built by module fixtures:\n"
              + "\n".join(findings[:20]))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
