#!/usr/bin/env bash
# Large layers at small N (a pruned transformer's projections at decode, batch 1 and 8): `sparsert compare`
# on synthetic matrices of N(0,1) values magnitude-pruned to 90%, beside cuBLAS and cuSPARSE.
# On the GPU host: eval "$(bash scripts/gpu-host-setup.sh)"; OUT=dir bash scripts/microbench/large-run.sh
# SHAPES picks from sq4096 (4096 x 4096), up11008 (11008 x 4096), down4096 (4096 x 11008); NS the N values;
# LIMIT the seconds each compare may take; EXTRA more options for compare (e.g. "--cold-l2 2"), TAG a suffix
# for its log and report folder (e.g. -cold2). Logs and reports go to $OUT/large/.
set -uo pipefail
: "${SPARSERT:?}" "${OUT:?}"
work=${WORK:-/tmp/large}
mkdir -p "$work" "$OUT/large"
WORK="$work" SHAPES="${SHAPES:-sq4096 up11008 down4096}" SPARSITIES=90 bash "$(dirname "$0")/large-weights.sh"
for name in ${SHAPES:-sq4096 up11008 down4096}; do
  for n in ${NS:-1 8}; do
    log="$OUT/large/$name-n$n${TAG:-}.log"
    echo "== $name N=$n" | tee "$log"
    start=$(date +%s)
    timeout "${LIMIT:-120}" "$SPARSERT" compare "$work/$name-90.npy" --n "$n" ${EXTRA:-} \
      -o "$OUT/large/$name-n$n${TAG:-}" >> "$log" 2>&1
    echo "rc=$? after $(( $(date +%s) - start )) s" | tee -a "$log"
    grep -E '^\|' "$log" | tail -2
  done
done
