#!/usr/bin/env bash
# On the GPU host, after scripts/make-carry.sh here: verification suite, the paper benchmarks and tuning
# experiments, each under its own time limit. Logs and reports go to a work folder, packed at the end into
# $OUT/results.tar.gz (the device tool returns at most 8 files). Usage:
#   bash scripts/gpu-bench.sh [verify] [spmm] [spmm90] [spmm95] [spmm8] [spmm8a90] [spmm8a95] [conv] [conv8] [explore] [ncu] [regs] [regslarge] [sim] [simdd] [ncuunrolled] [torch] [mobilenet] [compare] [fp16] [mobilenet16]
# (default: verify spmm spmm8 conv conv8; spmm90 and spmm95 split batch 1 by sparsity, each under 10 minutes;
# verify128, spmm90a and spmm95a do the same with B's and C's rows padded to 128 bytes, `--row-align 128`,
# and spmm8a90 and spmm8a95 run batch 8 (one instance a problem) that way;
# PROBLEMS=1,2,3 limits the spmm steps to those problems, so a sparsity too long for one device call can be
# run in parts and joined with `sparsert bench --merge`; regs and regslarge run
# scripts/microbench/unrolled-regs-run.sh (the unrolled winners at both sparsities, then problems 7-10);
# sim and simdd run scripts/microbench/similar-rows-run.sh (unrolled winners at both sparsities with and
# without `sim`, then the data-driven mid layers with and without `o1`); ncuunrolled profiles problem 6's
# unrolled kernels with N in 1, 2 or 4 tiles (warp stall reasons: instruction supply or loads); torch runs
# examples/torch_spmm.py on kernels of both families; mobilenet compiles MobileNetV1's 1x1 layers
# (scripts/mobilenet-compile.sh, options MOBILENET_COMPILE, default `--tune --verify`) and runs
# examples/torch_mobilenet.py, the whole network against dense PyTorch; compare runs `sparsert compare` on
# three layers given as files (a matrix product, padded rows, a 3x3 convolution); fp16 checks and times
# half-precision kernels (verification suite parts, torch, Table 1 problems against cuBLAS fp16), mobilenet16
# runs the mobilenet step with fp16 kernels;
# BENCH_EXTRA adds options to every bench step (e.g. `--refine-register-caps 4`); WORK and PACK name the
# work folder and the archive, and a set SPARSERT skips the set-up, for scripts/gpu-parallel.sh)
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
[ -n "${SPARSERT:-}" ] || eval "$(bash scripts/gpu-host-setup.sh)"
work=${WORK:-/tmp/gpu-out}
rm -rf "$work"; mkdir -p "$work"
export SPARSERT_COMMIT=${SPARSERT_COMMIT:-$(cat .carry/lead/commit 2>/dev/null || echo unknown)}
steps=${*:-verify spmm spmm8 conv conv8}
sel=${PROBLEMS:+--problems $PROBLEMS}
tag=${PROBLEMS:+-p${PROBLEMS//,/_}}
run() {
  local name=$1 limit=$2; shift 2
  [ "$1" = bench ] && set -- "$@" ${BENCH_EXTRA:-}
  echo "== $name (limit ${limit}s)"; timeout "$limit" "$SPARSERT" "$@" > "$work/$name.log" 2>&1; echo "   exit $?"
}
# The tuning cache goes along (`compile --tune`, `tune` and `compare` fill it; bench writes its own
# <stem>.tuning.json): every candidate's time and origin, where the reports keep the winner's.
pack() {
  cp "${SPARSERT_CACHE:-${HOME:-/tmp}/.cache/sparsert/tuning.json}" "$work/tuning-cache.json" 2>/dev/null
  [ -n "${OUT:-}" ] && tar czf "$OUT/${PACK:-results}.tar.gz" -C "$work" .
}
trap pack EXIT
cd /tmp
for step in $steps; do
  case $step in
    verify) run verify ${VERIFY_LIMIT:-400} verify --json "$work/verify.json"; tail -n 2 "$work/verify.log" ;;
    spmm) run spmm-b1 ${SPMM_LIMIT:-300} bench --max-instances 3 --output "$work/bench" ;;
    spmm90) run spmm-b1-s0.9$tag ${SPMM_LIMIT:-560} bench --max-instances 3 --sparsity 0.9 $sel --output "$work/bench" ;;
    spmm95) run spmm-b1-s0.95$tag ${SPMM_LIMIT:-560} bench --max-instances 3 --sparsity 0.95 $sel --output "$work/bench" ;;
    verify128) run verify-a128 ${VERIFY_LIMIT:-400} verify --row-align 128 --json "$work/verify-a128.json"; tail -n 2 "$work/verify-a128.log" ;;
    spmm90a) run spmm-b1-a128-s0.9$tag ${SPMM_LIMIT:-560} bench --max-instances 3 --sparsity 0.9 --row-align 128 $sel --output "$work/bench" ;;
    spmm95a) run spmm-b1-a128-s0.95$tag ${SPMM_LIMIT:-560} bench --max-instances 3 --sparsity 0.95 --row-align 128 $sel --output "$work/bench" ;;
    spmm8) run spmm-b8 ${SPMM8_LIMIT:-300} bench --batch 8 --max-instances 1 --output "$work/bench" ;;
    spmm8a90) run spmm-b8-a128-s0.9$tag ${SPMM8_LIMIT:-560} bench --batch 8 --max-instances 1 --sparsity 0.9 --row-align 128 $sel --output "$work/bench" ;;
    spmm8a95) run spmm-b8-a128-s0.95$tag ${SPMM8_LIMIT:-560} bench --batch 8 --max-instances 1 --sparsity 0.95 --row-align 128 $sel --output "$work/bench" ;;
    conv) run conv-b1 150 bench --suite paper-conv --output "$work/bench" ;;
    conv8) run conv-b8 ${CONV8_LIMIT:-200} bench --suite paper-conv --batch 8 --output "$work/bench" ;;
    explore) bash "$repo/scripts/gpu-explore.sh" "$work" ;;
    regs) (cd "$repo" && bash scripts/microbench/unrolled-regs-run.sh "$work/unrolled-regs" 0.9) | tee "$work/unrolled-regs.log"
          (cd "$repo" && bash scripts/microbench/unrolled-regs-run.sh "$work/unrolled-regs" 0.95 p1 p2 p3 p4 p6 p11) | tee -a "$work/unrolled-regs.log" ;;
    regslarge) (cd "$repo" && MODE=large bash scripts/microbench/unrolled-regs-run.sh "$work/unrolled-regs" 0.9) | tee "$work/unrolled-regs-large.log" ;;
    sim) (cd "$repo" && bash scripts/microbench/similar-rows-run.sh "$work/similar-rows" 0.9) | tee "$work/similar-rows.log"
         (cd "$repo" && bash scripts/microbench/similar-rows-run.sh "$work/similar-rows" 0.95 p1 p2 p3 p4 p6) | tee -a "$work/similar-rows.log" ;;
    simdd) (cd "$repo" && MODE=dd bash scripts/microbench/similar-rows-run.sh "$work/similar-rows" 0.9) | tee "$work/similar-rows-dd.log" ;;
    ncu) bash "$repo/scripts/gpu-ncu.sh" "$work" ;;
    torch)
      # examples/torch_spmm.py on real MobileNet weights: both families, contiguous and padded rows, with and
      # without a fused bias, ReLU, ReLU6 or cap.
      m=$SPARSERT_DATA/sparsert-weights/mobilenet; mkdir -p "$work/torch"
      while read -r tag layer n options; do
        dir=$work/torch/$tag
        "$SPARSERT" compile "$m/$layer.npy" --n "$n" $options --verify -o "$dir" > "$dir.log" 2>&1
        extra=; [[ $options == *--bias* ]] && extra="--bias $m/${layer}_bias.npy"
        python3 "$repo/examples/torch_spmm.py" "$dir"/*.json --weights "$m/$layer.npy" $extra 2>&1 | tee -a "$work/torch.log"
      done <<< "dd0 contraction_1x1_0 12544
unrolled0 contraction_1x1_0 12544 --config 1,392,1
dd11 contraction_1x1_11 49 --row-align 128
sim5 contraction_1x1_5 196 --row-align 128 --config 128,1,1,sim,m128
dd0-bias-relu contraction_1x1_0 12544 --bias $m/contraction_1x1_0_bias.npy --relu
unrolled5-bias-relu contraction_1x1_5 196 --config 128,1,1,m128 --bias $m/contraction_1x1_5_bias.npy --relu
unrolled5-bias-relu6 contraction_1x1_5 196 --config 128,1,1,sim,m128 --bias $m/contraction_1x1_5_bias.npy --relu6
dd11-cap contraction_1x1_11 49 --row-align 128 --cap 0.5" ;;
    compare)
      # `sparsert compare` on layers given as files: the README's sample, a MobileNet layer on padded rows, and
      # a ResNet-50 3x3 filter as a convolution (cuDNN's turn).
      m=$SPARSERT_DATA/sparsert-weights/mobilenet; mkdir -p "$work/compare"
      while read -r tag weights options; do
        "$SPARSERT" compare "$weights" $options -o "$work/compare" > "$work/compare/$tag.log" 2>&1; echo "   $tag exit $?"
        grep -E "^\| 1 \|" "$work/compare/$tag.log"
      done <<< "sample $repo/data/dlmc/bottleneck_1_block_group1_1_1.smtx --n 3136
mobilenet5 $m/contraction_1x1_5.npy --n 196 --row-align 128
conv3x3 $SPARSERT_DATA/sparsert-weights/rn50_3x3/90/filter_bg2.npy --conv --input 128x28x28 --kernel 3 --pad 1" ;;
    fp16)
      # Half-precision B and C: the verification suite's parts on the GPU, examples/torch_spmm.py on fp16 kernels of
      # both families, then Table 1 problems (FP16_PROBLEMS, one instance each at 0.9) against cuBLAS fp16.
      run verify-fp16-rn50-a128 ${FP16_VERIFY_LIMIT:-150} verify --precision fp16 --row-align 128 --filter rn50/0.9/ --json "$work/verify-fp16-rn50-a128.json"
      run verify-fp16-mobilenet 100 verify --precision fp16 --filter mobilenet --json "$work/verify-fp16-mobilenet.json"
      run verify-fp16-synthetic 60 verify --precision fp16 --filter synthetic --json "$work/verify-fp16-synthetic.json"
      run verify-fp16-transformer-a128 100 verify --precision fp16 --row-align 128 --filter transformer/0.9/body_decoder_layer_0 --json "$work/verify-fp16-transformer-a128.json"
      tail -qn 1 "$work"/verify-fp16-*.log
      m=$SPARSERT_DATA/sparsert-weights/mobilenet; mkdir -p "$work/torch-fp16"
      while read -r tag layer n options; do
        dir=$work/torch-fp16/$tag
        "$SPARSERT" compile "$m/$layer.npy" --n "$n" --precision fp16 $options --verify -o "$dir" > "$dir.log" 2>&1
        extra=; [[ $options == *--bias* ]] && extra="--bias $m/${layer}_bias.npy"
        python3 "$repo/examples/torch_spmm.py" "$dir"/*.json --weights "$m/$layer.npy" $extra 2>&1 | tee -a "$work/torch-fp16.log"
      done <<< "dd0 contraction_1x1_0 12544
unrolled0 contraction_1x1_0 12544 --config 1,392,1,v2
dd11 contraction_1x1_11 49 --row-align 128
sim5-bias-relu6 contraction_1x1_5 196 --row-align 128 --config 128,1,1,sim,m128 --bias $m/contraction_1x1_5_bias.npy --relu6"
      run spmm-b1-fp16-a128-s0.9 ${FP16_BENCH_LIMIT:-300} bench --precision fp16 --max-instances 1 --sparsity 0.9 --row-align 128 \
        --problems ${FP16_PROBLEMS:-1,3,6,7,9,10,11,13,17} --output "$work/bench" ;;
    mobilenet)
      m=$SPARSERT_DATA/sparsert-weights/mobilenet
      SPARSERT=$SPARSERT bash "$repo/scripts/mobilenet-compile.sh" "$m" "$work/mobilenet" ${MOBILENET_COMPILE:---tune --verify} \
        > "$work/mobilenet-compile.log" 2>&1; echo "   compile exit $?"
      python3 "$repo/examples/torch_mobilenet.py" --data "$m" --kernels "$work/mobilenet" 2>&1 | tee "$work/mobilenet.log" ;;
    mobilenet16)
      # The same network with fp16 kernels: the sparse network runs in half precision end to end.
      m=$SPARSERT_DATA/sparsert-weights/mobilenet
      SPARSERT=$SPARSERT bash "$repo/scripts/mobilenet-compile.sh" "$m" "$work/mobilenet16" ${MOBILENET_COMPILE:---tune --verify} --precision fp16 \
        > "$work/mobilenet16-compile.log" 2>&1; echo "   compile exit $?"
      python3 "$repo/examples/torch_mobilenet.py" --data "$m" --kernels "$work/mobilenet16" 2>&1 | tee "$work/mobilenet16.log" ;;
    ncuunrolled)
      # Problem 6 at 0.9: N in 1, 2 and 4 tiles (4 tiles ran 2x slower on the H200), capped, and with sim;
      # stall reasons per issued instruction: loads (long scoreboard, LSU throttle), instruction supply, barriers.
      f=rn50/magnitude_pruning/0.9/bottleneck_3_block_group3_1_1.smtx
      s=smsp__average_warps_issue_stalled
      NCU_TUNE_FLAGS="--row-align 128" \
      NCU_METRICS="${s}_long_scoreboard_per_issue_active.ratio,${s}_no_instruction_per_issue_active.ratio,${s}_lg_throttle_per_issue_active.ratio,${s}_barrier_per_issue_active.ratio" \
      NCU_CASES="$f 196 128,1,2;$f 196 256,2,1;$f 196 128,4,1;$f 196 256,4,1;$f 196 256,1,1,m128;$f 196 256,1,1,sim,m128" \
        bash "$repo/scripts/gpu-ncu.sh" "$work" ;;
  esac
done
grep -h "geometric" "$work"/bench/*.md 2>/dev/null
