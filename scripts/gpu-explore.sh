#!/usr/bin/env bash
# Tuning experiment on the GPU host (called by gpu-bench.sh): times a broad grid of data-driven configs on
# chosen Table 1 layers with `sparsert tune --candidates`, beside the default candidate list. Usage:
#   bash scripts/gpu-explore.sh WORKDIR
set -uo pipefail
work=$1
data=$SPARSERT_DATA/dlmc
problems=(
  "p8-90 rn50/magnitude_pruning/0.9/bottleneck_3_block_group4_1_1.smtx 49"
  "p9-90 transformer/magnitude_pruning/0.9/body_decoder_layer_0_ffn_conv1_fully_connected.smtx 256"
  "p10-90 transformer/magnitude_pruning/0.9/body_decoder_layer_0_ffn_conv2_fully_connected.smtx 256"
  "p11-90 transformer/magnitude_pruning/0.9/body_decoder_layer_0_encdec_attention_multihead_attention_k_fully_connected.smtx 256"
  "p10-95 transformer/magnitude_pruning/0.95/body_decoder_layer_0_ffn_conv2_fully_connected.smtx 256"
  "p5-90 rn50/magnitude_pruning/0.9/bottleneck_1_block_group3_1_1.smtx 196"
)
for entry in "${problems[@]}"; do
  read -r name file n <<< "$entry"
  [ -n "${EXPLORE_ONLY:-}" ] && [[ " $EXPLORE_ONLY " != *" $name "* ]] && continue
  list="$work/explore-$name.txt"
  : > "$list"
  if (( n % 4 == 0 )); then widths="4 2"; else widths="1"; fi
  for v in $widths; do for t in 1 2 4 8 16 32; do for c in 1 2; do for k in 1 2 4; do for threads in 128 512; do
    r=$(( threads / (t * k) )); (( r >= 1 )) || continue
    for p in 0 1; do echo "dd:w$t,v$v,c$c,r$r,k$k,u4,p$p" >> "$list"; done
  done; done; done; done; done
  echo "== explore $name ($(wc -l < "$list") configs)"
  timeout 200 "$SPARSERT" tune "$data/$file" --n "$n" --candidates "@$list" -o "$work/explore-$name" \
    > "$work/explore-$name.log" 2>/dev/null
  echo "   exit $?"
  sort -n "$work/explore-$name.log" | grep -v failed | head -5
  timeout 60 "$SPARSERT" tune "$data/$file" --n "$n" --no-cache -o "$work/default-$name" \
    > "$work/default-$name.log" 2>/dev/null
  grep best "$work/default-$name.log"
done
