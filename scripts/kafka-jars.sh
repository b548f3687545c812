#!/usr/bin/env bash
# Puts Apache Kafka's broker jars (org.apache.kafka:kafka_2.13, its runtime
# dependencies and a log4j backend, as listed in test/fixtures/kafka/pom.xml)
# into .weft/kafka/libs, resolved from Maven Central by Maven. The tests run
# the broker from there: java -cp '.weft/kafka/libs/*' kafka.Kafka ...
# (test/fixtures/kafkaBroker.ts).
#
# Idempotent: .weft/kafka/libs/.pom.sha256 records the hash of the pom the jars
# came from; when it matches, this prints "kafka jars: up to date" and does
# nothing else. Maven's local repository is .weft/m2 (never ~/.m2), batch mode,
# no stdin: safe as root on a fresh machine and in CI.
# Needs a JDK (17+) and Maven 3 on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

pom=test/fixtures/kafka/pom.xml
libs=.weft/kafka/libs
stamp=$libs/.pom.sha256
repo=$PWD/.weft/m2

say() { printf 'kafka jars: %s\n' "$*"; }
die() { printf 'kafka jars: error: %s\n' "$*" >&2; exit 1; }

[ -f "$pom" ] || die "$pom is missing"
want=$(sha256sum "$pom" | cut -d' ' -f1)
up_to_date() { [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && compgen -G "$libs/kafka_2.13-*.jar" >/dev/null; }
if up_to_date; then
  say "up to date"
  exit 0
fi

command -v java >/dev/null || die "java (a JDK or JRE 17+) is not on PATH; on Debian: apt-get install openjdk-17-jre-headless"
command -v mvn >/dev/null || die "mvn (Maven 3) is not on PATH; on Debian: apt-get install maven"

# One resolution at a time per checkout; whoever waited finds the jars there.
mkdir -p .weft/kafka
exec 8>.weft/kafka/.lock
flock -w 600 8 || die "another kafka-jars.sh in this checkout holds .weft/kafka/.lock"
if up_to_date; then
  say "up to date"
  exit 0
fi

version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$pom" | head -n 1)
started=$(date +%s%N)
say "resolving org.apache.kafka:kafka_2.13:${version:-?} and its dependencies from Maven Central (local repository .weft/m2)"
staging=.weft/kafka/libs.new
rm -rf "$staging"
log=$(mktemp /tmp/weft-kafka-jars.XXXXXX)
trap 'rm -f "$log"; rm -rf "$staging"' EXIT
if ! mvn -B -q -Dstyle.color=never --no-transfer-progress \
  -f "$pom" -Dmaven.repo.local="$repo" \
  dependency:copy-dependencies -DoutputDirectory="$PWD/$staging" \
  >"$log" 2>&1 </dev/null; then
  tail -n 40 "$log" >&2
  die "mvn dependency:copy-dependencies failed (is https://repo.maven.apache.org reachable?)"
fi
compgen -G "$staging/kafka_2.13-*.jar" >/dev/null || die "Maven finished but no kafka_2.13 jar arrived in $staging"

# Swap in the new set whole, so a run never sees a half-copied folder.
rm -rf "$libs"
mv "$staging" "$libs"
printf '%s\n' "$want" >"$stamp"
count=$(find "$libs" -name '*.jar' | wc -l)
size=$(du -sm "$libs" | cut -f1)
ms=$((($(date +%s%N) - started) / 1000000))
say "$count jars (${size} MB) in $libs ($((ms / 1000)).$((ms % 1000 / 100))s)"
