"""Records to and from JSON-ready dicts, one way for every store and message."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import TypeAdapter

T = TypeVar("T")

_adapters: dict[type[Any], TypeAdapter[Any]] = {}


def _adapter(cls: type[Any]) -> TypeAdapter[Any]:
    if cls not in _adapters:
        _adapters[cls] = TypeAdapter(cls)
    return _adapters[cls]


def dump(record: object) -> dict[str, Any]:
    data: dict[str, Any] = _adapter(type(record)).dump_python(record, mode="json")
    return data


def load(cls: type[T], data: dict[str, Any]) -> T:
    record: T = _adapter(cls).validate_python(data)
    return record


def dump_json(record: object, exclude: set[str] | None = None) -> str:
    """The same as `dump`, straight to JSON text (pydantic's own encoder: no dict in between)."""
    return _adapter(type(record)).dump_json(record, exclude=exclude).decode()


def load_json(cls: type[T], text: str | bytes) -> T:
    record: T = _adapter(cls).validate_json(text)
    return record
