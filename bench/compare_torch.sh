#!/usr/bin/env bash
# Side-by-side training throughput of roro's BPTT engine and the PyTorch reference
# (../shared/anchors/torch_scn, its "blocked" variant) on the same models, in one run on one
# machine: 16x32 sparse modules (density 0.1, scale 0.5), T = 784, d_in = 1, 10 classes,
# topologies all and gw. Each model is built and exported by roro; bench.py --model-dir loads
# the export (W, M, topology), so both sides run the same frozen network.
#
#   bench/compare_torch.sh [BUILD_DIR]        (default: build)
#   env: THREADS (2), BATCHES ("64 256"), TIMED (2 timed batches after a warm-up), STEPS (784),
#        TOPOLOGIES ("all gw")
#
# Prints both sides' JSON lines and a table of ratios roro / torch. Exit 69 if PyTorch is missing.
set -euo pipefail

# shellcheck source=bench/torch_anchor_env.sh
source "$(dirname "${BASH_SOURCE[0]}")/torch_anchor_env.sh" compare_torch.sh "${1:-}"
threads=${THREADS:-2}
batches=${BATCHES:-64 256}
timed=${TIMED:-2}
steps=${STEPS:-784}
topologies=${TOPOLOGIES:-all gw}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
results=$work/results.jsonl
echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); threads $threads, T $steps, batches $batches, $timed timed batches"
for topology in $topologies; do
  "$roro" build --modules 16x32 --kind sparse --density 0.1 --scale 0.5 --topology "$topology" --seed 0 \
    --output "$work/$topology.json" > /dev/null
  "$roro" export "$work/$topology.json" --out "$work/$topology" > /dev/null
  # shellcheck disable=SC2086  # batches is a list
  "$python" "$anchor/bench.py" --model-dir "$work/$topology" --variant blocked --batch $batches \
    --threads "$threads" --batches "$timed" --steps "$steps" |
    sed "s/\"topology\": \"model-dir\"/\"topology\": \"$topology\"/" | tee -a "$results"
  # shellcheck disable=SC2086
  "$roro" bench train --model "$work/$topology.json" --batch $batches --threads "$threads" \
    --timed-batches "$timed" --steps "$steps" --json |
    sed "s#\"topology\": \"$work/$topology.json\"#\"topology\": \"$topology\"#" | tee -a "$results"
done

"$python" - "$results" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
torch = {(r["topology"], r["batch"]): r for r in rows if r["impl"].startswith("torch")}
roro = {(r["topology"], r["batch"]): r for r in rows if r["impl"] == "roro"}
target = {"all": 4.0, "gw": 8.0}
print()
print(f"{'topology':8} {'batch':>5} | {'torch train':>11} {'roro train':>10} {'ratio':>6} {'target':>6} | "
      f"{'torch infer':>11} {'roro infer':>10} {'ratio':>6} | {'roro ws/traj':>12}")
for key in sorted(roro):
    if key not in torch:
        continue
    t, r = torch[key], roro[key]
    ratio = r["train_seq_per_s"] / t["train_seq_per_s"]
    infer = r["infer_seq_per_s"] / t["infer_seq_per_s"]
    goal = target.get(key[0])
    print(f"{key[0]:8} {key[1]:>5} | {t['train_seq_per_s']:>11.2f} {r['train_seq_per_s']:>10.2f} {ratio:>5.2f}x "
          f"{(f'{goal:.0f}x' if goal else '-'):>6} | {t['infer_seq_per_s']:>11.2f} {r['infer_seq_per_s']:>10.2f} "
          f"{infer:>5.2f}x | {r['workspace_mb'] / r['trajectory_mb']:>11.2f}x")
PY
