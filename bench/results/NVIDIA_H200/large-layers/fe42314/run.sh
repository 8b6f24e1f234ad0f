#!/usr/bin/env bash
# Session 21, GPU call 3: the tuner's new list on the large layers (warm, and tuned and timed from cold L2)
# through compare, N = 1 and 8; verify's synthetic cases (fanned staged / prefetch variants) on the GPU.
set -u
eval "$(bash scripts/gpu-host-setup.sh .carry/lead)"
export SPARSERT SPARSERT_DATA SPARSERT_COMMIT=${COMMIT:?}
R=$OUT/s21c; mkdir -p $R
timeout 120 "$SPARSERT" verify --data "$SPARSERT_DATA" --filter synthetic > $R/verify-synthetic.log 2>&1
echo "verify rc=$? $(tail -1 $R/verify-synthetic.log)"
OUT=$R NS="1" TAG=-cold2 EXTRA="--cold-l2 2" LIMIT=150 bash scripts/microbench/large-run.sh
OUT=$R NS="1" LIMIT=150 bash scripts/microbench/large-run.sh
OUT=$R NS="8" TAG=-cold2 EXTRA="--cold-l2 2" LIMIT=150 bash scripts/microbench/large-run.sh
OUT=$R SHAPES="up11008 down4096" NS=1 TAG=-fp16-cold2 EXTRA="--precision fp16 --cold-l2 2" LIMIT=150 bash scripts/microbench/large-run.sh
tar czf $OUT/s21-call3.tgz -C $OUT s21c && rm -rf $R
