"""`python scripts/init_cosmos.py` against the Cosmos emulator, run as an operator would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from azure.cosmos import PartitionKey

from common.store.cosmos import CONTAINERS, DOCUMENTS, PARTITION_PATH, CosmosStore, cosmos_client
from tests.azure_servers import REPO, CosmosEmulator

pytestmark = [pytest.mark.integration, pytest.mark.azure]

SCRIPT = REPO / "scripts" / "init_cosmos.py"


def run_init(emulator: CosmosEmulator, database: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COSMOS_", "AZURE_", "ENVIRONMENT"))}
    env |= {
        "ENVIRONMENT": "test",
        "COSMOS_ENDPOINT": emulator.endpoint,
        "COSMOS_KEY": emulator.key,
        "COSMOS_DATABASE": database,
        "PYTHONPATH": str(REPO),  # what `make install` (pip install --editable .) gives the venv
    }
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        cwd=Path("/"),  # the script must find its package from anywhere
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_init_creates_everything_then_finds_it_all_there(cosmos_emulator: CosmosEmulator) -> None:
    database = cosmos_emulator.fresh_database()
    first = run_init(cosmos_emulator, database)
    assert first.returncode == 0, first.stderr
    assert f"created database {database}" in first.stdout
    for spec in CONTAINERS:
        assert f"created container {spec.name}" in first.stdout

    again = run_init(cosmos_emulator, database)
    assert again.returncode == 0, again.stderr
    assert "created" not in again.stdout
    assert f"database {database} exists" in again.stdout
    for spec in CONTAINERS:
        assert f"container {spec.name} exists" in again.stdout


def test_init_sets_partition_keys_indexing_and_ttl(cosmos_emulator: CosmosEmulator) -> None:
    database = cosmos_emulator.fresh_database()
    assert run_init(cosmos_emulator, database).returncode == 0
    db = cosmos_client(cosmos_emulator.endpoint, cosmos_emulator.key).get_database_client(database)
    for spec in CONTAINERS:
        properties = db.get_container_client(spec.name).read()
        assert properties["partitionKey"]["paths"] == [PARTITION_PATH]
        assert properties.get("defaultTtl") == spec.default_ttl
    documents = db.get_container_client(DOCUMENTS).read()
    excluded = {p["path"] for p in documents["indexingPolicy"]["excludedPaths"]}
    assert {"/analysis/*", "/text/*"} <= excluded


def test_init_restores_a_drifted_indexing_policy(cosmos_emulator: CosmosEmulator) -> None:
    database = cosmos_emulator.fresh_database()
    CosmosStore.from_settings(cosmos_emulator.settings(database)).ensure_containers()
    db = cosmos_client(cosmos_emulator.endpoint, cosmos_emulator.key).get_database_client(database)
    db.replace_container(DOCUMENTS, partition_key=PartitionKey(path=PARTITION_PATH), indexing_policy={})

    fixed = run_init(cosmos_emulator, database)
    assert fixed.returncode == 0, fixed.stderr
    assert f"updated container {DOCUMENTS}" in fixed.stdout
    assert f"container {DOCUMENTS} exists" in run_init(cosmos_emulator, database).stdout


def test_production_refuses_the_emulator_key(cosmos_emulator: CosmosEmulator) -> None:
    database = cosmos_emulator.fresh_database()
    refused = run_init(cosmos_emulator, database, "--production")
    assert refused.returncode != 0
    assert "well-known key" in refused.stderr
    assert cosmos_emulator.key not in refused.stderr + refused.stdout
    client = cosmos_client(cosmos_emulator.endpoint, cosmos_emulator.key)
    assert database not in {d["id"] for d in client.list_databases()}
