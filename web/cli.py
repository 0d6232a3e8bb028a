"""Operators' commands: `flask --app web queues …`, `flask --app web jobs …` and `flask --app web accounts …`."""

from __future__ import annotations

import contextlib
import json
import sys
import time
from dataclasses import asdict
from datetime import datetime

import click
import redis
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from common import jobs as job_ops
from common import queue as queue_ops
from common.models import ErrorInfo, JobStatus, utcnow
from common.store import NotFound
from web.auth import close_account
from web.errors import ApiError
from web.services import services
from web.validation import normalise_email


@with_appcontext
def _check_broker() -> None:
    """The queue commands act on one stack's broker: REDIS_URL's, or the one `make run` wrote into DATA_DIR."""
    settings = services().settings
    if not settings.redis_is_chosen:
        raise click.ClickException(
            f"no running stack found in DATA_DIR={settings.data_dir} (no {settings.stack_redis_file.name}): "
            "start it with `make run`, run this with the same DATA_DIR, or set REDIS_URL"
        )
    try:
        services().redis.ping()
    except redis.RedisError as exc:
        raise click.ClickException(f"cannot reach the stack's Redis ({exc}); is `make run` running?") from exc


queues_cli = AppGroup(
    "queues", help="Inspect and control the job queues (drain before a rollback).", callback=_check_broker
)
jobs_cli = AppGroup("jobs", help="Operate on jobs across all users.", callback=_check_broker)
accounts_cli = AppGroup("accounts", help="Operate on one user's account.")


def _selected(queue: str | None) -> set[str]:
    if queue is None:
        return set(queue_ops.QUEUES)
    if queue not in queue_ops.QUEUES:
        raise click.BadParameter(f"unknown queue {queue!r}; one of {', '.join(queue_ops.QUEUES)}")
    return {queue}


queue_option = click.option("--queue", "queue", default=None, help="One queue (default: all).")


@queues_cli.command("status")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(as_json: bool) -> None:
    """Per queue: depth, consumers, active and reserved tasks, oldest message age."""
    rows = queue_ops.queue_statuses(services().celery, services().redis)
    if as_json:
        click.echo(json.dumps({"queues": [asdict(r) for r in rows]}))
        return
    click.echo(
        f"{'queue':10} {'depth':>6} {'consumers':>9} {'active':>6} {'reserved':>8} {'oldest':>8}  state"
    )
    for r in rows:
        oldest = f"{r.oldest_age_seconds:.0f}s" if r.oldest_age_seconds is not None else "-"
        state = "drained" if r.drained else "consuming"
        click.echo(
            f"{r.name:10} {r.depth:>6} {r.consumers:>9} {r.active:>6} {r.reserved:>8} {oldest:>8}  {state}"
        )


# `queues drain` exit codes (README "Operating it"): 0 drained. 1 also when no stack's broker is reachable, or when
# --workers matches no running worker; 2 is click's usage error. 3: no worker acknowledged any of the queues
# (another stack's broker, or every worker down or hung), so nothing confirms the drain.
TIMED_OUT = 1
UNCONFIRMED = 3


@queues_cli.command("drain")
@queue_option
@click.option("--timeout", default=300.0, show_default=True, help="Seconds to wait for in-flight tasks.")
@click.option(
    "--workers",
    "pattern",
    default=None,
    help="Only the workers whose node name matches this glob (a release's: '*@blue.*'); the others keep "
    "consuming, and workers started later are not held.",
)
def drain(queue: str | None, timeout: float, pattern: str | None) -> None:
    """Stop workers taking new tasks, wait for in-flight ones, and show what stays queued (kept).

    Exit 0 when drained, 1 on timeout, 3 when no worker acknowledged any of the queues."""
    selected = _selected(queue)
    client = services().redis
    workers = None
    if pattern is not None:
        workers = queue_ops.workers_matching(services().celery, pattern)
        if not workers:
            click.echo(f"no running worker matches {pattern!r}: nothing drained", err=True)
            sys.exit(1)
        click.echo(f"workers: {', '.join(workers)}")
    acknowledged = queue_ops.start_drain(services().celery, client, selected, workers)
    click.echo(f"draining {', '.join(sorted(selected))}: consumers canceled, waiting for in-flight tasks")
    later = "workers started later stay off it" if workers is None else "workers started later consume it"
    for q in sorted(selected):
        count = acknowledged[q]
        click.echo(f"  {q}: {count} worker{'' if count == 1 else 's'} acknowledged")
        if not count:
            click.echo(
                f"warning: no worker acknowledged the drain of {q}: none consumes it from this broker "
                f"(scaled to zero, stopped, hung, or another stack's Redis); {later}",
                err=True,
            )
    deadline = time.monotonic() + timeout
    while True:
        busy = {
            q: n for q, n in queue_ops.in_flight(services().celery, selected, workers=workers).items() if n
        }
        if not busy:
            break
        if time.monotonic() >= deadline:
            click.echo(f"timed out; still in flight: {busy}", err=True)
            _print_kept(selected)
            sys.exit(TIMED_OUT)
        time.sleep(0.5)
    if not any(acknowledged.values()):
        click.echo(
            "not confirmed: no worker acknowledged; nothing shows these queues were being consumed", err=True
        )
        _print_kept(selected)
        sys.exit(UNCONFIRMED)
    click.echo("drained: no task of these queues is running")
    _print_kept(selected)


