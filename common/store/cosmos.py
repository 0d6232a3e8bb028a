"""The store in Azure Cosmos DB (NoSQL API): one container per record kind, partitioned by owner e-mail.

Items are the codec's JSON of a record plus `id`, `owner_email` and sortable keys the queries need; the
record's `version` is the item's `_etag`, and every update is a replace conditional on it. Steps stay
embedded in the job item, so one ETag guards a job and its steps together and a poll is one point read;
the `workflow_steps` container is created for per-step history but not written by this store.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from azure.core import MatchConditions
from azure.core.exceptions import ServiceRequestError, ServiceResponseError
from azure.cosmos import ContainerProxy, CosmosClient, DatabaseProxy, PartitionKey
from azure.cosmos.exceptions import CosmosHttpResponseError, CosmosResourceExistsError

from common.config import Settings
from common.models import Document, DocumentStatus, Job, JobKind, JobStatus, User
from common.store import AlreadyExists, Conflict, DocumentPage, NotFound, StoreError, StoreUnavailable
from common.store.records import (
    LISTED_DOCUMENT_FIELDS,
    R,
    body,
    created_key,
    decode_cursor,
    encode_cursor,
    job_filters,
    load,
    stamp,
)
from common.telemetry import STORE_THROTTLED

USERS = "users"
DOCUMENTS = "documents"
WORKFLOWS = "workflows"
WORKFLOW_STEPS = "workflow_steps"
PARTITION_PATH = "/owner_email"

# Fields items carry beside the record's own (and Cosmos' `_` system fields), named literally in the SQL:
#   created_key  `records.created_key` on documents and jobs: newest-first order and the keyset cursor
#   updated_key  the updated_at stamp of a job: the watchdog's "older than" filter
# A document list selects these fields, never the analysis (a list stays small however long the analyses).
_LISTED_DOCUMENT = ", ".join(f"c.{name}" for name in (*LISTED_DOCUMENT_FIELDS, "_etag"))

# The key every Cosmos emulator ships with: published, so only ever acceptable for an emulator.
EMULATOR_KEY = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="

# Cosmos forbids these in ids; e-mails normally cannot hold them, but an id must never be rejected or split.
_ID_ESCAPES = {"%": "%25", "/": "%2F", "\\": "%5C", "?": "%3F", "#": "%23"}

# Statuses worth retrying: throttled past the SDK's own retries, timeouts, and the service failing.
_TRANSIENT = frozenset({408, 429, 449, 500, 502, 503, 504})
_SUBSTATUS_OWNER_MISSING = 1003  # 404 for a database or container that does not exist


def _index_policy(*excluded: str, include_all: bool = True) -> dict[str, Any]:
    """Consistent indexing that leaves large or never-queried fields out (they cost RUs on every write)."""
    included = [{"path": "/*"}] if include_all else [{"path": f"{PARTITION_PATH}/?"}]
    excluded_paths = [{"path": path} for path in (*excluded, '/"_etag"/?')]
    if not include_all:
        excluded_paths.append({"path": "/*"})
    return {"indexingMode": "consistent", "automatic": True, "includedPaths": included,
            "excludedPaths": excluded_paths}  # fmt: skip


@dataclass(frozen=True)
class ContainerSpec:
    name: str
    indexing_policy: dict[str, Any]
    default_ttl: int | None = None  # -1: TTL on, no default expiry; items may set their own `ttl`


CONTAINERS = (
    # Users are only ever read by id: index nothing but the partition key.
    ContainerSpec(USERS, _index_policy(include_all=False)),
    ContainerSpec(DOCUMENTS, _index_policy("/analysis/*", "/text/*", "/blob_name/?", "/text_blob/?")),
    ContainerSpec(WORKFLOWS, _index_policy("/steps/*", "/error/*", "/result_blob/?"), default_ttl=-1),
    ContainerSpec(WORKFLOW_STEPS, _index_policy("/error/*", "/output/*", "/text/*"), default_ttl=-1),
)


@dataclass(frozen=True)
class SetupAction:
    """One thing `ensure_containers` found or did, for the init script to print."""

    kind: Literal["database", "container"]
    name: str
    action: Literal["created", "exists", "updated"]

    def __str__(self) -> str:
        if self.action == "exists":
            return f"{self.kind} {self.name} exists"
        return f"{self.action} {self.kind} {self.name}"


_clients: dict[str, CosmosClient] = {}
_clients_lock = threading.Lock()


def cosmos_client(endpoint: str, key: str | None) -> CosmosClient:
    """The process's client for this endpoint, created once: it holds the connections and session tokens."""
    with _clients_lock:
        client = _clients.get(endpoint)
        if client is None:
            client = _new_client(endpoint, key)
            _clients[endpoint] = client
        return client


