#!/usr/bin/env bash
# The large layers' weights for the microbenchmarks: N(0,1) matrices seeded by their shape, magnitude-pruned by
# `sparsert prune`, made once into $WORK (default /tmp/large) as <shape>.npy and <shape>-<percent>.npy.
# SHAPES picks from sq4096 (4096 x 4096), up11008 (11008 x 4096) and down4096 (4096 x 11008); SPARSITIES lists
# percentages (default 90). Needs $SPARSERT and numpy.
set -euo pipefail
: "${SPARSERT:?}"
work=${WORK:-/tmp/large}
shapes=${SHAPES:-sq4096 up11008 down4096}
mkdir -p "$work"
python3 - "$work" $shapes <<'PY'
import os, sys, numpy as np
sizes = {"sq4096": (4096, 4096), "up11008": (11008, 4096), "down4096": (4096, 11008)}
for name in sys.argv[2:]:
    m, k = sizes[name]
    path = f"{sys.argv[1]}/{name}.npy"
    if not os.path.exists(path):
        np.save(path, np.random.default_rng(m * 7 + k).standard_normal((m, k), dtype=np.float32))
PY
for name in $shapes; do
  for percent in ${SPARSITIES:-90}; do
    out="$work/$name-$percent.npy"
    [ -f "$out" ] || "$SPARSERT" prune "$work/$name.npy" --sparsity "0.$percent" -o "$out" > /dev/null
  done
done
