#!/usr/bin/env bash
# N tiles on whole 128-byte lines (`al`) against the tiles the unrolled family plans by default, for one instance of
# the Table 1 problems whose tiles start mid-line (N = 784 and 196, rows padded to 128 bytes), in one process
# per problem: the 8 fastest unrolled configs of the instance in an earlier benchmark's tuning record
# (RECORD, default the 700e95d run), the `al` twin of each that moves, and `al` configs with 2 and 4 times
# the tiles (and twice the tiles on half the row blocks) for the 3 fastest (aligned_twins.py).
# Usage (GPU host, repository root):
#   bash scripts/microbench/aligned-tiles-run.sh [OUT] [SPARSITY] [PROBLEMS...]
source <(bash scripts/gpu-host-setup.sh .carry/lead)
source scripts/microbench/table1-instances.sh
experiment_args /tmp/aligned-tiles "p3 p4 p5 p6 p16 p17 p18" "$@"
record=${RECORD:-bench/results/NVIDIA_H200/first-pass-caps-700e95d}
best() { grep -E "$1" "$log" | grep -vE "${2:-^$}" | grep -E '^ +[0-9.]+ us' | sort -n | head -1; }
while read -r name file n; do
  tag=$name-$sparsity
  instance=$(basename "${file%.*}")
  json=$(grep -l "\"problem ${name#p} (sparsity $sparsity) [^\"]*/$instance" "$record"/*.tuning.json | head -1)
  [ -n "$json" ] || { echo "$tag: no tuning record for $instance in $record"; continue; }
  python3 scripts/microbench/aligned_twins.py "$json" "${name#p}" "$sparsity" "$instance" "$n" > "$out/$tag.candidates"
  time_candidates "$tag" "$file" "$n"
  log=$out/$tag.log
  echo "   best plain tiles:   $(best ' unrolled ' ',al')"
  echo "   best aligned tiles: $(best ',al,|,al$')"
done < <(wanted_instances)
