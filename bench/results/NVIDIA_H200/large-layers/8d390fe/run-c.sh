#!/usr/bin/env bash
# Session 22, GPU call C: large-decode with half weights at batch 8 (cold L2) and at batch 1 warm; Nsight Compute
# (cold) on the 90% winners of 11008 x 4096 and 4096 x 11008 with half weights.
set -u
eval "$(bash scripts/gpu-host-setup.sh .carry/lead)"
export SPARSERT SPARSERT_DATA SPARSERT_COMMIT=${COMMIT:?}
R=$OUT/s22c; mkdir -p $R
start=$(date +%s)
timeout 200 "$SPARSERT" bench --suite large-decode --batch 8 --cold-l2 2 --weight-precision fp16 --output $R > $R/large-decode-b8-wfp16-cold2.log 2>&1
echo "bench b8 rc=$? ($(( $(date +%s) - start )) s)"; grep -E "geometric|^\| [0-9]" $R/large-decode-b8-wfp16-cold2.log | cut -c1-300
timeout 150 "$SPARSERT" bench --suite large-decode --weight-precision fp16 --output $R > $R/large-decode-b1-wfp16.log 2>&1
echo "bench warm rc=$? ($(( $(date +%s) - start )) s)"; grep -E "geometric|^\| [0-9]" $R/large-decode-b1-wfp16.log | cut -c1-300
SHAPES="up11008 down4096" SPARSITIES="90" bash scripts/microbench/large-weights.sh
echo "weights ($(( $(date +%s) - start )) s)"
ncu=$(command -v ncu || ls /usr/local/cuda/bin/ncu | head -1)
secs="--section SpeedOfLight --section MemoryWorkloadAnalysis --section Occupancy --section LaunchStats --section WarpStateStats --section SchedulerStats --section SourceCounters"
i=0
for item in "up11008 dd:w1,v1,c1,r32,k8,u4,p0,s4096,f1,n2" "down4096 dd:w1,v1,c1,r16,k16,u4,s11008,f1,n2" "up11008 dd:w1,v1,c1,r32,k8,u4,p0,s4096,f1,n1"; do
  read -r shape cfg <<< "$item"; i=$((i+1))
  timeout 100 "$ncu" --cache-control all --kernel-name regex:sparsert_dd --launch-skip 4 --launch-count 1 $secs \
    "$SPARSERT" tune /tmp/large/$shape-90.npy --n 1 --weight-precision fp16 --no-cache --candidates "$cfg" -o /tmp/ncu$i > $R/ncu-$i-$shape.log 2>&1
  echo "ncu $i $shape $cfg rc=$? ($(( $(date +%s) - start )) s)"; grep -E "^ +Duration|DRAM Throughput|L1/TEX Hit|L2 Hit|Achieved Occupancy|Elapsed Cycles|SM Active" $R/ncu-$i-$shape.log | head -8
done
tar czf $OUT/s22-callC.tgz -C $OUT s22c && rm -rf $R
