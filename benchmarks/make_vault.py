"""Generate a synthetic Obsidian vault of screenshot notes for benchmarks.

N notes in nested folders, 5 image embeds per note on average, written the way the real
notes are (../shared/seed/vault/Screenshots.md): pasted-image embeds with sizes, two-image
lines, captions, source lines of every form, list notes, inline and front-matter tags,
code blocks and math that hide embed-like text, non-image embeds, a few broken embeds and
missing or remote images. Deterministic for a given seed.

Image files: by default every embedded image that is not meant to be missing exists, as a
hard link to one small PNG (so resolution hits real, Pillow-readable files at almost no
disk cost); `--images subset` creates only every 20th; `--images none` creates none.
`--images real` makes every one a distinct screenshot of a realistic size (800×600 to
3000×2000 px, about 0.37 MB on average; one in four a JPEG, named `.jpg`), for build
benchmarks: slower to generate and about 1,000 times the disk.

Usage: python benchmarks/make_vault.py OUT --notes 1000 [--seed 0] [--images all]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import shutil
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

TOPICS = ["tokenizers", "pretraining data", "deduplication", "evaluation", "RLHF", "agents",
          "retrieval", "long context", "quantization", "distillation", "safety", "vision",
          "speech", "scaling laws", "benchmarks", "fine-tuning", "inference", "embeddings"]
TAGS = ["llm", "eval", "data", "data/dedup", "data/filtering", "rag", "safety", "vision",
        "paper", "talk", "todo", "eval/judge", "infra/gpu", "meme", "history"]
SITES = ["YouTube", "Twitter", "Discord", "the paper", "HN", "a blog post", "Lecture 7",
         "the reading group", "Example Conf", "a podcast"]
NAMES = ["Ada Example", "Mara Lindqvist", "Rosa Quill", "Jon Sample", "Kai Placeholder"]
WORDS = ("model data token loss layer attention training benchmark judge filter prompt "
         "context embedding gradient batch corpus label score metric baseline ablation "
         "scale compute memory latency dataset evaluation reward policy sample").split()


@dataclass
class Stats:
    """What a generated vault holds, for the benchmark table and sanity checks."""

    notes: int = 0
    image_embeds: int = 0
    image_lines: int = 0
    missing: int = 0
    remote: int = 0
    broken: int = 0
    files: int = 0
    bytes: int = 0
    params: dict[str, object] = field(default_factory=dict)


@dataclass
class Gen:
    """The generator's state: a seeded RNG, the paste clock and the running stats."""

    rng: random.Random
    clock: datetime
    missing_rate: float
    stats: Stats
    real: bool = False                                # real images: some are JPEGs
    images: list[str] = field(default_factory=list)   # vault-relative paths to create

    def words(self, lo: int, hi: int) -> str:
        """Return a lower-case phrase of lo..hi random words."""
        return " ".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(lo, hi)))

    def sentence(self) -> str:
        """Return a caption-like sentence, sometimes with inline Markdown."""
        s = self.words(4, 14).capitalize()
        r = self.rng.random()
        if r < 0.08:
            s += f" ==key {self.rng.choice(WORDS)}=="
        elif r < 0.15:
            s += f" (see [[{self.rng.choice(TOPICS).title()}|{self.rng.choice(WORDS)}]])"
        elif r < 0.2:
            s += f" **{self.rng.choice(WORDS)}**"
        return s + self.rng.choice([".", "", "!", "?"])

    def image_name(self, folder: str) -> str:
        """Return a new, unique image file name in one of the paste conventions."""
        self.clock += timedelta(seconds=self.rng.randint(20, 7200))
        t, r = self.clock, self.rng.random()
        if r < 0.85:
            name = f"Pasted image {t:%Y%m%d%H%M%S}.png"
        elif r < 0.92:
            hour = t.hour % 12 or 12
            name = f"Screenshot {t:%Y-%m-%d} at {hour}.{t:%M.%S} {'PM' if t.hour >= 12 else 'AM'}.png"
        elif r < 0.97:
            name = f"CleanShot {t:%Y-%m-%d at %H.%M.%S}@2x.png"
        else:
            name = f"diagram-{len(self.images) + self.stats.missing:06d}.png"  # no date
        if self.real and _shade(name) % 4 == 0:   # by name: the random stream is unchanged
            name = name.removesuffix(".png") + ".jpg"
        if self.rng.random() >= self.missing_rate:
            self.images.append(f"{folder}/{name}" if folder else name)
        else:
            self.stats.missing += 1
        return name

    def source_line(self) -> str:
        """Return a source line in one of the forms the reader recognises."""
        url = f"https://example.org/{self.rng.choice(WORDS)}/{self.rng.randrange(10**9)}"
        site, rest = self.rng.choice(SITES), self.sentence()
        return self.rng.choice([
            f"(From {site}: {url})", f"From: {url}", f"From {site}; {rest}",
            f"([{self.rng.choice(NAMES)}]({url})) {rest}", url, f"({url})",
            f"Source: {site}", f"Via {site} {url}", f"From {self.rng.choice(NAMES)} on {site}",
        ])

    def embed_line(self, count: int, folder: str) -> str:
        """Return a line embedding `count` images, in a random embed style."""
        parts = []
        for _ in range(count):
            name, r = self.image_name(folder), self.rng.random()
            if r < 0.65:
                parts.append(f"![[{name}|{self.rng.choice([250, 300, 300, 400, 450])}]]")
            elif r < 0.85:
                parts.append(f"![[{name}]]")
            elif r < 0.92:
                parts.append(f"![[{name}|{self.rng.choice([200, 400])}|300]]")
            else:
                parts.append(f"![{self.words(1, 3)}]({name.replace(' ', '%20')})")
            self.stats.image_embeds += 1
        self.stats.image_lines += 1
        return ("- " if self.rng.random() < 0.05 else "") + "".join(parts)

    def entry(self, count: int, folder: str) -> list[str]:
        """Return the lines of one entry: embed line, source, caption, notes, tags."""
        lines = [self.embed_line(count, folder)]
        if self.rng.random() < 0.7:
            lines.append(self.source_line())
        if self.rng.random() < 0.8:
            lines.append(("Above: " if self.rng.random() < 0.15 else "") + self.sentence())
        if self.rng.random() < 0.2:
            for _ in range(self.rng.randint(2, 6)):
                indent = "\t" if self.rng.random() < 0.3 else ""
                lines.append(f"{indent}- {self.sentence()}")
        if self.rng.random() < 0.3:
            tags = " ".join("#" + self.rng.choice(TAGS) for _ in range(self.rng.randint(1, 3)))
            lines.append(f"{self.sentence()} {tags}")
        return lines

    def interlude(self) -> list[str]:
        """Return text between entries: prose, headings, code, math, comments, other embeds."""
        r = self.rng.random()
        if r < 0.25:
            return [f"## {self.words(2, 5).title()}"]
        if r < 0.45:
            return [f"{self.sentence()} {self.sentence()}"]
        if r < 0.55:
            return ["```python", f"# not a tag: #{self.rng.choice(TAGS)}",
                    "text = '![[not an image.png]]'", "```"]
        if r < 0.6:
            return ["$$", r"\mathcal{L} = -\sum_t \log p(x_t \mid x_{<t}) \#notatag", "$$"]
        if r < 0.65:
            return [f"%% todo: find the original ![[{self.rng.choice(TOPICS)}.png]] %%"]
        if r < 0.75:
            return [f"![[{self.rng.choice(TOPICS).title()}#{self.words(1, 2).title()}]]"]
        if r < 0.755:
            self.stats.remote += 1
            return [f"![chart](https://example.com/img/{self.rng.randrange(10**6)}.png)"]
        if r < 0.758:
            self.stats.broken += 1
            return [f"![[{self.image_name('attachments')}]"]
        return []

    def front_matter(self, day: datetime) -> list[str]:
        """Return a front-matter block in one of the common shapes (or none)."""
        r, tags = self.rng.random(), self.rng.sample(TAGS, self.rng.randint(1, 3))
        if r < 0.35:
            return ["---", f"tags: [{', '.join(tags)}]", f"created: {day:%Y-%m-%d}", "---"]
        if r < 0.55:
            return ["---", "tags:", *[f"  - {t}" for t in tags], f"date: {day:%Y-%m-%dT%H:%M}",
                    f"aliases: [{self.words(2, 3)}]", "---"]
        if r < 0.7:
            return ["---", f"tags: {' '.join(tags)}", "status: draft", "---"]
        if r < 0.701:
            return ["---", "tags: [unclosed", "---"]   # bad YAML: a warning, note still read
        return []

    def note(self, folder: str) -> str:
        """Return the text of one note with 0..10 image embeds (5 on average)."""
        lines = self.front_matter(self.clock)
        lines += [f"# {self.rng.choice(TOPICS).title()} {self.words(1, 3)}", ""]
        if self.rng.random() < 0.3:
            lines += [f"{self.sentence()} #{self.rng.choice(TAGS)}", ""]
        left = self.rng.randint(0, 10)
        while left:
            count = 2 if left >= 2 and self.rng.random() < 0.1 else 1
            lines += self.entry(count, folder if self.rng.random() < 0.2 else "attachments")
            left -= count
            if self.rng.random() < 0.7:
                lines.append("")
            extra = self.interlude()
            lines += [*extra, ""] if extra else []
        return "\n".join(lines) + "\n"