def _new_client(endpoint: str, key: str | None) -> CosmosClient:
    credential: Any = key
    if not key:
        from azure.identity import DefaultAzureCredential

        credential = DefaultAzureCredential()
    return CosmosClient(
        endpoint,
        credential=credential,
        consistency_level="Session",
        # Only an emulator speaks plain HTTP; endpoint discovery would send us to the https address it has.
        enable_endpoint_discovery=urlsplit(endpoint).scheme == "https",
        # 429s are retried by the SDK, waiting what `x-ms-retry-after-ms` says, up to these bounds;
        # past them the error surfaces and becomes StoreUnavailable.
        retry_throttle_total=9,
        retry_throttle_backoff_max=30,
        connection_timeout=10,
        raw_response_hook=_count_throttling,
    )


def _count_throttling(response: Any) -> None:
    """Every 429 Cosmos answers, retried or not, for the throttling alert."""
    if getattr(response.http_response, "status_code", None) == 429:
        STORE_THROTTLED.inc()


def item_id(key: str) -> str:
    """A Cosmos-safe id for a key: unchanged unless it holds a character Cosmos forbids in ids."""
    return "".join(_ID_ESCAPES.get(ch, ch) for ch in key)


def _emulator_missing_item(exc: CosmosHttpResponseError) -> bool:
    """The npm emulator answers a point read of a missing item with a 500 from a JavaScript TypeError.

    Real Cosmos answers 404; no real Cosmos error carries this JavaScript text, so the check stays narrow.
    """
    return exc.status_code == 500 and "Cannot read properties of undefined" in str(exc.message)


def _map_error(exc: CosmosHttpResponseError, what: str) -> StoreError:
    status = exc.status_code or 0
    if status == 404 and getattr(exc, "sub_status", None) == _SUBSTATUS_OWNER_MISSING:
        return StoreUnavailable("cosmos: database or container missing; run scripts/init_cosmos.py")
    if status == 404:
        return NotFound(what)
    if status == 409:
        return AlreadyExists(what)
    if status == 412:
        return Conflict(what)
    if status in _TRANSIENT:
        return StoreUnavailable(f"cosmos: HTTP {status} for {what}")
    return StoreError(f"cosmos refused the request for {what}: HTTP {status}")


@contextmanager
def _errors(what: str) -> Iterator[None]:
    """Azure errors as the store's own; messages name the record, never the endpoint's credentials."""
    try:
        yield
    except CosmosHttpResponseError as exc:
        raise _map_error(exc, what) from exc
    except (ServiceRequestError, ServiceResponseError) as exc:
        raise StoreUnavailable(f"cosmos unreachable ({type(exc).__name__}) for {what}") from exc


