# Interleaved parts (`i1`) against contiguous ones: for one instance of each Table 1 problem at 0.9, on rows
# padded to 128 bytes, times the tuner's whole list plus an `i1` twin of every K-split config, and prints
# the best of each kind. Usage (GPU host, repository root): bash scripts/microbench/interleave-run.sh [OUT]
source <(bash scripts/gpu-host-setup.sh .carry/lead)
source scripts/microbench/table1-instances.sh
out=${1:-/tmp/interleave}
mkdir -p "$out"
while read -r name file n; do
  [[ " p1 p3 p4 p5 p6 p7 p8 p9 p10 p11 p15 p16 p17 p18 p19 " == *" $name "* ]] || continue
  $SPARSERT tune "$file" --n "$n" --row-align 128 --list > "$out/$name.list" 2>&1
  { cat "$out/$name.list"; grep '^dd:' "$out/$name.list" | grep -v ',k1,' | grep -v ',s' | sed 's/$/,i1/'; } > "$out/$name.candidates"
  $SPARSERT tune "$file" --n "$n" --row-align 128 --no-cache --candidates @"$out/$name.candidates" > "$out/$name.log" 2>&1
  echo "$name: $(grep '^best' "$out/$name.log")"
done < <(table1_instances 0.9)
