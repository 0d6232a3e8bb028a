"""How a record is kept, whatever the engine: its body, the sortable keys its queries use, the page cursor.

Both backends build on these, so stamps sort the same way in SQLite and Cosmos, a document list gives out
the same cursor from either, and a record reads back equal from either.
"""

from __future__ import annotations

import base64
import dataclasses
from datetime import UTC, datetime
from typing import Any, TypeVar

from common import codec
from common.models import Document, Job, JobKind, JobStatus, User

R = TypeVar("R", User, Document, Job)

# A document's field that lists leave out (read the one document to have it), so a list stays cheap.
DOCUMENT_DETAIL = "analysis"
LISTED_DOCUMENT_FIELDS = tuple(
    f.name for f in dataclasses.fields(Document) if f.name not in {DOCUMENT_DETAIL, "version"}
)


def stamp(moment: datetime) -> str:
    """A sortable UTC text for keys and index columns (isoformat drops zero microseconds, which breaks
    ordering; a time in another zone would sort by its local digits). A naive time is taken as UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def created_key(record: Document | Job) -> str:
    """Newest-first order and the keyset cursor: the creation stamp, then the id for records made together."""
    return f"{stamp(record.created_at)}|{record.id}"


def encode_cursor(key: str) -> str:
    """The opaque page cursor for the last item's `created_key`."""
    return base64.urlsafe_b64encode(key.encode()).decode()


def decode_cursor(cursor: str) -> tuple[str, str]:
    """The (creation stamp, id) a cursor stands for; ValueError for one this store never gave out."""
    try:
        key = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("invalid cursor") from exc
    created, sep, record_id = key.partition("|")
    if not (sep and created and record_id):
        raise ValueError("invalid cursor")
    return created, record_id


def body(record: User | Document | Job) -> dict[str, Any]:
    """The record's own fields as JSON-ready data; the version is the engine's to keep."""
    data = codec.dump(record)
    data.pop("version", None)
    return data


def body_json(record: User | Document | Job, without: frozenset[str] = frozenset()) -> str:
    """The same body as JSON text, less the fields in `without` (kept elsewhere by the engine)."""
    return codec.dump_json(record, exclude={"version", *without})


_FIELD_NAMES = {cls: frozenset(f.name for f in dataclasses.fields(cls)) for cls in (User, Document, Job)}


def load(cls: type[R], data: dict[str, Any], version: str) -> R:
    """The record from stored data: its own fields only (engine keys and system fields are dropped)."""
    names = _FIELD_NAMES[cls]
    own = {key: value for key, value in data.items() if key in names}
    own["version"] = version
    return codec.load(cls, own)


def load_json(cls: type[R], text: str, version: str) -> R:
    """The record from a JSON body `body_json` wrote."""
    record = codec.load_json(cls, text)
    record.version = version
    return record


def job_filters(status: JobStatus | None, kind: JobKind | None, document_id: str | None) -> dict[str, str]:
    """The job fields `list_jobs` was asked to match, by field name, as the text both engines store."""
    given = {"status": status, "kind": kind, "document_id": document_id}
    return {name: str(value) for name, value in given.items() if value is not None}