def note_paths(n: int, rng: random.Random) -> list[str]:
    """Return n unique vault-relative note paths spread over nested topic folders."""
    paths = []
    for i in range(n):
        topic = rng.choice(TOPICS).title()
        folder = rng.choice([topic, f"{topic}/{2020 + i % 5}", "Inbox", ""])
        paths.append(f"{folder}/{topic} {i:05d}.md" if folder else f"{topic} {i:05d}.md")
    return paths


def tiny_png() -> bytes:
    """Return a small valid PNG that every present image links to."""
    from PIL import Image   # only needed when images are created
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), "#2f6fde").save(buf, "PNG")
    return buf.getvalue()


def _shade(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")


def screenshot(rel: str) -> bytes:
    """Return a distinct screenshot-like image for `rel`: flat panels, lines of "text"
    and a photo-like patch, 800×600 to 3000×2000 px; a JPEG when `rel` ends in .jpg."""
    from PIL import Image, ImageDraw
    rng = random.Random(_shade(rel))
    w, h = rng.randint(800, 3000), rng.randint(600, 2000)
    im = Image.new("RGB", (w, h), tuple(rng.randint(200, 255) for _ in range(3)))
    draw = ImageDraw.Draw(im)
    for _ in range(rng.randint(2, 5)):      # windows and panels
        x, y = rng.randrange(w - 100), rng.randrange(h - 100)
        draw.rectangle((x, y, x + rng.randint(100, w // 2), y + rng.randint(80, h // 2)),
                       fill=tuple(rng.randint(0, 255) for _ in range(3)))
    for y in range(rng.randint(10, 40), h - 20, rng.randint(18, 30)):   # lines of text
        x = rng.randint(10, 60)
        while x < w * rng.uniform(0.5, 0.95):
            word = rng.randint(12, 70)
            draw.rectangle((x, y, x + word, y + 9), fill=(40, 40, 40))
            x += word + rng.randint(6, 12)
    pw, ph = rng.randint(w // 8, w // 3), rng.randint(h // 8, h // 3)   # a photo in it
    noise = Image.effect_noise((pw, ph), rng.randint(20, 60)).convert("RGB")
    im.paste(noise, (rng.randrange(w - pw), rng.randrange(h - ph)))
    buf = io.BytesIO()
    if rel.endswith(".jpg"):
        im.save(buf, "JPEG", quality=88)
    else:
        im.save(buf, "PNG", compress_level=6)
    return buf.getvalue()


def write_images(root: Path, paths: list[str], mode: str) -> int:
    """Create the image files (hard links to one PNG, or distinct screenshots); return
    how many exist."""
    if mode == "real":
        for rel in paths:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(screenshot(rel))
        return len(paths)
    chosen = paths if mode == "all" else paths[::20] if mode == "subset" else []
    template = root / ".bench-template.png"   # a dot-file: the reader skips it
    template.write_bytes(tiny_png())
    for rel in chosen:
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(template, target)
        except OSError:   # no hard links on this filesystem: copy instead
            shutil.copyfile(template, target)
    return len(chosen)


def make_vault(root: Path, notes: int, seed: int = 0, images: str = "all",
               missing: float = 0.02) -> Stats:
    """Write a fresh synthetic vault at `root`; return what it holds."""
    if root.exists():
        shutil.rmtree(root)
    (root / ".obsidian").mkdir(parents=True)
    (root / ".obsidian" / "app.json").write_text('{"attachmentFolderPath": "attachments"}\n')
    rng = random.Random(seed)
    gen = Gen(rng, datetime(2021, 3, 1, 9, 0, 0), missing, Stats(), real=images == "real")
    for rel in note_paths(notes, rng):
        folder = rel.rpartition("/")[0]
        text = gen.note(folder)
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        gen.stats.bytes += len(text.encode())
    gen.stats.notes = notes
    gen.stats.files = write_images(root, gen.images, images)
    gen.stats.params = {"notes": notes, "seed": seed, "images": images, "missing": missing}
    return gen.stats


def main() -> None:
    """Parse the command line, generate the vault and print its stats as JSON."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", type=Path, help="folder to (re)create, e.g. benchmarks/out/vault-1000")
    p.add_argument("--notes", type=int, default=1000, help="number of notes (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--images", choices=["all", "subset", "none", "real"], default="all",
                   help="which image files to create (default: all but the missing ones)")
    p.add_argument("--missing", type=float, default=0.02,
                   help="share of embeds whose file is left missing (default 0.02)")
    a = p.parse_args()
    stats = make_vault(a.out, a.notes, a.seed, a.images, a.missing)
    print(json.dumps(asdict(stats), indent=2))


if __name__ == "__main__":
    main()
