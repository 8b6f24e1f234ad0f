#!/usr/bin/env bash
# Session 22, GPU call F: fanned parts over staged B with unroll 8 (8 groups of 4 half-weight entries in flight a
# lane, no prefetch) beside the unroll-4 winners, N = 1, cold L2, one process per layer and sparsity.
set -u
eval "$(bash scripts/gpu-host-setup.sh .carry/lead)"
export SPARSERT SPARSERT_DATA SPARSERT_COMMIT=${COMMIT:?}
R=$OUT/s22f; mkdir -p $R
start=$(date +%s)
SHAPES="sq4096 up11008 down4096" SPARSITIES="90 95" bash scripts/microbench/large-weights.sh
echo "weights ($(( $(date +%s) - start )) s)"
declare -A kk=([sq4096]=4096 [up11008]=4096 [down4096]=11008)
stage() { local k=$1 threads=$2; echo $(( (k + threads - 1) / threads * threads )); }
for sp in 90 95; do for shape in up11008 down4096 sq4096; do
  K=${kk[$shape]}; list=""
  for item in "32 8 u4,p0" "16 16 u4" "16 16 u4,p0" "32 8 u8,p0" "16 16 u8,p0" "64 4 u8,p0" "16 8 u8,p0" "8 16 u8,p0"; do
    read -r r p rest <<< "$item"
    list+="dd:w1,r$r,k$p,$rest,s$(stage $K $((r*p))),f1,n2; "
  done
  timeout 100 "$SPARSERT" tune /tmp/large/$shape-$sp.npy --n 1 --weight-precision fp16 --cold-l2 2 --no-cache --candidates "$list" -o /tmp/t-$shape > $R/$shape-$sp-u8.log 2>&1
  echo "== $shape 0.$sp rc=$? ($(( $(date +%s) - start )) s)"; grep -E "us .*dataDriven|best:" $R/$shape-$sp-u8.log | sort -n | cut -c1-120
done; done
tar czf $OUT/s22-callF.tgz -C $OUT s22f && rm -rf $R
