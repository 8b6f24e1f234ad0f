#!/usr/bin/env bash
# Deferred head sums (`d1`): for one instance of some Table 1 problems (rows padded to 128 bytes), times the
# tuner's data-driven list plus a `d1` twin of each of its configs with a head loaded by each thread (`hH`
# without `x1`), and twins of its `h16` configs with a head of 32, with and without `d1`. Usage (GPU host,
# repository root):
#   bash scripts/microbench/deferred-head-run.sh [OUT] [SPARSITY] [PROBLEMS...]
source <(bash scripts/gpu-host-setup.sh .carry/lead)
source scripts/microbench/table1-instances.sh
experiment_args /tmp/deferred-head "p3 p5 p6 p7 p8 p9 p10 p11 p18 p19" "$@"
while read -r name file n; do
  [[ $want == *" $name "* ]] || continue
  tag=$name-$sparsity
  $SPARSERT tune "$file" --n "$n" --row-align 128 --list 2>/dev/null | grep '^dd:' > "$out/$tag.list"
  { cat "$out/$tag.list"; grep ',h' "$out/$tag.list" | grep -v ',x1' | sed 's/$/,d1/'
    grep ',h16' "$out/$tag.list" | grep -v ',x1' | sed 's/,h16/,h32/; p; s/$/,d1/'; } | sort -u > "$out/$tag.candidates"
  time_candidates "$tag" "$file" "$n"
  echo "   best d1: $(grep ',d1' "$out/$tag.log" | grep -E '^ +[0-9.]+ us' | sort -n | head -1)"
  echo "   best h32: $(grep ",h32" "$out/$tag.log" | grep -E "^ +[0-9.]+ us" | sort -n | head -1)"
done < <(table1_instances "$sparsity")
