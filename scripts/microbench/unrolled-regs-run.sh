#!/usr/bin/env bash
# Register caps for the unrolled family (`mN`, `.maxnreg`): left to itself ptxas packs an unrolled path into
# about 32 registers and keeps ~20 B loads in flight; a cap of 64-128 lets it hoist more. For one instance
# of some Table 1 problems (rows padded to 128 bytes), in one process per problem:
# - winners (default): the problems the unrolled family wins; the 12 fastest unrolled configs of the tuner's
#   whole list (timed earlier, see LISTS in table1-instances.sh, or here) again beside their m64, m96 and m128 twins;
# - large: the layers too large for the tuner's unrolled list (problems 7-10); the tuner's data-driven list
#   beside unrolled blocks of 4-32 rows (LARGE_CONFIGS below), each plain and with m64, m96 and m128.
# Usage (GPU host, repository root):
#   bash scripts/microbench/unrolled-regs-run.sh [OUT] [SPARSITY] [PROBLEMS...]     (MODE=large for the second)
source <(bash scripts/gpu-host-setup.sh .carry/lead)
source scripts/microbench/table1-instances.sh
mode=${MODE:-winners}
if [ "$mode" = large ]; then
  experiment_args /tmp/unrolled-regs "p7 p8 p9 p10" "$@"
else
  experiment_args /tmp/unrolled-regs "p1 p2 p4 p6 p12 p13 p14 p15 p17" "$@"
fi
# Blocks of 4-32 rows for the large layers, one to 16 groups of about 100-400 nonzeros each, and about 128
# blocks or more so every multiprocessor gets one (M is 512 for problems 7 and 10, 2048 for 8 and 9).
declare -A LARGE_CONFIGS=(
  [p7]="128,1,8 128,1,4 64,2,16 64,2,8 32,2,16 128,2,8"
  [p8]="256,1,4 256,1,2 128,1,8 128,1,4 128,2,4 64,2,8"
  [p9]="256,1,2 128,1,2 128,1,4 128,2,2 64,2,4 128,1,2,v2"
  [p10]="64,2,4 64,2,8 32,4,8 128,1,4 128,2,4 64,2,4,v2"
)
while read -r name file n; do
  tag=$name-$sparsity
  if [ "$mode" = large ]; then
    { $SPARSERT tune "$file" --n "$n" --row-align 128 --list 2>/dev/null | grep '^dd:'
      tr ' ' '\n' <<< "${LARGE_CONFIGS[$name]}" | grep . | with_caps; } > "$out/$tag-large.candidates"
    time_candidates "$tag-large" "$file" "$n"
    log=$out/$tag-large.log
  else
    fastest_unrolled "$(whole_list_log "$tag" "$file" "$n")" 12 | with_caps > "$out/$tag-regs.candidates"
    time_candidates "$tag-regs" "$file" "$n"
    log=$out/$tag-regs.log
  fi
  for cap in m64 m96 m128; do
    echo "   best $cap: $(grep ",$cap\b" "$log" | grep -E '^ +[0-9.]+ us' | sort -n | head -1)"
  done
  echo "   best unrolled without: $(grep -vE ',m[0-9]+\b| dd:' "$log" | grep -E '^ +[0-9.]+ us' | sort -n | head -1)"
  echo "   best data-driven: $(grep ' dd:' "$log" | grep -E '^ +[0-9.]+ us' | sort -n | head -1)"
done < <(wanted_instances)
