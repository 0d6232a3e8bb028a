"""Uploaded page images (PNG, JPEG, TIFF) with Pillow: how many pages, and each page as an image for OCR.

A multi-page TIFF is one document, a page per frame. A frame larger than `MAX_PAGE_PIXELS` (a letter page at
about 1000 dpi) is refused before it is decoded, as is anything Pillow cannot parse.
"""

from __future__ import annotations

import struct
import warnings
import zlib
from collections.abc import Iterator
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from worker.extract_errors import FILE_CORRUPT, ExtractionError, too_many_pages

MAX_PAGE_PIXELS = 100_000_000
_IMAGE_ERRORS: tuple[type[BaseException], ...] = (
    UnidentifiedImageError,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,  # raised as an error by _open
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    struct.error,
    zlib.error,
)


def count_frames(path: Path, max_pages: int) -> int:
    """The number of pages; a TIFF's frames are counted only up to the page budget, then it is refused."""
    try:
        with _open(path) as image:
            frames = 1
            while frames <= max_pages:
                try:
                    image.seek(frames)
                except EOFError:
                    break
                frames += 1
    except _IMAGE_ERRORS as exc:
        raise image_corrupt() from exc
    if frames > max_pages:
        raise too_many_pages(f"more than {max_pages}", max_pages)
    return frames


def page_images(path: Path, pages: list[int]) -> Iterator[Image.Image]:
    """The given pages (frames) as upright RGB or greyscale images, one at a time, in order."""
    try:
        with _open(path) as image:
            for number in pages:
                image.seek(number)
                _check_size(image)
                frame = ImageOps.exif_transpose(image)  # a phone photo's rotation lives in EXIF
                yield frame.convert("L") if frame.mode not in ("L", "RGB") else frame.copy()
    except ExtractionError:
        raise
    except _IMAGE_ERRORS as exc:
        raise image_corrupt() from exc


def _open(path: Path) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = Image.open(path)
    _check_size(image)
    return image


def _check_size(image: Image.Image) -> None:
    width, height = image.size
    if width * height > MAX_PAGE_PIXELS:
        raise ExtractionError(
            FILE_CORRUPT,
            f"This image is {width}×{height} pixels, too large to be a page; scan or photograph it at 300 dpi.",
        )


def image_corrupt() -> ExtractionError:
    return ExtractionError(
        FILE_CORRUPT, "This image is damaged or incomplete and cannot be read; save or scan it again."
    )
