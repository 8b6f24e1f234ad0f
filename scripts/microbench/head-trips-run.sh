#!/usr/bin/env bash
# Fewer dependent trips for a part's head: for one instance of some Table 1 problems (rows padded to 128
# bytes), times the tuner's data-driven list plus twins of its configs with heads: `d1` (the head's sums
# deferred) for heads loaded by each thread (`hH` without `x1`); a head of 32 for its `h16` configs, with and
# without `d1`; two and four groups a trip (`g2`, `g4`) for heads loaded across the warp (`x1`). Usage (GPU
# host, repository root):
#   bash scripts/microbench/head-trips-run.sh [OUT] [SPARSITY] [PROBLEMS...]
source <(bash scripts/gpu-host-setup.sh .carry/lead)
source scripts/microbench/table1-instances.sh
experiment_args /tmp/head-trips "p3 p5 p6 p7 p8 p9 p10 p11 p18 p19" "$@"
while read -r name file n; do
  tag=$name-$sparsity
  $SPARSERT tune "$file" --n "$n" --row-align 128 --list 2>/dev/null | grep '^dd:' > "$out/$tag.list"
  { cat "$out/$tag.list"; grep ',h' "$out/$tag.list" | grep -v ',x1' | sed 's/$/,d1/'
    grep ',h16' "$out/$tag.list" | grep -v ',x1' | sed 's/,h16/,h32/; p; s/$/,d1/'
    grep ',x1' "$out/$tag.list" | sed 's/$/,g2/; p; s/,g2$/,g4/'; } | sort -u > "$out/$tag.candidates"
  time_candidates "$tag" "$file" "$n"
  echo "   best d1: $(grep ',d1' "$out/$tag.log" | grep -E '^ +[0-9.]+ us' | sort -n | head -1)"
  echo "   best h32: $(grep ",h32" "$out/$tag.log" | grep -E "^ +[0-9.]+ us" | sort -n | head -1)"
  echo "   best g2/g4: $(grep -E ",g[24]" "$out/$tag.log" | grep -E "^ +[0-9.]+ us" | sort -n | head -1)"
done < <(wanted_instances)
