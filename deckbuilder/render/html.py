"""Deck -> reveal.js: a folder deck, a one-file deck, or a deck that links a pinned CDN.

Geometry is the planner's: reveal.js runs at the deck's canvas with margin 0 and every
item is absolutely positioned at its box in canvas px, so this deck and the PPTX show
the same slide. HTML comes from the theme's jinja2 templates with autoescaping forced
on; Markdown goes through `deckbuilder.markup` (raw HTML off, http/https/mailto only).
reveal.js and Carlito are the npm copies in `deckbuilder/_vendor/` (scripts/setup).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Collection, Iterable, Sequence

import jinja2
from markupsafe import Markup

try:   # the same bytes as base64.b64encode, ~10x faster: a one-file deck is mostly base64
    from pybase64 import b64encode
except ImportError:  # pragma: no cover - a platform without pybase64's wheels
    from base64 import b64encode

from deckbuilder import __version__, fonts, markup, outputs
from deckbuilder.errors import BuildError, error
from deckbuilder.fsutil import Batch, Writer
from deckbuilder.model import Deck, Face, Item, TextStyle
from deckbuilder.render import html_fonts
from deckbuilder.render.html_templates import CompiledTemplates, Sandbox
from deckbuilder.theme import VENDOR, Theme

REVEAL_VERSION = "6.0.2"
CDN = f"https://cdn.jsdelivr.net/npm/reveal.js@{REVEAL_VERSION}/dist/"
# Subresource-integrity hashes of the pinned npm files (tech brief §2.4); a unit test
# checks them against the vendored copies, so a version bump cannot forget them.
SRI = {
    "reveal.js": "sha384-UilXW7W77EPIY5TmQGBrjhBPcfX40NqGwuIC8DGs6OeGTCxKy36B+DiOXtfqgk9S",
    "reveal.css": "sha384-rKClnwfQQ2b7LYSOAhRvm5m4LS7QKciQTAXBpVvr30y6oGB+ZBBXlpDnvFqlv5Eu",
    "reset.css": "sha384-eEwBkZrOoy1kAZn00sDVAezj2h5GAr6zv/XHy9KFt+7ios1iEkSMZObfrISpChg5",
    "plugin/notes.js": "sha384-XUVoTb/UbE06yoCUaqswCPKSUvPq3q4heijGsemnUSS/JEgW1lNnK0rKlNwjuz7O",
}
STYLES = ("reset.css", "reveal.css")
SCRIPTS = ("reveal.js", "plugin/notes.js")
# Carlito subsets as fontsource splits them (its unicode.json): the browser fetches only
# the subsets a slide's text needs.
FONT_RANGES = {
    "latin": "U+0000-00FF,U+0131,U+0152-0153,U+02BB-02BC,U+02C6,U+02DA,U+02DC,U+0304,U+0308,"
             "U+0329,U+2000-206F,U+20AC,U+2122,U+2191,U+2193,U+2212,U+2215,U+FEFF,U+FFFD",
    "latin-ext": "U+0100-02BA,U+02BD-02C5,U+02C7-02CC,U+02CE-02D7,U+02DD-02FF,U+0304,U+0308,"
                 "U+0329,U+1D00-1DBF,U+1E00-1E9F,U+1EF2-1EFF,U+2020,U+20A0-20AB,U+20AD-20C0,"
                 "U+2113,U+2C60-2C7F,U+A720-A7FF",
}
# `*` and `@` too: a css_string value may also sit in a comment (the title does), which
# `*/` would end; with `@` escaped, not even its text reads as an at-rule such as @import.
_CSS_UNSAFE = re.compile(r'["\'\\<>&*@\x00-\x1f\x7f]')
_COLOR = re.compile(r"^#(?:[0-9A-Fa-f]{3}){1,2}$")
MIME = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
        ".webp": "image/webp", ".svg": "image/svg+xml", ".avif": "image/avif",
        ".woff2": "font/woff2", ".js": "text/javascript", ".css": "text/css"}


@dataclass
class _Bundle:
    """The files a deck needs, and the URL each is referenced by in index.html.

    A one-file deck's images are not read here: each URL is a placeholder that `writer`
    replaces with the image's data: URI while it writes the page, a chunk at a time, so
    that the deck's images are never in memory together (nor their base64).
    """

    inline: bool
    files: dict[str, bytes | Path] = field(default_factory=dict)   # folder path -> content
    urls: dict[Path, str] = field(default_factory=dict)            # source file -> URL
    later: list[Path] = field(default_factory=list)                # images inlined on writing
    nonce: str = field(default_factory=lambda: secrets.token_hex(8))

    def add(self, source: Path, rel: str) -> str:
        """Return the URL of `source`, stored at `rel` (or inlined as a data: URI)."""
        if source not in self.urls:
            data = _read(source)
            if self.inline:
                self.urls[source] = f"data:{_mime(source)};base64,{b64encode(data).decode()}"
            else:
                self.files[rel] = data
                self.urls[source] = rel
        return self.urls[source]

    def data(self, data: bytes, rel: str, mime: str) -> str:
        """Return the URL of bytes made here (a subset font), stored at `rel`."""
        if self.inline:
            return f"data:{mime};base64,{b64encode(data).decode()}"
        self.files[rel] = data
        return rel

    def image(self, source: Path) -> str:
        """Return the URL of an image, named by its content so each is stored once."""
        if source in self.urls:
            return self.urls[source]
        if self.inline:
            self.urls[source] = f"deckbuilder-image-{self.nonce}-{len(self.later)}"
            self.later.append(source)
        else:
            rel = f"img/{_digest(source)[:16]}{source.suffix.lower()}"
            self.files[rel] = source    # copied when the batch writes the folder
            self.urls[source] = rel
        return self.urls[source]

    def writer(self, page: str) -> Writer:
        """Return a function writing `page` with each image placeholder replaced by the
        image's data: URI, streamed from its file."""
        token = re.compile(rf"deckbuilder-image-{self.nonce}-(\d+)")

        def write(out: IO[bytes]) -> None:
            at = 0
            for found in token.finditer(page):
                out.write(page[at:found.start()].encode("utf-8"))
                source = self.later[int(found[1])]
                out.write(f"data:{_mime(source)};base64,".encode())
                _base64_into(source, out)
                at = found.end()
            out.write(page[at:].encode("utf-8"))
        return write


