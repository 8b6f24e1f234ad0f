# y2/y3 (B loaded without allocating in L1, and with the weights too) against the same configs without: the
# top 12 configs of each problem from hints-run.sh, then their twins (cands/). Needs the binary built with
# experiment.patch applied. Usage (GPU host, repository root): bash bench/results/NVIDIA_H200/explore/l1-policy/bypass-run.sh
source <(bash scripts/gpu-host-setup.sh .carry/lead)
source scripts/microbench/table1-instances.sh
mkdir -p /tmp/ycache
while read -r name file n; do
  [[ " p3 p5 p7 p9 p10 p11 p16 " == *" $name "* ]] || continue
  $SPARSERT tune "$file" --n "$n" --row-align 128 --no-cache --candidates @bench/results/NVIDIA_H200/explore/l1-policy/cands/$name 2>/dev/null | grep -E '^ .* us ' > /tmp/ycache/$name.log
  python3 - /tmp/ycache/$name.log $name <<'P'
import sys, statistics as st
d = {}
for line in open(sys.argv[1]):
    p = line.split()
    if len(p) >= 6: d[p[5]] = float(p[0])
for y in ('y2', 'y3'):
    pairs = [d[c] / d[c + ',' + y] for c in d if c + ',' + y in d]
    best = min((c for c in d if c.endswith(y)), key=d.get)
    print(sys.argv[2], y, 'without/with median %.3f min %.3f max %.3f' % (st.median(pairs), min(pairs), max(pairs)), 'best', best, d[best])
best = min((c for c in d if ',y' not in c), key=d.get); print(sys.argv[2], 'best plain', best, d[best])
P
done < <(table1_instances 0.9)
[ -n "${OUT:-}" ] && tar czf $OUT/ycache.tar.gz -C /tmp ycache
