"""Blobs in Azure Blob Storage: one container, names under their owner's prefix, streamed both ways."""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from azure.core.exceptions import (
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.storage.blob import (
    BlobClient,
    BlobSasPermissions,
    BlobServiceClient,
    ContainerClient,
    ContentSettings,
    ExponentialRetry,
    UserDelegationKey,
    generate_blob_sas,
)

from common.blobs import BlobNotFound, BlobUnavailable
from common.config import Settings

# Transfer tuning: above 8 MiB an upload goes in 4 MiB blocks, a download in 4 MiB ranges, 4 at a time.
_TRANSFER: dict[str, Any] = {
    "max_single_put_size": 8 * 1024 * 1024,
    "max_block_size": 4 * 1024 * 1024,
    "max_single_get_size": 4 * 1024 * 1024,
    "max_chunk_get_size": 4 * 1024 * 1024,
    "connection_timeout": 10,
    "read_timeout": 60,
}
# The SDK's default waits 15 s, 18 s, 24 s between tries: a minute before a request learns the service is
# down. Workers retry whole steps with their own backoff, so a few seconds here is enough.
_RETRY: dict[str, Any] = {
    "initial_backoff": 1,
    "increment_base": 2,
    "retry_total": 3,
    "random_jitter_range": 1,
}
_CONCURRENCY = 4
_DELETE_BATCH = 256  # the Blob batch API's limit per request
_TRANSIENT = frozenset({408, 429, 500, 502, 503, 504})
_SHA256 = "sha256"

_clients: dict[str, BlobServiceClient] = {}
_clients_lock = threading.Lock()


def service_client(connection_string: str | None, account_url: str | None) -> BlobServiceClient:
    """The process's client for this account, created once (it holds the connection pool)."""
    if not connection_string and not account_url:
        raise ValueError("AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCOUNT_URL must be set")
    cache_key = hashlib.sha256((connection_string or account_url or "").encode()).hexdigest()
    with _clients_lock:
        client = _clients.get(cache_key)
        if client is None:
            client = _new_client(connection_string, account_url)
            _clients[cache_key] = client
        return client


def _new_client(connection_string: str | None, account_url: str | None) -> BlobServiceClient:
    if connection_string:
        return BlobServiceClient.from_connection_string(
            connection_string, retry_policy=ExponentialRetry(**_RETRY), **_TRANSFER
        )
    from azure.identity import DefaultAzureCredential

    return BlobServiceClient(
        str(account_url),
        credential=DefaultAzureCredential(),
        retry_policy=ExponentialRetry(**_RETRY),
        **_TRANSFER,
    )


def _is_transient(exc: HttpResponseError) -> bool:
    return (exc.status_code or 0) in _TRANSIENT


@contextmanager
def _errors(name: str) -> Iterator[None]:
    """Azure errors as the blob store's own; messages name the blob, never the account's credentials."""
    try:
        yield
    except ResourceNotFoundError as exc:
        raise BlobNotFound(name) from exc
    except (ServiceRequestError, ServiceResponseError) as exc:
        raise BlobUnavailable(f"blob service unreachable ({type(exc).__name__}) for {name}") from exc
    except HttpResponseError as exc:
        if _is_transient(exc):
            raise BlobUnavailable(f"blob service answered HTTP {exc.status_code} for {name}") from exc
        raise


def _check_name(name: str) -> str:
    """The same names the folder store accepts: relative, no '..' segments."""
    if not name or name.startswith("/") or ".." in name.split("/"):
        raise ValueError(f"invalid blob name: {name!r}")
    return name


def _file_sha256(path: Path) -> str:
    with path.open("rb") as source:
        return hashlib.file_digest(source, "sha256").hexdigest()


class AzureBlobStore:
    def __init__(self, service: BlobServiceClient, container: str) -> None:
        self._service = service
        self._container_name = container
        self._container_client = service.get_container_client(container)
        self._container_ready = False
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> AzureBlobStore:
        service = service_client(settings.azure_storage_connection_string, settings.azure_storage_account_url)
        return cls(service, settings.azure_storage_container)

    def _container(self) -> ContainerClient:
        """The container, created on first use when it is missing."""
        if not self._container_ready:
            with self._lock, _errors(self._container_name), suppress(ResourceExistsError):
                self._container_client.create_container()
            self._container_ready = True
        return self._container_client

    def _blob(self, name: str) -> BlobClient:
        return self._container().get_blob_client(_check_name(name))

    def ping(self) -> None:
        with _errors(self._container_name):
            self._container().get_container_properties()

    def upload_file(self, name: str, path: Path, content_type: str, sha256: str | None = None) -> None:
        """Streams the file in blocks; the SHA-256 goes into the metadata (hashed here when not given)."""
        digest = sha256 or _file_sha256(path)
        blob = self._blob(name)
        with _errors(name), path.open("rb") as source:
            blob.upload_blob(
                source,
                length=path.stat().st_size,
                overwrite=True,
                max_concurrency=_CONCURRENCY,
                content_settings=ContentSettings(content_type=content_type),
                metadata={_SHA256: digest},
            )

    def upload_bytes(self, name: str, data: bytes, content_type: str) -> None:
        blob = self._blob(name)
        with _errors(name):
            blob.upload_blob(
                data,
                overwrite=True,
                max_concurrency=_CONCURRENCY,
                content_settings=ContentSettings(content_type=content_type),
                metadata={_SHA256: hashlib.sha256(data).hexdigest()},
            )

    def download_to(self, name: str, path: Path) -> None:
        """Streams into a temporary file beside `path`, then renames it: no half-written target on failure."""
        blob = self._blob(name)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".part-", delete=False) as tmp:
            try:
                with _errors(name):
                    blob.download_blob(max_concurrency=_CONCURRENCY).readinto(tmp)
            except BaseException:
                tmp.close()
                os.unlink(tmp.name)
                raise
        os.replace(tmp.name, path)

    def read_bytes(self, name: str) -> bytes:
        blob = self._blob(name)
        with _errors(name):
            return blob.download_blob(max_concurrency=_CONCURRENCY).readall()

    def open_chunks(self, name: str) -> Iterator[bytes]:
        """Raises BlobNotFound at once; the chunks then arrive one ranged GET at a time."""
        blob = self._blob(name)
        with _errors(name):
            downloader = blob.download_blob()
        return self._chunks(name, downloader.chunks())

    @staticmethod
    def _chunks(name: str, chunks: Iterator[bytes]) -> Iterator[bytes]:
        with _errors(name):
            yield from chunks

    def exists(self, name: str) -> bool:
        blob = self._blob(name)
        with _errors(name):
            return bool(blob.exists())

    def size(self, name: str) -> int:
        blob = self._blob(name)
        with _errors(name):
            return int(blob.get_blob_properties().size)

    def delete(self, name: str) -> None:
        blob = self._blob(name)
        with suppress(BlobNotFound), _errors(name):
            blob.delete_blob(delete_snapshots="include")

    def delete_prefix(self, prefix: str) -> int:
        """Deletes the blobs under `prefix/` (a folder, as locally) in batches; returns the count."""
        folder = _check_name(prefix.rstrip("/")) + "/"
        container = self._container()
        deleted = 0
        with _errors(folder):
            batch: list[str] = []
            for name in container.list_blob_names(name_starts_with=folder):
                batch.append(name)
                if len(batch) == _DELETE_BATCH:
                    deleted += self._delete_batch(container, batch)
                    batch = []
            if batch:
                deleted += self._delete_batch(container, batch)
        return deleted

    @staticmethod
    def _delete_batch(container: ContainerClient, names: list[str]) -> int:
        responses = container.delete_blobs(*names, delete_snapshots="include", raise_on_any_failure=False)
        return sum(1 for response in responses if response.status_code == 202)

    def sas_url(self, name: str, minutes: int = 15) -> str:
        """A read-only URL for one blob that expires after `minutes`.

        Signed with the account key when the connection string has one, else with a user-delegation key
        obtained through the managed identity (which needs the 'Storage Blob Delegator' role).
        """
        blob = self._blob(name)
        now = datetime.now(UTC)
        start, expiry = now - timedelta(minutes=5), now + timedelta(minutes=minutes)  # 5 min for clock skew
        signing: dict[str, Any] = {}
        account_key = getattr(self._service.credential, "account_key", None)
        if account_key:
            signing["account_key"] = account_key
        else:
            with _errors(name):
                key: UserDelegationKey = self._service.get_user_delegation_key(start, expiry)
            signing["user_delegation_key"] = key
        token = generate_blob_sas(
            account_name=str(self._service.account_name),
            container_name=self._container_name,
            blob_name=name,
            permission=BlobSasPermissions(read=True),
            start=start,
            expiry=expiry,
            **signing,
        )
        return f"{blob.url.split('?', 1)[0]}?{token}"
