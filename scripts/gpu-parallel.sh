#!/usr/bin/env bash
# On a GPU host of several GPUs: runs scripts/gpu-bench.sh once per argument, each on its own GPU at the same
# time (argument i on GPU i), so independent parts of a benchmark share one device call. Each argument holds
# that run's steps, optionally preceded by settings, e.g.
#   bash scripts/gpu-parallel.sh "PROBLEMS=1,2,3 spmm90a" "PROBLEMS=4,5 spmm90a verify128"
# Run i works in /tmp/gpu-out-i and packs $OUT/results-gpu<i>.tar.gz; its output follows the others' at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
eval "$(bash scripts/gpu-host-setup.sh)"
export SPARSERT SPARSERT_DATA
export SPARSERT_COMMIT=${SPARSERT_COMMIT:-$(cat .carry/lead/commit 2>/dev/null || echo unknown)}
gpus=$(nvidia-smi -L | wc -l)
[ "$#" -le "$gpus" ] || { echo "gpu-parallel: $# runs for $gpus GPUs" >&2; exit 2; }
i=0
for job in "$@"; do
  read -ra words <<< "$job"
  settings=(); steps=()
  for w in "${words[@]}"; do if [[ $w == *=* ]]; then settings+=("$w"); else steps+=("$w"); fi; done
  env "${settings[@]}" CUDA_VISIBLE_DEVICES=$i WORK=/tmp/gpu-out-$i PACK=results-gpu$i \
    bash scripts/gpu-bench.sh "${steps[@]}" > /tmp/gpu-parallel-$i.log 2>&1 &
  i=$((i + 1))
done
wait
for ((j = 0; j < i; j++)); do echo "== GPU $j: ${*:j+1:1}"; cat /tmp/gpu-parallel-$j.log; done
