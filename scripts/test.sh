#!/usr/bin/env bash
# The README's test command (and CI's): set up, then run every test in one
# node test runner invocation: unit specs beside the code, the native addon's
# tests, and the kernel tests under test/ (root, BPF, network namespaces).
# Optional arguments: test files to run instead of all of them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# Leftovers of an interrupted run: test namespaces are named wt<pid><letter>-...;
# remove those whose test process is gone.
for ns in $(ip netns list 2>/dev/null | awk '/^wt[0-9]/{print $1}'); do
  pid=$(sed -E 's/^wt([0-9]+).*/\1/' <<<"$ns")
  [ -d "/proc/$pid" ] || ip netns del "$ns" 2>/dev/null || true
done

if [ $# -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(
    find apps -path '*/dist/*' -name '*.spec.js' -not -path '*/node_modules/*' | sort
    find native/test -name '*.spec.mjs' | sort
    find test/dist -name '*.test.js' | sort
  )
fi
echo "weft test: ${#files[@]} test files"
log=$(mktemp)
set +e
node --test --test-concurrency=1 --test-reporter=tap "${files[@]}" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
pass=$(awk '/^# pass /{print $3}' "$log" | tail -1)
failed=$(awk '/^# fail /{print $3}' "$log" | tail -1)
skipped=$(awk '/^# skipped /{print $3}' "$log" | tail -1)
rm -f "$log"
echo "${pass:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
exit "$status"
