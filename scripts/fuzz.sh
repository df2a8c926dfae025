#!/usr/bin/env bash
# Fuzzes the model-file and .npy readers with libFuzzer for a bounded time (not part of CI).
#   scripts/fuzz.sh [SECONDS]     seconds per target (default 60)
# Configures the "fuzz" preset (clang, build-fuzz/), instruments the libraries too (so coverage
# guides the fuzzer into the readers, not only into the entry points), seeds each corpus from
# tests/data fixtures, runs every target, and prints a summary. Exit status: 0 if no target found
# a crash, 1 if one did (its input is kept under build-fuzz/fuzz-artifacts/), 64 on bad usage,
# 69 if clang++ is missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
if [[ ! "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: scripts/fuzz.sh [SECONDS]   (seconds per target, a positive integer)" >&2
  exit 64
fi
if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz.sh: clang++ is required for libFuzzer (apt-get install clang)" >&2
  exit 69
fi

build="$here/build-fuzz"
jobs="${RORO_FUZZ_JOBS:-2}"
targets=(model_file_fuzz npy_fuzz)
log="$build/fuzz-logs"
mkdir -p "$build" "$log"

echo "fuzz.sh: configuring and building ${targets[*]} (preset fuzz, $build)"
# RORO_NATIVE=OFF: fuzz/ targets are not built with roro_build_flags, and Eigen compiled with and
# without -march=native in one binary disagrees about its allocator (AVX-512 alignment), which
# ASan reports as a bad free; the same flags everywhere keep the binary consistent.
(cd "$here" && cmake --preset fuzz -DRORO_NATIVE=OFF \
    -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer" \
    >"$log/configure.txt" 2>&1) || { cat "$log/configure.txt" >&2; exit 1; }
cmake --build "$build" -j"$jobs" --target "${targets[@]}" >"$log/build.txt" 2>&1 \
  || { tail -40 "$log/build.txt" >&2; exit 1; }

# Seed corpora: every fixture of the right kind, plus a few tiny hand-made inputs.
seed_corpus() {
  local target="$1" corpus="$build/fuzz-corpus/$1"
  mkdir -p "$corpus"
  case "$target" in
    model_file_fuzz)
      find "$here/tests/data" -name '*.json' -size -256k -exec cp -n {} "$corpus/" \; 2>/dev/null || true
      printf '{"format": "roro-model", "version": 1}' >"$corpus/seed-header.json"
      printf '[]' >"$corpus/seed-array.json"
      ;;
    npy_fuzz)
      find "$here/tests/data" -name '*.npy' -size -256k -exec cp -n {} "$corpus/" \; 2>/dev/null || true
      # A 1x1 float64 array written by hand (format 1.0, header padded to 128 bytes).
      local dict="{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1), }"
      { printf '\x93NUMPY\x01\x00\x76\x00'; printf '%-117s\n' "$dict"; printf '\x00\x00\x00\x00\x00\x00\xf0\x3f'; } \
        >"$corpus/seed-1x1.npy"
      ;;
  esac
}

status=0
summary=()
for target in "${targets[@]}"; do
  seed_corpus "$target"
  artifacts="$build/fuzz-artifacts/$target/"
  # Findings of earlier runs are kept, but aside, so this run's summary counts only its own.
  if [[ -d "$artifacts" ]] && [[ -n "$(ls -A "$artifacts")" ]]; then
    mv "$artifacts" "$build/fuzz-artifacts/$target.before-$(date +%Y%m%d-%H%M%S)"
  fi
  mkdir -p "$artifacts"
  echo "fuzz.sh: running $target for ${seconds}s"
  set +e
  ASAN_OPTIONS="detect_leaks=1:abort_on_error=0" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    "$build/bin/$target" "$build/fuzz-corpus/$target" \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix="$artifacts" -print_final_stats=1 >"$log/$target.txt" 2>&1
  rc=$?
  set -e
  runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log/$target.txt" | grep -Eo '[0-9]+$' || echo "?")
  cov=$(grep -Eo 'cov: [0-9]+' "$log/$target.txt" | tail -1 | grep -Eo '[0-9]+' || echo "?")
  corpus_size=$(find "$build/fuzz-corpus/$target" -type f | wc -l)
  found=$(find "$artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  if [[ $rc -ne 0 || $found -ne 0 ]]; then
    status=1
    summary+=("$target: FOUND A PROBLEM (exit $rc, $found artifact(s) in $artifacts); see $log/$target.txt")
    grep -E 'ERROR|SUMMARY|runtime error|deadly signal' "$log/$target.txt" | head -5 >&2 || true
  else
    summary+=("$target: ok, $runs runs in ${seconds}s, coverage $cov edges, corpus $corpus_size inputs")
  fi
done

echo
echo "fuzz.sh summary:"
for line in "${summary[@]}"; do echo "  $line"; done
exit $status
