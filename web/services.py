"""What the views need from outside Flask, made once in `create_app` and reached through `services()`."""

from __future__ import annotations

from dataclasses import dataclass

import redis
from celery import Celery
from flask import current_app

from common.blobs import BlobStore
from common.config import Settings
from common.job_cache import JobCache
from common.store import Store


@dataclass
class Services:
    settings: Settings
    store: Store
    blobs: BlobStore
    redis: redis.Redis
    celery: Celery
    job_cache: JobCache


def services() -> Services:
    found: Services = current_app.extensions["kraftd"]
    return found
