#!/usr/bin/env bash
# The global-workspace removal study at small scale (see README.md next to this script):
# 15 runs of 8x16 Sparse Combo Nets on sequential Fashion-MNIST, each lesioned module by module,
# then the tables and plots. Resumable: run it again after an interruption.
#   examples/gw_removal/run.sh [STUDY_DIR]     (default: runs/gw_removal)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
study="${1:-$root/runs/gw_removal}"
roro="$root/build/bin/roro"
if [[ ! -x "$roro" ]]; then
  echo "run.sh: $roro not found: run scripts/demo.sh or scripts/test.sh first" >&2
  exit 69
fi
start=$(date +%s)
"$roro" sweep --grid "$here/grid.json" --out "$study"
"$roro" report "$study" --out "$here/results"
echo "gw_removal: done in $(( $(date +%s) - start )) s; results in $here/results"
