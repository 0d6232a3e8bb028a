"""Receiving an upload: streamed to a temporary file while hashing, typed by its content."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from common.blobs import CHUNK
from common.filetypes import ACCEPTED_IN_WORDS, sniff_type
from web.errors import ApiError


@dataclass(frozen=True)
class Received:
    path: Path
    size: int
    sha256: str
    content_type: str


def receive(stream: IO[bytes], target: Path, max_bytes: int) -> Received:
    """Copy the upload to `target`, hashing as it goes; 400/413/415 errors for what cannot be accepted."""
    digest = hashlib.sha256()
    size = 0
    with target.open("wb") as out:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise ApiError(
                    413, "file_too_large", f"The file is larger than {max_bytes // (1024 * 1024)} MiB."
                )
            digest.update(chunk)
            out.write(chunk)
    if size == 0:
        raise ApiError(400, "empty_file", "The file is empty.")
    content_type = sniff_type(target)
    if content_type is None:
        raise ApiError(
            415,
            "unsupported_type",
            f"Upload {ACCEPTED_IN_WORDS}.",
        )
    return Received(target, size, digest.hexdigest(), content_type)


_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


def display_name(raw: str | None) -> str:
    """The file name as the user will see it: no path, no control characters, bounded length."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("", name).strip()
    return name[:200] or "document"