def _mime(source: Path) -> str:
    return MIME.get(source.suffix.lower(), "application/octet-stream")


_CHUNK = 3 << 18    # 768 KiB: a multiple of 3, so the chunks' base64 joins up unpadded


def _base64_into(source: Path, out: IO[bytes]) -> None:
    with source.open("rb") as f:
        while chunk := f.read(_CHUNK):
            out.write(b64encode(chunk))


def _digest(path: Path) -> str:
    try:
        with path.open("rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError as e:
        raise BuildError(f"cannot read {path}: {e.strerror}") from None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise BuildError(f"cannot read {path}: {e.strerror}") from None


def _search(dirs: Sequence[Path]) -> jinja2.BaseLoader:
    """Return a loader trying the template folders of `dirs` in order."""
    return jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(d / "templates")) for d in dirs])


def environment(theme: Theme, cache: Path | None = None) -> jinja2.Environment:
    """Return the sandboxed jinja2 environment over the theme's template folders,
    autoescape on; with a `cache` folder, compiled templates are kept in it.

    A name is looked up in the theme's own templates first, then in those of each theme
    it extends. `!<theme>/<name>` is `<name>` as the theme `<theme>` of the chain has it
    (or, failing that, what it extends), so an override can `{% extends
    "!default/deck.html.j2" %}` and replace only some blocks. Where a name occurs twice
    in the chain (a talk's theme overriding a built-in one of the same name), `!<name>`
    is the original one, further down.
    """
    originals = {d.name: _search(theme.dirs[i:]) for i, d in enumerate(theme.dirs)}
    loader = jinja2.ChoiceLoader([
        jinja2.PrefixLoader({f"!{name}": found for name, found in originals.items()}),
        _search(theme.dirs)])
    # auto_reload off: an environment lives for one render, so a template need not be
    # looked at on disk again each time a slide includes it (once per slide, otherwise).
    env = Sandbox(
        loader=loader, undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
        auto_reload=False,
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        bytecode_cache=CompiledTemplates(cache / "templates") if cache else None)
    env.filters.update(px=px, css_string=css_string, color=color, inline=markup.inline_html,
                       notes=markup.blocks_html, safe_url=markup.safe_url,
                       rtl=lambda md: fonts.is_rtl(markup.plain(md)))
    return env


