"""`deckbuilder.heap`: build and export keep the memory malloc frees, and so do their
worker processes, so that one image's buffers reuse the last one's pages."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from PIL import Image

from deckbuilder import heap, workers
from deckbuilder.images import pool

ROOT = Path(__file__).resolve().parent.parent
GLIBC = sys.platform.startswith("linux") and os.confstr("CS_GNU_LIBC_VERSION") is not None

FAULTS = textwrap.dedent("""
    import resource, sys
    from pathlib import Path
    from deckbuilder import heap
    tuned = heap.keep_freed_memory() if sys.argv[1] == "tuned" else False
    from deckbuilder import images, theme
    from deckbuilder.errors import Location
    folder = Path(sys.argv[2])
    sources = {p: [Location("n.md", 1)] for p in sorted(folder.glob("*.png"))}
    look = theme.load("default")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    done, problems = images.normalise(sources, look, "16:9", Path(sys.argv[3]), jobs=1)
    assert not problems and len(done) == len(sources), problems
    print(tuned, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
""")


def job_env(job: int) -> tuple[int, str | None]:
    """A job that says which process did it, and with which malloc setting (slow enough
    that a worker starting while this process works through jobs gets some)."""
    time.sleep(0.02)
    return os.getpid(), os.environ.get("MALLOC_MMAP_THRESHOLD_")


@pytest.mark.skipif(not GLIBC, reason="glibc's malloc only")
def test_normalising_images_faults_in_far_fewer_pages_with_freed_memory_kept(tmp_path):
    for i in range(12):
        rng = random.Random(i)
        w, h = rng.choice([(1920, 1080), (1440, 900), (2560, 1600), (1280, 800)])
        Image.effect_noise((w // 8, h // 8), 40).resize((w, h)).convert("RGB").save(
            tmp_path / f"s{i}.png")
    env = {k: v for k, v in os.environ.items() if k not in heap.ENV}
    faults = {}
    for mode in ("default", "tuned"):
        out = subprocess.run([sys.executable, "-c", FAULTS, mode, str(tmp_path),
                              str(tmp_path / f"cache-{mode}")], cwd=ROOT, env=env,
                             capture_output=True, text=True, check=True).stdout.split()
        assert out[0] == str(mode == "tuned")   # the setting took where it was asked for
        faults[mode] = int(out[1])
    # Measured: 8,079 against 2,474 page faults for these 12 screenshots.
    assert faults["tuned"] < faults["default"] * 0.6, faults


def test_the_users_own_malloc_settings_stand(monkeypatch):
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "131072")
    assert heap.keep_freed_memory() is False
    assert heap.child_env() is None   # a worker inherits the user's setting as it is


def test_worker_processes_start_with_freed_memory_kept(monkeypatch):
    for name in heap.ENV:
        monkeypatch.delenv(name, raising=False)
    assert heap.child_env() == {**os.environ, **heap.ENV}
    done = pool.run(list(range(100)), 1, job_env)
    elsewhere = {setting for pid, setting in done if pid != os.getpid()}
    assert elsewhere == {str(heap.MMAP_FROM)}   # every job a worker did, it did tuned
    assert workers._AHEAD.get(pool.NAME, []) == []
