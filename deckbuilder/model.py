"""The values the stages hand each other: frozen, format-independent, no behaviour.

Data flow: vault notes -> Entry; talk YAML -> Talk; select -> Pick; layout -> Deck of
Slides of Items in canvas pixels (1280x720, or 960x720 for 4:3; 1 px = 9,525 EMU).
"""

from __future__ import annotations

from dataclasses import dataclass
import datetime as dt
from pathlib import Path
from typing import Any, Literal, Mapping, get_args

# ---------------------------------------------------------------- vocabulary
# The words the stages share, as types: a misspelt kind is a type error, not a silent
# fall-through, and each tuple of values is derived from its type, once.

SpecKind = Literal["title", "section", "select", "image", "text", "credits", "closing"]
PickKind = Literal["title", "section", "entry", "text", "credits", "closing"]
SlideKind = Literal["title", "section", "image", "multi-image", "text", "credits", "closing"]
ItemKind = Literal["image", "text", "rect"]
# What a planned item is for: renderers map roles to placeholders, CSS classes, styles.
Role = Literal["", "picture", "caption", "source", "title", "subtitle", "meta", "rule",
               "heading", "paragraph", "bullet", "marker", "credit-group", "credit",
               "credit-url", "footer", "slide-number", "qr", "qr-url", "logo", "band",
               "background"]
Order = Literal["note", "date", "reverse-date"]
Placement = Literal["bottom", "right", "auto"]
Aspect = Literal["16:9", "4:3"]
# Whether a talk downloads the http(s) images its notes embed (never, unless asked).
RemoteImages = Literal["off", "fetch"]
ORDERS: tuple[Order, ...] = get_args(Order)
PLACEMENTS: tuple[Placement, ...] = get_args(Placement)
ASPECTS: tuple[Aspect, ...] = get_args(Aspect)
REMOTE_IMAGES: tuple[RemoteImages, ...] = get_args(RemoteImages)

# ---------------------------------------------------------------- vault entries


@dataclass(frozen=True)
class ImageRef:
    """One image embed as written in a note, and the file it resolves to."""

    target: str                # the link as written, less #subpath and |display
    path: str | None           # vault-relative with '/', None when missing or remote
    width: int | None = None   # the size written in the embed, never the file's pixels
    height: int | None = None
    alt: str | None = None

    @property
    def remote(self) -> bool:
        return self.target.startswith(("http://", "https://"))

    @property
    def key(self) -> str:
        """Return the planner's key for the image: its vault path, or its URL when remote.

        No vault-relative path starts with `http://` (a path has no empty part), so a
        downloaded image's URL cannot collide with a file's key.
        """
        return self.path or (self.target if self.remote else "")


@dataclass(frozen=True)
class Source:
    """Where a screenshot came from: plain text (may be empty) and an optional URL."""

    text: str
    url: str | None = None


@dataclass(frozen=True)
class Entry:
    """One screenshot unit of a note: its images (one line), caption, source and notes."""

    id: str
    note: str                  # vault-relative path of the note, with '/'
    line: int                  # 1-based line of the embed line
    date: dt.date | dt.datetime | None
    tags: tuple[str, ...]      # lower case, without '#'
    images: tuple[ImageRef, ...]
    caption: str               # Markdown as written
    caption_text: str          # plain text
    source: Source | None
    notes: str

    def to_json(self) -> dict[str, Any]:
        """Return the entry as `entries --json` prints it."""
        return {
            "id": self.id,
            "note": self.note,
            "line": self.line,
            "date": self.date.isoformat() if self.date else None,
            "tags": list(self.tags),
            "images": [
                {"target": i.target, "path": i.path, "width": i.width,
                 "height": i.height, "alt": i.alt}
                for i in self.images
            ],
            "caption": self.caption,
            "caption_text": self.caption_text,
            "source": ({"text": self.source.text, "url": self.source.url}
                       if self.source else None),
            "notes": self.notes,
        }


@dataclass(frozen=True)
class Vault:
    """A read vault: its root folder and every entry in note order."""

    root: Path
    entries: tuple[Entry, ...]

    def file(self, image: ImageRef) -> Path | None:
        """Return the absolute path of an image, or None when it is missing or remote."""
        return self.root / image.path if image.path else None