def px(value: float) -> str:
    """Return a CSS pixel length, rounded to 1/100 px with no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{'0' if text == '-0' else text}px"


def css_string(text: str) -> str:
    """Return `text` as a double-quoted CSS string that cannot end a string, rule, style
    or comment."""
    # One regular-expression pass, not a loop over characters: a one-file deck's font
    # URLs are data: URIs of some 100,000 characters each.
    escaped = _CSS_UNSAFE.sub(lambda m: f"\\{ord(m[0]):x} ", str(text))
    return f'"{escaped}"'


def color(value: str | None) -> str:
    """Return a "#RGB"/"#RRGGBB" colour unchanged; raise BuildError for anything else."""
    if value is None or not _COLOR.match(value):
        raise BuildError(f"not a colour: {value!r} (themes use \"#RRGGBB\")")
    return value


def font_stack(font: str, theme: Theme, fallback: Sequence[str] = ()) -> str:
    """Return the CSS font-family list for a TextStyle font: the bundled face first,
    then the bundled fallback faces (`fallback`, for non-Latin text)."""
    body, code = theme.get("fonts.body"), theme.get("fonts.code")
    if font == body["family"]:
        names, generic = [body["web_family"], font, *fallback], "sans-serif"
    elif font == code["family"]:
        names, generic = [font, "Liberation Mono"], "monospace"
    else:
        names, generic = [font, body["web_family"]], "sans-serif"
    return ", ".join([css_string(n) for n in names] + [generic])


def text_css(style: TextStyle, theme: Theme, text: str = "",
             used: frozenset[Face] = frozenset()) -> str:
    """Return the inline CSS of a text box: face, size, colour, alignment, line pitch.
    `used` are the deck's bundled fallback faces, listed in the order the planner chose
    them for the box's `text`."""
    justify = {"top": "flex-start", "middle": "center", "bottom": "flex-end"}[style.valign]
    plain = markup.plain(text) if used else ""
    fallback = html_fonts.stack(style.faces, set(used), plain) if used else []
    keep = "word-break: keep-all; " if used and fonts.keeps_words(plain) else ""
    return (f"font-family: {font_stack(style.font, theme, fallback)}; {keep}"
            f"font-size: {px(style.size)}; "
            f"color: {color(style.color)}; font-weight: {700 if style.bold else 400}; "
            f"font-style: {'italic' if style.italic else 'normal'}; "
            f"text-align: {style.align}; line-height: {style.line_height}; "
            f"justify-content: {justify}; --db-mark: {color(style.highlight)}; "
            f"--db-code-font: {font_stack(style.code_font, theme)}")


def _assets(bundle: _Bundle, cdn: bool) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Return the stylesheets and scripts of reveal.js as template dicts."""
    def entry(name: str) -> dict[str, str]:
        if cdn:
            return {"url": CDN + name, "integrity": SRI[name]}
        source = VENDOR / "revealjs" / name
        if not source.is_file():
            raise BuildError(f"reveal.js is not installed ({source} is missing): run "
                             "scripts/setup, or build with --cdn")
        if bundle.inline and name.endswith(".css"):
            return {"inline": _style_text(_read(source).decode("utf-8"))}
        return {"url": bundle.add(source, f"assets/reveal/{name}")}
    return [entry(n) for n in STYLES], [entry(n) for n in SCRIPTS]


def _style_text(css: str) -> Markup:
    # Inlined CSS sits in a raw-text <style> element: `</style` would end it early.
    return Markup(re.sub(r"</(style)", r"<\\/\1", css, flags=re.IGNORECASE))


def _in_range(char: str, unicode_range: str) -> bool:
    code = ord(char)
    for part in unicode_range.split(","):
        low, _, high = part.removeprefix("U+").partition("-")
        if int(low, 16) <= code <= int(high or low, 16):
            return True
    return False


def font_subsets(deck: Deck) -> list[str]:
    """Return the Carlito subsets the deck's text needs: latin, plus latin-ext if used."""
    chars = {c for s in deck.slides for i in s.items if i.kind == "text" for c in i.text}
    return [name for name, unicode_range in FONT_RANGES.items()
            if name == "latin" or any(_in_range(c, unicode_range) for c in chars)]


