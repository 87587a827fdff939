"""A speaker's own PowerPoint template: which of its layouts each slide kind uses, and
where their placeholders are, so the planner plans inside them.

Read once, before planning (the planner stays pure): `read(path, kinds)` opens the
.pptx/.potx with python-pptx, matches a layout to every slide kind the deck needs (by
layout type, then by name) and returns each one's content box (the union of its
title, body, picture and object placeholders: a logo or a footer band outside them
is never covered), its title box and its footer boxes, in canvas px.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Iterable

from deckbuilder.errors import BuildError
from deckbuilder.model import EMU_PER_PX, Box, Frame, Template

# Per slide kind: the layouts that can hold it, best first, as ("type", value) or
# ("name", value). Types are the OOXML `p:sldLayout/@type` values.
CANDIDATES: dict[str, tuple[tuple[str, str], ...]] = {
    "title": (("type", "title"), ("name", "Title Slide")),
    "section": (("type", "secHead"), ("name", "Section Header")),
    "image": (("type", "picTx"), ("name", "Picture with Caption"), ("type", "titleOnly"),
              ("name", "Title Only")),
    "text": (("type", "obj"), ("type", "tx"), ("name", "Title and Content")),
    "credits": (("name", "Credits"), ("type", "obj"), ("type", "titleOnly")),
    "closing": (("name", "Closing"), ("type", "titleOnly"), ("type", "title")),
}
CANDIDATES["multi-image"] = CANDIDATES["image"]
_POTX = "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml"
_PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"


def open_template(path: Path):
    """Return the template as a python-pptx Presentation (.potx files too)."""
    # Imported here: python-pptx takes some 60 ms to import (zipfile some 5), and only a
    # talk with a PowerPoint template, or a PPTX build, needs it (the planner uses `avoid`
    # alone).
    import zipfile

    from lxml import etree
    from pptx import Presentation

    try:
        data = path.read_bytes()
        return Presentation(io.BytesIO(_as_pptx(data)))
    except OSError as e:
        raise BuildError(f"cannot read the PowerPoint template {path}: "
                         f"{e.strerror or e}") from None
    except (KeyError, ValueError, zipfile.BadZipFile, etree.LxmlError) as e:  # what python-pptx raises
        raise BuildError(f"the PowerPoint template {path} is not a usable .pptx/.potx file: "
                         f"{type(e).__name__}: {e}") from None


def _as_pptx(data: bytes) -> bytes:
    # python-pptx refuses a .potx only for its content type (tech brief §1.4).
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        types = z.read("[Content_Types].xml")
        if _POTX.encode() not in types:
            return data
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as w:
            for info in z.infolist():
                blob = z.read(info.filename)
                w.writestr(info, blob.replace(_POTX.encode(), _PPTX.encode())
                           if info.filename == "[Content_Types].xml" else blob)
        return out.getvalue()


def read(path: Path, kinds: Iterable[str]) -> Template:
    """Return what planning and rendering need of the template for these slide kinds."""
    prs = open_template(path)
    layouts = [lay for master in prs.slide_masters for lay in master.slide_layouts]
    chosen, missing = {}, []
    for kind in dict.fromkeys(kinds):
        layout = _match(layouts, CANDIDATES.get(kind, ()))
        if layout is None:
            missing.append(kind)
        else:
            chosen[kind] = layout
    if missing:
        names = ", ".join(f"'{lay.name}' ({lay._element.get('type') or 'no type'})"
                          for lay in layouts)
        raise BuildError(f"the PowerPoint template {path} has no layout for "
                         f"{', '.join(missing)} slides; it has: {names}. Add a layout named "
                         f"{' or '.join(repr(CANDIDATES[k][1][1]) for k in missing)}")
    width, height = round(prs.slide_width / EMU_PER_PX), round(prs.slide_height / EMU_PER_PX)
    return Template(path, width, height, {k: lay.name for k, lay in chosen.items()},
                    {k: _frame(lay, width, height) for k, lay in chosen.items()})


def _match(layouts, wanted):
    for how, value in wanted:
        for layout in layouts:
            if (layout._element.get("type") if how == "type" else layout.name) == value:
                return layout
    return None


def _box(shape) -> Box | None:
    if shape.left is None or shape.width is None:
        return None
    return Box(shape.left / EMU_PER_PX, shape.top / EMU_PER_PX, shape.width / EMU_PER_PX,
               shape.height / EMU_PER_PX)


def _frame(layout, width: int, height: int) -> Frame:
    """Return the layout's content, title and footer boxes (inherited from the master).

    The content box is the union of the layout's placeholders, less whatever part of it
    the template's own drawings (a logo, a band) would be covered by.
    """
    from pptx.enum.shapes import PP_PLACEHOLDER as PH   # as in open_template

    content, title, footer, number = [], None, None, None
    for ph in layout.placeholders:
        kind, box = ph.placeholder_format.type, _box(ph)
        if box is None:
            continue
        if kind == PH.FOOTER:
            footer = box
        elif kind == PH.SLIDE_NUMBER:
            number = box
        elif kind not in (PH.DATE, PH.FOOTER, PH.SLIDE_NUMBER):
            content.append(box)
            if kind in (PH.TITLE, PH.CENTER_TITLE):
                title = box
    if not content:
        return Frame(avoid(Box(0, 0, width, height), _drawings(layout)), None, footer, number)
    x0, y0 = min(b.x for b in content), min(b.y for b in content)
    x1, y1 = max(b.right for b in content), max(b.bottom for b in content)
    return Frame(avoid(Box(x0, y0, x1 - x0, y1 - y0), _drawings(layout)), title, footer,
                 number)


def _drawings(layout) -> list[Box]:
    """Return the boxes of what the layout and (unless it hides them) its master draw
    themselves: pictures and shapes that are not placeholders."""
    sources = [layout]
    if layout._element.get("showMasterSp") not in ("0", "false"):
        sources.append(layout.slide_master)
    return [b for src in sources for shape in src.shapes
            if not shape.is_placeholder and (b := _box(shape)) is not None]


def avoid(box: Box, obstacles: list[Box]) -> Box:
    """Return the largest part of `box` left after cutting off, for each obstacle it
    overlaps, the side (top, bottom, left or right) that loses the least."""
    for ob in obstacles:
        if not (ob.x < box.right and box.x < ob.right and ob.y < box.bottom and box.y < ob.bottom):
            continue
        cuts = [Box(box.x, ob.bottom, box.w, box.bottom - ob.bottom),
                Box(box.x, box.y, box.w, ob.y - box.y),
                Box(ob.right, box.y, box.right - ob.right, box.h),
                Box(box.x, box.y, ob.x - box.x, box.h)]
        box = max((c for c in cuts if c.w > 0 and c.h > 0), key=lambda c: c.w * c.h,
                  default=box)
    return box
