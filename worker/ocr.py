"""Text recognition (OCR) of page images with Tesseract: pages in, text per page out.

Tesseract is Debian's (`tesseract-ocr`, `tesseract-ocr-eng`), driven through pytesseract, which runs the
`tesseract` command once a page. tesserocr binds the library in-process, but its wheels bring their own build
of Tesseract instead of Debian's, and its own users measure the per-page process start at well under 1 % of the
recognition time; a process per page also bounds a pathological page by a timeout and returns its memory.

Each page is evened out and straightened first: uneven light divided out (a phone's shadow across the page),
deskewed by the angle at which its rows of text line up best (a page fed askew into a scanner), and turned
upright by Tesseract's orientation detection when the first reading is poor (a photo taken sideways or a page
scanned upside down).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytesseract
from PIL import Image, ImageFilter, ImageMath, ImageOps, ImageStat

from common.filetypes import IMAGE_TYPES, PDF
from worker import images
from worker.extract_errors import UNSUPPORTED_TYPE, ExtractionError, check_page_count
from worker.pdf_text import open_pdf

log = logging.getLogger(__name__)

# Tesseract is built with OpenMP and would start a thread per core inside every worker process; the worker's
# processes are the parallelism, so each Tesseract keeps to one thread (its own documentation's advice).
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

RENDER_DPI = 300
# What a page may cost, in seconds of one core, when deciding how many pages fit in the OCR step's time limit
# (2-3 s measured at 300 dpi by bench/ocr.py, with room for a slower, shared machine).
SECONDS_PER_PAGE = 3
LANGUAGE = "eng"
PAGE_TIMEOUT_SECONDS = 180
# Below this mean word confidence a reading is poor enough to try the page turned by Tesseract's OSD.
_POOR_CONFIDENCE = 60.0
_MIN_WORDS_FOR_CONFIDENCE = 5
# Lighting: the paper's brightness is estimated on the page shrunk to about this width, over this window.
_PAPER_WIDTH = 250
_PAPER_WINDOW = 7
_EVEN_ENOUGH = 0.85  # darkest paper over brightest paper above which a page counts as evenly lit
# Deskew: angles tried, in degrees, and the width the page is shrunk to while trying them.
_SKEW_RANGE = 6.0
_SKEW_STEP = 0.25
_SKEW_WIDTH = 800
_TESSERACT_CONFIG = "--psm 3"

ProgressCallback = Callable[[int, int], None]  # (pages done, pages to do)


class OcrUnavailable(Exception):
    """The `tesseract` command is missing on this worker: a deployment fault, not the user's file."""


@dataclass(frozen=True)
class PageReading:
    text: str
    confidence: float  # mean word confidence, 0-100
    words: int


def ocr_document(
    path: Path,
    content_type: str,
    pages: list[int],
    *,
    max_pages: int = 10_000,
    on_page: ProgressCallback | None = None,
) -> dict[int, str]:
    """The text of each of `pages` (0-based) of a PDF or page-image file, reporting after every page."""
    check_page_count(len(pages), max_pages)
    return dict(
        zip(pages, ocr_images(page_images(path, content_type, pages), len(pages), on_page), strict=True)
    )


