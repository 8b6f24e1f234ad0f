#!/usr/bin/env bash
# Session 21, GPU call 2: fanned parts over staged B and with prefetch, at N = 1 on the large layers:
# tune --candidates (warm) side by side, then compare --cold-l2 2 per config.
set -u
eval "$(bash scripts/gpu-host-setup.sh .carry/lead)"
export SPARSERT SPARSERT_DATA SPARSERT_COMMIT=${COMMIT:?}
R=$OUT/s21b; mkdir -p $R/cands $R/cold
# Weights (as large-run.sh makes them).
SHAPES="sq4096 up11008 down4096" SPARSITIES="90" bash scripts/microbench/large-weights.sh
declare -A lists
lists[sq4096]="dd:w1,r8,k16,u4,p0,f1,n1; dd:w1,r8,k16,u4,s4096,f1,n1; dd:w1,r8,k16,u4,p0,s4096,f1,n1; dd:w1,r16,k16,u4,p0,s4096,f1,n1; dd:w1,r32,k8,u4,p0,s4096,f1,n1; dd:w1,r16,k8,u4,p0,s4096,f1,n1; dd:w1,r8,k16,u4,f1,n1; dd:w1,r8,k16,u2,f1,n1; dd:w1,r16,k8,u4,f1,n1; dd:w1,r32,k8,u4,f1,n1; dd:w1,r32,k8,u2,f1,n1; dd:w1,r4,k32,u2,f1,n1; dd:w1,r16,k16,u4,s4096,f1,n1"
lists[up11008]="dd:w1,r32,k8,u4,p0,o1,f1,n1; dd:w1,r32,k8,u4,p0,f1,n1; dd:w1,r32,k8,u4,p0,s4096,f1,n1; dd:w1,r16,k8,u4,p0,s4096,f1,n1; dd:w1,r8,k16,u4,p0,s4096,f1,n1; dd:w1,r16,k16,u4,p0,s4096,f1,n1; dd:w1,r32,k8,u4,o1,f1,n1; dd:w1,r32,k8,u2,o1,f1,n1; dd:w1,r16,k8,u4,o1,f1,n1; dd:w1,r8,k16,u4,o1,f1,n1; dd:w1,r32,k8,u4,s4096,f1,n1; dd:w1,r16,k16,u4,s4096,f1,n1; dd:w1,r8,k16,u2,s4096,f1,n1"
lists[down4096]="dd:w1,r8,k16,u4,p0,o1,f1,n1; dd:w1,r8,k16,u4,p0,f1,n1; dd:w1,r8,k16,u4,p0,s11008,f1,n1; dd:w1,r16,k16,u4,p0,s2816,f1,n1; dd:w1,r32,k8,u4,p0,s2816,f1,n1; dd:w1,r16,k8,u4,p0,s11008,f1,n1; dd:w1,r8,k16,u4,o1,f1,n1; dd:w1,r8,k16,u2,o1,f1,n1; dd:w1,r16,k16,u4,o1,f1,n1; dd:w1,r8,k32,u4,o1,f1,n1; dd:w1,r8,k16,u4,s11008,f1,n1; dd:w1,r16,k16,u4,s2816,f1,n1; dd:w1,r32,k8,u4,s2816,f1,n1"
for shape in sq4096 up11008 down4096; do
  timeout 150 "$SPARSERT" tune /tmp/large/$shape-90.npy --n 1 --candidates "${lists[$shape]}" -o /tmp/t-$shape > $R/cands/$shape-n1.log 2>&1
  echo "== $shape rc=$?"; grep -E "us .*dataDriven|failed|best:" $R/cands/$shape-n1.log
done
# Cold: the former winner and the fastest three new ones by the warm list.
for shape in sq4096 up11008 down4096; do
  first=$(echo "${lists[$shape]}" | cut -d';' -f1 | tr -d ' ')
  best=$(grep -E "^ +[0-9.]+ us .*dataDriven" $R/cands/$shape-n1.log | awk '{print $1, $6}' | grep -v " $first\$" | sort -n | head -3 | awk '{print $2}')
  for cfg in $first $best; do
    timeout 100 "$SPARSERT" compare /tmp/large/$shape-90.npy --n 1 --cold-l2 2 --config "$cfg" -o $R/cold/$shape-$cfg > $R/cold/$shape-$cfg.log 2>&1
    echo "cold $shape $cfg rc=$? $(grep -E '^\| 1 ' $R/cold/$shape-$cfg.log | cut -d'|' -f8-12)"
  done
done
tar czf $OUT/s21-call2.tgz -C $OUT s21b && rm -rf $R
