#!/usr/bin/env bash
# Accuracy at equal wall-clock budget, side by side in one run on one machine: roro's trainer and
# the PyTorch reference (../shared/anchors/torch_scn/train.py, "blocked" variant) train the very
# same frozen network (roro builds and exports it; train.py --model-dir loads W, M, topology and
# alpha) on sequential Fashion-MNIST for the same number of seconds on the same threads, then each
# evaluates the whole 10,000-image test set.
#
#   bench/compare_torch_accuracy.sh [BUILD_DIR]        (default: build)
#   env: BUDGET (600 s of training each), THREADS (2), TOPOLOGY (gw), ALPHA (0.1), SEED (0),
#        BATCH (64), RORO_LR (2e-3), OUT (a fresh temporary folder; kept when given)
#
# The model is the anchor's recipe: 16x32 sparse modules, density 0.1, scale 0.5, one hub.
# Both sides use batch BATCH and gradient-norm clipping at 1; the anchor keeps its own Adam
# learning rate (1e-3), roro uses RORO_LR (its documented setting for this model). roro's run is
# certified before and after training; the anchor's is not checked.
# Prints both results and the difference. Exit 69 if PyTorch or the dataset is missing.
set -euo pipefail

# shellcheck source=bench/torch_anchor_env.sh
source "$(dirname "${BASH_SOURCE[0]}")/torch_anchor_env.sh" compare_torch_accuracy.sh "${1:-}"
budget=${BUDGET:-600}
threads=${THREADS:-2}
topology=${TOPOLOGY:-gw}
alpha=${ALPHA:-0.1}
seed=${SEED:-0}
batch=${BATCH:-64}
roro_lr=${RORO_LR:-2e-3}

if [[ ! -d /usr/share/datasets/fashion-mnist ]]; then
  echo "compare_torch_accuracy.sh: Fashion-MNIST is missing; run scripts/setup.sh" >&2
  exit 69
fi

if [[ -n "${OUT:-}" ]]; then
  work=$OUT
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
hubs=(); [[ "$topology" == gw ]] && hubs=(--hubs 1)
echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); budget ${budget} s each," \
     "threads $threads, topology $topology, alpha $alpha, seed $seed, batch $batch"
"$roro" build --modules 16x32 --kind sparse --density 0.1 --scale 0.5 --topology "$topology" "${hubs[@]}" \
  --alpha "$alpha" --seed "$seed" --output "$work/net.json" > /dev/null
"$roro" export "$work/net.json" --out "$work/export" > /dev/null

echo "## PyTorch anchor (train.py --model-dir, lr 1e-3, clip 1)"
"$python" "$anchor/train.py" --model-dir "$work/export" --time-budget "$budget" --threads "$threads" \
  --batch "$batch" --seed "$seed" --out "$work/torch.json" > "$work/torch.log" 2>&1 || {
  echo "compare_torch_accuracy.sh: the anchor failed; its log:" >&2; tail -20 "$work/torch.log" >&2; exit 70; }
tail -1 "$work/torch.log" | cut -c1-200

echo "## roro (roro train, lr $roro_lr, clip 1)"
set +e
"$roro" train --model "$work/net.json" --data fashion-mnist --batch "$batch" --lr "$roro_lr" --clip 1 \
  --epochs 100 --time-budget "$budget" --seed "$seed" --threads "$threads" --out "$work/roro-run" \
  > "$work/roro.log" 2>&1
trained=$?
set -e
if [[ $trained -ge 64 || ! -f "$work/roro-run/model.json" ]]; then
  echo "compare_torch_accuracy.sh: roro train failed (exit $trained); its log:" >&2; tail -20 "$work/roro.log" >&2
  exit 70
fi
tail -3 "$work/roro.log"
"$roro" eval "$work/roro-run/model.json" --data fashion-mnist > "$work/roro-eval.txt"
cat "$work/roro-eval.txt"

"$python" - "$work/torch.json" "$work/roro-run/metrics.jsonl" "$work/roro-eval.txt" "$trained" "$batch" <<'PY'
import json, re, sys
torch = json.load(open(sys.argv[1]))
lines = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
steps = [l for l in lines if l.get("type") == "end"]
end = steps[-1] if steps else {}
text = open(sys.argv[3]).read()
accuracy = float(re.search(r"accuracy ([0-9.]+)%", text).group(1)) / 100
verdict = {"0": "certified", "1": "refuted"}.get(sys.argv[4], "inconclusive")
wall = end.get("wall_seconds", float("nan"))
rate = end.get("step", 0) * int(sys.argv[5]) / wall
print()
print(f"{'':8} {'test accuracy':>13} {'train s':>8} {'train seq/s':>11} {'certificate after':>18}")
print(f"{'torch':8} {torch['test_accuracy']:>13.4f} {torch['wall_train_s']:>8.0f} {torch['train_seq_per_s']:>11.1f} {'-':>18}")
print(f"{'roro':8} {accuracy:>13.4f} {wall:>8.0f} {rate:>11.1f} {verdict:>18}")
print(f"roro - torch: {100 * (accuracy - torch['test_accuracy']):+.2f} points")
PY