def max_ocr_pages(time_limit_seconds: int) -> int:
    """How many pages OCR can read within a step's time limit."""
    return max(1, time_limit_seconds // SECONDS_PER_PAGE)


def page_images(
    path: Path, content_type: str, pages: list[int], dpi: int = RENDER_DPI
) -> Iterator[Image.Image]:
    """The pages as images, one at a time: a PDF's rendered at `dpi`, an image file's frames as they are."""
    if content_type == PDF:
        yield from _rendered_pdf_pages(path, pages, dpi)
    elif content_type in IMAGE_TYPES:
        yield from images.page_images(path, pages)
    else:
        raise ExtractionError(UNSUPPORTED_TYPE, "Only PDF pages and page images can be read by OCR.")


def ocr_images(
    pages: Iterable[Image.Image], total: int, on_page: ProgressCallback | None = None
) -> Iterator[str]:
    for done, image in enumerate(pages, start=1):
        yield read_page(image).text
        if on_page is not None:
            on_page(done, total)


def read_page(image: Image.Image) -> PageReading:
    """One page's text: straightened, recognised, and turned upright and read again if it reads poorly."""
    grey = straighten(even_lighting(image.convert("L")))
    reading = recognise(grey)
    if reading.words < _MIN_WORDS_FOR_CONFIDENCE or reading.confidence < _POOR_CONFIDENCE:
        turned = _upright(grey)
        if turned is not None:
            second = recognise(turned)
            if (second.confidence, second.words) > (reading.confidence, reading.words):
                reading = second
    return reading


def recognise(image: Image.Image) -> PageReading:
    """Tesseract's words, grouped back into its lines and paragraphs, with their mean confidence."""
    try:
        data = pytesseract.image_to_data(
            image,
            lang=LANGUAGE,
            config=_TESSERACT_CONFIG,
            output_type=pytesseract.Output.DICT,
            timeout=PAGE_TIMEOUT_SECONDS,
        )
    except pytesseract.TesseractNotFoundError as exc:
        raise OcrUnavailable(
            "tesseract is not installed on this worker (apt-get install tesseract-ocr)"
        ) from exc
    except RuntimeError as exc:  # pytesseract's timeout
        log.warning("OCR of a page gave up after %s s: %s", PAGE_TIMEOUT_SECONDS, exc)
        return PageReading("", 0.0, 0)
    lines: dict[tuple[int, int, int], list[str]] = {}
    confidences = []
    for word, conf, block, par, line in zip(
        data["text"], data["conf"], data["block_num"], data["par_num"], data["line_num"], strict=True
    ):
        if not word.strip():
            continue
        lines.setdefault((block, par, line), []).append(word)
        confidences.append(float(conf))
    text = _layout(lines)
    mean = sum(confidences) / len(confidences) if confidences else 0.0
    return PageReading(text, mean, len(confidences))


def _layout(lines: dict[tuple[int, int, int], list[str]]) -> str:
    """Lines joined by newlines, paragraphs by a blank line (dicts keep Tesseract's reading order)."""
    out: list[str] = []
    previous: tuple[int, int] | None = None
    for (block, par, _), words in lines.items():
        if previous is not None and (block, par) != previous:
            out.append("")
        out.append(" ".join(words))
        previous = (block, par)
    return "\n".join(out)


def even_lighting(grey: Image.Image) -> Image.Image:
    """Divide out uneven light (a phone's shadow, a fold): each pixel over the paper's local brightness.

    The paper is the brightest thing near any point, so a max filter on the shrunk page, blurred, estimates it;
    Tesseract's global threshold then sees dark text on even white. A clean scan is left as it was.
    """
    factor = max(1, grey.width // _PAPER_WIDTH)
    paper = (
        grey.reduce(factor).filter(ImageFilter.MaxFilter(_PAPER_WINDOW)).filter(ImageFilter.GaussianBlur(2))
    )
    darkest, brightest = ImageStat.Stat(paper).extrema[0]
    if darkest >= brightest * _EVEN_ENOUGH:
        return grey  # evenly lit already (a scan): spare the full-size arithmetic
    paper = paper.resize(grey.size, Image.Resampling.BILINEAR)
    even = ImageMath.lambda_eval(
        lambda v: v["min"](v["page"] * 255 / v["max"](v["paper"], 1), 255),
        page=grey.convert("F"),
        paper=paper.convert("F"),
    )
    assert isinstance(even, Image.Image)
    return even.convert("L")


def straighten(grey: Image.Image) -> Image.Image:
    """Rotate the page by the small angle at which its text rows are most sharply separated."""
    angle = skew_angle(grey)
    if abs(angle) < _SKEW_STEP:
        return grey
    return grey.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)


def skew_angle(grey: Image.Image) -> float:
    """Projection profiles: the row-darkness variance peaks when the text lines run exactly horizontal."""
    scale = _SKEW_WIDTH / grey.width if grey.width > _SKEW_WIDTH else 1.0
    small = grey.resize((max(1, int(grey.width * scale)), max(1, int(grey.height * scale))))
    ink = ImageOps.invert(ImageOps.autocontrast(small)).point(lambda v: 255 if v > 96 else 0)
    steps = int(_SKEW_RANGE / _SKEW_STEP)
    best_angle, best_score = 0.0, -1.0
    for step in range(-steps, steps + 1):
        angle = step * _SKEW_STEP
        turned = ink.rotate(angle, resample=Image.Resampling.NEAREST, fillcolor=0)
        rows = turned.resize((1, turned.height), Image.Resampling.BOX)
        score = ImageStat.Stat(rows).var[0]
        if score > best_score:
            best_angle, best_score = angle, score
    return best_angle


def _upright(grey: Image.Image) -> Image.Image | None:
    """The page turned as Tesseract's orientation detection says, or None when it is upright or unsure."""
    try:
        osd = pytesseract.image_to_osd(
            grey, output_type=pytesseract.Output.DICT, config="--psm 0", timeout=PAGE_TIMEOUT_SECONDS
        )
    except (pytesseract.TesseractError, RuntimeError):
        return None  # too little text to tell
    rotate = int(osd.get("rotate", 0))
    if rotate % 360 == 0:
        return None
    # OSD says how far to rotate clockwise to make the page upright; PIL rotates counter-clockwise.
    return grey.rotate(-rotate, expand=True, fillcolor=255)


def _rendered_pdf_pages(path: Path, pages: list[int], dpi: int) -> Iterator[Image.Image]:
    pdf = open_pdf(path)
    try:
        for number in pages:
            page = pdf[number]
            try:
                width, height = page.get_size()  # in points
                # A page drawn enormous (a PDF bomb, a poster) is rendered no larger than a page image may be.
                scale = min(dpi / 72, (images.MAX_PAGE_PIXELS / max(width * height, 1.0)) ** 0.5)
                image = page.render(scale=scale, grayscale=True).to_pil().copy()
            finally:
                page.close()
            yield image
    finally:
        pdf.close()
