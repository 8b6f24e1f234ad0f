#!/usr/bin/env bash
# Session 22, GPU call E: stall reasons (Nsight Compute, cold) of the half-weight N = 1 winners.
set -u
eval "$(bash scripts/gpu-host-setup.sh .carry/lead)"
export SPARSERT SPARSERT_DATA SPARSERT_COMMIT=${COMMIT:?}
R=$OUT/s22e; mkdir -p $R
SHAPES="up11008 down4096" SPARSITIES="90" bash scripts/microbench/large-weights.sh
ncu=$(command -v ncu || ls /usr/local/cuda/bin/ncu | head -1)
i=0
for item in "up11008 dd:w1,v1,c1,r32,k8,u4,p0,s4096,f1,n2" "down4096 dd:w1,v1,c1,r16,k16,u4,s11008,f1,n2" "up11008 dd:w1,v1,c1,r32,k8,u2,f1,n2"; do
  read -r shape cfg <<< "$item"; i=$((i+1))
  timeout 100 "$ncu" --cache-control all --kernel-name regex:sparsert_dd --launch-skip 4 --launch-count 1 \
    --metrics "regex:smsp__average_warps_issue_stalled_.*_per_issue_active\.ratio,gpu__time_duration.sum,sm__cycles_active.avg,sm__cycles_active.max,sm__cycles_active.min,gpc__cycles_elapsed.max,dram__bytes_read.sum,smsp__inst_executed.sum,lts__t_bytes.sum" \
    "$SPARSERT" tune /tmp/large/$shape-90.npy --n 1 --weight-precision fp16 --no-cache --candidates "$cfg" -o /tmp/ncu$i > $R/stalls-$i-$shape.log 2>&1
  echo "ncu $i $shape $cfg rc=$?"; grep -E "stalled|duration|cycles|bytes|inst_executed" $R/stalls-$i-$shape.log | awk '$NF+0 > 0.3 || /duration|cycles|bytes|inst/' | sed 's/smsp__average_warps_issue_stalled_//; s/_per_issue_active.ratio//' | head -24
done
tar czf $OUT/s22-callE.tgz -C $OUT s22e && rm -rf $R
