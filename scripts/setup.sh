#!/usr/bin/env bash
# Sets up everything Weft needs on a Debian 12 machine, as root: apt packages,
# npm packages, the BPF objects, the native addon, the TypeScript build and
# Apache Kafka's jars for the tests' broker, Schemathesis for the API's
# fuzz test, grpcurl (built from the Go module proxy) for the gRPC API's test,
# and the web app's static export (next build) that the API serves.
# Idempotent, and quick when nothing changed: each step checks before it works.
# Prints one line per step; the output of a step that fails is shown in full.
# Non-interactive (safe with no stdin, CI=true).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  clang llvm libbpf-dev bpftool                       # BPF programs and their skeleton
  g++ make python3 pkg-config libelf-dev zlib1g-dev    # the native addon (node-gyp)
  libmnl-dev libnetfilter-conntrack-dev                #   and its conntrack half
  iproute2 iptables conntrack libcap2-bin curl         # kernel tests
  dnsutils                                             # test/kernel/l7Dns: dig (UDP and TCP queries)
  openssl                                              # test certificates (gRPC over TLS)
  nginx wrk                                            # bench/agent-overhead
  openjdk-17-jre-headless maven                        # the tests' Kafka broker (jars from Maven Central)
  postgresql                                           # test/control: the tests' PostgreSQL (own cluster in a temp dir)
  python3-venv                                         # test/api: Schemathesis in its own venv (.weft/venv)
  chromium                                             # test/web and bench/web: Playwright (playwright-core) drives it
)

started=$(date +%s%N)
elapsed() { local ms=$((($(date +%s%N) - $1) / 1000000)); printf '%d.%01ds' $((ms / 1000)) $((ms % 1000 / 100)); }
# One line per step: "weft setup: [2/9] npm packages ... up to date". A step
# that has work to do prints its line's start first and its result when done.
open_line=""
begin() { printf 'weft setup: [%s/9] %s ... ' "$1" "$2"; open_line=1; }
end() { printf '%s\n' "$1"; open_line=""; }
fail() {
  [ -z "$open_line" ] || printf 'failed\n'
  printf 'weft setup: error: %s\n' "$1" >&2
  exit 1
}
log=$(mktemp /tmp/weft-setup.XXXXXX)
cleanup() { rm -f "$log"; }
trap cleanup EXIT
# Runs a command with its output in $log; on failure shows the tail and stops.
quietly() {
  local what=$1; shift
  if ! "$@" >"$log" 2>&1 </dev/null; then
    tail -n 40 "$log" >&2
    fail "$what failed: $*"
  fi
}

# --- The machine -------------------------------------------------------------
[ "$(id -u)" = 0 ] || fail "run as root (it installs apt packages; the BPF build and tests need root too)"
{ [ -r /etc/debian_version ] && command -v apt-get >/dev/null && command -v dpkg-query >/dev/null; } \
  || fail "this script supports Debian 12 (bookworm) and relatives with apt; elsewhere install the equivalents of: ${APT_PACKAGES[*]}"
[ -r /sys/kernel/btf/vmlinux ] \
  || fail "this kernel has no BTF (/sys/kernel/btf/vmlinux is missing): Weft needs a kernel built with CONFIG_DEBUG_INFO_BTF=y"
command -v node >/dev/null || fail "Node.js 20.x is required (no node on PATH)"
node_version=$(node -p 'process.versions.node')
case $node_version in
  20.9.* | 20.[1-9][0-9].*) ;;
  *) fail "Node.js 20.x (20.9 or later, as Next.js needs) is required; found $node_version at $(command -v node)" ;;
esac
command -v npm >/dev/null || fail "npm is required (it comes with Node.js)"

# One set-up at a time per checkout (the test and bench scripts run this too).
mkdir -p .weft
exec 9>.weft/setup.lock
flock -w 900 9 || fail "another set-up in this checkout holds .weft/setup.lock"