# ---------------------------------------------------------------- talk spec


@dataclass(frozen=True)
class Criteria:
    """What an entry must satisfy; empty fields do not restrict."""

    tags: tuple[str, ...] = ()        # any of these (or a tag below one of them)
    all_tags: tuple[str, ...] = ()    # every one of these
    not_tags: tuple[str, ...] = ()    # none of these
    date_from: dt.date | dt.datetime | None = None   # a date means from the start of that day
    date_to: dt.date | dt.datetime | None = None     # a date means to the end of that day
    match: str | None = None          # regex (case-insensitive) searched in caption, notes, source
    notes: tuple[str, ...] = ()       # vault-relative globs of the notes entries come from


@dataclass(frozen=True)
class Select:
    """A `select:` slide item: which entries, in which order, how many."""

    criteria: Criteria = Criteria()
    order: Order = "note"
    limit: int | None = None
    repeat: bool = False              # show entries an earlier item already showed


@dataclass(frozen=True)
class ImagePick:
    """An `image:` slide item: one entry by image name or id, with the spec's overrides."""

    image: str
    caption: str | None = None        # None: the entry's own
    notes: str | None = None
    source: Source | None = None
    source_given: bool = False        # `source:` was written (an empty one removes it)
    repeat: bool = False


@dataclass(frozen=True)
class SlideSpec:
    """One item of the spec's `slides:` list, as written, with the line it is on."""

    kind: SpecKind
    line: int
    text: str = ""                    # a section's title, a text or closing slide's Markdown
    select: Select | None = None      # for kind == "select"
    image: ImagePick | None = None    # for kind == "image"

    @property
    def repeat(self) -> bool:
        """Return whether the item may show entries already shown."""
        item = self.select or self.image
        return bool(item and item.repeat)


@dataclass(frozen=True)
class Talk:
    """A loaded, validated talk spec."""

    path: Path                 # the spec file
    title: str
    vault: Path                # absolute
    subtitle: str = ""
    author: str = ""
    event: str = ""
    date: dt.date | None = None
    notes: tuple[str, ...] = ()        # vault-relative globs limiting which notes are read
    theme: str = "default"
    aspect: Aspect = "16:9"
    slides: tuple[SlideSpec, ...] = ()
    slides_url: str = ""               # where the slides will be posted: a QR code shows it
    pptx_template: Path | None = None  # absolute: a .pptx/.potx whose master and layouts to use
    remote_images: RemoteImages = "off"  # "fetch": download the http(s) images picked entries embed

    @property
    def name(self) -> str:
        """The spec's file name without extension: the output's base name."""
        return self.path.stem


@dataclass(frozen=True)
class Pick:
    """One slide-to-be after selection: what the spec asked for, with entries resolved."""

    kind: PickKind
    line: int                  # the spec line that made it
    entry: Entry | None = None  # for kind == "entry", with the spec's overrides applied
    text: str = ""             # section title, or Markdown of a text slide


# ---------------------------------------------------------------- normalised images

# The key of the slides_url QR code among the planner's images, which are otherwise keyed
# by vault-relative path: no path holds a NUL.
QR_IMAGE = "\0qr"
LOGO_IMAGE = "\0logo"   # the theme's logo among the planner's images, like the QR code


def background_image(kind: str) -> str:
    """Return the key of the theme's background picture for a slide kind ("title",
    "section", or "" for every other kind) among the planner's images."""
    return f"\0background:{kind}"


@dataclass(frozen=True)
class Normalised:
    """A normalised image file in the cache, with its pixel size."""

    source: Path
    path: Path
    width: int
    height: int


# ---------------------------------------------------------------- a speaker's template


@dataclass(frozen=True)
class Frame:
    """Where a slide kind's content may go, in canvas px: the content box, and from a
    template its title, footer and slide-number boxes."""

    content: Box
    title: Box | None = None
    footer: Box | None = None
    number: Box | None = None


@dataclass(frozen=True)
class Template:
    """A speaker's PowerPoint template, as planning and rendering need it."""

    path: Path
    width: int                          # its slide size in canvas px (EMU / 9,525)
    height: int
    layouts: Mapping[str, str]          # slide kind -> the template layout's name
    frames: Mapping[str, Frame]         # slide kind -> that layout's boxes