def _print_kept(selected: set[str]) -> None:
    for q in sorted(selected):
        click.echo(f"  {q}: {queue_ops.queue_depth(services().celery, q)} queued (kept in Redis)")


@queues_cli.command("resume")
@queue_option
def resume(queue: str | None) -> None:
    """Workers consume the drained queues again."""
    selected = _selected(queue)
    queue_ops.resume(services().celery, services().redis, selected)
    click.echo(f"resumed {', '.join(sorted(selected))}")


@queues_cli.command("purge")
@click.option("--queue", "queue", required=True, help="The queue to empty.")
@click.option("--yes", is_flag=True, help="Confirm: the queued jobs are failed with code 'purged'.")
def purge(queue: str, yes: bool) -> None:
    """Remove every queued message of a queue; their jobs fail with code `purged`."""
    (name,) = _selected(queue)
    if not yes:
        click.echo(f"refusing to purge {name} without --yes", err=True)
        sys.exit(2)
    svc = services()
    taken = queue_ops.take_all(svc.celery, name)
    error = ErrorInfo("purged", "An operator removed this job from the queue.", transient=True)
    for owner_email, job_id in taken:
        with contextlib.suppress(NotFound):
            job_ops.fail(svc.store, owner_email, job_id, error)
    click.echo(f"purged {len(taken)} message(s) from {name}")
    for _, job_id in taken:
        click.echo(f"  job {job_id}")


@jobs_cli.command("retry-failed")
@click.option("--since", "since", default=None, help="Only jobs that failed at or after this ISO 8601 time.")
def retry_failed(since: str | None) -> None:
    """Re-enqueue failed jobs whose failure was transient (LLM or storage outages, lost workers)."""
    cutoff = None
    if since:
        try:
            cutoff = datetime.fromisoformat(since.replace("Z", "+00:00"))
        except ValueError as exc:
            raise click.BadParameter(f"not an ISO 8601 time: {since}") from exc
        if cutoff.tzinfo is None:
            raise click.BadParameter("give a time zone, e.g. 2026-11-28T10:00:00Z")
    store = services().store
    retried = skipped = 0
    for job in store.ops_jobs_in_status(JobStatus.FAILED):
        if cutoff and job.updated_at < cutoff:
            continue
        if not (job.error and job.error.transient):
            skipped += 1
            continue
        if job_ops.requeue(
            store,
            services().celery,
            job.owner_email,
            job.id,
            reason="retry-failed",
            allowed_from=frozenset({JobStatus.FAILED}),
        ):
            retried += 1
            click.echo(f"re-enqueued job {job.id} ({job.kind})")
    click.echo(
        f"{retried} job(s) re-enqueued; {skipped} permanent failure(s) left as they are; at {utcnow().isoformat()}"
    )


@accounts_cli.command("delete")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Confirm: the account and everything it owns are deleted.")
def delete_account(email: str, yes: bool) -> None:
    """Delete an account with its documents, files and jobs, and end its tokens (an erasure request)."""
    try:
        address = normalise_email(email)
    except ApiError as exc:
        raise click.BadParameter(exc.message) from exc
    if not yes:
        click.echo(f"refusing to delete {address} without --yes", err=True)
        sys.exit(2)
    try:
        services().store.get_user(address)
    except NotFound:
        click.echo(f"no account {address}", err=True)
        sys.exit(1)
    close_account(address)
    click.echo(f"deleted account {address} with its documents, files and jobs")


def register(app: Flask) -> None:
    app.cli.add_command(queues_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(accounts_cli)
