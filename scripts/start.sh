#!/usr/bin/env bash
# The README's main command: set up, then run Weft. For now that is the node
# agent's live view of every TCP connection (`npx weft agent`); arguments pass
# through (`bash scripts/start.sh --json`). Set-up progress goes to stderr, so
# stdout carries only the agent's output.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh </dev/null >&2
exec npx --no-install --loglevel=error weft agent "$@"
