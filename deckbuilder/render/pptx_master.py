"""The PPTX's slide master, layouts, theme and sections: what makes it a PowerPoint deck.

python-pptx's default template already has a master with the standard layouts; here
they are cut to the ones deckbuilder uses and named for what they hold, and the
theme part gets the deck's colours (`a:clrScheme`) and font (`a:fontScheme`), so
Design → Variants and Replace Fonts work on the deck. Spec sections become
PowerPoint sections (`p14:sectionLst`), with constant GUIDs for byte-identical files.
"""

from __future__ import annotations

import uuid
from typing import Sequence

from lxml import etree
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml.ns import qn

from deckbuilder.model import Deck, Slide, Template
from deckbuilder.render.pptx_text import rgb

# deckbuilder's slide kinds → the layout each is placed on.
LAYOUT_OF = {"title": "Title Slide", "section": "Section Header",
             "image": "Picture with Caption", "multi-image": "Picture with Caption",
             "text": "Title and Content", "credits": "Credits", "closing": "Closing"}
# The default template's layouts kept, under the names deckbuilder gives them.
_KEPT = {"Title Slide": "Title Slide", "Title and Content": "Title and Content",
         "Section Header": "Section Header", "Two Content": "Credits", "Title Only": "Closing",
         "Blank": "Blank", "Picture with Caption": "Picture with Caption"}
P14 = "http://schemas.microsoft.com/office/powerpoint/2010/main"
SECTIONS_EXT = "{521415D9-36F7-43E2-AB2F-B90AF26B5E84}"
DEFAULT_SECTION = "Default Section"   # PowerPoint's own name for slides before a section
_GUIDS = uuid.UUID("6f1f0f8e-5c1b-4d2b-9a43-6465636b6275")   # namespace for section ids


def prepare(prs, deck: Deck) -> dict[str, object]:
    """Set up master, layouts and theme for `deck`; return the layout for each slide kind."""
    master = prs.slide_master
    fill = master.background.fill
    fill.solid()
    fill.fore_color.rgb = rgb(deck.background)
    _theme(prs, deck)
    _bullets(master, deck.bullet)
    layouts = {}
    for layout in list(master.slide_layouts):
        name = _KEPT.get(layout.name)
        if name is None:
            master.slide_layouts.remove(layout)
            continue
        layout._element.cSld.set("name", name)
        for run in layout._element.iter(qn("a:defRPr")):
            run.attrib.pop("cap", None)   # Section Header's all-caps title: the theme decides
        layouts[name] = layout
    return {kind: layouts[name] for kind, name in LAYOUT_OF.items()} | {"": layouts["Blank"]}


def template_layouts(prs, template: Template) -> dict[str, object]:
    """Remove the template's own slides; return its layout for each slide kind."""
    ids = prs.slides._sldIdLst
    for sld in list(ids):
        prs.part.drop_rel(sld.rId)
        ids.remove(sld)
    by_name = {lay.name: lay for m in prs.slide_masters for lay in m.slide_layouts}
    layouts = {kind: by_name[name] for kind, name in template.layouts.items()}
    return layouts | {"": min(by_name.values(), key=lambda lay: len(lay.placeholders))}


def _theme(prs, deck: Deck) -> None:
    """Put the deck's colours and font into the theme part."""
    part = prs.slide_master.part.part_related_by(RT.THEME)
    root = etree.fromstring(part.blob)
    slots = {"a:dk1": deck.text, "a:lt1": deck.background, "a:accent1": deck.accent,
             "a:hlink": deck.link, "a:folHlink": deck.link}
    for name, colour in slots.items():
        for slot in root.iter(qn(name)):
            for child in list(slot):
                slot.remove(child)
            etree.SubElement(slot, qn("a:srgbClr")).set("val", colour.lstrip("#").upper())
    # python-pptx's default theme (never a speaker's) has every element found below.
    for scheme in ("a:majorFont", "a:minorFont"):
        for font in root.iter(qn(scheme)):
            font.find(qn("a:latin")).set("typeface", deck.font)  # type: ignore[union-attr]
            _script_fonts(font, deck)
    elements = root.find(qn("a:themeElements"))
    elements.find(qn("a:clrScheme")).set("name", deck.theme)  # type: ignore[union-attr]
    elements.find(qn("a:fontScheme")).set("name", deck.font)  # type: ignore[union-attr]
    root.set("name", f"deckbuilder {deck.theme}")
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# The font scheme's script slots the fallback faces fill (OOXML script tags, ISO 15924).
SCRIPT_OF = {"ko": "Hang", "ja": "Jpan", "zh": "Hans", "ar": "Arab", "he": "Hebr",
             "hi": "Deva"}


def _script_fonts(scheme, deck: Deck) -> None:
    """Name the deck's East Asian and complex-script faces in a major/minor font: its
    `a:ea` and `a:cs` (the first face of the chain for each) and the per-script entries
    (Hang, Jpan, Hans, Arab, Hebr, Deva), so text typed later gets the same faces."""
    for slot in ("ea", "cs"):
        face = next((f for f in deck.faces if f.slot == slot), None)
        element = scheme.find(qn(f"a:{slot}"))
        if face is not None and element is not None:
            element.set("typeface", face.family)
    by_script = {SCRIPT_OF[f.lang]: f.family for f in reversed(deck.faces)
                 if f.lang in SCRIPT_OF}
    for entry in scheme.iter(qn("a:font")):
        if entry.get("script") in by_script:
            entry.set("typeface", by_script.pop(entry.get("script")))
    for script, family in sorted(by_script.items()):
        etree.SubElement(scheme, qn("a:font"), script=script, typeface=family)


def _bullets(master, bullet: str) -> None:
    """Make the master's list style use the theme's bullet at every level."""
    body = master._element.find(qn("p:txStyles")).find(qn("p:bodyStyle"))
    for char in body.iter(qn("a:buChar")):
        char.set("char", bullet)


def sections(prs, slides: Sequence[Slide]) -> None:
    """Add a PowerPoint section for every section slide (earlier slides in a default one)."""
    ids = [s.get("id") for s in prs.slides._sldIdLst]
    groups: list[tuple[str, list[str]]] = []
    for planned, sid in zip(slides, ids):
        if planned.kind == "section" or not groups:
            groups.append((planned.title if planned.kind == "section" else DEFAULT_SECTION, []))
        groups[-1][1].append(sid)
    if not any(s.kind == "section" for s in slides):
        return   # a deck without sections has one unnamed section anyway
    ext_list = prs.part._element.find(qn("p:extLst"))
    if ext_list is None:
        ext_list = etree.SubElement(prs.part._element, qn("p:extLst"))
    ext = etree.SubElement(ext_list, qn("p:ext"), uri=SECTIONS_EXT)
    listing = etree.SubElement(ext, f"{{{P14}}}sectionLst", nsmap={"p14": P14})
    for n, (name, members) in enumerate(groups):
        guid = "{" + str(uuid.uuid5(_GUIDS, f"{n}:{name}")).upper() + "}"
        section = etree.SubElement(listing, f"{{{P14}}}section", name=name, id=guid)
        slide_ids = etree.SubElement(section, f"{{{P14}}}sldIdLst")
        for sid in members:
            etree.SubElement(slide_ids, f"{{{P14}}}sldId", id=sid)
