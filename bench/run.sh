#!/usr/bin/env bash
# Runs one benchmark: bash bench/run.sh agent-overhead
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: bash bench/run.sh <agent-overhead>}
bash scripts/setup.sh
exec node "bench/dist/${name}/run.js"