# ---------------------------------------------------------------- planned deck

CANVAS = {"16:9": (1280, 720), "4:3": (960, 720)}
EMU_PER_PX = 9525


@dataclass(frozen=True)
class Box:
    """A rectangle on the canvas, in pixels."""

    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h


FaceSlot = Literal["latin", "ea", "cs"]


@dataclass(frozen=True)
class Face:
    """One face of a theme's fallback chain: where its files are and what renderers call it.

    `paths` are the regular, bold, italic and bold-italic files; a fontsource package's
    split files hold "{subset}" where a name of its unicode.json goes. A face without a
    bold or italic file is drawn (and measured) with the regular one.
    """

    family: str                 # the PPTX's name: a:latin, a:ea or a:cs (as fc-list has it)
    web_family: str             # the @font-face name in the HTML deck
    slot: FaceSlot              # which PPTX run font names it (emoji: latin)
    paths: tuple[str, str, str, str]
    lang: str = ""              # "ko", "ja", "zh": the CJK face preferred for such text


@dataclass(frozen=True)
class TextStyle:
    """How a text item is drawn; sizes in canvas pixels (pt = px * 0.75)."""

    font: str                  # family name as renderers should request it
    size: float
    color: str = "#000000"
    bold: bool = False
    italic: bool = False
    align: str = "left"        # left | center | right
    valign: str = "top"        # top | middle | bottom
    line_height: float = 1.2   # multiple of the font size
    code_font: str = "Courier New"     # family for `code` runs
    highlight: str = "#FFE566"         # background of ==marked== runs
    # The fallback chain the text was measured with (body face first): renderers draw
    # each stretch with the face the planner measured it in (deckbuilder.fonts).
    faces: tuple[Face, ...] = ()


@dataclass(frozen=True)
class Item:
    """One thing drawn on a slide at a fixed box."""

    kind: ItemKind
    box: Box
    role: Role = ""
    text: str = ""             # Markdown (inline for captions/titles, block for body text)
    style: TextStyle | None = None
    image: Path | None = None  # the normalised image file, for kind == "image"
    alt: str = ""              # alt text of an image (never a file name or path)
    link: str | None = None    # click-through URL (http, https or mailto only)
    fill: str | None = None    # background colour of a rect
    placeholder: bool = False  # an image that is missing, drawn as a marked placeholder
    level: int = 0             # list level of a bullet (0 = top), for the PPTX outline
    marker: str = ""           # a bullet's marker as planned: the bullet or "3."
    opacity: float = 1.0       # of a rect's fill: 0 clear .. 1 solid (a full-bleed band)
    # The fractions of an image cut away at its left, top, right and bottom edges: the
    # box shows the rest (a full-bleed picture with `fit: cover`).
    crop: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Slide:
    """One planned slide: its items in drawing order and its speaker notes."""

    kind: SlideKind
    items: tuple[Item, ...]
    notes: str = ""
    background: str | None = None
    line: int | None = None    # the spec line that made it
    title: str = ""            # a short plain title, for outlines and PDF bookmarks
    # What the audience outputs (handout, sources list) show of an entry slide, kept
    # apart from `notes`, which also holds the speaker's note:line.
    caption: str = ""          # the entry's whole caption, Markdown
    source: Source | None = None
    remarks: str = ""          # the entry's own notes as written (no source, no note:line)


@dataclass(frozen=True)
class Deck:
    """The whole planned deck, ready for any renderer."""

    title: str
    width: int
    height: int
    slides: tuple[Slide, ...]
    subtitle: str = ""
    author: str = ""
    event: str = ""
    date: dt.date | None = None
    theme: str = "default"
    background: str = "#FFFFFF"
    link: str = "#1F5FBF"      # colour of hyperlinks in text
    text: str = "#000000"      # the theme's text and accent colours and its body font,
    accent: str = "#1F5FBF"    # for the PPTX theme (colour and font schemes)
    font: str = "Calibri"
    bullet: str = "•"          # the list style's bullet
    template: Template | None = None   # the speaker's PowerPoint template, if any
    # The theme's fallback chain (body face first): renderers name the faces the planner
    # measured each character with (deckbuilder.fonts.segments).
    faces: tuple[Face, ...] = ()
