#!/usr/bin/env bash
# The README's test command (and CI's): set up, then run every test in one
# node test runner invocation, one file at a time:
#   unit specs beside the code   {apps,libs}/*/src/**/*.spec.ts -> {apps,libs}/*/dist/**/*.spec.js
#   the native addon's tests     native/test/*.spec.mjs
#   kernel and harness tests     test/**/*.test.ts        -> test/dist/**/*.test.js
# (root, BPF, network namespaces). Output is node's TAP, ending with node's
# summary (# tests, # pass, # fail ...), then one line "N passed, N failed".
# On a terminal the spec reporter is shown instead. Exit code: node's.
#
# Arguments select a subset: a test file (compiled or its .ts source), a
# folder, or any other word, matched against the paths of all test files:
#   bash scripts/test.sh test/dist/kernel/bytes.test.js
#   bash scripts/test.sh test/kernel/bytes.test.ts apps/agent
#   bash scripts/test.sh conntrack
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

say() { printf 'weft test: %s\n' "$*"; }

# Leftovers of an interrupted run: test namespaces are named wt<pid><letter>-...
# (test/fixtures/netnsTopology.ts); remove those whose test process is gone,
# and leave those of a run still going.
removed=0
for ns in $(ip netns list 2>/dev/null | awk '/^wt[0-9]+[a-z]+-/{print $1}'); do
  pid=$(sed -E 's/^wt([0-9]+).*/\1/' <<<"$ns")
  if [ ! -d "/proc/$pid" ]; then ip netns del "$ns" 2>/dev/null && removed=$((removed + 1)) || true; fi
done
[ "$removed" -eq 0 ] || say "removed $removed network namespaces left by an interrupted run"

# Every test file, by group, sorted. Compiled files count only while their
# source exists (tsc -b never deletes the output of a deleted or renamed test).
unit=() native=() kernel=()
for group in apps libs; do
  [ -d "$group" ] || continue
  while IFS= read -r f; do
    src=$(sed -E 's#^((apps|libs)/[^/]+)/dist/(.*)\.js$#\1/src/\3.ts#' <<<"$f")
    [ -f "$src" ] && unit+=("$f")
  done < <(find "$group" -path '*/node_modules' -prune -o -path "$group/*/dist/*" -name '*.spec.js' -print | sort)
done
if [ -d native/test ]; then
  mapfile -t native < <(find native/test -name '*.spec.mjs' | sort)
fi
if [ -d test/dist ]; then
  while IFS= read -r f; do
    src=$(sed -E 's#^test/dist/(.*)\.js$#test/\1.ts#' <<<"$f")
    [ -f "$src" ] && kernel+=("$f")
  done < <(find test/dist -name '*.test.js' | sort)
fi
all=("${unit[@]}" "${native[@]}" "${kernel[@]}")

if [ $# -eq 0 ]; then
  files=("${all[@]}")
  say "${#unit[@]} unit spec files, ${#native[@]} native addon test files, ${#kernel[@]} kernel test files"
else
  files=()
  for arg in "$@"; do
    arg=${arg#./}
    # A .ts source stands for its compiled file.
    if [[ $arg == apps/*/src/*.ts || $arg == libs/*/src/*.ts ]]; then
      arg=$(sed -E 's#^((apps|libs)/[^/]+)/src/(.*)\.ts$#\1/dist/\3.js#' <<<"$arg")
    elif [[ $arg == test/*.ts && $arg != test/dist/* ]]; then
      arg=test/dist/${arg#test/}; arg=${arg%.ts}.js
    fi
    matched=0
    if [ -f "$arg" ]; then
      files+=("$arg"); matched=1
    else
      [ -d "$arg" ] && prefix=${arg%/}/ || prefix=""
      for f in "${all[@]}"; do
        if { [ -n "$prefix" ] && [[ $f == "$prefix"* ]]; } || { [ -z "$prefix" ] && [[ $f == *"$arg"* ]]; }; then
          files+=("$f"); matched=1
        fi
      done
    fi
    [ "$matched" = 1 ] || { say "no test file matches '$arg'" >&2; exit 1; }
  done
  mapfile -t files < <(printf '%s\n' "${files[@]}" | awk '!seen[$0]++')
  say "${#files[@]} of ${#all[@]} test files"
fi
[ ${#files[@]} -gt 0 ] || { say "no test files found (did the build run?)" >&2; exit 1; }

tap=$(mktemp /tmp/weft-test.XXXXXX)
trap 'rm -f "$tap"' EXIT
# --test-force-exit: a test file whose tests are done but that leaves a handle
# open (a tracer a failed test never closed) must not hang the run.
# --test-timeout: a backstop for a test that never settles (tests set their own).
runner=(node --test --test-concurrency=1 --test-force-exit --test-timeout=600000)
set +e
if [ -t 1 ]; then
  "${runner[@]}" --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" "${files[@]}"
  status=$?
else
  "${runner[@]}" --test-reporter=tap "${files[@]}" 2>&1 | tee "$tap"
  status=${PIPESTATUS[0]}
fi
set -e

# node's closing summary: "# pass 12" ... at the start of the line, last.
count() { awk -v key="$1" '$1 == "#" && $2 == key && $3 ~ /^[0-9]+$/ && NF == 3 && /^#/ {n = $3} END {print n + 0}' "$tap"; }
if ! grep -qE '^# tests [0-9]+$' "$tap"; then
  say "node printed no summary (exit $status): the run was interrupted"
  exit $((status == 0 ? 1 : status))
fi
summary="$(count pass) passed, $(count fail) failed"
for extra in cancelled skipped todo; do
  n=$(count "$extra")
  [ "$n" = 0 ] || summary+=", $n $extra"
done
echo "$summary"
exit "$status"
