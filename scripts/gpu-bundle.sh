#!/usr/bin/env bash
# Builds a self-contained GPU bundle: gpu-bundle/attune-gpu.tgz, to run the CUDA conformance tests
# and the GPU benchmarks on a machine with an NVIDIA driver but no JDK, no Maven and no network.
# Contents: a jlink-trimmed Java 25 runtime, the project jars, test classes and test dependencies,
# junit-platform-console-standalone (the test launcher), only the JCuda driver JNI library from the
# natives jar, bench/torch_attention.py, and run-conformance.sh / run-gpu-bench.sh / run-gpu-memory.sh /
# run-gpu-train.sh, with run-all.sh running the first three in order (about 15 minutes on an H100, by
# estimate: nothing has run on a GPU yet). Not part of the Maven build.
# Usage: scripts/gpu-bundle.sh   (needs network once to fetch the JUnit console launcher into ~/.m2)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
junit_console_version=1.11.4
jcuda_version=12.6.0
out="$root/gpu-bundle"
stage="$out/attune-gpu"
rm -rf "$stage" "$out/attune-gpu.tgz"
mkdir -p "$stage/lib" "$stage/test-classes"

echo "[gpu-bundle] building jars (mvn -o package -DskipTests)"
mvn -q -o package -DskipTests
for m in native kernels tensor nn examples bench; do
  cp "$m"/target/attune-"$m"-*.jar "$stage/lib/"
  if [ -d "$m/target/test-classes" ]; then cp -r "$m/target/test-classes" "$stage/test-classes/$m"; fi
done

echo "[gpu-bundle] copying dependencies (test scope, without the 24 MB JCuda natives jar)"
mvn -q -o dependency:copy-dependencies -pl kernels,tensor,nn,examples,bench -DincludeScope=test \
    -DexcludeGroupIds=dev.attune -DexcludeArtifactIds=jcuda-natives -DoutputDirectory="$stage/lib"

echo "[gpu-bundle] JCuda: the driver JNI library only"
natives="$HOME/.m2/repository/org/jcuda/jcuda-natives/$jcuda_version/jcuda-natives-$jcuda_version-linux-x86_64.jar"
tmp="$(mktemp -d)"
(cd "$tmp" && unzip -q "$natives" "lib/libJCudaDriver-$jcuda_version-linux-x86_64.so" \
  && "$JAVA_HOME/bin/jar" --create --file "$stage/lib/jcuda-driver-natives-$jcuda_version-linux-x86_64.jar" lib)
rm -rf "$tmp"

console="$HOME/.m2/repository/org/junit/platform/junit-platform-console-standalone/$junit_console_version/junit-platform-console-standalone-$junit_console_version.jar"
if [ ! -f "$console" ]; then
  mvn -q dependency:get -Dartifact="org.junit.platform:junit-platform-console-standalone:$junit_console_version"
fi
cp "$console" "$stage/junit-platform-console-standalone.jar"
cp bench/torch_attention.py "$stage/"

echo "[gpu-bundle] jlink: a trimmed Java runtime"
"$JAVA_HOME/bin/jlink" --add-modules java.base,java.logging,java.management,jdk.management,java.xml,jdk.incubator.vector,jdk.unsupported,java.naming \
  --strip-debug --no-man-pages --no-header-files --compress=zip-6 --output "$stage/jre"

cat > "$stage/run-conformance.sh" <<'RUN'
#!/usr/bin/env bash
# Runs every test tagged "cuda" (the conformance suite and the allocator tests) on this machine's GPU.
here="$(cd "$(dirname "$0")" && pwd)"
cp="$(ls "$here"/lib/*.jar | tr '\n' ':')"
tc="$(ls -d "$here"/test-classes/* | tr '\n' ':')"
exec "$here/jre/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss8m \
  -jar "$here/junit-platform-console-standalone.jar" execute --class-path "$tc$cp" --scan-class-path "$tc" \
  --include-tag cuda --details tree --disable-banner "$@"
