"""LibreOffice and poppler, driven as a user's machine would: PPTX → PDF → word boxes."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from conftest import require_tool

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
