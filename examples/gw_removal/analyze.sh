#!/usr/bin/env bash
# Analyses of the global-workspace removal models (see ANALYSIS.md next to this script and
# docs/analysis.md): what the modules compute and how alike their dynamics are.
#   1. trains 6 small models unless the study exists (analysis_grid.json: 8x16 sparse modules,
#      gw1 and all-to-all, stable coupling, seeds 1-3, one epoch over 12,000 training images)
#   2. example_gw_analysis: module similarity of every model, spokes after each lesion, the findings
#   3. roro analyze dynamics / gradient-flow on the seed-1 models
#   4. roro report STUDY: tables and plots, the analysis heat maps, rates and spectra included;
#      the findings, the table and the analysis pictures are copied to analysis_results/ here
#   examples/gw_removal/analyze.sh [STUDY_DIR]     (default: runs/gw_analysis)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
study="${1:-$root/runs/gw_analysis}"
roro="$root/build/bin/roro"
example="$root/build/bin/example_gw_analysis"
for program in "$roro" "$example"; do
  if [[ ! -x "$program" ]]; then
    echo "analyze.sh: $program not found: build first (scripts/test.sh, or cmake --build build --target roro_cli example_gw_analysis)" >&2
    exit 69
  fi
done
start=$(date +%s)
"$roro" sweep --grid "$here/analysis_grid.json" --out "$study"
mkdir -p "$study/analysis"
"$example" "$study" | tee "$study/analysis/findings.txt"
data=(--data fashion-mnist --limit-train 1)  # test sequences only: skip reading the training set
for topology in gw1 all; do
  model="$study/runs/${topology}_8x16_sparse_d0.1_stable_s1/model.json"
  "$roro" analyze dynamics "$model" "${data[@]}" -o "$study/analysis/dynamics_${topology}_s1.json"
  "$roro" analyze gradient-flow "$model" "${data[@]}" --classes 0,1 --per-class 2 -o "$study/analysis/gradient_flow_${topology}_s1.json"
done
"$roro" report "$study" --format png
results="$here/analysis_results"
mkdir -p "$results/plots"
cp "$study/analysis/findings.txt" "$study/results.md" "$results/"
cp "$study"/plots/analysis_*.png "$results/plots/"
echo "gw_removal analysis: done in $(( $(date +%s) - start )) s; results in $here/analysis_results"
