source <(bash scripts/gpu-host-setup.sh .carry/lead)
d=$SPARSERT_DATA/dlmc/rn50/magnitude_pruning/0.9; t=$SPARSERT_DATA/dlmc/transformer/magnitude_pruning/0.9
mkdir -p /tmp/fold
for e in "p7 $d/bottleneck_1_block_group4_1_1.smtx 49" "p3 $d/bottleneck_1_block_group2_1_1.smtx 784" "p10 $t/body_decoder_layer_0_ffn_conv2_fully_connected.smtx 256" "p5 $d/bottleneck_1_block_group3_1_1.smtx 196"; do
  read -r name file n <<< "$e"
  for fold in 1 8; do
    python3 scripts/microbench/fold_pattern.py $file /tmp/fold/$name-f$fold.smtx $fold
    $SPARSERT tune /tmp/fold/$name-f$fold.smtx --n $n --no-cache > $OUT/fold-$name-f$fold.log 2>&1
    echo "$name fold $fold:"; tail -3 $OUT/fold-$name-f$fold.log
  done
done
