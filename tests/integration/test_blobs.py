"""One blob-store suite, run against the folder store and against Azure Blob Storage (azurite).

Emulator notes: azurite 3.35 rejects the API version azure-storage-blob 12.31 speaks unless started with
`--skipApiVersionCheck` (the fixture does); with it, streamed block uploads, ranged downloads, prefix
listing, batch delete and SAS URLs behave as the real service does. It also sends telemetry to
Application Insights unless given `--disableTelemetry`, and refuses `--inMemoryPersistence` together
with `--location`. It cannot show a user-delegation SAS (no Entra ID), so only the account-key SAS is tested.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from azure.storage.blob import BlobServiceClient, ExponentialRetry

from common.blobs import CHUNK, BlobNotFound, BlobStore, BlobUnavailable, blob_name
from common.blobs.azure import AzureBlobStore
from common.blobs.local import LocalBlobStore
from tests.azure_servers import Azurite

pytestmark = pytest.mark.integration

TEN_MB = 10 * 1024 * 1024
_containers = itertools.count(1)


@pytest.fixture(params=["local", pytest.param("azurite", marks=pytest.mark.azure)])
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    """A fresh, empty store per test: a new folder, or a new container (created on first use) in azurite."""
    if request.param == "local":
        yield LocalBlobStore(tmp_path / "blobs")
        return
    server: Azurite = request.getfixturevalue("azurite")
    yield AzureBlobStore.from_settings(server.settings(f"test-{os.getpid()}-{next(_containers)}"))


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A 10 MB file of random bytes and its SHA-256."""
    path = tmp_path_factory.mktemp("big") / "big.bin"
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for _ in range(TEN_MB // CHUNK):
            chunk = os.urandom(CHUNK)
            digest.update(chunk)
            out.write(chunk)
    return path, digest.hexdigest()


def sha256_of(path: Path) -> str:
    with path.open("rb") as source:
        return hashlib.file_digest(source, "sha256").hexdigest()


def test_a_10_mb_file_round_trips_unchanged(
    blobs: BlobStore, big_file: tuple[Path, str], tmp_path: Path
) -> None:
    path, digest = big_file
    name = blob_name("a@example.com", "doc1", "original.pdf")
    blobs.upload_file(name, path, "application/pdf", digest)
    target = tmp_path / "downloaded.bin"
    blobs.download_to(name, target)
    assert sha256_of(target) == digest
    assert blobs.size(name) == TEN_MB


def test_open_chunks_streams_the_blob_in_pieces(blobs: BlobStore, big_file: tuple[Path, str]) -> None:
    path, digest = big_file
    blobs.upload_file("owner/doc/original.bin", path, "application/octet-stream")
    chunks = list(blobs.open_chunks("owner/doc/original.bin"))
    assert len(chunks) > 1
    assert max(len(c) for c in chunks) < TEN_MB
    assert hashlib.sha256(b"".join(chunks)).hexdigest() == digest


def test_bytes_round_trip(blobs: BlobStore) -> None:
    blobs.upload_bytes("owner/doc/text.txt", b"Governing law: Delaware.", "text/plain")
    assert blobs.read_bytes("owner/doc/text.txt") == b"Governing law: Delaware."


def test_uploading_again_replaces_the_blob(blobs: BlobStore) -> None:
    blobs.upload_bytes("owner/doc/a.txt", b"first", "text/plain")
    blobs.upload_bytes("owner/doc/a.txt", b"second", "text/plain")
    assert blobs.read_bytes("owner/doc/a.txt") == b"second"


def test_exists_size_and_delete(blobs: BlobStore) -> None:
    blobs.upload_bytes("owner/doc/a.txt", b"12345", "text/plain")
    assert blobs.exists("owner/doc/a.txt")
    assert blobs.size("owner/doc/a.txt") == 5
    blobs.delete("owner/doc/a.txt")
    assert not blobs.exists("owner/doc/a.txt")
    blobs.delete("owner/doc/a.txt")


def test_delete_prefix_removes_only_that_folder(blobs: BlobStore) -> None:
    for name in (
        "alice/doc1/a.txt",
        "alice/doc1/b.txt",
        "alice/doc2/c.txt",
        "alice2/doc1/a.txt",
        "bob/x.txt",
    ):
        blobs.upload_bytes(name, b"x", "text/plain")
    assert blobs.delete_prefix("alice") == 3
    assert not blobs.exists("alice/doc1/a.txt")
    assert not blobs.exists("alice/doc2/c.txt")
    assert blobs.exists("alice2/doc1/a.txt")
    assert blobs.exists("bob/x.txt")
    assert blobs.delete_prefix("alice") == 0


def test_a_missing_blob_is_blob_not_found(blobs: BlobStore, tmp_path: Path) -> None:
    missing = "owner/doc/missing.pdf"
    assert not blobs.exists(missing)
    with pytest.raises(BlobNotFound):
        blobs.read_bytes(missing)
    with pytest.raises(BlobNotFound):
        blobs.size(missing)
    with pytest.raises(BlobNotFound):
        blobs.open_chunks(missing)
    with pytest.raises(BlobNotFound):
        blobs.download_to(missing, tmp_path / "out.bin")
    assert not (tmp_path / "out.bin").exists()


def test_ping_answers_when_the_store_is_reachable(blobs: BlobStore) -> None:
    blobs.ping()


@pytest.mark.azure
def test_azure_keeps_content_type_and_sha256(azurite: Azurite, big_file: tuple[Path, str]) -> None:
    blobs = AzureBlobStore.from_settings(azurite.settings("test-metadata"))
    path, digest = big_file
    blobs.upload_file("owner/doc/original.pdf", path, "application/pdf")
    blobs.upload_bytes("owner/doc/text.txt", b"text", "text/plain; charset=utf-8")
    container = blobs._container()  # the SDK's view, to check what reached the service
    pdf = container.get_blob_client("owner/doc/original.pdf").get_blob_properties()
    text = container.get_blob_client("owner/doc/text.txt").get_blob_properties()
    assert (pdf.content_settings.content_type, pdf.metadata["sha256"]) == ("application/pdf", digest)
    assert text.metadata["sha256"] == hashlib.sha256(b"text").hexdigest()


@pytest.mark.azure
def test_azure_sas_url_reads_the_blob_with_plain_http(azurite: Azurite) -> None:
    blobs = AzureBlobStore.from_settings(azurite.settings("test-sas"))
    blobs.upload_bytes("owner/export.zip", b"PK zip bytes", "application/zip")
    url = blobs.sas_url("owner/export.zip", minutes=5)
    assert "sig=" in url
    with urllib.request.urlopen(url, timeout=5) as answer:
        assert answer.read() == b"PK zip bytes"


@pytest.mark.azure
def test_azure_unreachable_is_blob_unavailable(azurite: Azurite) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dead = azurite.connection_string.replace(
        azurite.blob_endpoint, f"http://127.0.0.1:{port}/devstoreaccount1"
    )
    service = BlobServiceClient.from_connection_string(dead, retry_policy=ExponentialRetry(retry_total=0))
    blobs = AzureBlobStore(service, "unreachable")
    with pytest.raises(BlobUnavailable):
        blobs.ping()
    with pytest.raises(BlobUnavailable):
        blobs.read_bytes("owner/doc/a.txt")
