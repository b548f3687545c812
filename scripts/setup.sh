#!/usr/bin/env bash
# Sets up everything Weft needs on a Debian 12 machine, as root: apt packages,
# npm packages, the BPF objects, the native addon and the TypeScript build.
# Idempotent, and quick when nothing changed: each step checks before it works.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf 'weft setup: [%s/5] %s\n' "$1" "$2"; }
fail() { printf 'weft setup: %s\n' "$1" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "run as root (apt packages and BPF need it)"
[ -r /etc/debian_version ] || fail "this script supports Debian 12 (bookworm); install the packages listed in scripts/setup.sh by hand elsewhere"
[ -r /sys/kernel/btf/vmlinux ] || fail "this kernel has no BTF (/sys/kernel/btf/vmlinux): Weft needs CONFIG_DEBUG_INFO_BTF=y"
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo none)
[ "$node_major" = 20 ] || fail "Node.js 20.x is required (found: $node_major)"

APT_PACKAGES=(clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config make g++ python3
  iproute2 iptables conntrack libmnl-dev libnetfilter-conntrack-dev libcap2-bin curl nginx wrk)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  step 1 "apt packages ... up to date"
else
  step 1 "apt packages ... installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Keep package installs from starting services (nginx is only a benchmark target).
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" > /tmp/weft-apt.log 2>&1 \
    || { tail -20 /tmp/weft-apt.log >&2; fail "apt-get install failed (log: /tmp/weft-apt.log)"; }
fi

stamp=node_modules/.package-lock.json
newest_manifest=$(ls -t package-lock.json package.json */package.json apps/*/package.json 2>/dev/null | head -1)
if [ -f "$stamp" ] && [ "$stamp" -nt "$newest_manifest" ]; then
  step 2 "npm packages ... up to date"
else
  step 2 "npm packages ... installing"
  npm ci --no-audit --no-fund --loglevel=error
fi

step 3 "BPF programs (bpf/) ..."
make -s -C bpf

step 4 "native addon (native/) ..."
npm run --silent build -w @weft/native

step 5 "TypeScript ..."
npx --no-install tsc -b
echo "weft setup: done"
