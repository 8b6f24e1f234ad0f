# The unrolled family over a wide grid (rows per block 2-128, tiles of 32-256 vectors, 1-8 groups, vector
# widths 1-4) on the small Table 1 layers where it wins, one instance each, rows padded to 128 bytes.
# Usage (GPU host, repository root, binary a9b9269): bash bench/results/NVIDIA_H200/explore/unrolled-grid/run.sh
source <(bash scripts/gpu-host-setup.sh .carry/lead)
r=$SPARSERT_DATA/dlmc/rn50/magnitude_pruning; m=$SPARSERT_DATA/sparsert-weights/mobilenet
g=bench/results/NVIDIA_H200/explore/unrolled-grid/grids
mkdir -p /tmp/ugrid
while read -r name file n; do
  spec=${name%%-*}
  { cat $g/$spec; timeout 60 $SPARSERT tune "$file" --n "$n" --row-align 128 --list 2>/dev/null; } | awk '!seen[$0]++' > /tmp/ugrid/$name.candidates
  timeout 150 $SPARSERT tune "$file" --n "$n" --row-align 128 --no-cache --candidates @/tmp/ugrid/$name.candidates 2>/dev/null | grep -E '^ .* us |^best' > /tmp/ugrid/$name.log
  echo "== $name $(grep '^best' /tmp/ugrid/$name.log)"
  sort -n /tmp/ugrid/$name.log | grep -v best | head -4
done <<L
p1-95 $r/0.95/bottleneck_1_block_group1_1_1.smtx 3136
p2-95 $r/0.95/bottleneck_3_block_group1_1_1.smtx 3136
p4-95 $r/0.95/bottleneck_3_block_group2_1_1.smtx 784
p6-95 $r/0.95/bottleneck_3_block_group3_1_1.smtx 196
p2-90 $r/0.9/bottleneck_3_block_group1_1_1.smtx 3136
p4-90 $r/0.9/bottleneck_3_block_group2_1_1.smtx 784
p12-90 $m/contraction_1x1_0.npy 12544
p13-90 $m/contraction_1x1_1.npy 3136
p14-90 $m/contraction_1x1_2.npy 3136
L
[ -n "${OUT:-}" ] && tar czf $OUT/ugrid.tar.gz -C /tmp ugrid
