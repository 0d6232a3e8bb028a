"""The Azure emulators, started once per session from node_modules: Cosmos DB and Blob Storage.

A pytest plugin (`pytest_plugins = ["tests.azure_servers"]`). Each server runs as a direct `node` child on a
free port (an `npx` parent would leave the server behind when stopped) and is killed at the end of the
session. Without node_modules the fixtures skip locally; in CI (`CI` set) that is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from common.config import Settings
from common.store.cosmos import EMULATOR_KEY
from tests.servers import free_port

REPO = Path(__file__).resolve().parents[1]
COSMOS_CLI = REPO / "node_modules" / "@vercel" / "cosmosdb-server" / "lib" / "cli.js"
AZURITE_BLOB = REPO / "node_modules" / "azurite" / "dist" / "src" / "blob" / "main.js"

# Azurite's published development account, not a secret (the Cosmos one is common.store.cosmos.EMULATOR_KEY).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

STARTUP_SECONDS = 30.0


@dataclass(frozen=True)
class CosmosEmulator:
    endpoint: str
    key: str
    database: str  # fresh per session: the emulator keeps everything in memory, but may be shared

    def settings(self, database: str | None = None) -> Settings:
        return Settings(
            environment="test",
            cosmos_endpoint=self.endpoint,
            cosmos_key=self.key,
            cosmos_database=database or self.database,
        )

    def fresh_database(self) -> str:
        return f"{self.database}-{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class Azurite:
    connection_string: str
    blob_endpoint: str

    def settings(self, container: str = "documents") -> Settings:
        return Settings(
            environment="test",
            azure_storage_connection_string=self.connection_string,
            azure_storage_container=container,
        )


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def _require_node(script: Path) -> str:
    """The node binary, when it and the npm package are installed; else skip (locally) or fail (in CI)."""
    node = shutil.which("node")
    reason = None
    if node is None:
        reason = "node is not installed"
    elif not script.is_file():
        reason = f"{os.path.relpath(script, REPO)} is missing: run `npm ci` at the repository root"
    if reason is None and node is not None:
        return node
    if in_ci():
        pytest.fail(f"Azure emulator unavailable in CI: {reason}")
    pytest.skip(f"Azure emulator unavailable: {reason}")


def _wait_for_port(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"emulator exited with {proc.returncode}:\n{log.read_text(errors='replace')[-2000:]}")
        with socket.socket() as probe:
            probe.settimeout(0.2)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    _stop(proc)
    pytest.fail(f"emulator did not listen on {port} within {STARTUP_SECONDS}s:\n{log.read_text()[-2000:]}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@contextmanager
def _serve(name: str, command: list[str], port: int, workdir: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Runs `command` until the session ends; its output goes to a log file shown when it fails to start."""
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=workdir, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_for_port(proc, port, log)
        yield proc
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def cosmos_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CosmosEmulator]:
    """@vercel/cosmosdb-server over plain HTTP (with TLS it closes the connection after every answer)."""
    node = _require_node(COSMOS_CLI)
    port = free_port()
    command = [node, str(COSMOS_CLI), "--no-ssl", "--host", "127.0.0.1", "--port", str(port)]
    with _serve("cosmosdb-server", command, port, tmp_path_factory.mktemp("cosmos")):
        yield CosmosEmulator(
            endpoint=f"http://127.0.0.1:{port}",
            key=EMULATOR_KEY,
            database=f"kraftd-test-{uuid.uuid4().hex[:8]}",
        )


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    """Azurite's blob service in memory; `--skipApiVersionCheck`: the SDK speaks a newer API version."""
    node = _require_node(AZURITE_BLOB)
    port = free_port()
    workdir = tmp_path_factory.mktemp("azurite")
    command = [
        node, str(AZURITE_BLOB), "--blobHost", "127.0.0.1", "--blobPort", str(port),
        "--inMemoryPersistence", "--extentMemoryLimit", "256",
        "--skipApiVersionCheck", "--loose", "--disableTelemetry",
    ]  # fmt: skip
    with _serve("azurite", command, port, workdir):
        endpoint = f"http://127.0.0.1:{port}/{AZURITE_ACCOUNT}"
        yield Azurite(
            connection_string=(
                f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
                f"BlobEndpoint={endpoint};"
            ),
            blob_endpoint=endpoint,
        )
