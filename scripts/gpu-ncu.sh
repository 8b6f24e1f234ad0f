#!/usr/bin/env bash
# Nsight Compute on chosen kernels (called by gpu-bench.sh): where the time of a data-driven kernel goes.
# Usage: bash scripts/gpu-ncu.sh WORKDIR; NCU_CASES="file n config;..." overrides the cases, NCU_FLAGS adds
# options (e.g. "--cache-control none --clock-control none" for warm caches at boost clocks), NCU_METRICS=a,b
# adds metrics (e.g. stall reasons per issued instruction), NCU_TUNE_FLAGS options of `tune` (e.g. "--row-align 128").
set -uo pipefail
work=$1
data=$SPARSERT_DATA/dlmc
ncu=$(command -v ncu || ls /usr/local/cuda/bin/ncu 2>/dev/null | head -1)
[ -x "$ncu" ] || { echo "no ncu"; exit 0; }
t=transformer/magnitude_pruning/0.9
cases=${NCU_CASES:-"rn50/magnitude_pruning/0.9/bottleneck_3_block_group4_1_1.smtx 49 dd:w32,v1,c2,r1,k4,u4,p0;$t/body_decoder_layer_0_ffn_conv2_fully_connected.smtx 256 dd:w32,v4,c1,r1,k4,u4"}
i=0
IFS=';' read -ra items <<< "$cases"
for item in "${items[@]}"; do
  read -r file n config <<< "$item"
  i=$((i + 1))
  echo "== ncu case $i: $file n=$n $config"
  # Skip the verification launch and the first timed ones, so caches are as warm as in the benchmark.
  timeout 120 "$ncu" ${NCU_FLAGS:-} ${NCU_METRICS:+--metrics $NCU_METRICS} --kernel-name regex:sparsert --launch-skip 5 --launch-count 1 \
    --section SpeedOfLight --section MemoryWorkloadAnalysis --section MemoryWorkloadAnalysis_Tables \
    --section Occupancy --section LaunchStats --section WarpStateStats --section SchedulerStats \
    --section SourceCounters --section InstructionStats \
    "$SPARSERT" tune "$data/$file" --n "$n" ${NCU_TUNE_FLAGS:-} --candidates "$config" -o "$work/ncu-$i" > "$work/ncu-$i.log" 2>&1
  echo "   exit $?"
  grep -E "Duration|Memory Throughput|L1/TEX Hit|L2 Hit|Achieved Occupancy|Registers Per|Compute \(SM\)|Issued Warp|Warp Cycles Per Issued|Mem Busy|Max Bandwidth|issue_stalled" "$work/ncu-$i.log" | head -20
done
