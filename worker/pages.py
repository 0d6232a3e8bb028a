"""Cutting text with no pages of its own (DOCX, TXT) into pages, with the page budget enforced as it grows."""

from __future__ import annotations

from worker.extract_errors import too_many_pages

# DOCX and TXT have no pages of their own; cut them about this long, on paragraph or line boundaries.
PAGE_CHARS = 3000


class Paginator:
    """Groups paragraphs or lines into pages of about PAGE_CHARS; a longer unit gets a page of its own.

    Fails with `too_many_pages` as soon as the text is past the budget, so a huge file is refused after
    reading only what the budget allows.
    """

    def __init__(self, *, joiner: str, max_pages: int) -> None:
        self.joiner = joiner
        self.max_pages = max_pages
        self.pages: list[str] = []
        self._current: list[str] = []
        self._size = 0

    def add(self, unit: str) -> None:
        if self._current and self._size + len(unit) > PAGE_CHARS:
            self._close_page()
        self._current.append(unit)
        self._size += len(unit) + len(self.joiner)
        if len(self.pages) + self._size // PAGE_CHARS > self.max_pages:
            raise too_many_pages(f"more than {self.max_pages}", self.max_pages)

    def finish(self) -> list[str]:
        if self._current:
            self._close_page()
        return self.pages

    def _close_page(self) -> None:
        self.pages.append(self.joiner.join(self._current))
        self._current, self._size = [], 0
        if len(self.pages) > self.max_pages:
            raise too_many_pages(f"more than {self.max_pages}", self.max_pages)


def paginate(units: list[str], *, joiner: str, max_pages: int) -> list[str]:
    paginator = Paginator(joiner=joiner, max_pages=max_pages)
    for unit in units:
        paginator.add(unit)
    return paginator.finish()
