#!/usr/bin/env bash
# Session 22, GPU call G (a847a3b): the decode suite again after the listing fix (no unrolled tilings planned
# where none can fit): tuning wall time per layer, with half weights and with fp32 weights, cold L2.
set -u
eval "$(bash scripts/gpu-host-setup.sh .carry/lead)"
export SPARSERT SPARSERT_DATA SPARSERT_COMMIT=${COMMIT:?}
R=$OUT/s22g; mkdir -p $R
start=$(date +%s)
timeout 250 "$SPARSERT" bench --suite large-decode --cold-l2 2 --weight-precision fp16 --output $R > $R/large-decode-b1-wfp16-cold2.log 2>&1
echo "bench wfp16 rc=$? ($(( $(date +%s) - start )) s)"; grep -E "geometric.*fp(16|32) at|^\| [0-9]" $R/large-decode-b1-wfp16-cold2.log | cut -c1-300
timeout 250 "$SPARSERT" bench --suite large-decode --cold-l2 2 --output $R > $R/large-decode-b1-cold2.log 2>&1
echo "bench fp32 weights rc=$? ($(( $(date +%s) - start )) s)"; grep -E "geometric.*fp(16|32) at|^\| [0-9]" $R/large-decode-b1-cold2.log | cut -c1-300
tar czf $OUT/s22-callG.tgz -C $OUT s22g && rm -rf $R
