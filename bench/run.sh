#!/usr/bin/env bash
# Runs one benchmark after set-up (which compiles bench/ into bench/dist):
#   bash bench/run.sh agent-overhead
# The figures go to stdout as a table and to bench/results/<name>.json;
# set-up and progress lines go to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
available=$(find bench -mindepth 2 -maxdepth 2 -name run.ts -not -path 'bench/dist/*' -printf '%h\n' | sed 's#^bench/##' | sort | tr '\n' ' ')
name=${1:-}
if [ -z "$name" ] || [ ! -f "bench/$name/run.ts" ]; then
  echo "usage: bash bench/run.sh <benchmark>   (available: ${available% })" >&2
  exit 2
fi
shift
bash scripts/setup.sh </dev/null >&2
exec node "bench/dist/$name/run.js" "$@"
