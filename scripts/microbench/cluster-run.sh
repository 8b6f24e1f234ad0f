#!/usr/bin/env bash
# K split over a thread-block cluster (`qQ`): for one instance of some Table 1 problems (rows padded to 128
# bytes), times the tuner's list plus cluster twins of its K-split data-driven configs
# (cluster_twins.py). Usage (GPU host, repository root): bash scripts/microbench/cluster-run.sh [OUT] [SPARSITY] [PROBLEMS...]
source <(bash scripts/gpu-host-setup.sh .carry/lead)
source scripts/microbench/table1-instances.sh
experiment_args /tmp/cluster "p7 p8 p10 p5 p3 p11 p9 p6" "$@"
while read -r name file n; do
  tag=$name-$sparsity
  $SPARSERT tune "$file" --n "$n" --row-align 128 --list 2>/dev/null | python3 scripts/microbench/cluster_twins.py > "$out/$tag.candidates"
  time_candidates "$tag" "$file" "$n"
  echo "   best q: $(grep -E ',q[0-9]' "$out/$tag.log" | grep ' us ' | sort -n | head -1)"
  echo "   best other: $(grep -vE ',q[0-9]' "$out/$tag.log" | grep ' us ' | sort -n | head -1)"
  echo "   failed: $(grep -c failed "$out/$tag.log")"
done < <(wanted_instances)
