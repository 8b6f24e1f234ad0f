#!/usr/bin/env bash
# Tuning experiment on the GPU host (called by gpu-bench.sh): times a broad grid of data-driven configs on
# chosen Table 1 layers with `sparsert tune --candidates`, beside the default candidate list. Usage:
#   bash scripts/gpu-explore.sh WORKDIR
# EXPLORE_MODE=plain (B from global memory), staged (B staged in shared memory, the default) or head
# (head entries, K splits and register caps) or list (the configs in scripts/explore-lists/NAME.txt) or
# unrolled-staging (the tuner's own list with each unrolled config also with ,cp) or even-blocks (the
# tuner's configs with parts by row length, each also with ,e1);
# EXPLORE_LISTS=SUBFOLDER takes the lists from scripts/explore-lists/SUBFOLDER; EXPLORE_ONLY="p9-90 p10-90-b8" restricts the problems.
set -uo pipefail
work=$1
lists=$(cd "$(dirname "$0")" && pwd)/explore-lists${EXPLORE_LISTS:+/$EXPLORE_LISTS}
data=$SPARSERT_DATA/dlmc
mode=${EXPLORE_MODE:-staged}
r50=rn50/magnitude_pruning
tf=transformer/magnitude_pruning
problems=(
  "p8-90 $r50/0.9/bottleneck_3_block_group4_1_1.smtx 49"
  "p9-90 $tf/0.9/body_decoder_layer_0_ffn_conv1_fully_connected.smtx 256"
  "p10-90 $tf/0.9/body_decoder_layer_0_ffn_conv2_fully_connected.smtx 256"
  "p11-90 $tf/0.9/body_decoder_layer_0_encdec_attention_multihead_attention_k_fully_connected.smtx 256"
  "p10-95 $tf/0.95/body_decoder_layer_0_ffn_conv2_fully_connected.smtx 256"
  "p5-90 $r50/0.9/bottleneck_1_block_group3_1_1.smtx 196"
  "p8-90-b8 $r50/0.9/bottleneck_3_block_group4_1_1.smtx 392"
  "p9-90-b8 $tf/0.9/body_decoder_layer_0_ffn_conv1_fully_connected.smtx 2048"
  "p10-90-b8 $tf/0.9/body_decoder_layer_0_ffn_conv2_fully_connected.smtx 2048"
  "p5-90-b8 $r50/0.9/bottleneck_1_block_group3_1_1.smtx 1568"
  "p7-90 $r50/0.9/bottleneck_1_block_group4_1_1.smtx 49"
  "p8-95 $r50/0.95/bottleneck_3_block_group4_1_1.smtx 49"
  "p9-95 $tf/0.95/body_decoder_layer_0_ffn_conv1_fully_connected.smtx 256"
  "p19 ../sparsert-weights/mobilenet/contraction_1x1_11.npy 49"
  "p3-90 $r50/0.9/bottleneck_1_block_group2_1_1.smtx 784"
  "p6-90 $r50/0.9/bottleneck_3_block_group3_1_1.smtx 196"
  "p4-90 $r50/0.9/bottleneck_3_block_group2_1_1.smtx 784"
  "p15 ../sparsert-weights/mobilenet/contraction_1x1_3.npy 784"
  "p16 ../sparsert-weights/mobilenet/contraction_1x1_4.npy 784"
  "conv4-90 $r50/0.9/bottleneck_2_block_group4_1_1.smtx 49 --conv --input 512x7x7 --kernel 3 --pad 1"
  "p1-90 $r50/0.9/bottleneck_1_block_group1_1_1.smtx 3136"
  "p2-90 $r50/0.9/bottleneck_3_block_group1_1_1.smtx 3136"
  "p12 ../sparsert-weights/mobilenet/contraction_1x1_0.npy 12544"
  "p13 ../sparsert-weights/mobilenet/contraction_1x1_1.npy 3136"
  "p14 ../sparsert-weights/mobilenet/contraction_1x1_2.npy 3136"
  "p17 ../sparsert-weights/mobilenet/contraction_1x1_5.npy 196"
  "p18 ../sparsert-weights/mobilenet/contraction_1x1_6.npy 196"
  "p1-95 $r50/0.95/bottleneck_1_block_group1_1_1.smtx 3136"
  "p3-95 $r50/0.95/bottleneck_1_block_group2_1_1.smtx 784"
  "p11-95 $tf/0.95/body_decoder_layer_0_encdec_attention_multihead_attention_k_fully_connected.smtx 256"
)
for entry in "${problems[@]}"; do
  read -r name file n extra <<< "$entry"
  args=(--n "$n")
  [ -n "$extra" ] && { read -ra more <<< "$extra"; args=(${more[@]}); }
  [ -n "${EXPLORE_ONLY:-}" ] && [[ " $EXPLORE_ONLY " != *" $name "* ]] && continue
  list="$work/explore-$name.txt"
  : > "$list"
  if (( n % 4 == 0 )) && [ -z "$extra" ]; then shapes="4:1:4 4:1:8 4:1:16 4:1:32 4:2:32"; else shapes="1:4:8 1:4:16 1:2:32 1:1:32"; fi
  if [ "$mode" = even-blocks ]; then
    "$SPARSERT" tune "$data/$file" "${args[@]}" --list 2>/dev/null | grep ',b1' | while read -r c; do echo "$c"; echo "$c,e1"; done > "$list"
  elif [ "$mode" = unrolled-staging ]; then
    "$SPARSERT" tune "$data/$file" "${args[@]}" --list > "$list.all" 2>/dev/null
    grep -v "^dd:" "$list.all" | while read -r c; do echo "$c"; echo "$c,cp"; done > "$list"
    grep '^dd:' "$list.all" >> "$list"
  elif [ "$mode" = list ]; then
    [ -f "$lists/$name.txt" ] || continue
    grep -v '^#' "$lists/$name.txt" > "$list"
  elif [ "$mode" = head ]; then
    if (( n % 4 == 0 )) && [ -z "$extra" ]; then shapes="4:1:32 4:1:16"; else shapes="1:2:32 1:4:16"; fi
    for shape in $shapes; do IFS=: read -r v c t <<< "$shape"; for k in 2 4 8; do for threads in 128 256; do
      r=$(( threads / (t * k) )); (( r >= 1 )) || continue
      for h in "" ,h8 ,h16; do for m in "" ,m64 ,m96; do for pu in u4,p0 u4 u2,p0; do
        echo "dd:w$t,v$v,c$c,r$r,k$k,$pu$h$m" >> "$list"
      done; done; done
    done; done; done
  elif [ "$mode" = plain ]; then
    for shape in $shapes; do IFS=: read -r v c t <<< "$shape"; for k in 1 2 4; do for threads in 128 512; do
      r=$(( threads / (t * k) )); (( r >= 1 )) || continue
      for p in 0 1; do echo "dd:w$t,v$v,c$c,r$r,k$k,u4,p$p" >> "$list"; done
    done; done; done
  else
    for shape in $shapes; do IFS=: read -r v c t <<< "$shape"; for r in 16 32 64 128; do for k in 1 2 4; do
      (( r * k * t <= 1024 )) || continue
      for s in ${EXPLORE_STAGES:-128 512}; do for p in ${EXPLORE_PREFETCH:-1}; do echo "dd:w$t,v$v,c$c,r$r,k$k,u4,p$p,s$s" >> "$list"; done; done
    done; done; done
  fi
  echo "== explore $name ($(wc -l < "$list") configs, $mode)"
  timeout ${EXPLORE_LIMIT:-120} "$SPARSERT" tune "$data/$file" "${args[@]}" --candidates "@$list" -o "$work/explore-$name" \
    > "$work/explore-$name.log" 2> "$work/explore-$name.err"
  echo "   exit $?"
  grep " us " "$work/explore-$name.log" | sort -n | head -4
done
