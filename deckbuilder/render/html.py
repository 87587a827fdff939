"""Deck -> reveal.js: a folder deck, a one-file deck, or a deck that links a pinned CDN.

Geometry is the planner's: reveal.js runs at the deck's canvas with margin 0 and every
item is absolutely positioned at its box in canvas px, so this deck and the PPTX show
the same slide. HTML comes from the theme's jinja2 templates with autoescaping forced
on; Markdown goes through `deckbuilder.markup` (raw HTML off, http/https/mailto only).
reveal.js and Carlito are the npm copies in `deckbuilder/_vendor/` (scripts/setup).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Collection, Iterable, Sequence

import jinja2

from deckbuilder import __version__, fonts, markup, outputs
from deckbuilder.errors import BuildError
from deckbuilder.fsutil import Batch
from deckbuilder.model import Deck, Face, TextStyle
from deckbuilder.render import html_fonts
from deckbuilder.render.html_bundle import Bundle, read
from deckbuilder.render.html_css import (box_css, color, crop_css, css_string, px,
                                         stretch_css, style_text, text_css)
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


def _assets(bundle: Bundle, cdn: bool) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Return the stylesheets and scripts of reveal.js as template dicts."""
    def entry(name: str) -> dict[str, str]:
        if cdn:
            return {"url": CDN + name, "integrity": SRI[name]}
        source = VENDOR / "revealjs" / name
        if not source.is_file():
            raise BuildError(f"reveal.js is not installed ({source} is missing): run "
                             "scripts/setup, or build with --cdn")
        if bundle.inline and name.endswith(".css"):
            return {"inline": style_text(read(source).decode("utf-8"))}
        return {"url": bundle.add(source, f"assets/reveal/{name}")}
    return [entry(n) for n in STYLES], [entry(n) for n in SCRIPTS]


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


def _font_faces(deck: Deck, bundle: Bundle, theme: Theme,
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


def render(deck: Deck, theme: Theme, bundle: Bundle, cdn: bool = False,
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
    css += "".join(stretch_css(images[path]) for path in stretched if path in images)
    styles, scripts = _assets(bundle, cdn)
    styles.append({"inline": style_text(css)} if bundle.inline else {"url": "assets/deck.css"})
    html = env.get_template("deck.html.j2").render(
        deck=deck, theme=theme, settings=theme.settings, styles=styles, scripts=scripts,
        config=_reveal_config(deck), images=images, generator=f"deckbuilder {__version__}",
        text_css=_styles(theme, used), box_css=box_css, crop_css=crop_css)
    return html, css


def _styles(theme: Theme, used: frozenset[Face]) -> Callable[..., str]:
    """Return the templates' text_css(style, text=""): each style's CSS made once (a deck
    has a handful of styles for hundreds of text boxes); with fallback faces in use, the
    CSS also depends on the text, which is then part of the key."""
    made: dict[tuple[TextStyle, str], str] = {}

    def style_css(style: TextStyle, text: str = "") -> str:
        key = (style, text if used else "")
        found = made.get(key)
        if found is None:
            found = made[key] = text_css(style, theme, text, used)
        return found
    return style_css


def _fallback_faces(extra: Sequence[html_fonts.Subset], bundle: Bundle,
                    css_dir: str) -> list[dict[str, Any]]:
    """Return the @font-face rules' data of the subset fallback fonts."""
    return [{"family": s.face.web_family, "weight": s.weight, "style": s.style,
             "range": s.unicode_range, "subset": "fallback",
             "url": bundle.data(s.data, f"assets/fonts/{s.name}",
                                "font/woff2").removeprefix(css_dir)} for s in extra]


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
    bundle = Bundle(inline=single_file)
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
    return {rel: read(src) for src, rel in pairs if src.is_file()}
