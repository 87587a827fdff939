"""The build benchmark's inputs (benchmarks/make_screens.py, bench_build.py) at a tiny N.

Checks that the generated vault, the deckbuilder spec and the pandoc and Marp Markdown
describe the same slides, one per image, and that the images they name exist; and that
the goal table compares what it says it compares. No timing is asserted anywhere.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest
from PIL import Image

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))
import bench_build  # noqa: E402  (scripts beside each other, not a package)
import make_screens  # noqa: E402

from deckbuilder import vault as vault_reader  # noqa: E402

N = 6


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory):
    """A vault of N screenshots with its three inputs, written as bench_build writes them."""
    tmp = tmp_path_factory.mktemp("screens")
    root = tmp / "vault"
    stats, pictures = make_screens.make_screens_vault(root, N, seed=0, pool_dir=tmp, jobs=1)
    inputs = tmp / "inputs"
    inputs.mkdir()
    return {
        "root": root, "stats": stats, "pictures": pictures,
        "spec": make_screens.write_spec(inputs / "talk.yaml", root, N),
        "pandoc": make_screens.write_pandoc_markdown(inputs / "slides-pandoc.md", root, pictures),
        "marp": make_screens.write_marp_markdown(inputs / "slides-marp.md", root, pictures),
    }


def linked_images(markdown: Path) -> list[Path]:
    """Return the files the Markdown's image links point at, resolved from its folder."""
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", markdown.read_text(encoding="utf-8"))
    return [(markdown.parent / unquote(link)).resolve() for link in links]


def test_the_vault_holds_n_distinct_real_images_of_screenshot_sizes(made) -> None:
    files = sorted((made["root"] / "attachments").iterdir())
    assert len(files) == N == made["stats"].images
    assert len({f.read_bytes() for f in files}) == N          # distinct, so nothing dedupes
    for f in files:
        with Image.open(f) as im:
            assert im.format == {".png": "PNG", ".jpg": "JPEG"}[f.suffix]
            assert 800 <= im.width <= 3000 and 600 <= im.height <= 2000


def test_the_vault_reads_as_one_entry_per_image_with_caption_and_source(made) -> None:
    read, problems = vault_reader.read(made["root"], jobs=1)
    assert not problems
    assert [e.caption for e in read.entries] == [p.caption for p in made["pictures"]]
    assert all(e.source and e.source.url for e in read.entries)
    assert [len(e.images) for e in read.entries] == [1] * N


def test_the_drawing_is_deterministic() -> None:
    assert make_screens.draw_picture(0, 3) == make_screens.draw_picture(0, 3)
    assert make_screens.draw_picture(0, 3) != make_screens.draw_picture(1, 3)


def test_pandoc_markdown_has_one_slide_per_image_and_the_images_exist(made) -> None:
    text = made["pandoc"].read_text(encoding="utf-8")
    assert [line[3:] for line in text.splitlines() if line.startswith("## ")] == \
        [p.caption for p in made["pictures"]]
    assert text.count("::: notes") == N
    images = linked_images(made["pandoc"])
    assert [p.name for p in images] == [p.name for p in made["pictures"]]
    assert all(p.is_file() for p in images)


def test_marp_markdown_has_one_slide_per_image_and_the_images_exist(made) -> None:
    text = made["marp"].read_text(encoding="utf-8")
    assert text.startswith("---\nmarp: true\n---\n")
    body = text.split("---\n", 2)[2]
    slides = re.split(r"^---$", body, flags=re.M)
    assert len(slides) == N
    assert all(s.count("![") == 1 and s.count("<!-- From ") == 1 for s in slides)
    images = linked_images(made["marp"])
    assert [p.name for p in images] == [p.name for p in made["pictures"]]
    assert all(p.is_file() for p in images)


def test_the_spec_picks_every_entry_of_the_vault(made) -> None:
    spec = made["spec"].read_text(encoding="utf-8")
    vault = json.loads(re.search(r"^vault: (.*)$", spec, re.M)[1])
    assert (made["spec"].parent / vault).resolve() == made["root"].resolve()
    assert "- select: {order: note}" in spec


def test_the_warm_case_edits_a_copy_never_the_original(made, tmp_path: Path) -> None:
    note = made["root"] / "Screens 001.md"
    before = note.read_text(encoding="utf-8")
    copy = tmp_path / "copy"
    make_screens.copy_for_editing(made["root"], copy)
    make_screens.change_one_caption(copy, made["pictures"], "Changed caption, run 1")
    assert note.read_text(encoding="utf-8") == before
    assert "Changed caption, run 1" in (copy / "Screens 001.md").read_text(encoding="utf-8")
    assert made["pictures"][0].caption not in (copy / "Screens 001.md").read_text(encoding="utf-8")


def test_goals_compare_the_cases_they_name() -> None:
    def result(key: str, wall: float, n: int = 200) -> bench_build.Result:
        return bench_build.Result(n, key, key, "x", runs=[bench_build.Run(wall, wall, 100.0, 100.0, 1)])

    rows = bench_build.goal_rows([result("pptx-cold", 2.0), result("pandoc-pptx", 10.0),
                                  result("zip-floor", 1.0), result("pptx-warm", 4.0)])
    by = {r["goal"]: r for r in rows}
    cold = by["PPTX cold ≤ 1/4 of pandoc → pptx"]
    assert (cold["ratio"], cold["holds"]) == (0.2, True)
    warm = by["PPTX warm ≤ 3× the `zip -0` floor"]
    assert (warm["ratio"], warm["holds"]) == (4.0, False)
    assert by["one-file HTML cold ≤ 1/4 of pandoc `--embed-resources`"]["holds"] is None
    assert by["peak memory of PPTX cold < 300 MiB"]["holds"] is True


def test_the_memory_sampler_sees_a_child_process_tree() -> None:
    # run in a process of its own: the sampler makes its process a subreaper and reaps
    # every exited child, which must not happen inside pytest's process
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import bench_build as b, os\n"
            "b.become_subreaper()\n"
            "child = 'import subprocess,sys; subprocess.run([sys.executable, \"-c\", "
            "\"x = bytearray(80 * 2**20); import time; time.sleep(0.6)\"])'\n"
            "run, done = b.measure([sys.executable, '-c', child], os.getcwd(), dict(os.environ), "
            "0.02, 60)\n"
            "print(run.peak_mib, done.returncode)")
    out = subprocess.run([sys.executable, "-c", code, str(BENCH)], capture_output=True,
                         text=True, check=True).stdout.split()
    assert float(out[0]) >= 80 and out[1] == "0"   # the grandchild's 80 MiB was seen
