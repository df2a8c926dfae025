#!/usr/bin/env bash
# Installs what is missing, builds roro in Release (-O3 -march=native), runs the whole test suite.
#   scripts/test.sh           Release build in build/, all tests through ctest
#   scripts/test.sh --asan    the same with AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
preset=release
for arg in "$@"; do
  case "$arg" in
    --asan) preset=asan ;;
    -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
    *) echo "test.sh: unknown option '$arg'" >&2; exit 64 ;;
  esac
done
scripts/setup.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$jobs"
# ASan needs this to find leaks and report UB as failures; harmless for Release.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --preset "$preset" -j "$jobs"
