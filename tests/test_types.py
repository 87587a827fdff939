"""mypy, with the project's configuration ([tool.mypy] in pyproject.toml), finds no error
in the package: types checked in every run of the suite do not drift."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_reports_no_errors() -> None:
    assert importlib.util.find_spec("mypy") is not None, \
        "mypy is not installed: it is in the test extra (pip install -e '.[test]')"
    # The default cache, .mypy_cache (git-ignored), shared with mypy run by hand: a run
    # after a small change checks only what it touched.
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml")],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "Success: no issues found" in result.stdout, \
        f"mypy reports errors (exit {result.returncode}):\n{output}"
