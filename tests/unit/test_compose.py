"""docker-compose.yml and the Dockerfiles agree with the Procfile, the stage registry and the settings.

Docker does not run in the test environment, so these read the files instead of starting containers.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from common.config import Settings
from common.stages import QUEUES, STAGES, consumed_queues, worker_command

REPO = Path(__file__).resolve().parents[2]
WORKERS = {f"worker-{stage.queue}": stage.name for stage in STAGES}
APP_SERVICES = {"web", "beat", "cosmos-init", *WORKERS}
# Variables the processes read outside the typed settings: gunicorn's config and the Procfile's command lines.
NOT_SETTINGS = {
    "WEB_BIND",
    "WEB_PORT",
    "WEB_WORKERS",
    "WEB_THREADS",
    "WORKER_CONCURRENCY",
    "PROMETHEUS_MULTIPROC_DIR",
}
PYTHON_ENV = {
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONUNBUFFERED",
    "PIP_NO_CACHE_DIR",
    "PIP_DISABLE_PIP_VERSION_CHECK",
}
_VARIABLE = re.compile(r"\$\$?\{?([A-Za-z_][A-Za-z0-9_]*)")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = compose["services"]
    return found


def procfile() -> dict[str, str]:
    lines = (REPO / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip() and not line.startswith("#"))


def shell_command(service: dict[str, Any]) -> str:
    """The command line a service runs through `sh -c "exec ..."`, with compose's `$$` unescaped."""
    command = service["command"]
    assert command[:2] == ["sh", "-c"], command
    assert command[2].startswith("exec "), "the process must replace the shell to receive SIGTERM"
    line: str = command[2].removeprefix("exec ")
    return line.replace("$$", "$")


def option(argv: list[str], name: str) -> list[str]:
    return [argv[i + 1] for i, arg in enumerate(argv) if arg == name]


def test_every_service_of_the_stack_is_there(services: dict[str, Any]) -> None:
    assert {"redis", "azurite", "cosmos", "web", "beat", *WORKERS} <= set(services)


def test_the_worker_services_cover_exactly_the_celery_queues(services: dict[str, Any]) -> None:
    declared = {name.removeprefix("worker-") for name in services if name.startswith("worker-")}
    assert declared == set(QUEUES)


@pytest.mark.parametrize(("service_name", "queue"), sorted(WORKERS.items()))
def test_each_worker_consumes_exactly_its_queue(
    services: dict[str, Any], service_name: str, queue: str
) -> None:
    argv = shlex.split(shell_command(services[service_name]))
    assert option(argv, "--queues") == [",".join(consumed_queues(queue))]
    assert option(argv, "--hostname") == [f"{queue}@%h"]


@pytest.mark.parametrize(("service_name", "process"), [("beat", "beat"), ("web", "web")])
def test_commands_are_the_procfile_lines(services: dict[str, Any], service_name: str, process: str) -> None:
    assert shell_command(services[service_name]) == procfile()[process]


@pytest.mark.parametrize(("service_name", "stage_name"), sorted(WORKERS.items()))
def test_worker_commands_are_the_ones_make_run_starts(
    services: dict[str, Any], service_name: str, stage_name: str
) -> None:
    assert shell_command(services[service_name]) == worker_command(stage_name)


@pytest.mark.parametrize("service_name", [*sorted(WORKERS), "beat"])
def test_workers_are_scalable(services: dict[str, Any], service_name: str) -> None:
    service = services[service_name]
    assert "container_name" not in service
    assert "ports" not in service


def test_web_publishes_the_port_it_binds(services: dict[str, Any]) -> None:
    web = services["web"]
    container_ports = {str(mapping).rsplit(":", 1)[-1] for mapping in web["ports"]}
    bind_port = web["environment"]["WEB_BIND"].rsplit(":", 1)[-1]
    assert container_ports == {bind_port} == {str(web["environment"]["PORT"])}
    assert f"EXPOSE {bind_port}" in (REPO / "Dockerfile.web").read_text()
    assert f"127.0.0.1:{bind_port}/healthz" in (REPO / "Dockerfile.web").read_text()


def test_redis_keeps_an_append_only_file_and_never_evicts(services: dict[str, Any]) -> None:
    command = services["redis"]["command"]
    assert services["redis"]["image"].startswith("redis:7")
    assert option(command, "--appendonly") == ["yes"]
    assert option(command, "--maxmemory-policy") == ["noeviction"]


def test_the_apps_reach_the_emulators_by_the_contract_variables(services: dict[str, Any]) -> None:
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert {"REDIS_URL", "COSMOS_ENDPOINT", "COSMOS_KEY", "AZURE_STORAGE_CONNECTION_STRING"} <= set(
            env
        ), name


def compose_variable_names(services: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for name in APP_SERVICES:
        service = services[name]
        names |= set(service.get("environment", {}))
        names |= set(_VARIABLE.findall(yaml.safe_dump(service)))
    return names


def test_every_variable_is_a_setting_or_a_known_process_variable(services: dict[str, Any]) -> None:
    fields = {field.upper() for field in Settings.model_fields}
    unknown = compose_variable_names(services) - fields - NOT_SETTINGS
    assert not unknown, f"not settings (a typo is silently ignored): {sorted(unknown)}"


@pytest.mark.parametrize("dockerfile", ["Dockerfile.web", "Dockerfile.worker"])
def test_dockerfiles_build_in_stages_and_run_unprivileged(dockerfile: str) -> None:
    text = (REPO / dockerfile).read_text()
    stages = re.split(r"^FROM ", text, flags=re.MULTILINE)[1:]
    assert len(stages) >= 2, "wheels are built in a stage of their own"
    assert "PYTHON_IMAGE=python:3.11-slim" in text
    final = stages[-1]
    assert "build-essential" not in final
    users = re.findall(r"^USER (\S+)", final, flags=re.MULTILINE)
    assert users, "the final stage names a user"
    assert users[-1] not in {"root", "0"}
    assert re.search(r"^HEALTHCHECK .*CMD", final, flags=re.MULTILINE | re.DOTALL)
    fields = {field.upper() for field in Settings.model_fields}
    assert env_names(final) - fields - NOT_SETTINGS - PYTHON_ENV == set()


def env_names(stage: str) -> set[str]:
    """The names an `ENV` instruction sets, continuation lines included."""
    joined = stage.replace("\\\n", " ")
    names: set[str] = set()
    for line in joined.splitlines():
        if line.startswith("ENV "):
            names |= set(re.findall(r"([A-Z][A-Z0-9_]*)=", line))
    return names
