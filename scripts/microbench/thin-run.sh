# Times each problem's benchmark config on thinned copies of its pattern (see thin_pattern.py).
source <(bash scripts/gpu-host-setup.sh .carry/lead)
d=$SPARSERT_DATA/dlmc/rn50/magnitude_pruning/0.9; t=$SPARSERT_DATA/dlmc/transformer/magnitude_pruning/0.9
mkdir -p /tmp/thin
while read -r name file n config; do
  for fraction in 0.02 0.125 0.25 0.5 1; do
    python3 scripts/microbench/thin_pattern.py $file /tmp/thin/$name-$fraction.smtx $fraction > /dev/null
    r=$($SPARSERT tune /tmp/thin/$name-$fraction.smtx --n $n --no-cache --candidates "$config" 2>&1 | grep '^best')
    echo "$name $fraction $(head -1 /tmp/thin/$name-$fraction.smtx | cut -d, -f3) $r"
  done
done <<L
p7 $d/bottleneck_1_block_group4_1_1.smtx 49 dd:w32,v1,c2,r1,k8,u2,p0,h32,x1,b1,l32
p3 $d/bottleneck_1_block_group2_1_1.smtx 784 dd:w32,v4,c1,r2,k4,u4,p0,b1
p10 $t/body_decoder_layer_0_ffn_conv2_fully_connected.smtx 256 dd:w32,v4,c1,r1,k4,u4
p5 $d/bottleneck_1_block_group3_1_1.smtx 196 dd:w32,v4,c1,r1,k8,u4,p0,h16,b1,e1
p8 $d/bottleneck_3_block_group4_1_1.smtx 49 dd:w32,v1,c2,r1,k8,u2,p0,h8,b1,l32
p6 $d/bottleneck_3_block_group3_1_1.smtx 196 dd:w32,v4,c1,r2,k8,u2,p0,h8,b1,e1
L
