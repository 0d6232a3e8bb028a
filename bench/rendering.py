"""Contract text drawn onto page images as a scanner or a phone would give them: for bench/ocr.py and the tests.

Letter pages, one-inch margins, an 11-point serif (DejaVu Serif from Debian's fonts-dejavu-core, else Pillow's
own font), optionally turned a few degrees and given mild sensor noise and blur.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

_FONT_FILES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
)


@dataclass(frozen=True)
class Scan:
    dpi: int = 300
    skew_degrees: float = 0.0
    noise: float = 0.0  # share of gaussian noise blended in, 0-1
    blur: float = 0.0  # gaussian blur radius in pixels
    seed: int = 0


def _font(dpi: int, points: float = 11.0) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    size = round(points * dpi / 72)
    for path in _FONT_FILES:
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def wrap(text: str, dpi: int) -> list[list[str]]:
    """The text as the lines of each page: words wrapped to the text width, paragraphs kept."""
    font = _font(dpi)
    width = int(6.5 * dpi)
    line_height = int(11 * 1.35 * dpi / 72)
    lines_per_page = int(9 * dpi) // line_height
    lines: list[str] = []
    for paragraph in text.splitlines():
        words = paragraph.split()
        if not words:
            lines.append("")
            continue
        current = words[0]
        for word in words[1:]:
            candidate = f"{current} {word}"
            if font.getlength(candidate) <= width:
                current = candidate
            else:
                lines.append(current)
                current = word
        lines.append(current)
    return [lines[i : i + lines_per_page] for i in range(0, len(lines), lines_per_page)]


def render(lines: list[str], scan: Scan) -> Image.Image:
    """One page image of the given lines, as `scan` says."""
    dpi = scan.dpi
    font = _font(dpi)
    page = Image.new("L", (int(8.5 * dpi), int(11 * dpi)), 255)
    draw = ImageDraw.Draw(page)
    line_height = int(11 * 1.35 * dpi / 72)
    for number, line in enumerate(lines):
        draw.text((dpi, dpi + number * line_height), line, font=font, fill=0)
    if scan.skew_degrees:
        page = page.rotate(scan.skew_degrees, resample=Image.Resampling.BICUBIC, fillcolor=255)
    if scan.blur:
        page = page.filter(ImageFilter.GaussianBlur(scan.blur))
    if scan.noise:
        random.seed(scan.seed)
        noise = Image.effect_noise(page.size, 64)
        page = Image.blend(page, noise, scan.noise)
    return page


def page_text(lines: list[str]) -> str:
    return "\n".join(lines)
