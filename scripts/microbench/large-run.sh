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
python3 - "$work" <<'PY'
import os, sys, numpy as np
shapes = {"sq4096": (4096, 4096), "up11008": (11008, 4096), "down4096": (4096, 11008)}
for name, (m, k) in shapes.items():
    path = f"{sys.argv[1]}/{name}.npy"
    if not os.path.exists(path):
        rng = np.random.default_rng(m * 7 + k)
        np.save(path, rng.standard_normal((m, k), dtype=np.float32))
PY
for name in ${SHAPES:-sq4096 up11008 down4096}; do
  [ -f "$work/$name-90.npy" ] || "$SPARSERT" prune "$work/$name.npy" --sparsity 0.9 -o "$work/$name-90.npy"
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
