#!/usr/bin/env bash
# Rows that share columns gathered into blocks, against contiguous or length-ordered rows, for one instance
# of some Table 1 problems (rows padded to 128 bytes), in one process per problem:
# - unrolled (default): the problems the unrolled family wins; the 8 fastest unrolled configs of the tuner's
#   whole list (timed earlier, see LISTS in table1-instances.sh, or here), plain and with m64, m96 and m128, each beside its
#   `sim` twin;
# - dd (MODE=dd): the data-driven mid layers; the tuner's data-driven list, the `o1` twin of every config
#   that takes one, and `o1` twins with 2 and 4 rows a block of its one-row configs.
# Usage (GPU host, repository root):
#   bash scripts/microbench/similar-rows-run.sh [OUT] [SPARSITY] [PROBLEMS...]     (MODE=dd for the second)
source <(bash scripts/gpu-host-setup.sh .carry/lead)
source scripts/microbench/table1-instances.sh
mode=${MODE:-unrolled}
if [ "$mode" = dd ]; then
  experiment_args /tmp/similar-rows "p7 p8 p9 p10 p19 p20" "$@"
else
  experiment_args /tmp/similar-rows "p1 p2 p4 p6 p13 p14 p15 p17" "$@"
fi
best() { grep -E "$1" "$log" | grep -vE "${2:-^$}" | grep -E '^ +[0-9.]+ us' | sort -n | head -1; }
while read -r name file n; do
  tag=$name-$sparsity
  if [ "$mode" = dd ]; then
    $SPARSERT tune "$file" --n "$n" --row-align 128 --list 2>/dev/null | grep '^dd:' > "$out/$tag-dd.list"
    { cat "$out/$tag-dd.list"; grep -v ',s[0-9]' "$out/$tag-dd.list" | grep -E ',r([2-9]|[1-9][0-9]),|,b1' | sed 's/$/,o1/'
      grep ',r1,' "$out/$tag-dd.list" | grep -v ',s[0-9]' | sed 's/,r1,/,r2,/; s/$/,o1/; p; s/,r2,/,r4,/'; } | sort -u > "$out/$tag-dd.candidates"
    time_candidates "$tag-dd" "$file" "$n"
    log=$out/$tag-dd.log
    echo "   best without o1: $(best ' dd:' ',o1')"
    echo "   best with o1:    $(best ',o1')"
  else
    fastest_unrolled "$(whole_list_log "$tag" "$file" "$n")" 8 | with_caps | sed 'p; s/$/,sim/' > "$out/$tag-sim.candidates"
    time_candidates "$tag-sim" "$file" "$n"
    log=$out/$tag-sim.log
    echo "   best plain:      $(best ' unrolled ' ',sim|,m[0-9]')"
    echo "   best capped:     $(best ',m[0-9]' ',sim')"
    echo "   best sim:        $(best ',sim' ',m[0-9]')"
    echo "   best sim capped: $(best ',sim.*,m[0-9]')"
  fi
done < <(wanted_instances)
