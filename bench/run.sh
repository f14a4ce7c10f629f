#!/usr/bin/env bash
# Runs Attune's JMH suite and prints the results table (the format of bench/RESULTS.md).
#
#   bench/run.sh [--quick] [--out FILE] [REGEX...]    e.g.  bench/run.sh GemmBench   bench/run.sh 'NormBench.layerNorm'
#
# Builds the bench module and what it uses (mvn -q -pl bench -am package -DskipTests; nothing is installed),
# then runs dev.attune.bench.Report from bench/target/classes + bench/target/lib/*. CopyBench always runs:
# it is the bandwidth reference of the memory-bound rows. Environment:
#   JAVA_HOME          a JDK 25+ (else the `java` on PATH)
#   BENCH_JAVA_OPTS    extra JVM flags, passed on to the forked benchmark JVMs too (default: -Xmx4g);
#                      e.g. "-Xmx8g -Dattune.threads=2 -Dattune.bench.ghz=3.0"
#   MVN_ARGS           extra Maven flags for the build, e.g. -o (offline)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# Maven's and JMH's own use of sun.misc.Unsafe makes JDK 24+ warn; the warnings are harmless (DESIGN.md).
QUIET="--sun-misc-unsafe-memory-access=allow"
# shellcheck disable=SC2086
(cd "$ROOT" && MAVEN_OPTS="$QUIET --enable-native-access=ALL-UNNAMED ${MAVEN_OPTS:-}" mvn -q -B ${MVN_ARGS:-} -pl bench -am package -DskipTests)
# The JVM flags every run needs live in one place: <attune.jvm.args> of the root pom.
read -r -a jvm_args <<< "$(sed -n 's:.*<attune\.jvm\.args>\(.*\)</attune\.jvm\.args>.*:\1:p' "$ROOT/pom.xml" | head -n 1)"
read -r -a extra <<< "${BENCH_JAVA_OPTS:--Xmx4g}"
exec "$JAVA" "${jvm_args[@]}" "$QUIET" "${extra[@]}" -cp "$ROOT/bench/target/classes:$ROOT/bench/target/lib/*" dev.attune.bench.Report "$@"
