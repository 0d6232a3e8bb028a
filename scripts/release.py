"""Blue-green releases of Kraftd Docs (see ops/README.md, "Releases").

python scripts/release.py rehearse [--break-green] [--json]
    On this machine: blue and green stacks behind nginx, uploads and polls flowing, the whole procedure.
    Exit 0 only when the outcome is the expected one (switched; rolled_back with --break-green) and no
    job was lost.
python scripts/release.py deploy --provider azure --resource-group RG --web-image IMG --worker-image IMG
                                 --revision-suffix SUFFIX [--subscription ID] [--name kraftd] [--watch-seconds S]
python scripts/release.py rollback --provider azure --resource-group RG [--to-revision-suffix SUFFIX] …
    The same procedure against Container Apps revisions and traffic weights (DefaultAzureCredential).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a file from anywhere

from bluegreen.watch import WatchPolicy


def _rehearse(args: argparse.Namespace) -> int:
    from bluegreen.procedure import ReleaseError
    from bluegreen.rehearsal import rehearse

    # SIGTERM unwinds like Ctrl-C, so every process the rehearsal started is stopped on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    policy = WatchPolicy(window_seconds=args.watch_seconds, min_requests=20)
    if args.fail_watch:  # no answer takes 0 s: the watch breaches, after a real switch
        policy = WatchPolicy(window_seconds=args.watch_seconds, max_p95_seconds=0.0, min_requests=1)
    try:
        report = rehearse(args.break_green, args.users, policy, args.keep, args.fail_watch)
    except ReleaseError as exc:
        print(f"rehearsal stopped: {exc}", file=sys.stderr)
        return 1
    if args.json:
        # The timeline and each failed request's reason go to stderr, so a rehearsal that fails explains itself.
        print(report.text(), file=sys.stderr)
        print(json.dumps(report.contract()))
    else:
        print(report.text())
    return 0 if report.passed else 1


def _azure(args: argparse.Namespace) -> int:
    from bluegreen.azure import AzureApps, ContainerApps, deploy, rollback

    subscription = args.subscription or os.environ.get("AZURE_SUBSCRIPTION_ID")
    if not subscription:
        raise SystemExit("give --subscription or set AZURE_SUBSCRIPTION_ID")
    apps = AzureApps(args.name)
    client = ContainerApps.connect(subscription, args.resource_group)
    if args.command == "deploy":
        policy = WatchPolicy(window_seconds=args.watch_seconds)
        result = deploy(client, apps, args.web_image, args.worker_image, args.revision_suffix, policy)
        print(json.dumps({"outcome": str(result.outcome), "phases": result.phases}))
        return 0 if result.outcome == "switched" else 1
    rollback(client, apps, args.to_revision_suffix)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="release.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    rehearse = commands.add_parser("rehearse", help="the whole procedure on this machine, behind nginx")
    rehearse.add_argument(
        "--break-green", action="store_true", help="green fails its smoke: the rollback path"
    )
    rehearse.add_argument(
        "--fail-watch", action="store_true", help="a watch green cannot pass: switched, then rolled back"
    )
    rehearse.add_argument("--json", action="store_true", help="print the result as JSON")
    rehearse.add_argument("--watch-seconds", type=float, default=6.0, help="the watch window (default 6)")
    rehearse.add_argument("--users", type=int, default=4, help="users uploading and polling (default 4)")
    rehearse.add_argument("--keep", action="store_true", help="keep the temporary folder and its logs")

    for name in ("deploy", "rollback"):
        sub = commands.add_parser(name, help=f"{name} on Azure Container Apps")
        sub.add_argument("--provider", choices=["azure"], required=True)
        sub.add_argument("--subscription", help="default: AZURE_SUBSCRIPTION_ID")
        sub.add_argument("--resource-group", required=True)
        sub.add_argument("--name", default="kraftd", help="the Bicep `name` parameter (default kraftd)")
    deploy = commands.choices["deploy"]
    deploy.add_argument("--web-image", required=True)
    deploy.add_argument("--worker-image", required=True)
    deploy.add_argument("--revision-suffix", required=True, help="names green's revisions, e.g. the git sha")
    deploy.add_argument("--watch-seconds", type=float, default=600.0, help="the watch window (default 600)")
    commands.choices["rollback"].add_argument(
        "--to-revision-suffix", help="the revisions to go back to (default: those labelled blue)"
    )

    args = parser.parse_args(argv)
    return _rehearse(args) if args.command == "rehearse" else _azure(args)


if __name__ == "__main__":
    sys.exit(main())