def _font_faces(deck: Deck, bundle: _Bundle, theme: Theme,
                css_dir: str) -> list[dict[str, Any]]:
    """Return the @font-face rules' data: the theme's body font files, each face, and for
    fontsource files (`<font>-latin-<weight>-<style>.woff2`) each subset the text needs
    that is installed beside them."""
    faces = []
    for bold, italic in ((False, False), (False, True), (True, False), (True, True)):
        for subset, unicode_range, path in _subset_files(deck, theme.font_file(bold, italic)):
            if not path.is_file():
                raise BuildError(f"the font file {path} is missing: run scripts/setup")
            url = bundle.add(path, f"assets/fonts/{path.name}")
            faces.append({"family": theme.get("fonts.body.web_family"),
                          "weight": 700 if bold else 400, "style": "italic" if italic
                          else "normal", "range": unicode_range, "subset": subset,
                          "url": url.removeprefix(css_dir)})
    order = list(FONT_RANGES)
    return sorted(faces, key=lambda f: order.index(f["subset"]) if f["subset"] in order else 0)


def _subset_files(deck: Deck, path: Path) -> list[tuple[str, str, Path]]:
    """Return (subset, unicode-range, file) for one face: the latin file and the needed
    subsets present beside it, or the file itself for a font that is not split."""
    if "-latin-" not in path.name:
        return [("all", "U+0000-10FFFF", path)]
    out = []
    for subset in font_subsets(deck):
        candidate = path.with_name(path.name.replace("-latin-", f"-{subset}-", 1))
        if subset == "latin" or candidate.is_file():
            out.append((subset, FONT_RANGES[subset], candidate))
    return out


def _font_license(theme: Theme) -> Path:
    """Return the licence file of the theme's body font (fontsource: beside files/)."""
    regular = theme.font_file()
    return regular.parent.parent / "LICENSE" if regular.parent.name == "files" \
        else regular.parent / "LICENSE"


def _reveal_config(deck: Deck) -> dict[str, Any]:
    """Return the Reveal.initialize options: the planner's canvas, nothing rescaled inside."""
    numbered = any(i.role == "slide-number" for s in deck.slides for i in s.items)
    return {"width": deck.width, "height": deck.height, "margin": 0, "minScale": 0.05,
            "maxScale": 4.0, "center": False, "hash": True, "controls": True,
            # Arrows at the edges sit in the margins, not on the footer or slide number.
            "controlsLayout": "edges",
            "progress": True, "overview": True, "keyboard": True, "help": True,
            "slideNumber": "c/t",
            # The slides draw their own numbers where the theme wants them; then reveal's
            # counter only shows in the speaker view.
            "showSlideNumber": "speaker" if numbered else "all",
            "transition": "fade", "transitionSpeed": "fast", "backgroundTransition": "none"}


def render(deck: Deck, theme: Theme, bundle: _Bundle, cdn: bool = False,
           stretched: Collection[Path] = (), cache: Path | None = None) -> tuple[str, str]:
    """Return (index.html, deck.css) for the deck, adding every file used to `bundle`;
    the pictures of the files `stretched` fill their boxes whatever their own aspect.
    Compiled templates are kept in the `cache` folder, if given."""
    env = environment(theme, cache)
    images = {i.image: bundle.image(i.image) for s in deck.slides for i in s.items
              if i.kind == "image" and i.image is not None and not i.placeholder}
    css_dir = "" if bundle.inline else "assets/"
    extra = html_fonts.subsets(deck)
    used = frozenset(s.face for s in extra)
    css = env.get_template("deck.css.j2").render(
        deck=deck, theme=theme, settings=theme.settings,
        font_faces=_font_faces(deck, bundle, theme, css_dir) + _fallback_faces(extra, bundle,
                                                                                css_dir))
    css += "".join(_stretch_css(images[path]) for path in stretched if path in images)
    styles, scripts = _assets(bundle, cdn)
    styles.append({"inline": _style_text(css)} if bundle.inline else {"url": "assets/deck.css"})
    html = env.get_template("deck.html.j2").render(
        deck=deck, theme=theme, settings=theme.settings, styles=styles, scripts=scripts,
        config=_reveal_config(deck), images=images, generator=f"deckbuilder {__version__}",
        text_css=lambda style, text="": text_css(style, theme, text, used), box_css=box_css,
        crop_css=crop_css)
    return html, css


