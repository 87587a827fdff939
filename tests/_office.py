"""LibreOffice and poppler, driven as a user's machine would: PPTX → PDF → word boxes."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from conftest import require_tool
from lxml import etree
from pptx import Presentation
from pptx.util import Emu

# A fontconfig that knows every font but Carlito and Calibri: what a laptop without
# the deck's font sees (tech brief: rendering with a substituted font).
HIDE_FONTS = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <selectfont><rejectfont>
    <pattern><patelt name="family"><string>Carlito</string></patelt></pattern>
    <pattern><patelt name="family"><string>Calibri</string></patelt></pattern>
  </rejectfont></selectfont>
</fontconfig>
"""


def to_pdf(pptx_path: Path, work: Path, hide_font: bool = False) -> Path:
    """Convert with a fresh LibreOffice profile (two soffice sharing one profile fail)."""
    soffice = require_tool("soffice", "libreoffice")
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    if hide_font:
        conf = work / "fonts.conf"
        conf.write_text(HIDE_FONTS, encoding="utf-8")
        env["FONTCONFIG_FILE"] = str(conf)
    profile = work / "profile"
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(work), str(pptx_path)],
                   check=True, capture_output=True, timeout=240, env=env)
    pdf = work / (pptx_path.stem + ".pdf")
    assert pdf.is_file(), "LibreOffice wrote no PDF"
    return pdf


def pdf_fonts(pdf: Path) -> str:
    """Return `pdffonts` output: which fonts the PDF embeds."""
    return subprocess.run([require_tool("pdffonts"), str(pdf)], check=True,
                          capture_output=True, text=True).stdout


@dataclass(frozen=True)
class Word:
    page: int          # 0-based
    text: str
    x0: float          # points, from the page's top left
    y0: float
    x1: float
    y1: float

    @property
    def middle(self) -> tuple[float, float]:
        return (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2


def words(pdf: Path) -> list[Word]:
    """Return every word poppler finds in the PDF, with its box in points."""
    out = subprocess.run([require_tool("pdftotext"), "-bbox", str(pdf), "-"], check=True,
                         capture_output=True).stdout
    root = etree.fromstring(out, etree.XMLParser(recover=True))
    found = []
    for n, page in enumerate(root.iter("{*}page")):
        for w in page.iter("{*}word"):
            found.append(Word(n, w.text or "", *(float(w.get(k)) for k in
                                                  ("xMin", "yMin", "xMax", "yMax"))))
    return found


PT = 12700   # EMU per point


def boxes(pptx_path: Path):
    """Return per slide: the text shapes' and pictures' boxes in points (visible ones)."""
    prs = Presentation(str(pptx_path))
    slides = []
    for slide in prs.slides:
        texts, pictures = [], []
        for shape in slide.shapes:
            if shape._element.xpath("./*[1]/p:cNvPr/@hidden") == ["1"]:
                continue
            box = (Emu(shape.left) / PT, Emu(shape.top) / PT,
                   Emu(shape.left + shape.width) / PT, Emu(shape.top + shape.height) / PT)
            (texts if shape.has_text_frame and shape.text_frame.text.strip()
             else pictures if shape.shape_type == 13 else []).append((box, shape))
        slides.append((texts, pictures))
    return slides


def inside(point, box, slack=1.0) -> bool:
    """Return whether a point lies in a box (points), give or take `slack`."""
    x, y = point
    return box[0] - slack <= x <= box[2] + slack and box[1] - slack <= y <= box[3] + slack


def words_outside_their_boxes(pptx_path: Path, pdf: Path) -> list[tuple[int, str]]:
    """Return (slide number, word) for every word of the rendered PDF that is outside
    every text box of its slide, or on a picture (unless on a band drawn over the
    picture: a full-bleed caption, see `bands`)."""
    slides = boxes(pptx_path)
    over = bands(pptx_path)
    outside = []
    for w in words(pdf):
        texts, pictures = slides[w.page]
        if not any(inside(w.middle, box) for box, _ in texts) or any(
                inside(w.middle, box, slack=-1.0) and not any(
                    inside(w.middle, band) and order > _order(shape)
                    for band, order in over[w.page]) for box, shape in pictures):
            outside.append((w.page + 1, w.text))
    return outside


def bands(pptx_path: Path) -> list[list[tuple[tuple[float, float, float, float], int]]]:
    """Return per slide the boxes (points) and drawing order of the full-bleed bands:
    the filled shapes a caption sits on, over the picture."""
    prs = Presentation(str(pptx_path))
    return [[((Emu(sh.left) / PT, Emu(sh.top) / PT, Emu(sh.left + sh.width) / PT,
               Emu(sh.top + sh.height) / PT), _order(sh))
             for sh in slide.shapes if sh.name.startswith("band ")] for slide in prs.slides]


def _order(shape) -> int:
    """Return the shape's place in its slide's drawing order (later is drawn on top)."""
    return list(shape._element.getparent()).index(shape._element)
