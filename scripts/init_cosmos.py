"""Create the Cosmos DB database and containers the service uses, and print what was done.

Idempotent: existing containers are left alone (their indexing policy and default TTL are aligned when they
differ). With `--production` it refuses the emulator's well-known key and plain-HTTP endpoints.

    python scripts/init_cosmos.py [--production]     (with the package installed: `make install`)
"""

from __future__ import annotations

import argparse
import sys
from urllib.parse import urlsplit

from common.config import ConfigError, Settings, get_settings
from common.store import StoreError
from common.store.cosmos import EMULATOR_KEY, CosmosStore


def production_problems(settings: Settings) -> list[str]:
    """Why these settings must not be used to set up a production account; empty when they may."""
    problems: list[str] = []
    if settings.cosmos_key == EMULATOR_KEY:
        problems.append("COSMOS_KEY is the emulator's well-known key")
    if urlsplit(settings.cosmos_endpoint or "").scheme != "https":
        problems.append("COSMOS_ENDPOINT must be an https:// URL")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--production", action="store_true", help="refuse emulator credentials")
    args = parser.parse_args(argv)
    try:
        settings = get_settings()
    except ConfigError as exc:
        print(f"init_cosmos: {exc}", file=sys.stderr)
        return 2
    if not settings.cosmos_endpoint:
        print("init_cosmos: COSMOS_ENDPOINT is not set", file=sys.stderr)
        return 2
    problems = production_problems(settings) if args.production else []
    if problems:
        print("init_cosmos: refusing --production: " + "; ".join(problems), file=sys.stderr)
        return 2
    endpoint = urlsplit(settings.cosmos_endpoint)
    print(f"Cosmos DB at {endpoint.scheme}://{endpoint.netloc}, database {settings.cosmos_database}")
    try:
        actions = CosmosStore.from_settings(settings).ensure_containers()
    except StoreError as exc:
        print(f"init_cosmos: {exc}", file=sys.stderr)
        return 1
    for action in actions:
        print(action)
    return 0


if __name__ == "__main__":
    sys.exit(main())