class CosmosStore:
    def __init__(self, endpoint: str, key: str | None, database: str) -> None:
        self._endpoint = endpoint
        self._key = key
        self._database_name = database
        self._proxies: dict[str, ContainerProxy] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> CosmosStore:
        if not settings.cosmos_endpoint:
            raise ValueError("COSMOS_ENDPOINT is not set")
        return cls(settings.cosmos_endpoint, settings.cosmos_key, settings.cosmos_database)

    def _client(self) -> CosmosClient:
        """The shared client, created on first use: its constructor already calls the account, so a
        Cosmos outage at start-up is a StoreUnavailable on the first request, not a process that won't start."""
        with _errors("the Cosmos DB account"):
            return cosmos_client(self._endpoint, self._key)

    def _db(self) -> DatabaseProxy:
        return self._client().get_database_client(self._database_name)

    def _container(self, name: str) -> ContainerProxy:
        """One proxy per container, kept: it caches the container's partition-key definition."""
        proxy = self._proxies.get(name)
        if proxy is None:
            proxy = self._proxies[name] = self._db().get_container_client(name)
        return proxy

    @property
    def _users(self) -> ContainerProxy:
        return self._container(USERS)

    @property
    def _documents(self) -> ContainerProxy:
        return self._container(DOCUMENTS)

    @property
    def _jobs(self) -> ContainerProxy:
        return self._container(WORKFLOWS)

    # setup

    def ensure_containers(self) -> list[SetupAction]:
        """Create the database and containers that are missing, and align indexing/TTL of existing ones."""
        actions: list[SetupAction] = []
        with _errors(f"database {self._database_name}"):
            try:
                self._client().create_database(self._database_name)
                actions.append(SetupAction("database", self._database_name, "created"))
            except CosmosResourceExistsError:
                actions.append(SetupAction("database", self._database_name, "exists"))
            for spec in CONTAINERS:
                actions.append(SetupAction("container", spec.name, self._ensure_container(spec)))
        return actions

    def _ensure_container(self, spec: ContainerSpec) -> Literal["created", "exists", "updated"]:
        try:
            self._db().create_container(
                spec.name,
                partition_key=PartitionKey(path=PARTITION_PATH),
                indexing_policy=spec.indexing_policy,
                default_ttl=spec.default_ttl,
            )
            return "created"
        except CosmosResourceExistsError:
            pass
        properties = self._db().get_container_client(spec.name).read()
        paths = properties.get("partitionKey", {}).get("paths", [])
        if paths != [PARTITION_PATH]:
            raise StoreError(f"container {spec.name} is partitioned by {paths}, not {PARTITION_PATH}")
        if _same_setup(properties, spec):
            return "exists"
        self._db().replace_container(
            spec.name,
            partition_key=PartitionKey(path=PARTITION_PATH),
            indexing_policy=spec.indexing_policy,
            default_ttl=spec.default_ttl,
        )
        return "updated"

    def ping(self) -> None:
        with _errors(f"container {USERS}"):
            self._users.read()

    # users (partition = the user's own e-mail)

    def create_user(self, user: User) -> User:
        return self._create(self._users, user, _user_item(user))

    def get_user(self, email: str) -> User:
        return self._read(self._users, User, email, email)

    def update_user(self, user: User) -> User:
        return self._replace(self._users, user, _user_item(user))

    def delete_user(self, email: str) -> None:
        self._delete(self._users, email, email)

    # documents

    def create_document(self, doc: Document) -> Document:
        return self._create(self._documents, doc, _document_item(doc))

    def get_document(self, owner_email: str, doc_id: str) -> Document:
        return self._read(self._documents, Document, owner_email, doc_id)

    def update_document(self, doc: Document) -> Document:
        return self._replace(self._documents, doc, _document_item(doc))

    def delete_document(self, owner_email: str, doc_id: str) -> None:
        self._delete(self._documents, owner_email, doc_id)

    def list_documents(self, owner_email: str, limit: int, cursor: str | None = None) -> DocumentPage:
        """Newest first; the cursor is the last item's sort key, so pages neither repeat nor skip items."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        sql = f"SELECT {_LISTED_DOCUMENT} FROM c WHERE c.owner_email = @owner"  # noqa: S608 - our names
        params: dict[str, Any] = {"@owner": owner_email}
        if cursor:
            sql += " AND c.created_key < @after"
            params["@after"] = "|".join(decode_cursor(cursor))
        sql += " ORDER BY c.created_key DESC"
        items = self._query_first(self._documents, sql, params, owner_email, limit + 1)
        docs = [_load(Document, item) for item in items[:limit]]
        return DocumentPage(docs, encode_cursor(created_key(docs[-1])) if len(items) > limit else None)

    def find_analyzed_document(self, owner_email: str, sha256: str) -> Document | None:
        sql = (
            "SELECT * FROM c WHERE c.owner_email = @owner AND c.sha256 = @sha256 AND c.status = @status"
            " ORDER BY c.created_key DESC"
        )
        params = {"@owner": owner_email, "@sha256": sha256, "@status": str(DocumentStatus.ANALYZED)}
        items = self._query_first(self._documents, sql, params, owner_email, 1)
        return _load(Document, items[0]) if items else None

    # jobs

    def create_job(self, job: Job) -> Job:
        return self._create(self._jobs, job, _job_item(job))

    def get_job(self, owner_email: str, job_id: str) -> Job:
        return self._read(self._jobs, Job, owner_email, job_id)

    def update_job(self, job: Job) -> Job:
        return self._replace(self._jobs, job, _job_item(job))

    def delete_job(self, owner_email: str, job_id: str) -> None:
        self._delete(self._jobs, owner_email, job_id)

    def list_jobs(
        self,
        owner_email: str,
        status: JobStatus | None = None,
        kind: JobKind | None = None,
        document_id: str | None = None,
    ) -> list[Job]:
        filters = job_filters(status, kind, document_id)
        where = "".join(f" AND c.{field} = @{field}" for field in filters)  # the field names are ours
        sql = f"SELECT * FROM c WHERE c.owner_email = @owner{where} ORDER BY c.created_key DESC"  # noqa: S608
        params = {"@owner": owner_email, **{f"@{field}": value for field, value in filters.items()}}
        with _errors(f"jobs of {owner_email}"):
            found = self._jobs.query_items(sql, parameters=_params(params), partition_key=owner_email)
            return [_load(Job, item) for item in found]

    # operations that span tenants

    def ops_jobs_in_status(self, status: JobStatus, updated_before: datetime | None = None) -> Iterator[Job]:
        """Every tenant's jobs in a status: the one deliberate cross-partition query (watchdog, retries)."""
        sql = "SELECT * FROM c WHERE c.status = @status"
        params: dict[str, Any] = {"@status": str(status)}
        if updated_before is not None:
            sql += " AND c.updated_key < @before"
            params["@before"] = stamp(updated_before)
        with _errors(f"jobs in status {status}"):
            found = self._jobs.query_items(sql, parameters=_params(params), enable_cross_partition_query=True)
            for item in found:
                yield _load(Job, item)

    # the few operations everything above is made of

    def _create(self, container: ContainerProxy, record: R, item: dict[str, Any]) -> R:
        with _errors(item["id"]):
            created = container.create_item(item)
        record.version = created["_etag"]
        return record

    def _read(self, container: ContainerProxy, cls: type[R], owner_email: str, key: str) -> R:
        with _errors(key):
            try:
                item = container.read_item(item_id(key), partition_key=owner_email)
            except CosmosHttpResponseError as exc:
                if _emulator_missing_item(exc):
                    raise NotFound(key) from exc
                raise
        return _load(cls, item)

    def _replace(self, container: ContainerProxy, record: R, item: dict[str, Any]) -> R:
        if not record.version:
            # Never read from the store, so it cannot be current: stale if it exists, else missing.
            self._read(container, type(record), item["owner_email"], record.id)
            raise Conflict(record.id)
        with _errors(record.id):
            replaced = container.replace_item(
                item["id"], item, etag=record.version, match_condition=MatchConditions.IfNotModified
            )
        record.version = replaced["_etag"]
        return record

    def _delete(self, container: ContainerProxy, owner_email: str, key: str) -> None:
        """Deleting what is not there is not an error, as in the SQLite store."""
        with suppress(NotFound), _errors(key):
            container.delete_item(item_id(key), partition_key=owner_email)

    @staticmethod
    def _query_first(
        container: ContainerProxy, sql: str, params: dict[str, Any], owner_email: str, count: int
    ) -> list[dict[str, Any]]:
        """The first `count` results of a single-partition query, fetched page by page (no OFFSET/LIMIT)."""
        items: list[dict[str, Any]] = []
        with _errors(f"query for {owner_email}"):
            found = container.query_items(
                sql, parameters=_params(params), partition_key=owner_email, max_item_count=count
            )
            for page in found.by_page():
                items.extend(page)
                if len(items) >= count:
                    break
        return items[:count]


