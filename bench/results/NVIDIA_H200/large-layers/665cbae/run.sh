#!/usr/bin/env bash
# Session 21, GPU call 1: ncu on the N = 1 large-layer winner (cold and warm), compare --cold-l2 with the
# IR-built eviction, bench --cold-l2 on two Table 1 problems.
set -u
eval "$(bash scripts/gpu-host-setup.sh .carry/lead)"
export SPARSERT SPARSERT_DATA SPARSERT_COMMIT=665cbae
R=$OUT/s21; mkdir -p $R
nvidia-smi --query-gpu=name,clocks.max.sm,clocks.max.mem,memory.total,driver_version --format=csv > $R/gpu.txt
up="dd:w1,v1,c1,r32,k8,u4,p0,o1,f1,n1"
sq="dd:w1,v1,c1,r8,k16,u4,p0,f1,n1"
# 1. compare from cold L2 (IR eviction) and warm, on the winners' configs: reference 11.29 / 7.59 us (379e8d7).
OUT=$R SHAPES="up11008" NS=1 TAG=-cold2 EXTRA="--cold-l2 2 --config $up" LIMIT=120 bash scripts/microbench/large-run.sh
OUT=$R SHAPES="sq4096" NS=1 TAG=-cold2 EXTRA="--cold-l2 2 --config $sq" LIMIT=120 bash scripts/microbench/large-run.sh
# 2. ncu, cold (cache-control all) and warm, up11008 N = 1 winner and the staged non-fanned twin.
ncu=$(command -v ncu || ls /usr/local/cuda/bin/ncu | head -1)
secs="--section SpeedOfLight --section MemoryWorkloadAnalysis --section MemoryWorkloadAnalysis_Tables --section Occupancy --section LaunchStats --section WarpStateStats --section SchedulerStats --section SourceCounters --section InstructionStats"
i=0
for item in "up11008 $up all" "up11008 $up none" "sq4096 $sq none" "sq4096 dd:w1,v1,c1,r32,k8,u4,p0,s4096 none"; do
  read -r shape cfg cache <<< "$item"; i=$((i+1))
  timeout 150 "$ncu" --cache-control $cache --kernel-name regex:sparsert_dd --launch-skip 4 --launch-count 1 $secs \
    "$SPARSERT" tune /tmp/large/$shape-90.npy --n 1 --candidates "$cfg" -o /tmp/ncu$i > $R/ncu-$i-$shape-$cache.log 2>&1
  echo "ncu $i rc=$?"; grep -E "Duration|DRAM Throughput|Memory Throughput|L1/TEX Hit|L2 Hit|Achieved Occupancy" $R/ncu-$i-$shape-$cache.log | head -8
done
# 3. bench --cold-l2 through the suite (two small Table 1 problems), warm twin for reference.
for extra in "--cold-l2 2" ""; do
  timeout 200 "$SPARSERT" bench --suite paper-spmm --problems 12,13 --sparsity 0.9 --row-align 128 $extra \
    --output $R/bench > $R/bench${extra:+-cold}.log 2>&1
  echo "bench '$extra' rc=$?"; grep -E "^\| 1[23] |geometric" $R/bench${extra:+-cold}.log | head -6
done
tar czf $OUT/s21-call1.tgz -C $OUT s21 && rm -rf $R
