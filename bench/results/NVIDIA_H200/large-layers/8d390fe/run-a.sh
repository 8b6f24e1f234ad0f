#!/usr/bin/env bash
# Session 22, GPU call A: half weights packed beside their columns (n2).
# 1. verify's synthetic suite on the GPU with weights rounded to halves (fp32 and fp16 B/C);
# 2. at N = 1 on the LLaMA-7B-shaped layers (weights rounded to halves), the fanned configs with 16-bit
#    columns (n1) beside their n2 twins, in one process per layer, from cold L2 (tune --candidates --cold-l2 2).
set -u
eval "$(bash scripts/gpu-host-setup.sh .carry/lead)"
export SPARSERT SPARSERT_DATA SPARSERT_COMMIT=${COMMIT:?}
R=$OUT/s22a; mkdir -p $R
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader > $R/gpu.txt
start=$(date +%s)
timeout 120 "$SPARSERT" verify --data data --filter synthetic --weight-precision fp16 --json $R/verify-synthetic-wfp16.json > $R/verify-synthetic-wfp16.log 2>&1
echo "verify fp32 rc=$? $(tail -1 $R/verify-synthetic-wfp16.log) ($(( $(date +%s) - start )) s)"
timeout 120 "$SPARSERT" verify --data data --filter synthetic --weight-precision fp16 --precision fp16 --json $R/verify-synthetic-fp16-wfp16.json > $R/verify-synthetic-fp16-wfp16.log 2>&1
echo "verify fp16 rc=$? $(tail -1 $R/verify-synthetic-fp16-wfp16.log) ($(( $(date +%s) - start )) s)"
SHAPES="sq4096 up11008 down4096" SPARSITIES="90 95" bash scripts/microbench/large-weights.sh
echo "weights ready ($(( $(date +%s) - start )) s)"
declare -A kk=([sq4096]=4096 [up11008]=4096 [down4096]=11008)
for sp in 90 95; do for shape in sq4096 up11008 down4096; do
  K=${kk[$shape]}
  list=""
  for base in "r16,k16,u4,s$K" "r32,k8,u2" "r32,k8,u4" "r32,k8,u4,p0,s$K" "r8,k16,u4,p0" "r16,k16,u2,s$K" "r8,k16,u8,p0"; do
    for n in n1 n2; do list+="dd:w1,$base,f1,$n; "; done
  done
  timeout 110 "$SPARSERT" tune /tmp/large/$shape-$sp.npy --n 1 --weight-precision fp16 --cold-l2 2 --no-cache --candidates "$list" -o /tmp/t-$shape > $R/$shape-$sp-n1n2.log 2>&1
  echo "== $shape 0.$sp rc=$? ($(( $(date +%s) - start )) s)"; grep -E "us .*dataDriven|failed|best|fastest" $R/$shape-$sp-n1n2.log | head -20
done; done
tar czf $OUT/s22-callA.tgz -C $OUT s22a && rm -rf $R
