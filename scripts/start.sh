#!/usr/bin/env bash
# The README's main command: set up, then run Weft. For now that is the node
# agent's live view of every TCP connection (`npx weft agent`); flags pass through.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec npx --no-install weft agent "$@"