# --- 1. apt packages ---------------------------------------------------------
# The packages of the list that dpkg does not have installed.
not_installed() {
  local installed
  # dpkg-query fails when one of them is unknown to dpkg: that is an answer.
  installed=" $(dpkg-query -W -f='${db:Status-Status} ${Package}\n' "$@" 2>/dev/null | awk '$1 == "installed" {printf "%s ", $2}' || true) "
  for pkg in "$@"; do [[ $installed == *" $pkg "* ]] || echo "$pkg"; done
}
mapfile -t missing < <(not_installed "${APT_PACKAGES[@]}")
begin 1 "apt packages"
if [ ${#missing[@]} -eq 0 ]; then
  end "up to date"
else
  t=$(date +%s%N)
  printf 'installing %s ... ' "${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # nginx is only the benchmark's server (the benchmark runs its own instance):
  # keep the package from starting the system service.
  ours_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# weft setup: no service starts during package installs\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    ours_policy=1
  fi
  nginx_before=$(pgrep -x nginx || true)
  clusters_before=$(pg_lsclusters -h 2>/dev/null | awk '{print $1 "/" $2}' || true)
  trap '[ -z "$ours_policy" ] || rm -f /usr/sbin/policy-rc.d; cleanup' EXIT
  quietly "apt-get update" apt-get update -q
  quietly "apt-get install" apt-get install -y -q --no-install-recommends "${missing[@]}"
  [ -z "$ours_policy" ] || rm -f /usr/sbin/policy-rc.d
  ours_policy=""
  if [[ " ${missing[*]} " == *" nginx "* ]]; then
    # Should a service have started anyway, stop it (only if none ran before).
    if [ -z "$nginx_before" ] && pgrep -x nginx >/dev/null; then
      nginx -s stop >/dev/null 2>&1 || pkill -F /run/nginx.pid 2>/dev/null || true
    fi
    if [ -d /run/systemd/system ]; then systemctl disable --now nginx >/dev/null 2>&1 || true; fi
  fi
  if [[ " ${missing[*]} " == *" postgresql "* ]]; then
    # The tests run their own PostgreSQL (test/fixtures/postgresServer.ts). Debian's package
    # creates a cluster "main" that would start now and at boot: stop the clusters this install
    # created and set them to start only by hand (pg_ctlcluster); clusters from before stay as they were.
    while read -r version name _ status _; do
      [ -n "$version" ] || continue
      [[ $'\n'"$clusters_before"$'\n' == *$'\n'"$version/$name"$'\n'* ]] && continue
      [ "$status" != online ] || pg_ctlcluster "$version" "$name" stop >/dev/null 2>&1 || true
      [ ! -f "/etc/postgresql/$version/$name/start.conf" ] || echo manual >"/etc/postgresql/$version/$name/start.conf"
    done < <(pg_lsclusters -h 2>/dev/null || true)
    if [ -z "$clusters_before" ] && [ -d /run/systemd/system ]; then systemctl disable --now postgresql >/dev/null 2>&1 || true; fi
  fi
  mapfile -t still < <(not_installed "${missing[@]}")
  [ ${#still[@]} -eq 0 ] || fail "apt packages still missing after apt-get install: ${still[*]}"
  end "done ($(elapsed "$t"))"
fi

# --- 2. npm packages ---------------------------------------------------------
# npm writes node_modules/.package-lock.json on every install: it being newer
# than the lockfile and every package.json means nothing changed since.
stamp=node_modules/.package-lock.json
mapfile -t manifests < <(find package.json apps libs native test bench -maxdepth 2 -name package.json -not -path '*/node_modules/*' 2>/dev/null)
npm_needed=""
if [ ! -f "$stamp" ] || [ ! -x node_modules/.bin/tsc ]; then
  npm_needed=1
else
  for f in package-lock.json "${manifests[@]}"; do
    if [ -e "$f" ] && [ "$f" -nt "$stamp" ]; then npm_needed=1; break; fi
  done
fi
# Where the running node's headers are (for node-gyp): the prefix above bin/node.
node_dir=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
[ -r "$node_dir/include/node/node_api.h" ] \
  || fail "no Node.js headers in $node_dir/include/node (native modules build against them; install the package that ships them, e.g. libnode-dev)"
better_sqlite3_loads() {
  if [ "${1:-}" = verbose ]; then
    node -e "require('better-sqlite3')(':memory:').close()"
  else
    node -e "require('better-sqlite3')(':memory:').close()" >/dev/null 2>&1
  fi
}
begin 2 "npm packages"
if [ -z "$npm_needed" ]; then
  end "up to date"
else
  t=$(date +%s%N)
  # `npm install`, not `npm ci`: packages with per-platform optional
  # dependencies (chdb, buf) get lockfile entries only for the platforms the
  # registry serves, and `npm ci` refuses such a lockfile as out of sync.
  # `npm install` still installs the locked versions.
  printf 'npm install ... '
  # better-sqlite3 (libs/control) has no prebuilt binary this machine can download (its
  # install script asks GitHub): it falls back to node-gyp, which needs the running node's
  # headers (Debian's nodejs has them in /usr/include/node) rather than downloading them.
  # package.json's allowScripts lets npm run that install script.
  quietly "npm install" env npm_config_nodedir="$node_dir" npm install --no-audit --no-fund --loglevel=error
  touch "$stamp"
  end "done ($(elapsed "$t"))"
fi
# An install with its scripts skipped (npm's allowScripts, --ignore-scripts) leaves
# better-sqlite3 without its binary; rebuilding it runs its install script again.
if ! better_sqlite3_loads; then
  begin 2 "npm packages: better-sqlite3's binary"
  t=$(date +%s%N)
  quietly "building better-sqlite3" env npm_config_nodedir="$node_dir" npm rebuild better-sqlite3 --foreground-scripts --loglevel=error
  better_sqlite3_loads || fail "better-sqlite3 still does not load after npm rebuild better-sqlite3: $(better_sqlite3_loads verbose 2>&1 | tail -n 3)"
  end "built ($(elapsed "$t"))"
fi

# --- 3. BPF programs ---------------------------------------------------------
begin 3 "BPF programs (make -C bpf)"
if make -q -C bpf >/dev/null 2>&1; then
  end "up to date"
else
  t=$(date +%s%N)
  quietly "the BPF build" make -C bpf
  end "built ($(elapsed "$t"))"
fi

# --- 4. native addon ---------------------------------------------------------
addon=native/build/Release/weft_native.node
begin 4 "native addon (node-gyp)"
before=$(stat -c %y "$addon" 2>/dev/null || echo none)
t=$(date +%s%N)
quietly "the native addon build" npm --loglevel=error run build -w @weft/native
if [ "$(stat -c %y "$addon" 2>/dev/null || echo none)" = "$before" ]; then
  end "up to date"
else
  end "built ($(elapsed "$t"))"
fi

# --- 5. TypeScript -----------------------------------------------------------
# tsc -b rewrites a project's .tsbuildinfo only when it builds that project.
buildinfo_state() { find . -name '*.tsbuildinfo' -not -path './node_modules/*' -printf '%p %T@\n' 2>/dev/null | sort; }
begin 5 "TypeScript (tsc -b)"
before=$(buildinfo_state)
t=$(date +%s%N)
quietly "the TypeScript build" node_modules/.bin/tsc -b
if [ "$(buildinfo_state)" = "$before" ]; then
  end "up to date"
else
  end "built ($(elapsed "$t"))"
fi

# --- 6. Kafka broker jars ----------------------------------------------------
# The tests' Kafka broker (test/fixtures/kafkaBroker.ts) runs from .weft/kafka/libs:
# kafka_2.13 and its dependencies, resolved by Maven from Maven Central
# (test/fixtures/kafka/pom.xml). The script records the pom's hash: up to date
# when it has not changed.
begin 6 "Kafka broker jars (Maven Central)"
t=$(date +%s%N)
quietly "resolving Kafka's jars" bash scripts/kafka-jars.sh
if grep -qx 'kafka jars: up to date' "$log"; then
  end "up to date"
else
  end "resolved ($(elapsed "$t"))"
fi

# --- 7. Schemathesis ---------------------------------------------------------
# test/api/openapiFuzz.test.ts runs Schemathesis (from PyPI) against the API's
# /api/v1/openapi.json. It lives in a venv of Debian's python3 under .weft/venv:
# the system python's packages stay as they are. Up to date when the venv runs
# and has this version.
SCHEMATHESIS_VERSION=4.32.5
venv=.weft/venv
schemathesis_installed() {
  [ -x "$venv/bin/schemathesis" ] \
    && "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('schemathesis') != '$SCHEMATHESIS_VERSION')" >/dev/null 2>&1
}
begin 7 "Schemathesis $SCHEMATHESIS_VERSION (PyPI, $venv)"
if schemathesis_installed; then
  end "up to date"
else
  t=$(date +%s%N)
  # A venv whose python no longer runs (Debian's python3 upgraded under it) is made again.
  "$venv/bin/python" -c '' >/dev/null 2>&1 || quietly "creating $venv" /usr/bin/python3 -m venv --clear "$venv"
  quietly "installing schemathesis" env PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/pip" install --no-input --quiet "schemathesis==$SCHEMATHESIS_VERSION"
  schemathesis_installed || fail "schemathesis $SCHEMATHESIS_VERSION is not in $venv after pip install"
  end "installed ($(elapsed "$t"))"
fi

# --- 8. grpcurl --------------------------------------------------------------
# test/api/grpcApi.test.ts lists and calls the gRPC API (weft.api.v1) with grpcurl, built
# from source through the Go module proxy into .weft/bin. The version is stamped into the
# binary (-X main.version), so `grpcurl -version` tells whether it is this one.
GRPCURL_VERSION=v1.9.3
GRPCURL_GO_MIN=1.21 # grpcurl $GRPCURL_VERSION's go.mod
grpcurl=.weft/bin/grpcurl
# Go's version as major.minor (1.26 of go1.26.8); empty when this go does not run.
go_minor() { "$1" env GOVERSION 2>/dev/null | sed -nE 's/^go([0-9]+)\.([0-9]+).*/\1.\2/p'; }
# Whether version $1 (major.minor) is at least $2.
at_least() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]; }
begin 8 "grpcurl $GRPCURL_VERSION (Go module proxy, $grpcurl)"
if [ -x "$grpcurl" ] && [ "$("$grpcurl" -version 2>&1)" = "grpcurl $GRPCURL_VERSION" ]; then
  end "up to date"
else
  t=$(date +%s%N)
  go_bin=""
  for candidate in "$(command -v go || true)" /usr/local/go/bin/go /usr/lib/go/bin/go; do
    [ -n "$candidate" ] && [ -x "$candidate" ] || continue
    v=$(go_minor "$candidate")
    if [ -n "$v" ] && at_least "$v" "$GRPCURL_GO_MIN"; then go_bin=$candidate; break; fi
  done
  if [ -z "$go_bin" ]; then
    # Debian's golang-go, only when it is new enough (bookworm's is 1.19).
    quietly "apt-get update" apt-get update -q
    debian_go=$(apt-cache policy golang-go 2>/dev/null | sed -nE 's/^ *Candidate: ([0-9]+:)?([0-9]+\.[0-9]+).*/\2/p')
    [ -n "$debian_go" ] && at_least "$debian_go" "$GRPCURL_GO_MIN" \
      || fail "grpcurl $GRPCURL_VERSION needs Go $GRPCURL_GO_MIN or later to build; found $(command -v go >/dev/null && go env GOVERSION 2>/dev/null || echo 'no go on PATH') and Debian offers golang-go ${debian_go:-not at all}: install Go $GRPCURL_GO_MIN+ and put it on PATH"
    printf 'installing golang-go %s ... ' "$debian_go"
    quietly "apt-get install golang-go" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends golang-go
    go_bin=$(command -v go) || fail "golang-go installed but no go on PATH"
  fi
  printf 'go install with %s ... ' "$("$go_bin" env GOVERSION)"
  # GOTOOLCHAIN=local: build with this go, never download another toolchain.
  quietly "building grpcurl" env GOBIN="$PWD/.weft/bin" GOTOOLCHAIN=local GOFLAGS=-buildvcs=false \
    "$go_bin" install -ldflags "-X main.version=$GRPCURL_VERSION" "github.com/fullstorydev/grpcurl/cmd/grpcurl@$GRPCURL_VERSION"
  [ "$("$grpcurl" -version 2>&1)" = "grpcurl $GRPCURL_VERSION" ] || fail "$grpcurl is not grpcurl $GRPCURL_VERSION after go install: $("$grpcurl" -version 2>&1 | head -n 1)"
  end "built ($(elapsed "$t"))"
fi

# --- 9. web app --------------------------------------------------------------
# apps/web's static export (apps/web/out), which the API serves at /. Rebuilt
# when its sources (or the API document its types come from) changed: their
# hash is kept beside the export.
begin 9 "web app (next build, apps/web/out)"
web_hash=$( (find apps/web/app apps/web/src apps/web/public -type f -print0 2>/dev/null | sort -z | xargs -0 sha256sum; \
  sha256sum apps/web/next.config.mjs apps/web/package.json apps/web/tsconfig.json apps/api/openapi.json package-lock.json) | sha256sum | cut -d' ' -f1)
if [ -f apps/web/out/index.html ] && [ "$(cat apps/web/out/.weft-build-hash 2>/dev/null)" = "$web_hash" ]; then
  end "up to date"
else
  t=$(date +%s%N)
  (cd apps/web && quietly "the web app's build" env NEXT_TELEMETRY_DISABLED=1 ../../node_modules/.bin/next build)
  printf '%s\n' "$web_hash" > apps/web/out/.weft-build-hash
  end "built ($(elapsed "$t"))"
fi

echo "weft setup: done ($(elapsed "$started"))"
