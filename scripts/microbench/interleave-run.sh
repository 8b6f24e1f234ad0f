# Interleaved parts (`i1`) against contiguous ones: for one instance of each Table 1 problem at 0.9, on rows
# padded to 128 bytes, times the tuner's whole list plus an `i1` twin of every K-split config, and prints
# the best of each kind. Usage (GPU host, repository root): bash scripts/microbench/interleave-run.sh [OUT]
source <(bash scripts/gpu-host-setup.sh .carry/lead)
out=${1:-/tmp/interleave}
mkdir -p "$out"
r=$SPARSERT_DATA/dlmc/rn50/magnitude_pruning/0.9
t=$SPARSERT_DATA/dlmc/transformer/magnitude_pruning/0.9
m=$SPARSERT_DATA/sparsert-weights/mobilenet
while read -r name file n; do
  $SPARSERT tune "$file" --n "$n" --row-align 128 --list > "$out/$name.list" 2>&1
  { cat "$out/$name.list"; grep '^dd:' "$out/$name.list" | grep -v ',k1,' | grep -v ',s' | sed 's/$/,i1/'; } > "$out/$name.candidates"
  $SPARSERT tune "$file" --n "$n" --row-align 128 --no-cache --candidates @"$out/$name.candidates" > "$out/$name.log" 2>&1
  echo "$name: $(grep '^best' "$out/$name.log")"
done <<L
p1 $r/bottleneck_1_block_group1_1_1.smtx 3136
p3 $r/bottleneck_1_block_group2_1_1.smtx 784
p4 $r/bottleneck_3_block_group2_1_1.smtx 784
p5 $r/bottleneck_1_block_group3_1_1.smtx 196
p6 $r/bottleneck_3_block_group3_1_1.smtx 196
p7 $r/bottleneck_1_block_group4_1_1.smtx 49
p8 $r/bottleneck_3_block_group4_1_1.smtx 49
p9 $t/body_decoder_layer_0_ffn_conv1_fully_connected.smtx 256
p10 $t/body_decoder_layer_0_ffn_conv2_fully_connected.smtx 256
p11 $t/body_decoder_layer_0_encdec_attention_multihead_attention_k_fully_connected.smtx 256
p15 $m/contraction_1x1_3.npy 784
p16 $m/contraction_1x1_4.npy 784
p17 $m/contraction_1x1_5.npy 196
p18 $m/contraction_1x1_6.npy 196
p19 $m/contraction_1x1_11.npy 49
L
