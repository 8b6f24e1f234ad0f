# Parts by row length split up to 16 ways: for one instance of some Table 1 problems at 0.9 (rows padded to
# 128 bytes), times the tuner's list plus, for each of its parts-by-length (`b1`) configs, a twin with a K
# split of 16 (at most 2 rows a block) and parts of 16, 24 or 32 nonzeros, so a long row spreads over more
# subwarps. Usage (GPU host, repository root): bash scripts/microbench/split16-run.sh [OUT] [PROBLEMS...]
source <(bash scripts/gpu-host-setup.sh .carry/lead)
source scripts/microbench/table1-instances.sh
out=${1:-/tmp/split16}
shift || true
want=" ${*:-p7 p8 p9 p10 p5 p3 p11 p6} "
sparsity=0.9
mkdir -p "$out"
while read -r name file n; do
  $SPARSERT tune "$file" --n "$n" --row-align 128 --list > "$out/$name.list" 2>&1
  { cat "$out/$name.list"
    for l in 16 24 32; do
      grep '^dd:.*,b1' "$out/$name.list" | sed -E "s/,k[0-9]+,/,k16,/; s/,r[0-9]+,/,r1,/; s/,l[0-9]+//; s/,b1/,b1,l$l/"
    done | sort -u; } > "$out/$name.candidates"
  $SPARSERT tune "$file" --n "$n" --row-align 128 --no-cache --candidates @"$out/$name.candidates" 2>/dev/null \
    | grep -E ' us |^best' > "$out/$name.log"
  echo "$name: $(grep '^best' "$out/$name.log")"
  echo "   best k16: $(grep ',k16,' "$out/$name.log" | sort -n | head -1)"
  echo "   best other: $(grep -v ',k16,' "$out/$name.log" | grep ' us ' | sort -n | head -1)"
done < <(wanted_instances)
