# L1 policy experiments: for one instance of some Table 1 problems at 0.9 (rows padded to 128 bytes), times
# the tuner's list plus a `y1` twin (L1 eviction hints) of every data-driven config that reads B from global
# memory, once with the driver's shared-memory carveout and once with SPARSERT_CARVEOUT=0 (most L1).
# Needs a binary built with experiment.patch (beside this script) applied: the `y` field and SPARSERT_CARVEOUT.
# Usage (GPU host, repository root): bash bench/results/NVIDIA_H200/explore/l1-policy/hints-run.sh [OUT] [PROBLEMS...]
source <(bash scripts/gpu-host-setup.sh .carry/lead)
source scripts/microbench/table1-instances.sh
out=${1:-/tmp/hints}
shift || true
want=" ${*:-p3 p5 p7 p9 p10 p11 p16} "
mkdir -p "$out"
while read -r name file n; do
  [[ $want == *" $name "* ]] || continue
  $SPARSERT tune "$file" --n "$n" --row-align 128 --list > "$out/$name.list" 2>&1
  { cat "$out/$name.list"; grep '^dd:' "$out/$name.list" | grep -v ',s' | sed 's/$/,y1/'; } > "$out/$name.candidates"
  for carve in driver 0; do
    if [ $carve = driver ]; then unset SPARSERT_CARVEOUT; else export SPARSERT_CARVEOUT=$carve; fi
    $SPARSERT tune "$file" --n "$n" --row-align 128 --no-cache --candidates @"$out/$name.candidates" 2>/dev/null \
      | grep -E ' us |^best' > "$out/$name-c$carve.log"
    echo "$name carveout $carve: $(grep '^best' "$out/$name-c$carve.log")"
  done
done < <(table1_instances 0.9)
# Pairs: each config against its y1 twin, and each config's carveout-0 time against the driver's.
python3 - "$out" <<'P'
import sys, glob, os, statistics as st
out = sys.argv[1]
def read(path):
    d = {}
    for line in open(path):
        parts = line.split()
        if len(parts) >= 6 and parts[1] == 'us':
            d[parts[5]] = float(parts[0])
    return d
for f in sorted(glob.glob(out + '/*-cdriver.log')):
    name = os.path.basename(f).split('-')[0]
    a, b = read(f), read(f.replace('-cdriver', '-c0'))
    for label, runs in (('driver', a), ('carveout0', b)):
        pairs = [runs[c] / runs[c + ',y1'] for c in runs if c + ',y1' in runs]
        if pairs:
            best = min(runs, key=runs.get)
            print(f"{name} {label}: y1 twins {len(pairs)} pairs, without/with median {st.median(pairs):.3f} min {min(pairs):.3f} max {max(pairs):.3f}; best {best} {runs[best]:.2f} us")
    pairs = [a[c] / b[c] for c in a if c in b]
    print(f"{name} carveout: {len(pairs)} configs, driver/0 median {st.median(pairs):.3f} min {min(pairs):.3f} max {max(pairs):.3f}")
P
