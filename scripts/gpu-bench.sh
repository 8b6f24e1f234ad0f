#!/usr/bin/env bash
# On the GPU host, after scripts/make-carry.sh here: verification suite and the paper benchmarks, each
# under its own time limit, with logs and reports under $OUT (or ./gpu-out). Usage:
#   bash scripts/gpu-bench.sh [verify] [spmm] [spmm8] [conv] [conv8]    (default: all)
set -uo pipefail
cd "$(dirname "$0")/.."
eval "$(bash scripts/gpu-host-setup.sh)"
out=$(realpath -m "${OUT:-gpu-out}")
mkdir -p "$out"
export SPARSERT_COMMIT=${SPARSERT_COMMIT:-$(cat .carry/lead/commit 2>/dev/null || echo unknown)}
steps=${*:-verify spmm spmm8 conv conv8}
run() { local name=$1 limit=$2; shift 2; echo "== $name (limit ${limit}s)"; timeout "$limit" "$SPARSERT" "$@" > "$out/$name.log" 2>&1; echo "   exit $?"; }
cd /tmp
for step in $steps; do
  case $step in
    verify) run verify 240 verify --json "$out/verify.json"; tail -n 2 "$out/verify.log" ;;
    spmm) run spmm-b1 300 bench --max-instances 3 --output "$out/bench" ;;
    spmm8) run spmm-b8 300 bench --batch 8 --max-instances 1 --output "$out/bench" ;;
    conv) run conv-b1 150 bench --suite paper-conv --output "$out/bench" ;;
    conv8) run conv-b8 200 bench --suite paper-conv --batch 8 --output "$out/bench" ;;
  esac
done
grep -h "geometric" "$out"/bench/*.md 2>/dev/null
