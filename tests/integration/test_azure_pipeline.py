"""The whole pipeline on the Azure path: Cosmos DB and Blob Storage (their emulators), real Redis and workers."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from common.store.cosmos import CosmosStore
from tests.azure_servers import Azurite, CosmosEmulator
from tests.conftest import WORKER_SETTINGS, fresh_client
from tests.helpers import bearer, signed_in
from tests.pipeline import CONTRACT_TEXT, upload, wait_for_job
from tests.processes import RedisServer, Workers, stack_env
from tests.servers import Mailbox, free_port
from web import create_app

pytestmark = [pytest.mark.integration, pytest.mark.azure]


@pytest.fixture(scope="module")
def azure_config(
    base_config: dict[str, Any],
    cosmos_emulator: CosmosEmulator,
    azurite: Azurite,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Any]]:
    """Settings for a stack on the emulators, with a Redis of its own so the SQLite workers never see its tasks."""
    redis_server = RedisServer(free_port(), tmp_path_factory.mktemp("azure-redis"))
    redis_server.start()
    database = cosmos_emulator.fresh_database()
    config = {
        **base_config,
        **WORKER_SETTINGS,
        "redis_url": redis_server.url,
        "data_dir": tmp_path_factory.mktemp("azure-data"),
        "cosmos_endpoint": cosmos_emulator.endpoint,
        "cosmos_key": cosmos_emulator.key,
        "cosmos_database": database,
        "azure_storage_connection_string": azurite.connection_string,
        "azure_storage_container": f"documents-{database[-8:]}",
    }
    CosmosStore.from_settings(cosmos_emulator.settings(database)).ensure_containers()
    try:
        yield config
    finally:
        redis_server.stop()


@pytest.fixture(scope="module")
def azure_workers(
    azure_config: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Workers]:
    pool = Workers(stack_env(azure_config), tmp_path_factory.mktemp("azure-worker-logs"))
    try:
        pool.start_every_stage()
        yield pool
    finally:
        pool.stop_all()


def test_upload_analysis_and_export_on_cosmos_and_blob_storage(
    azure_config: dict[str, Any], azure_workers: Workers, mailbox: Mailbox, email: str, tmp_path: Path
) -> None:
    app = create_app(azure_config)
    client = fresh_client(app)
    assert client.get("/readyz").json["checks"] == {"redis": "ok", "store": "ok", "blobs": "ok"}
    tokens = signed_in(client, mailbox, email)

    answer = upload(client, tokens, "msa.txt", CONTRACT_TEXT.encode())
    assert answer.status_code == 202, answer.json
    job = wait_for_job(client, tokens, answer.json["job"]["id"], timeout=90)
    assert job["status"] == "succeeded", (job, azure_workers.by_queue["extract"].log()[-2000:])
    doc_id = answer.json["document"]["id"]
    analysis = client.get(f"/api/v1/documents/{doc_id}/analysis", headers=bearer(tokens)).json
    assert analysis["governing_law"] == "Delaware"

    export = client.post(
        f"/api/v1/documents/{doc_id}/exports", headers=bearer(tokens), json={"include_original": True}
    )
    finished = wait_for_job(client, tokens, export.json["job"]["id"], timeout=90)
    assert finished["status"] == "succeeded", finished
    zipped = client.get(finished["download_url"], headers=bearer(tokens))
    assert zipped.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(zipped.data))
    assert archive.read("original/msa.txt") == CONTRACT_TEXT.encode()

    # The records really are in Cosmos and the files in Blob Storage.
    svc = app.extensions["kraftd"]
    assert type(svc.store).__name__ == "CosmosStore"
    assert type(svc.blobs).__name__ == "AzureBlobStore"
    assert svc.blobs.exists(svc.store.get_document(email, doc_id).blob_name)