def _stretch_css(url: str) -> str:
    # After the theme's rules, and above them: what export's print stand-ins need.
    return f'\n.db-image img[src="{url}"] {{ object-fit: fill !important; }}'


def _fallback_faces(extra: Sequence[html_fonts.Subset], bundle: _Bundle,
                    css_dir: str) -> list[dict[str, Any]]:
    """Return the @font-face rules' data of the subset fallback fonts."""
    return [{"family": s.face.web_family, "weight": s.weight, "style": s.style,
             "range": s.unicode_range, "subset": "fallback",
             "url": bundle.data(s.data, f"assets/fonts/{s.name}",
                                "font/woff2").removeprefix(css_dir)} for s in extra]


def box_css(item: Item) -> str:
    """Return the inline CSS placing an item at its box on the canvas."""
    b = item.box
    return f"left: {px(b.x)}; top: {px(b.y)}; width: {px(b.w)}; height: {px(b.h)}"


def crop_css(item: Item) -> str:
    """Return the inline CSS of a cropped picture inside its box ("" when uncropped): the
    whole image, larger than the box, shifted so that the box shows the planned part."""
    left, top, right, bottom = item.crop
    if not any(item.crop):
        return ""
    b = item.box
    w, h = b.w / (1 - left - right), b.h / (1 - top - bottom)
    return (f"position: absolute; max-width: none; left: {px(-left * w)}; top: {px(-top * h)}; "
            f"width: {px(w)}; height: {px(h)}")


# The deck folder's marker file: later builds replace only folders that hold it.
MARKER_TEXT = (b"This folder is a deck written by deckbuilder; the next build of the same "
               b"talk replaces it whole.\n")


def target(out_dir: Path, name: str, single_file: bool = False) -> Path:
    """Return what `write` replaces: OUTDIR/<name>.html, or the folder OUTDIR/<name>."""
    return out_dir / f"{name}.html" if single_file else out_dir / name


def write(deck: Deck, out_dir: Path, name: str, theme: Theme, single_file: bool = False,
          cdn: bool = False, batch: Batch | None = None,
          stretched: Collection[Path] = (), cache: Path | None = None) -> Path:
    """Write the reveal.js deck; return OUTDIR/<name>/index.html or OUTDIR/<name>.html.

    With `batch`, the deck is rendered and added to it, and written only when the batch
    is committed (together with a build's other formats, all or none). The pictures of
    the files `stretched` fill their boxes (export's print stand-ins). The templates'
    compiled code is kept in the `cache` folder (the build's image cache), if given.
    """
    bundle = _Bundle(inline=single_file)
    html, css = render(deck, theme, bundle, cdn, stretched, cache)
    html = outputs.mark_text(html)
    dest = target(out_dir, name, single_file)
    into = Batch() if batch is None else batch
    if single_file:
        into.file(dest, bundle.writer(html))
    else:
        into.folder(dest, {"index.html": html.encode("utf-8"),
                           "assets/deck.css": css.encode("utf-8"),
                           outputs.DECK_MARKER: MARKER_TEXT, **bundle.files,
                           **_licenses(cdn, theme, html_fonts.faces_used(deck))})
    if batch is None:
        into.commit()
    return dest if single_file else dest / "index.html"


def _licenses(cdn: bool, theme: Theme, used: frozenset[Face] = frozenset()
              ) -> dict[str, bytes | Path]:
    """Return the licence files that travel with the copied reveal.js and the body font."""
    pairs: Iterable[tuple[Path, str]] = [(_font_license(theme), "assets/fonts/LICENSE")]
    pairs = [*pairs, *((src, rel) for rel, src in html_fonts.licences(used).items())]
    if not cdn:
        pairs = [*pairs, (VENDOR / "revealjs" / "LICENSE", "assets/reveal/LICENSE")]
    return {rel: _read(src) for src, rel in pairs if src.is_file()}
