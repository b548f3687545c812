#!/usr/bin/env bash
# The README's main command: set up, then run Weft on this machine
# (`npx weft up`: agent, ingest, embedded ClickHouse and the API in one
# process; it prints the API address). Arguments pass through
# (`bash scripts/start.sh --api-addr 0.0.0.0:8080`). Set-up progress goes to
# stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh </dev/null >&2
exec npx --no-install --loglevel=error weft up "$@"
