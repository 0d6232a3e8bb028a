"""A document's extracted text as stored between the steps (`text.json` beside the original).

The extract step writes it, the OCR step fills in the pages it lists, the analyze step reads the pages and the
two facts the analysis reports: `ocr` (some page was read by OCR) and `has_tracked_changes` (a DOCX whose
unaccepted changes were read as if accepted). Older blobs were a bare list of pages; they still read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PageText:
    pages: list[str]
    ocr_pending: list[int] = field(default_factory=list)  # 0-based pages the OCR step has still to read
    ocr: bool = False
    has_tracked_changes: bool = False

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "pages": self.pages,
                "ocr_pending": self.ocr_pending,
                "ocr": self.ocr,
                "has_tracked_changes": self.has_tracked_changes,
            }
        ).encode()

    @classmethod
    def from_json(cls, data: bytes) -> PageText:
        value = json.loads(data)
        if isinstance(value, list):
            return cls([str(page) for page in value])
        return cls(
            [str(page) for page in value["pages"]],
            [int(n) for n in value.get("ocr_pending", [])],
            bool(value.get("ocr", False)),
            bool(value.get("has_tracked_changes", False)),
        )
