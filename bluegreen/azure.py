"""The `azure` provider: the same procedure over Container Apps revisions (infra/main.bicep puts the web and
worker apps in multiple-revision mode).

A release is a revision suffix. Deploying green updates each app's image and `revisionSuffix`, which makes
a new revision beside the serving one; on the web app the traffic stays 100 % on the revision labelled
`blue`, and the new one is labelled `green`, so the smoke checks reach it alone at its label's address
(`https://ca-NAME-web---green.<environment domain>`). The switch and the rollback are traffic weights.
Retiring a release drains its worker replicas (`flask --app web queues drain --workers '*@ca-NAME-*--SUFFIX-*'`:
a replica's host name, which Celery puts in its node name, begins with its revision's name) and then
deactivates its revisions. After a switch the new revision takes the `blue` label, for the next release.

The pure parts (names, label addresses, traffic plans, the revision a release makes) are below the SDK
calls and unit-tested; the calls themselves have never run here (no Azure subscription): see the README.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

import requests

from bluegreen.procedure import Colour, ReleaseError, Result, release
from bluegreen.smoke import smoke_script
from bluegreen.watch import WatchPolicy
from common.stages import STAGES

LIVE_LABEL = str(Colour.BLUE)
NEXT_LABEL = str(Colour.GREEN)
READY_STATES = {"Running", "RunningAtMaxScale"}


@dataclass(frozen=True)
class AzureApps:
    """The Container Apps infra/main.bicep makes for its `name` parameter (beat is not released this way:
    it runs exactly one replica and is restarted with the new image afterwards)."""

    name: str

    @property
    def web(self) -> str:
        return f"ca-{self.name}-web"

    @property
    def workers(self) -> tuple[str, ...]:
        return tuple(f"ca-{self.name}-{s.name}" for s in STAGES)


def revision_name(app: str, suffix: str) -> str:
    return f"{app}--{suffix}"


def suffix_of(app: str, revision: str) -> str:
    prefix = f"{app}--"
    if not revision.startswith(prefix):
        raise ValueError(f"{revision} is not a revision of {app}")
    return revision[len(prefix) :]


def worker_pattern(apps: AzureApps, suffix: str) -> str:
    """The Celery node names of one release's worker replicas (`extract@ca-kraftd-extract--v42-6d4f-x2x7k`)."""
    return f"*@ca-{apps.name}-*--{suffix}-*"


def label_fqdn(app_fqdn: str, app: str, label: str) -> str:
    """A revision label's own address: `ca-NAME-web.ENV-DOMAIN` → `ca-NAME-web---LABEL.ENV-DOMAIN`."""
    if not app_fqdn.startswith(f"{app}."):
        raise ValueError(f"{app_fqdn} is not the address of {app}")
    return f"{app}---{label}{app_fqdn[len(app) :]}"


@dataclass(frozen=True)
class Weight:
    revision: str
    weight: int
    label: str


def traffic_plan(live: str, candidate: str | None, to: Colour) -> list[Weight]:
    """The web app's traffic with `live` labelled blue and `candidate` green: all of it on `to`'s."""
    if candidate is None:
        return [Weight(live, 100, LIVE_LABEL)]
    green = 100 if to is Colour.GREEN else 0
    return [Weight(live, 100 - green, LIVE_LABEL), Weight(candidate, green, NEXT_LABEL)]


def promoted(candidate: str) -> list[Weight]:
    """After a switch and blue's retirement: the new revision serves alone, labelled blue for next time."""
    return [Weight(candidate, 100, LIVE_LABEL)]


def with_release(app: Any, image: str, suffix: str) -> Any:
    """The app (an SDK `ContainerApp`) with its first container's image and its revision suffix set: what
    makes Container Apps create the release's revision. Everything else (secrets, probes, scale) is kept."""
    app.template.containers[0].image = image
    app.template.revision_suffix = suffix
    return app


class ContainerApps:
    """The Container Apps calls a release makes, through azure-mgmt-appcontainers."""

    def __init__(self, client: Any, resource_group: str) -> None:
        self.client = client
        self.group = resource_group

    @classmethod
    def connect(cls, subscription: str, resource_group: str) -> ContainerApps:
        from azure.identity import DefaultAzureCredential
        from azure.mgmt.appcontainers import ContainerAppsAPIClient

        return cls(ContainerAppsAPIClient(DefaultAzureCredential(), subscription), resource_group)

    def get(self, app: str) -> Any:
        return self.client.container_apps.get(self.group, app)

    def update(self, app: str, body: Any) -> None:
        self.client.container_apps.begin_update(self.group, app, body).result()

    def set_traffic(self, app: str, plan: list[Weight]) -> None:
        from azure.mgmt.appcontainers.models import TrafficWeight

        body = self.get(app)
        body.configuration.ingress.traffic = [
            TrafficWeight(revision_name=w.revision, weight=w.weight, label=w.label) for w in plan
        ]
        self.update(app, body)

    def revision_state(self, app: str, revision: str) -> tuple[bool, str, str]:
        found = self.client.container_apps_revisions.get_revision(self.group, app, revision)
        return bool(found.active), str(found.running_state or ""), str(found.health_state or "")

    def active_revisions(self, app: str) -> list[str]:
        return [
            r.name for r in self.client.container_apps_revisions.list_revisions(self.group, app) if r.active
        ]

    def activate(self, app: str, revision: str) -> None:
        self.client.container_apps_revisions.activate_revision(self.group, app, revision)

    def deactivate(self, app: str, revision: str) -> None:
        self.client.container_apps_revisions.deactivate_revision(self.group, app, revision)


