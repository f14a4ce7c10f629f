#!/usr/bin/env bash
# Where a benchmark spends its time: samples one JMH benchmark with Linux perf (a software clock, so it
# also works in VMs without hardware counters) and prints the hottest methods, JIT-compiled Java code
# included (the benchmark JVM writes /tmp/perf-PID.map at exit for perf to name compiled methods).
#
#   bench/profile.sh [--top N] REGEX [JMH args...]     e.g.  bench/profile.sh 'GemmBench.attune$' -p shape=2048
#
# Builds the bench module like run.sh, runs JMH with one fork (-f 1 -wi 3 -i 5 unless given), and prints
# `perf report`'s top N symbols (default 15) with their share of all samples; warm-up is included, so
# the interpreter and C1 code show up with a few percent. Needs `perf` (package linux-perf) and
# kernel.perf_event_paranoid <= 2. Environment: JAVA_HOME, BENCH_JAVA_OPTS, MVN_ARGS as for run.sh;
# PERF_OUT, the perf data file (default: a temporary file, removed at exit).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
top=15
if [[ "${1:-}" == "--top" ]]; then top="$2"; shift 2; fi
if [[ $# -lt 1 ]]; then echo "usage: bench/profile.sh [--top N] REGEX [JMH args...]" >&2; exit 2; fi
command -v perf >/dev/null || { echo "bench/profile.sh: perf is not installed (Debian: apt-get install linux-perf)" >&2; exit 1; }
QUIET="--sun-misc-unsafe-memory-access=allow"
# shellcheck disable=SC2086
(cd "$ROOT" && MAVEN_OPTS="$QUIET --enable-native-access=ALL-UNNAMED ${MAVEN_OPTS:-}" mvn -q -B ${MVN_ARGS:-} -pl bench -am package -DskipTests)
jvm_args="$(sed -n 's:.*<attune\.jvm\.args>\(.*\)</attune\.jvm\.args>.*:\1:p' "$ROOT/pom.xml" | head -n 1)"
fork_args="$jvm_args $QUIET ${BENCH_JAVA_OPTS:--Xmx4g} -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit"
data="${PERF_OUT:-$(mktemp /tmp/attune-perf.XXXXXX)}"
[[ -n "${PERF_OUT:-}" ]] || trap 'rm -f "$data"' EXIT
regex="$1"; shift
defaults=()
[[ " $* " == *" -f "* ]] || defaults+=(-f 1)
[[ " $* " == *" -wi "* ]] || defaults+=(-wi 3)
[[ " $* " == *" -i "* ]] || defaults+=(-i 5)
# shellcheck disable=SC2086
perf record -q -F 1999 -e cpu-clock -o "$data" -- "$JAVA" $jvm_args $QUIET -cp "$ROOT/bench/target/classes:$ROOT/bench/target/lib/*" \
    org.openjdk.jmh.Main "$regex" "${defaults[@]}" "$@" -jvmArgs "$fork_args" | grep -E '^(Benchmark|[A-Za-z]+Bench)' || true
perf report -i "$data" --no-children --sort sym --stdio 2>/dev/null | grep -E '^ +[0-9.]+%' | head -n "$top"
