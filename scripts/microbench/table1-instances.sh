# One instance per Table 1 problem, as `name file n` lines, for the microbenchmark scripts: source this file
# (after gpu-host-setup.sh, which sets SPARSERT_DATA), then `while read -r name file n; do ...; done < <(table1_instances 0.9)`.
# Problems 1-11 are DLMC layers at the given sparsity (0.9 or 0.95); 15-19 MobileNet's (0.9 only).
table1_instances() {
  local s=${1:-0.9}
  local r=$SPARSERT_DATA/dlmc/rn50/magnitude_pruning/$s t=$SPARSERT_DATA/dlmc/transformer/magnitude_pruning/$s
  local m=$SPARSERT_DATA/sparsert-weights/mobilenet
  cat <<L
p1 $r/bottleneck_1_block_group1_1_1.smtx 3136
p2 $r/bottleneck_3_block_group1_1_1.smtx 3136
p3 $r/bottleneck_1_block_group2_1_1.smtx 784
p4 $r/bottleneck_3_block_group2_1_1.smtx 784
p5 $r/bottleneck_1_block_group3_1_1.smtx 196
p6 $r/bottleneck_3_block_group3_1_1.smtx 196
p7 $r/bottleneck_1_block_group4_1_1.smtx 49
p8 $r/bottleneck_3_block_group4_1_1.smtx 49
p9 $t/body_decoder_layer_0_ffn_conv1_fully_connected.smtx 256
p10 $t/body_decoder_layer_0_ffn_conv2_fully_connected.smtx 256
p11 $t/body_decoder_layer_0_encdec_attention_multihead_attention_k_fully_connected.smtx 256
L
  [ "$s" = 0.9 ] && cat <<L
p12 $m/contraction_1x1_0.npy 12544
p13 $m/contraction_1x1_1.npy 3136
p14 $m/contraction_1x1_2.npy 3136
p15 $m/contraction_1x1_3.npy 784
p16 $m/contraction_1x1_4.npy 784
p17 $m/contraction_1x1_5.npy 196
p18 $m/contraction_1x1_6.npy 196
p19 $m/contraction_1x1_11.npy 49
L
  return 0
}

# The tuning experiments' arguments `[OUT] [SPARSITY] [PROBLEMS...]`, after a default folder and default
# problems: sets `out`, `sparsity` (default 0.9) and `want` (the problems between spaces), and makes OUT.
experiment_args() {
  local default_out=$1 default_problems=$2
  shift 2
  out=${1:-$default_out}
  sparsity=${2:-0.9}
  if [ $# -ge 2 ]; then shift 2; else shift $#; fi
  want=" ${*:-$default_problems} "
  mkdir -p "$out"
}

# The instances of `table1_instances "$sparsity"` whose names are in `want` (set by experiment_args).
wanted_instances() {
  local name file n
  while read -r name file n; do
    [[ $want == *" $name "* ]] && echo "$name $file $n"
  done < <(table1_instances "$sparsity")
}

# The log of the tuner's whole list timed on instance TAG (FILE, N): from an earlier run of the same instance
# (LISTS, default the tenth session's unrolled-cp run), or timed here into OUT/TAG-list.log. Prints its path.
whole_list_log() {
  local tag=$1 file=$2 n=$3
  local list=${LISTS:-bench/results/NVIDIA_H200/explore/unrolled-cp}/$tag-list.log
  if [ ! -f "$list" ]; then
    $SPARSERT tune "$file" --n "$n" --row-align 128 --list 2>/dev/null > "$out/$tag-list.candidates"
    time_candidates "$tag-list" "$file" "$n" >&2
    list=$out/$tag-list.log
  fi
  echo "$list"
}

# Each unrolled spec of stdin, then its twins capped at 64, 96 and 128 registers.
with_caps() { sed 'p; s/$/,m64/; p; s/,m64$/,m96/; p; s/,m96$/,m128/'; }

# The COUNT fastest unrolled configs of a tuning log (time_candidates' format), fastest first.
fastest_unrolled() {
  grep -E '^ +[0-9.]+ us' "$1" | grep -v ' dd:' | sort -n | head -"$2" | awk '{print $6}'
}

# Times the configs of OUT/TAG.candidates on one layer (`sparsert tune --candidates`, rows padded to 128
# bytes) and keeps each config's line, the failures and the winner in OUT/TAG.log.
time_candidates() {
  local tag=$1 file=$2 n=$3
  $SPARSERT tune "$file" --n "$n" --row-align 128 --no-cache --candidates @"$out/$tag.candidates" 2>&1 \
    | grep -E '^ +[0-9.]+ us |^ +failed|^best|^phases' > "$out/$tag.log"
  echo "$tag: $(grep "^best" "$out/$tag.log") [$(grep "^phases" "$out/$tag.log")]"
}
