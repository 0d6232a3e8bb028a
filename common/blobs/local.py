"""Blobs as files in a folder: the default for `make run`."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from common.blobs import CHUNK, BlobNotFound, copy_stream


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, name: str) -> Path:
        path = (self.root / name).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            raise ValueError(f"blob name escapes the store: {name!r}")
        return path

    def ping(self) -> None:
        probe = self.root / ".ping"
        probe.write_bytes(b"ok")
        probe.unlink()

    def _temp_beside(self, name: str) -> tempfile._TemporaryFileWrapper[bytes]:
        target = self._path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        return tempfile.NamedTemporaryFile(dir=target.parent, prefix=".part-", delete=False)

    def upload_file(self, name: str, path: Path, content_type: str, sha256: str | None = None) -> None:
        with self._temp_beside(name) as tmp, path.open("rb") as source:
            copy_stream(source, tmp)
        os.replace(tmp.name, self._path(name))

    def upload_bytes(self, name: str, data: bytes, content_type: str) -> None:
        with self._temp_beside(name) as tmp:
            tmp.write(data)
        os.replace(tmp.name, self._path(name))

    def download_to(self, name: str, path: Path) -> None:
        try:
            shutil.copyfile(self._path(name), path)
        except FileNotFoundError as exc:
            raise BlobNotFound(name) from exc

    def read_bytes(self, name: str) -> bytes:
        try:
            return self._path(name).read_bytes()
        except FileNotFoundError as exc:
            raise BlobNotFound(name) from exc

    def open_chunks(self, name: str) -> Iterator[bytes]:
        path = self._path(name)
        if not path.is_file():
            raise BlobNotFound(name)
        return self._chunks(path)

    @staticmethod
    def _chunks(path: Path) -> Iterator[bytes]:
        with path.open("rb") as source:
            while chunk := source.read(CHUNK):
                yield chunk

    def exists(self, name: str) -> bool:
        return self._path(name).is_file()

    def size(self, name: str) -> int:
        try:
            return self._path(name).stat().st_size
        except FileNotFoundError as exc:
            raise BlobNotFound(name) from exc

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> int:
        folder = self._path(prefix)
        if not folder.is_dir():
            return 0
        count = sum(1 for p in folder.rglob("*") if p.is_file())
        shutil.rmtree(folder)
        return count
