#!/usr/bin/env bash
# B through shared memory for the unrolled family's winners: for one instance of the Table 1 problems the
# unrolled family wins (rows padded to 128 bytes), times the tuner's whole list, then its 12 fastest unrolled
# configs again beside their `cp` twins (every K step's B words copied to shared memory by `cp.async`, one
# wait per group), in the same process. Usage (GPU host, repository root):
#   bash scripts/microbench/unrolled-cp-run.sh [OUT] [SPARSITY] [PROBLEMS...]
source <(bash scripts/gpu-host-setup.sh .carry/lead)
source scripts/microbench/table1-instances.sh
experiment_args /tmp/unrolled-cp "p1 p2 p4 p6 p12 p13 p14 p15 p17" "$@"
while read -r name file n; do
  tag=$name-$sparsity
  $SPARSERT tune "$file" --n "$n" --row-align 128 --list 2>/dev/null > "$out/$tag-list.candidates"
  time_candidates "$tag-list" "$file" "$n"
  fastest_unrolled "$out/$tag-list.log" 12 | grep -v ',cp$' | sed 'p; s/$/,cp/' > "$out/$tag-cp.candidates"
  time_candidates "$tag-cp" "$file" "$n"
  echo "   best cp: $(grep ',cp' "$out/$tag-cp.log" | grep -E '^ +[0-9.]+ us' | sort -n | head -1)"
  echo "   best without: $(grep -v ',cp' "$out/$tag-cp.log" | grep -E '^ +[0-9.]+ us' | sort -n | head -1)"
done < <(wanted_instances)