RUN
cat > "$stage/run-gpu-bench.sh" <<'RUN'
#!/usr/bin/env bash
# Runs the GPU benchmarks (JMH): our SGEMM vs cuBLAS FP32/TF32 (CudaGemmBench), depthwise conv and norms
# vs a device copy (CudaBandwidthBench), fused vs unfused attention at (B32,H4,T512,dk64) forward and
# forward+backward (CudaAttentionBench); "[device time]" lines give CUDA-event times beside JMH's host
# times. Then, where python3 has torch with CUDA, PyTorch's eager rel-pos attention and SDPA at the same
# shape (torch_attention.py). Extra arguments go to JMH (e.g. CudaGemmBench -p n=4096 for one class and size;
# with no class regex every dev.attune.bench.cuda benchmark runs).
here="$(cd "$(dirname "$0")" && pwd)"
cp="$(ls "$here"/lib/*.jar | tr '\n' ':')"
include='dev.attune.bench.cuda.*Bench'
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then include="dev.attune.bench.cuda.$1"; shift; fi
"$here/jre/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp "$cp" \
  org.openjdk.jmh.Main "$include" -jvmArgsAppend "--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED" "$@"
status=$?
if python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  python3 "$here/torch_attention.py" --device cuda --iters 20
else
  echo "[torch] no python3 with CUDA torch here: PyTorch attention baseline not timed (run torch_attention.py where it is)"
fi
exit $status
RUN
cat > "$stage/run-gpu-memory.sh" <<'RUN'
#!/usr/bin/env bash
# Trains hw4-strong on the GPU for 1000 steps (random inputs of the real shapes) and prints the caching
# allocator's bytes in use, peak and cache every 50 steps; exit status 1 when its footprint grows in the
# second half. Arguments: [STEPS [EVERY]].
here="$(cd "$(dirname "$0")" && pwd)"
cp="$(ls "$here"/lib/*.jar | tr '\n' ':')"
exec "$here/jre/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss8m -cp "$cp" \
  dev.attune.bench.cuda.GpuMemoryCheck "${1:-1000}" "${2:-50}"
RUN
cat > "$stage/run-all.sh" <<'RUN'
#!/usr/bin/env bash
# The first GPU session's runs, in order of value, each logged under results/ beside this script:
# the conformance suite, the memory check, the benchmarks. Continues past a failure; prints a summary.
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/results"
mkdir -p "$out"
nvidia-smi > "$out/nvidia-smi.txt" 2>&1
summary=()
run() {
  local name="$1"; shift
  echo "=== $name: $* (log: results/$name.log)"
  "$@" > "$out/$name.log" 2>&1
  local rc=$?
  tail -n 30 "$out/$name.log"
  summary+=("$name: exit $rc")
}
run conformance "$here/run-conformance.sh"
run memory "$here/run-gpu-memory.sh"
run bench "$here/run-gpu-bench.sh"
printf '%s\n' "${summary[@]}" | tee "$out/summary.txt"
RUN
cat > "$stage/run-gpu-train.sh" <<'RUN'
#!/usr/bin/env bash
# Trains hw4-strong on the GPU end to end (train speaker --device cuda) on an FSDD folder (default: the
# copy shipped in the repository beside this bundle), while nvidia-smi samples the device memory in use
# every 10 s into gpu-memory.csv: it must stay flat once the allocator's cache has warmed up.
# Usage: run-gpu-train.sh [FSDD_DIR [train speaker arguments]]   (default arguments: --steps 1000)
# The default FSDD_DIR assumes the bundle was unpacked in place: tar -xzf gpu-bundle/attune-gpu.tgz -C gpu-bundle
here="$(cd "$(dirname "$0")" && pwd)"
data="${1:-$here/../../examples/data/fsdd}"
shift || true
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(--steps 1000)
cp="$(ls "$here"/lib/*.jar | tr '\n' ':')"
nvidia-smi --query-gpu=timestamp,memory.used --format=csv -l 10 > gpu-memory.csv &
smi=$!
trap 'kill $smi' EXIT
"$here/jre/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss8m -cp "$cp" \
  dev.attune.cli.Main train speaker --data "$data" --device cuda --out runs-gpu "${args[@]}"
RUN
chmod +x "$stage"/run-*.sh

tar -C "$out" -czf "$out/attune-gpu.tgz" attune-gpu
echo "[gpu-bundle] $(du -h "$out/attune-gpu.tgz" | cut -f1) $out/attune-gpu.tgz"
