"""The error codes extraction fails with (CONTRACT.md), and the error that carries one with a message for a person."""

from __future__ import annotations

import re
from collections.abc import Iterable

FILE_CORRUPT = "file_corrupt"
PDF_ENCRYPTED = "pdf_encrypted"
NO_TEXT = "no_text"
TOO_MANY_PAGES = "too_many_pages"
UNSUPPORTED_TYPE = "unsupported_type"


class ExtractionError(Exception):
    """The file cannot be turned into text; retrying will not help."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def too_many_pages(page_count: int | str, max_pages: int) -> ExtractionError:
    return ExtractionError(
        TOO_MANY_PAGES,
        f"This document has {page_count} pages; the limit is {max_pages}. Split it into smaller files "
        "and upload them separately.",
    )


def check_page_count(page_count: int, max_pages: int) -> None:
    if page_count > max_pages:
        raise too_many_pages(page_count, max_pages)


_VISIBLE = re.compile(r"\S")


def has_visible_chars(texts: Iterable[str], at_least: int) -> bool:
    """Whether the texts hold `at_least` visible (non-space) characters between them; what has fewer is `no_text`.

    Stops at the `at_least`-th, so a long page costs no more than a short one.
    """
    found = 0
    for text in texts:
        for _ in _VISIBLE.finditer(text):
            found += 1
            if found >= at_least:
                return True
    return found >= at_least