def _params(values: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": name, "value": value} for name, value in values.items()]


def _same_setup(properties: dict[str, Any], spec: ContainerSpec) -> bool:
    policy = properties.get("indexingPolicy", {})
    wanted = spec.indexing_policy

    def paths(p: dict[str, Any], key: str) -> set[str]:
        return {entry["path"] for entry in p.get(key, [])}

    return (
        properties.get("defaultTtl") == spec.default_ttl
        and paths(policy, "includedPaths") == paths(wanted, "includedPaths")
        and paths(policy, "excludedPaths") == paths(wanted, "excludedPaths")
    )


def _user_item(user: User) -> dict[str, Any]:
    return {**body(user), "id": item_id(user.email), "owner_email": user.email}


def _document_item(doc: Document) -> dict[str, Any]:
    return {**body(doc), "id": item_id(doc.id), "created_key": created_key(doc)}


def _job_item(job: Job) -> dict[str, Any]:
    return {
        **body(job),
        "id": item_id(job.id),
        "created_key": created_key(job),
        "updated_key": stamp(job.updated_at),
    }


def _load(cls: type[R], item: dict[str, Any]) -> R:
    """The record from an item; its id unescaped (the inverse of item_id: it escapes every '%' it keeps)."""
    return load(cls, {**item, "id": unquote(item["id"])}, item["_etag"])
