#!/usr/bin/env bash
# Session 22, GPU call B: bench --suite large-decode from cold L2 with weights rounded to halves, B and C in fp32
# and in fp16 (n2 listed by the tuner).
set -u
eval "$(bash scripts/gpu-host-setup.sh .carry/lead)"
export SPARSERT SPARSERT_DATA SPARSERT_COMMIT=${COMMIT:?}
R=$OUT/s22b; mkdir -p $R
start=$(date +%s)
timeout 270 "$SPARSERT" bench --suite large-decode --cold-l2 2 --weight-precision fp16 --output $R > $R/large-decode-b1-wfp16-cold2.log 2>&1
echo "bench fp32 rc=$? ($(( $(date +%s) - start )) s)"; grep -E "geometric|^\| [0-9]" $R/large-decode-b1-wfp16-cold2.log | cut -c1-400
timeout 270 "$SPARSERT" bench --suite large-decode --cold-l2 2 --weight-precision fp16 --precision fp16 --output $R > $R/large-decode-b1-fp16-wfp16-cold2.log 2>&1
echo "bench fp16 rc=$? ($(( $(date +%s) - start )) s)"; grep -E "geometric|^\| [0-9]" $R/large-decode-b1-fp16-wfp16-cold2.log | cut -c1-400
tar czf $OUT/s22-callB.tgz -C $OUT s22b && rm -rf $R
