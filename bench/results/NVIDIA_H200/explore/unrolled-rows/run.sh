# Unrolled kernels of one row a block with K split over 1-16 groups (and 2-4 rows), beside the tuned
# data-driven configs. Usage (GPU host, repository root): bash bench/results/NVIDIA_H200/explore/unrolled-rows/run.sh
source <(bash scripts/gpu-host-setup.sh .carry/lead)
r=$SPARSERT_DATA/dlmc/rn50/magnitude_pruning; t=$SPARSERT_DATA/dlmc/transformer/magnitude_pruning
mkdir -p /tmp/urow
while read -r name file n cands; do
  timeout 150 $SPARSERT tune "$file" --n "$n" --row-align 128 --no-cache --candidates "$cands" 2>/dev/null | grep -E ' us |^best|failed|rror' > /tmp/urow/$name.log
  echo "== $name"; sort -n /tmp/urow/$name.log | head -12
done <<L
p7 $r/0.9/bottleneck_1_block_group4_1_1.smtx 49 512,1,8;512,1,4;512,1,16;256,1,8;dd:w32,v2,c1,r1,k8,u4,p0;dd:w32,v2,c1,r1,k8,u4,p0,h16,b1,i1
p3 $r/0.9/bottleneck_1_block_group2_1_1.smtx 784 128,7,8,v4;128,7,4,v4;128,7,2,v4;64,7,4,v4;128,13,4,v2;dd:w32,v4,c1,r2,k8,u2,p0,h8,b1,e1,i1;dd:w32,v4,c1,r2,k4,u4,p0,b1,e1,i1
p11 $t/0.9/body_decoder_layer_0_encdec_attention_multihead_attention_k_fully_connected.smtx 256 512,2,4,v4;512,2,2,v4;512,2,8,v4;256,2,4,v4;512,4,4,v2;dd:w32,v4,c1,r2,k8,u2,p0,h8,b1,e1,i1
p11s95 $t/0.95/body_decoder_layer_0_encdec_attention_multihead_attention_k_fully_connected.smtx 256 512,2,2,v4;512,2,4,v4;512,2,1,v4;256,2,2,v4;dd:w32,v4,c1,r1,k4,u2,p0,b1,e1,i1;dd:w32,v4,c1,r2,k8,u2,p0,h8,b1,e1,i1
p6s95 $r/0.95/bottleneck_3_block_group3_1_1.smtx 196 1024,2,1,v4;1024,2,2,v4;512,2,2,v4;256,2,2,v4;128,2,1;dd:w32,v4,c1,r1,k4,u2,p0,b1,i1
p10 $t/0.9/body_decoder_layer_0_ffn_conv2_fully_connected.smtx 256 512,2,8,v4;512,2,4,v4;dd:w32,v4,c1,r1,k4,u4,i1
p8 $r/0.9/bottleneck_3_block_group4_1_1.smtx 49 2048,1,2;2048,1,4;1024,1,4;dd:w32,v2,c1,r1,k8,u2,p0,h8,b1,l32,i1
L
[ -n "${OUT:-}" ] && tar czf $OUT/urow.tar.gz -C /tmp urow
