# Times problems' benchmark configs, and a full tune, at N and at neighbouring widths whose B rows start on
# 128-byte lines (N a multiple of 32), to see what unaligned B rows cost in L1 wavefronts.
source <(bash scripts/gpu-host-setup.sh .carry/lead)
d=$SPARSERT_DATA/dlmc/rn50/magnitude_pruning/0.9
while read -r name file widths config; do
  for n in ${widths//,/ }; do
    one=$($SPARSERT tune $file --n $n --no-cache --candidates "$config" 2>&1 | grep '^best')
    all=$($SPARSERT tune $file --n $n --no-cache 2>&1 | grep '^best')
    echo "$name n=$n | config: $one | tuned: $all"
  done
done <<L
p7 $d/bottleneck_1_block_group4_1_1.smtx 49,64,32 dd:w32,v1,c2,r2,k8,u2,p0,h8,b1,e1
p8 $d/bottleneck_3_block_group4_1_1.smtx 49,64,32 dd:w32,v1,c2,r1,k8,u2,p0,h8,b1,l32
p5 $d/bottleneck_1_block_group3_1_1.smtx 196,224,256,192 dd:w32,v4,c1,r1,k8,u4,p0,h16,b1,e1
p6 $d/bottleneck_3_block_group3_1_1.smtx 196,224,256,192 dd:w32,v4,c1,r2,k8,u2,p0,h8,b1,e1
p3 $d/bottleneck_1_block_group2_1_1.smtx 784,800,768 dd:w32,v4,c1,r2,k8,u2,p0,h8,b1,e1
L
