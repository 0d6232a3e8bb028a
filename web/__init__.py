"""The Kraftd Docs web API: `create_app()` builds it, one blueprint per resource."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request

from common.blobs import open_blobs
from common.config import ConfigError, Settings, get_settings
from common.job_cache import JobCache
from common.jobs import use_cache as use_job_cache
from common.queue import make_celery, redis_client
from common.store import open_store
from common.telemetry import configure_logging, init_sentry
from web.deps import init_jwt
from web.errors import register_error_handlers
from web.extensions import limiter
from web.fast_poll import FastPoll
from web.mail import init_mail
from web.metrics import init_metrics
from web.security import init_security
from web.services import Services


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app from the environment's settings; `test_config` overrides settings by field name."""
    try:
        settings = Settings(**test_config).check() if test_config else get_settings()
    except ConfigError as exc:
        raise SystemExit(f"kraftd: {exc}") from None
    configure_logging(settings)
    init_sentry(settings, component="web")

    app = Flask(__name__, static_folder="static", static_url_path="/static")
    app.config.update(
        DEBUG=settings.debug,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + 1024 * 1024,  # room for the multipart envelope
        RATELIMIT_ENABLED=settings.rate_limit_enabled,
        RATELIMIT_STORAGE_URI=settings.redis_url,
        # The limiter is one per process; reading the limit through the app keeps each app's own.
        RATELIMIT_DEFAULT=lambda: current_app.extensions["kraftd"].settings.rate_limit_default,
        RATELIMIT_HEADERS_ENABLED=True,
        RATELIMIT_SWALLOW_ERRORS=True,
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_KEY_PREFIX="kraftd-limit",
        RATELIMIT_DEFAULTS_EXEMPT_WHEN=lambda: not request.path.startswith("/api/"),
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    client = redis_client(settings)
    app.extensions["kraftd"] = Services(
        settings=settings,
        store=open_store(settings),
        blobs=open_blobs(settings),
        redis=client,
        celery=make_celery(settings),
        job_cache=JobCache(client),
    )
    use_job_cache(app.extensions["kraftd"].store, app.extensions["kraftd"].job_cache)

    register_error_handlers(app)
    init_security(app, settings)
    init_jwt(app, settings)
    init_mail(app, settings)
    limiter.init_app(app)
    init_metrics(app, settings)

    from web import auth, cli, documents, health, jobs, openapi, pages

    app.register_blueprint(health.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(documents.bp)
    app.register_blueprint(jobs.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(pages.bp)
    cli.register(app)
    # Outermost: the common job poll is answered before Flask builds a request (web/fast_poll.py).
    app.wsgi_app = FastPoll(app, app.wsgi_app)  # type: ignore[method-assign]
    return app
