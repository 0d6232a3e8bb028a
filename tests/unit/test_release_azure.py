"""The azure provider's pure parts: names, label addresses, traffic plans, the revision a release makes.
The Container Apps calls themselves cannot run here (no subscription); these are what they are given."""

from __future__ import annotations

import fnmatch

import pytest
from azure.mgmt.appcontainers.models import ContainerApp, TrafficWeight

from bluegreen.azure import (
    AzureApps,
    label_fqdn,
    live_revision,
    promoted,
    revision_name,
    suffix_of,
    traffic_plan,
    with_release,
    worker_pattern,
)
from bluegreen.procedure import Colour
from common.stages import STAGES
from scripts.release import main

APPS = AzureApps("kraftd")


def test_the_apps_are_the_ones_the_template_makes() -> None:
    assert APPS.web == "ca-kraftd-web"
    assert APPS.workers == tuple(f"ca-kraftd-{s.name}" for s in STAGES)


def test_revision_names_round_trip() -> None:
    assert revision_name("ca-kraftd-web", "v42") == "ca-kraftd-web--v42"
    assert suffix_of("ca-kraftd-web", "ca-kraftd-web--v42") == "v42"
    with pytest.raises(ValueError, match="not a revision"):
        suffix_of("ca-kraftd-web", "ca-kraftd-extract--v42")


def test_green_is_smoked_at_its_label_address() -> None:
    fqdn = "ca-kraftd-web.purplesea-1234abcd.westeurope.azurecontainerapps.io"
    assert (
        label_fqdn(fqdn, "ca-kraftd-web", "green")
        == "ca-kraftd-web---green.purplesea-1234abcd.westeurope.azurecontainerapps.io"
    )
    with pytest.raises(ValueError, match="not the address"):
        label_fqdn(fqdn, "ca-kraftd-extract", "green")


def test_traffic_plans_keep_both_labels_and_put_everything_on_one_revision() -> None:
    blue, green = "ca-kraftd-web--v41", "ca-kraftd-web--v42"
    deployed = traffic_plan(blue, green, Colour.BLUE)
    switched = traffic_plan(blue, green, Colour.GREEN)
    for plan in (deployed, switched):
        assert sum(w.weight for w in plan) == 100
        assert {(w.revision, w.label) for w in plan} == {(blue, "blue"), (green, "green")}
    assert {w.revision: w.weight for w in deployed} == {blue: 100, green: 0}
    assert {w.revision: w.weight for w in switched} == {blue: 0, green: 100}
    assert [(w.revision, w.weight, w.label) for w in promoted(green)] == [(green, 100, "blue")]
    assert [(w.revision, w.weight) for w in traffic_plan(blue, None, Colour.BLUE)] == [(blue, 100)]


def test_the_drain_pattern_matches_one_releases_replicas_only() -> None:
    # Celery's node name is STAGE@HOST, and a Container Apps replica's host name begins with its revision's.
    nodes = [
        "extract@ca-kraftd-extract--v41-6d4f8b7c9-x2x7k",
        "analyze@ca-kraftd-analyze--v41-59c7d8f6b-9qz4m",
        "extract@ca-kraftd-extract--v42-7f9b6c5d4-h8k2p",
        "extract@ca-other-extract--v41-6d4f8b7c9-abcde",
    ]
    pattern = worker_pattern(APPS, "v41")
    assert [n for n in nodes if fnmatch.fnmatchcase(n, pattern)] == nodes[:2]


def test_a_release_changes_the_image_and_the_suffix_and_nothing_else() -> None:
    app = ContainerApp(
        {
            "location": "westeurope",
            "properties": {
                "configuration": {
                    "activeRevisionsMode": "Multiple",
                    "secrets": [{"name": "redis-url", "keyVaultUrl": "https://kv/secrets/redis-url"}],
                    "ingress": {"fqdn": "ca-kraftd-web.x.azurecontainerapps.io",
                                "traffic": [{"revisionName": "ca-kraftd-web--v41", "weight": 100, "label": "blue"}]},
                },
                "template": {"revisionSuffix": "v41",
                             "containers": [{"name": "web", "image": "acr.io/kraftd-web:v41",
                                             "env": [{"name": "ENVIRONMENT", "value": "production"}]}]},
            },
        }
    )  # fmt: skip
    before = app.as_dict()
    changed = with_release(app, "acr.io/kraftd-web:v42", "v42").as_dict()
    assert changed["properties"]["template"]["containers"][0]["image"] == "acr.io/kraftd-web:v42"
    assert changed["properties"]["template"]["revisionSuffix"] == "v42"
    changed["properties"]["template"]["containers"][0]["image"] = "acr.io/kraftd-web:v41"
    changed["properties"]["template"]["revisionSuffix"] = "v41"
    assert changed == before


def test_the_live_revision_is_the_blue_label_or_else_the_one_with_all_traffic() -> None:
    labelled = [TrafficWeight(revision_name="r--a", weight=0, label="blue"),
                TrafficWeight(revision_name="r--b", weight=100, label="green")]  # fmt: skip
    assert live_revision(labelled) == "r--a"
    assert live_revision([TrafficWeight(revision_name="r--c", weight=100)]) == "r--c"


def test_the_azure_commands_need_a_subscription(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZURE_SUBSCRIPTION_ID", raising=False)
    with pytest.raises(SystemExit, match="subscription"):
        main(["rollback", "--provider", "azure", "--resource-group", "rg"])
    with pytest.raises(SystemExit):  # argparse: the images and suffix are required to deploy
        main(["deploy", "--provider", "azure", "--resource-group", "rg", "--subscription", "s"])
