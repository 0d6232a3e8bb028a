"""infra/main.bicep, read as text (no `bicep` compiler here): the things that matter for running the app.

Each worker queue has its own app and a KEDA redis rule on its own list; the variables the apps get are
settings the app reads; every secret comes from Key Vault; no secret value is written in the file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from common.config import SECRET_FIELDS, Settings
from common.stages import QUEUES, consumed_queues

BICEP = Path(__file__).resolve().parents[2] / "infra" / "main.bicep"
KEYVAULT_SECRETS = {
    "JWT_SECRET_KEY": "jwt-secret-key",
    "RECAPTCHA_SECRET_KEY": "recaptcha-secret-key",
    "OPENAI_API_KEY": "openai-api-key",
    "REDIS_URL": "redis-url",
    "SENDGRID_API_KEY": "sendgrid-api-key",
    "SENTRY_DSN": "sentry-dsn",
}
# Read outside common.config.Settings, each for a reason.
NOT_SETTINGS = {
    "AZURE_CLIENT_ID": "azure-identity: which user-assigned identity DefaultAzureCredential uses",
    "WEB_BIND": "web/gunicorn_conf.py",
    "WORKER_CONCURRENCY": "the worker command line (Procfile, Dockerfile.worker)",
    "PROMETHEUS_MULTIPROC_DIR": "prometheus_client, and Settings.prometheus_multiproc_dir",
}


@pytest.fixture(scope="module")
def bicep() -> str:
    return BICEP.read_text()


def _code(text: str) -> str:
    """The template without its // comments (quotes inside strings keep their // as in URLs)."""
    return "\n".join(re.sub(r"(^|\s)//.*$", "", line) for line in text.splitlines())


def _objects_with(text: str, key: str) -> list[str]:
    """Each `{ ... }` block (balanced) that directly holds `key:`."""
    found = []
    for match in re.finditer(rf"\b{key}:", text):
        depth, start = 0, match.start()
        while start > 0:
            start -= 1
            if text[start] == "}":
                depth += 1
            elif text[start] == "{":
                if depth == 0:
                    break
                depth -= 1
        depth, end = 0, start
        while end < len(text):
            if text[end] == "{":
                depth += 1
            elif text[end] == "}":
                depth -= 1
                if depth == 0:
                    break
            end += 1
        found.append(text[start : end + 1])
    return found


def test_one_worker_app_per_queue_with_a_keda_rule_on_its_own_list(bicep: str) -> None:
    code = _code(bicep)
    queues = re.findall(r"\{\s*name:\s*'(\w+)',\s*consumes:\s*'([\w,]+)',\s*minReplicas:\s*(\d+)\s*\}", code)
    assert {name for name, _, _ in queues} == set(QUEUES)
    for name, consumes, min_replicas in queues:
        assert consumes == ",".join(consumed_queues(name))
        assert int(min_replicas) in (0, 1)
    # The worker apps loop over the queues; the rule's listName is the loop's queue name, on Redis.
    loop = re.search(r"resource workers 'Microsoft\.App/containerApps@[\w-]+' = \[for q in queues: \{", code)
    assert loop, "one Container App per queue"
    rule = next(block for block in _objects_with(code, "listName") if "address" in block)
    assert re.search(r"\blistName:\s*q\.name\b", rule)
    assert re.search(r"\blistLength:\s*string\(queueListLength\)", rule)
    assert re.search(r"type:\s*'redis'", code[loop.start() :])
    assert re.search(r"auth:\s*\[\{\s*secretRef:\s*'redis-password',\s*triggerParameter:\s*'password'", code)
    assert re.search(r"maxReplicas:\s*workerMaxReplicas", code)
    assert re.search(r"param workerMaxReplicas int = 4\b", code)
    # the worker that also serves the watchdog's queue keeps one replica
    assert all(min_replicas == "1" for _, consumes, min_replicas in queues if "maintenance" in consumes)


