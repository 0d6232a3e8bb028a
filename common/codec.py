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
