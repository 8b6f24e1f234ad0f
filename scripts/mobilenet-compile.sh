#!/usr/bin/env bash
# Compiles MobileNetV1's 13 pruned 1x1 layers with their biases and ReLU fused, for examples/torch_mobilenet.py:
#   bash scripts/mobilenet-compile.sh DATA/mobilenet OUT [sparsert compile options, e.g. --tune]
# Layer i goes to OUT/pw<i>/ (N from DATA/mobilenet/sizes: batch 1). The data lacks layer 12's weights
# (1024 x 1024); OUT/contraction_1x1_12.npy stands in: uniform random 90% pruning (`sparsert prune --random`)
# of N(0, s) values, s the standard deviation of layer 11's nonzeros, seed 2020. SPARSERT names the binary.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 DATA/mobilenet OUT [sparsert compile options]" >&2; exit 64; }
data=$1 out=$2; shift 2
sparsert=${SPARSERT:-sparsert}
[ -f "$data/sizes" ] || { echo "error: $data/sizes: no such file (the MobileNet weights folder lists M, K, N there)" >&2; exit 66; }
mkdir -p "$out"
if [ ! -f "$data/contraction_1x1_12.npy" ] && [ ! -f "$out/contraction_1x1_12.npy" ]; then
  python3 - "$data/contraction_1x1_11.npy" "$out/dense_1x1_12.npy" <<'EOF'
import sys
import numpy as np
layer11 = np.load(sys.argv[1])
scale = float(layer11[layer11 != 0].std())
np.save(sys.argv[2], np.random.default_rng(2020).normal(0.0, scale, (1024, 1024)).astype(np.float32))
EOF
  "$sparsert" prune "$out/dense_1x1_12.npy" --sparsity 0.9 --random --seed 2020 -o "$out/contraction_1x1_12.npy"
  rm "$out/dense_1x1_12.npy"
fi
tail -n +2 "$data/sizes" | while read -r m k n name; do
  [ -n "${name:-}" ] || continue
  i=${name#contraction_1x1_}; i=${i%.npy}
  weights=$data/$name; [ -f "$weights" ] || weights=$out/$name
  echo "== layer $i: $m x $k, N = $n"
  rm -rf "$out/pw$i"
  "$sparsert" compile "$weights" --n "$n" --bias "$data/contraction_1x1_${i}_bias.npy" --relu -o "$out/pw$i" "$@"
done
