"""The theme's background pictures in the PPTX: backgrounds of the master and layouts.

The planner puts a `background` picture under every slide that has one. In PowerPoint a
picture that belongs to every slide of a kind is the background of the master (every
slide) or of a layout (Title Slide, Section Header), not a shape on each slide: it
cannot be moved or deleted by a stray click, Format Background and View > Slide Master
change it for the whole deck at once, a single slide can still be given its own, and
"Hide background graphics" and the template's other tools work as they do on any
deck. So here each picture becomes the picture fill (`a:blipFill`, stretched: the image
stage already cut it to the slide's shape) of the master for the slides of every kind,
and of the Title Slide and Section Header layouts where those slides' picture differs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from lxml import etree
from pptx.oxml.ns import qn

from deckbuilder.model import Deck

R_EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"


def pictures(deck: Deck) -> dict[str, Path]:
    """Return the background picture of each layout's slides ("" for the master's: those
    of the image, text, credits and closing slides), from the planned slides."""
    out: dict[str, Path] = {}
    for slide in deck.slides:
        found = next((i.image for i in slide.items if i.role == "background" and i.image), None)
        if found is not None:
            key = slide.kind if slide.kind in ("title", "section") else ""
            out.setdefault(key, found)
    return out


def place(prs, layouts: Mapping[str, object], deck: Deck) -> None:
    """Make the deck's background pictures the backgrounds of its master and layouts."""
    found = pictures(deck)
    if "" in found:
        _picture_fill(prs.slide_master, found[""])
    for kind in ("title", "section"):
        if kind in found and found[kind] != found.get(""):
            _picture_fill(layouts[kind], found[kind])


def _picture_fill(owner, image: Path) -> None:
    """Set the background of a master or layout to `image`, stretched over the slide."""
    _, rid = owner.part.get_or_add_image_part(str(image))
    owner.background.fill.solid()           # makes p:bg/p:bgPr (with its effect list)
    props = owner._element.cSld.bg.find(qn("p:bgPr"))
    fill = props.find(qn("a:solidFill"))
    blip_fill = etree.Element(qn("a:blipFill"), dpi="0", rotWithShape="1")
    etree.SubElement(blip_fill, qn("a:blip")).set(R_EMBED, rid)
    etree.SubElement(blip_fill, qn("a:srcRect"))
    etree.SubElement(etree.SubElement(blip_fill, qn("a:stretch")), qn("a:fillRect"))
    props.replace(fill, blip_fill)
