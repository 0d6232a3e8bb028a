"""The blob store: uploaded files, extracted text and export ZIPs, named under their owner's prefix."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Protocol

from common.config import Settings

CHUNK = 1024 * 1024


class BlobNotFound(Exception):
    """No blob by that name."""


class BlobUnavailable(Exception):
    """The blob service failed in a way worth retrying."""


def owner_prefix(owner_email: str) -> str:
    """A stable, path-safe prefix per owner that does not show the e-mail."""
    return hashlib.sha256(owner_email.encode()).hexdigest()[:32]


def blob_name(owner_email: str, *parts: str) -> str:
    return "/".join((owner_prefix(owner_email), *parts))


class BlobStore(Protocol):
    def ping(self) -> None: ...
    def upload_file(self, name: str, path: Path, content_type: str, sha256: str | None = None) -> None: ...
    def upload_bytes(self, name: str, data: bytes, content_type: str) -> None: ...
    def download_to(self, name: str, path: Path) -> None: ...
    def read_bytes(self, name: str) -> bytes: ...
    def open_chunks(self, name: str) -> Iterator[bytes]: ...
    def exists(self, name: str) -> bool: ...
    def size(self, name: str) -> int: ...
    def delete(self, name: str) -> None: ...
    def delete_prefix(self, prefix: str) -> int: ...


def copy_stream(source: IO[bytes], target: IO[bytes]) -> int:
    total = 0
    while chunk := source.read(CHUNK):
        target.write(chunk)
        total += len(chunk)
    return total


def open_blobs(settings: Settings) -> BlobStore:
    """Azure Blob Storage when its settings are given, else a folder under DATA_DIR."""
    if settings.uses_azure_blobs:
        from common.blobs.azure import AzureBlobStore

        return AzureBlobStore.from_settings(settings)
    from common.blobs.local import LocalBlobStore

    return LocalBlobStore(settings.data_dir / "blobs")