def live_revision(traffic: list[Any]) -> str:
    """The revision labelled blue, or else the one with all the traffic."""
    for weight in traffic:
        if weight.label == LIVE_LABEL and weight.revision_name:
            return str(weight.revision_name)
    for weight in traffic:
        if weight.weight == 100 and weight.revision_name:
            return str(weight.revision_name)
    raise ReleaseError("no revision is labelled blue or takes all the traffic")


def drain(pattern: str, timeout: float = 300.0) -> None:
    """`flask --app web queues drain --workers PATTERN` with the operator's environment (REDIS_URL: the
    production cache's, from Key Vault)."""
    if not os.environ.get("REDIS_URL"):
        raise ReleaseError("set REDIS_URL to the production Redis to drain workers")
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "web", "queues", "drain", "--workers", pattern,
         "--timeout", str(timeout)],
        capture_output=True, text=True, timeout=timeout + 60,
    )  # fmt: skip
    print(done.stdout + done.stderr, end="")
    if done.returncode != 0:
        raise ReleaseError(f"drain of {pattern} failed")


def wait_running(apps: ContainerApps, revisions: list[tuple[str, str]], timeout: float) -> None:
    """Until each (app, revision) is active, running and healthy."""
    deadline = time.monotonic() + timeout
    pending = set(revisions)
    while pending:
        for app, revision in sorted(pending):
            active, running, health = apps.revision_state(app, revision)
            if active and running in READY_STATES and health == "Healthy":
                pending.discard((app, revision))
        if pending and time.monotonic() > deadline:
            raise ReleaseError(f"not ready after {timeout}s: {', '.join(r for _, r in sorted(pending))}")
        if pending:
            time.sleep(5)


@dataclass
class AzureProvider:
    """The procedure's provider over one resource group's Container Apps."""

    apps: ContainerApps
    names: AzureApps
    web_image: str
    worker_image: str
    suffix: str  # green's
    live: str = ""  # blue's web revision, read at the start

    def __post_init__(self) -> None:
        self.live = self.live or live_revision(self.apps.get(self.names.web).configuration.ingress.traffic)

    def _suffix(self, colour: Colour) -> str:
        return self.suffix if colour is Colour.GREEN else suffix_of(self.names.web, self.live)

    def deploy(self, colour: Colour) -> None:
        suffix = self._suffix(colour)
        web = with_release(self.apps.get(self.names.web), self.web_image, suffix)
        from azure.mgmt.appcontainers.models import TrafficWeight

        web.configuration.ingress.traffic = [
            TrafficWeight(revision_name=w.revision, weight=w.weight, label=w.label)
            for w in traffic_plan(self.live, revision_name(self.names.web, suffix), Colour.BLUE)
        ]
        self.apps.update(self.names.web, web)
        for app in self.names.workers:
            self.apps.update(app, with_release(self.apps.get(app), self.worker_image, suffix))

    def wait_ready(self, colour: Colour, timeout: float) -> None:
        suffix = self._suffix(colour)
        wait_running(
            self.apps,
            [(app, revision_name(app, suffix)) for app in (self.names.web, *self.names.workers)],
            timeout,
        )
        if requests.get(f"{self.url(colour)}/readyz", timeout=10).status_code != 200:
            raise ReleaseError(f"{self.url(colour)}/readyz is not 200")

    def url(self, colour: Colour) -> str:
        fqdn = self.apps.get(self.names.web).configuration.ingress.fqdn
        return f"https://{label_fqdn(fqdn, self.names.web, str(colour))}"

    def switch(self, colour: Colour) -> None:
        self.apps.set_traffic(
            self.names.web, traffic_plan(self.live, revision_name(self.names.web, self.suffix), colour)
        )

    def metrics(self, colour: Colour) -> str:
        answer = requests.get(f"{self.url(colour)}/metrics", timeout=30)
        answer.raise_for_status()
        return answer.text

    def retire(self, colour: Colour) -> None:
        suffix = self._suffix(colour)
        drain(worker_pattern(self.names, suffix))
        if colour is Colour.BLUE:
            self.apps.set_traffic(self.names.web, promoted(revision_name(self.names.web, self.suffix)))
        for app in (*self.names.workers, self.names.web):
            self.apps.deactivate(app, revision_name(app, suffix))


def deploy(
    apps: ContainerApps, names: AzureApps, web_image: str, worker_image: str, suffix: str, policy: WatchPolicy
) -> Result:
    provider = AzureProvider(apps, names, web_image, worker_image, suffix)
    # tests/smoke.sh with the operator's SMOKE_MAILBOX_CMD and SMOKE_RECAPTCHA_TOKEN (ops/README.md).
    return release(provider, smoke_script({}), policy, ready_timeout=900)


def rollback(apps: ContainerApps, names: AzureApps, to_suffix: str | None) -> None:
    """All traffic to the release `to_suffix` (default: the one labelled blue), its revisions active again;
    every other release's workers drained and its revisions deactivated."""
    web = apps.get(names.web)
    target = (
        revision_name(names.web, to_suffix) if to_suffix else live_revision(web.configuration.ingress.traffic)
    )
    suffix = suffix_of(names.web, target)
    every = (names.web, *names.workers)
    for app in every:
        if revision_name(app, suffix) not in apps.active_revisions(app):
            apps.activate(app, revision_name(app, suffix))
    wait_running(apps, [(app, revision_name(app, suffix)) for app in every], timeout=900)
    apps.set_traffic(names.web, [Weight(target, 100, LIVE_LABEL)])
    others = {suffix_of(app, r) for app in every for r in apps.active_revisions(app)} - {suffix}
    for other in sorted(others):
        drain(worker_pattern(names, other))
        for app in every:
            if revision_name(app, other) in apps.active_revisions(app):
                apps.deactivate(app, revision_name(app, other))