def test_the_chosen_target_is_the_one_bench_autoscale_justifies(bicep: str) -> None:
    assert re.search(r"param queueListLength int = 5\b", bicep)
    assert "bench/autoscale.py" in bicep


def test_beat_runs_exactly_once(bicep: str) -> None:
    code = _code(bicep)
    beat = code[code.index("resource beat ") :]
    assert re.search(r"scale:\s*\{\s*minReplicas:\s*1,\s*maxReplicas:\s*1\s*\}", beat)


def test_every_app_variable_is_a_setting_or_a_known_exception(bicep: str) -> None:
    code = _code(bicep)
    names = set(re.findall(r"\{\s*name:\s*'([A-Z][A-Z0-9_]+)',\s*(?:value|secretRef):", code))
    names |= set(re.findall(r"\benv:\s*'([A-Z][A-Z0-9_]+)'", code))
    fields = {field.upper() for field in Settings.model_fields}
    assert names >= {
        "ENVIRONMENT",
        "COSMOS_ENDPOINT",
        "AZURE_STORAGE_ACCOUNT_URL",
        "PUBLIC_URL",
        *KEYVAULT_SECRETS,
    }
    unknown = names - fields - set(NOT_SETTINGS)
    assert not unknown, f"not Settings fields: {sorted(unknown)}"
    assert re.search(r"name:\s*'ENVIRONMENT',\s*value:\s*'production'", code)


def test_every_secret_is_a_key_vault_reference(bicep: str) -> None:
    code = _code(bicep)
    for env, secret in KEYVAULT_SECRETS.items():
        assert re.search(rf"\{{\s*secret:\s*'{secret}',\s*env:\s*'{env}'\s*\}}", code), env
    # Apps' secrets are built only from keyVaultUrl (never `value:`), read with the app's identity.
    for block in _objects_with(code, "keyVaultUrl"):
        assert "value:" not in block
        assert re.search(r"keyVaultUrl:\s*'\$\{vault\.properties\.vaultUri\}secrets/", block)
        assert re.search(r"identity:\s*(web|worker)Identity\.id", block)
    for block in _objects_with(code, "name") + _objects_with(code, "keyVaultUrl"):
        if "parent: vault" not in block and re.search(r"name:\s*(s\.secret|'redis-password')", block):
            assert "keyVaultUrl:" in block, block
            assert "value:" not in block, block
    assert len(re.findall(r"name:\s*s\.secret\s*keyVaultUrl:", code)) == 2  # web's and the workers' lists
    assert re.search(r"secrets:\s*webSecrets", code)
    assert len(re.findall(r"secrets:\s*workerSecrets", code)) == 2  # worker apps and beat
    # Every secret-ish setting the apps read is given through secretRef, never as a plain value.
    secret_envs = {field.upper() for field in SECRET_FIELDS}
    plain = set(re.findall(r"\{\s*name:\s*'([A-Z][A-Z0-9_]+)',\s*value:", code))
    assert not plain & secret_envs


def test_no_secret_value_is_written_in_the_template(bicep: str) -> None:
    code = _code(bicep)
    # The only Key Vault secrets the template writes are derived from the cache's keys at deployment.
    for block in _objects_with(code, "value"):
        if "Microsoft.KeyVault/vaults/secrets" in block:
            assert "listKeys()" in block
    written = re.findall(
        r"resource \w+ 'Microsoft\.KeyVault/vaults/secrets@[\w-]+' = \{(.*?)\n\}", code, re.S
    )
    assert len(written) == 2
    for body in written:
        assert re.search(r"value:\s*'?[^'\n]*redis\.listKeys\(\)", body)
    # Nothing that looks like a credential: keys, connection strings, JWT-ish or long base64 literals.
    assert not re.search(r"AccountKey=|SharedAccessSignature=|sk-[A-Za-z0-9]{16,}|eyJ[\w-]{10,}", code)
    assert not re.search(r"'[A-Za-z0-9+/]{40,}={0,2}'", code)
    assert not re.search(
        r"(?i)\b\w*(password|apikey|api_key|sharedkey|accountkey|connectionstring)\s*:\s*'", code
    )
    # Storage and Cosmos take identities only.
    assert re.search(r"allowSharedKeyAccess:\s*false", code)
    assert re.search(r"disableLocalAuth:\s*true", code)
    assert "COSMOS_KEY" not in code
    assert "AZURE_STORAGE_CONNECTION_STRING" not in code


