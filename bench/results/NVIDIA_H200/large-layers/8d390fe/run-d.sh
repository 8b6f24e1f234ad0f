#!/usr/bin/env bash
# Session 22, GPU call D: rows per block of the N = 1 half-weight winners' shapes (grid balance across the 132
# multiprocessors: blocks per SM whole), cold L2, one process per layer (tune --candidates --cold-l2 2).
set -u
eval "$(bash scripts/gpu-host-setup.sh .carry/lead)"
export SPARSERT SPARSERT_DATA SPARSERT_COMMIT=${COMMIT:?}
R=$OUT/s22d; mkdir -p $R
start=$(date +%s)
SHAPES="sq4096 up11008 down4096" SPARSITIES="90" bash scripts/microbench/large-weights.sh
echo "weights ($(( $(date +%s) - start )) s)"
declare -A kk=([sq4096]=4096 [up11008]=4096 [down4096]=11008)
# staged rows: K rounded up to whole copy passes (one row a thread per pass)
stage() { local k=$1 threads=$2; echo $(( (k + threads - 1) / threads * threads )); }
for shape in up11008 down4096 sq4096; do
  K=${kk[$shape]}; list=""
  for r in 16 20 24 28 32 40 42 48 64; do list+="dd:w1,r$r,k8,u4,p0,s$(stage $K $((r*8))),f1,n2; "; done
  for r in 8 10 12 14 16 20 21 24; do list+="dd:w1,r$r,k16,u4,s$(stage $K $((r*16))),f1,n2; "; done
  for r in 24 28 32 42 48; do list+="dd:w1,r$r,k8,u2,f1,n2; "; done
  for r in 12 14 16 21; do list+="dd:w1,r$r,k16,u4,p0,s$(stage $K $((r*16))),f1,n2; "; done
  timeout 150 "$SPARSERT" tune /tmp/large/$shape-90.npy --n 1 --weight-precision fp16 --cold-l2 2 --no-cache --candidates "$list" -o /tmp/t-$shape > $R/$shape-90-rows.log 2>&1
  echo "== $shape rc=$? ($(( $(date +%s) - start )) s)"; grep -E "us .*dataDriven|best:" $R/$shape-90-rows.log | sort -n | head -12 | cut -c1-120
  grep -ciE "failed|error" $R/$shape-90-rows.log
done
tar czf $OUT/s22-callD.tgz -C $OUT s22d && rm -rf $R
