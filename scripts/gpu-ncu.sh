#!/usr/bin/env bash
# Nsight Compute on chosen kernels (called by gpu-bench.sh): where the time of a data-driven kernel goes.
# Usage: bash scripts/gpu-ncu.sh WORKDIR; NCU_CASES="file n config;..." overrides the cases.
set -uo pipefail
work=$1
data=$SPARSERT_DATA/dlmc
ncu=$(command -v ncu || ls /usr/local/cuda/bin/ncu 2>/dev/null | head -1)
[ -x "$ncu" ] || { echo "no ncu"; exit 0; }
t=transformer/magnitude_pruning/0.9
cases=${NCU_CASES:-"$t/body_decoder_layer_0_ffn_conv2_fully_connected.smtx 256 dd:w32,v4,c1,r1,k4,u4;$t/body_decoder_layer_0_ffn_conv2_fully_connected.smtx 256 dd:w2,v4,c1,r64,k1,u4,p0;rn50/magnitude_pruning/0.9/bottleneck_3_block_group4_1_1.smtx 49 dd:w32,v1,c2,r2,k2,u4,p0"}
i=0
IFS=';' read -ra items <<< "$cases"
for item in "${items[@]}"; do
  read -r file n config <<< "$item"
  i=$((i + 1))
  echo "== ncu case $i: $file n=$n $config"
  timeout 90 "$ncu" --kernel-name regex:sparsert --launch-count 1 \
    --section SpeedOfLight --section MemoryWorkloadAnalysis --section Occupancy --section LaunchStats \
    --section WarpStateStats --section SchedulerStats \
    "$SPARSERT" compile "$data/$file" --n "$n" --config "$config" --verify -o "$work/ncu-$i" > "$work/ncu-$i.log" 2>&1
  echo "   exit $?"
  grep -E "Duration|Memory Throughput|L1/TEX Hit|L2 Hit|Achieved Occupancy|Registers Per|Compute \(SM\)" "$work/ncu-$i.log" | head -12
done
