#!/usr/bin/env bash
# Data-parallel scaling of `roro train` (issue 15): sequences/s of one epoch for R = 1 and 2 ranks
# (and more with RANKS="1 2 4"), against one rank with R threads, on 16x32 and 64x32 gw models.
# Usage: bench/scaling.sh [ROROBIN] ; env: RANKS, SIZES, TRAIN (sequences), STEPS, BATCH.
# Parallel efficiency = (R ranks x 1 thread) / (1 rank x R threads).
set -euo pipefail
RORO=${1:-build/bin/roro}
RANKS=${RANKS:-"1 2"}
SIZES=${SIZES:-"16x32 64x32"}
TRAIN=${TRAIN:-512}
STEPS=${STEPS:-50}
BATCH=${BATCH:-64}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_plm=isolated \
  OMPI_MCA_btl_vader_single_copy_mechanism=none
echo "load: $(uptime)"
rate() {  # the seq/s of "training completed: ..., N seq/s"
  grep -o '[0-9.]* seq/s' "$1" | tail -1 | cut -d' ' -f1
}
for size in $SIZES; do
  "$RORO" build --modules "$size" --topology gw --inputs 2 --classes 1 --seed 1 --output "$WORK/net.json" > /dev/null
  args=(train --model "$WORK/net.json" --data adding --synthetic-train "$TRAIN" --synthetic-test 16
        --steps "$STEPS" --epochs 1 --batch "$BATCH" --no-sdp --log-every 0 --allow-uncertified)
  for r in $RANKS; do
    rm -rf "$WORK/t" "$WORK/m"
    "$RORO" "${args[@]}" --threads "$r" --out "$WORK/t" > "$WORK/t.log" 2>&1 || true
    mpirun --oversubscribe -np "$r" "$RORO" "${args[@]}" --threads 1 --out "$WORK/m" > "$WORK/m.log" 2>&1 || true
    t=$(rate "$WORK/t.log"); m=$(rate "$WORK/m.log")
    printf '%s gw  R=%s: 1 rank x %s threads %10.1f seq/s | %s ranks x 1 thread %10.1f seq/s | efficiency %5.1f %%\n' \
      "$size" "$r" "$r" "$t" "$r" "$m" "$(echo "100 * $m / $t" | bc -l)"
  done
done