def test_data_plane_roles_for_the_identities(bicep: str) -> None:
    code = _code(bicep)
    assert "ba92f5b4-2d11-453d-a403-e96b0029c9fe" in code  # Storage Blob Data Contributor
    assert "4633458b-17de-408a-b874-0445c86b69e6" in code  # Key Vault Secrets User
    assert "00000000-0000-0000-0000-000000000002" in code  # Cosmos DB Built-in Data Contributor
    assert re.search(r"sqlRoleDefinitions/\$\{roles\.cosmosBuiltInDataContributor\}", code)
    assert code.count("Microsoft.ManagedIdentity/userAssignedIdentities@") == 2
    assert re.search(r"type:\s*'UserAssigned'", code)


def test_cosmos_account_database_and_containers(bicep: str) -> None:
    code = _code(bicep)
    assert re.search(r"defaultConsistencyLevel:\s*'Session'", code)
    assert re.search(r"param cosmosThroughput int = 400\b", code)
    assert re.search(r"options:\s*\{\s*throughput:\s*cosmosThroughput\s*\}", code)
    assert re.search(r"type:\s*'Periodic'", code)
    assert re.search(r"failoverPriority:\s*0", code)
    assert re.search(r"failoverPriority:\s*1", code)
    assert re.search(r"name:\s*'kraftdintel'", code)
    assert set(re.findall(r"name:\s*'(users|documents|workflows|workflow_steps)'", code)) == {
        "users", "documents", "workflows", "workflow_steps",
    }  # fmt: skip
    assert re.search(r"partitionKey:\s*\{\s*paths:\s*\['/owner_email'\]", code)


def test_storage_redis_and_observability(bicep: str) -> None:
    code = _code(bicep)
    assert re.search(r"blobServices/containers@[\w-]+' = \{\s*parent: blobService\s*name: 'documents'", code)
    assert re.search(r"'maxmemory-policy':\s*'noeviction'", code)
    assert re.search(r"enableNonSslPort:\s*false", code)
    assert "Microsoft.Insights/components@" in code
    assert "Microsoft.OperationalInsights/workspaces@" in code
    assert re.search(r"destination:\s*'log-analytics'", code)
    assert re.search(r"path:\s*'/healthz'", code)
    assert re.search(r"path:\s*'/readyz'", code)


def test_web_and_workers_keep_several_revisions_for_blue_green_releases(bicep: str) -> None:
    code = _code(bicep)
    web = code[code.index("resource web ") : code.index("resource workers ")]
    workers = code[code.index("resource workers ") : code.index("resource beat ")]
    beat = code[code.index("resource beat ") :]
    for app in (web, workers):
        assert re.search(r"activeRevisionsMode:\s*'Multiple'", app)
        assert re.search(r"revisionSuffix:\s*empty\(revisionSuffix\) \? null : revisionSuffix", app)
    assert re.search(r"activeRevisionsMode:\s*'Single'", beat), "beat: exactly one, never two revisions"
    assert re.search(r"traffic:\s*webTraffic", web)
    # the first revision takes the label the release script reads as the serving one (bluegreen/azure.py)
    assert re.search(
        r"revisionName: 'ca-\$\{name\}-web--\$\{revisionSuffix\}', weight: 100, label: 'blue'", code
    )
    # worker node names carry the replica's host name, which begins with its revision's name: the drain pattern
    assert '--hostname "${q.name}@%h"' in workers
