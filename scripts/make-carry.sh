#!/usr/bin/env bash
# Builds the self-contained release binary and packs it, with the data suites, into .carry/lead/ (git
# ignores .carry/) for a GPU host without Swift: pass `.carry/lead` in the device tool's `carry`, then run
# scripts/gpu-host-setup.sh there. DATA defaults to ../shared/data.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${DATA:-../shared/data}
mkdir -p .carry/lead
# A clean build: incremental static release builds have produced binaries with corrupted memory.
rm -rf .build-release
swift build -c release --static-swift-stdlib --scratch-path .build-release
strip -o .carry/lead/sparsert .build-release/release/sparsert
# -9e: the working tree and the carry together must stay under the device tool's 64 MiB.
xz -T0 -9e -f .carry/lead/sparsert
if [ ! -f .carry/lead/data.tar.xz ]; then
  tar cf - -C "$data/.." data/dlmc/rn50_batchsizes.txt \
    data/dlmc/rn50/magnitude_pruning/0.9 data/dlmc/rn50/magnitude_pruning/0.95 \
    data/dlmc/transformer/magnitude_pruning/0.9 data/dlmc/transformer/magnitude_pruning/0.95 \
    data/sparsert-weights/mobilenet data/sparsert-weights/rn50_3x3 | xz -T0 -6 > .carry/lead/data.tar.xz
fi
git rev-parse --short HEAD > .carry/lead/commit
ls -la .carry/lead
# The device tool copies the working tree (tracked and untracked-not-ignored files) and the carry, 64 MiB at most.
tree=$(git ls-files -z --cached --others --exclude-standard | xargs -0 cat 2>/dev/null | wc -c)
carried=$(cat .carry/lead/* | wc -c)
echo "working tree $((tree / 1048576)) MiB + carry $((carried / 1048576)) MiB of the device's 64 MiB"
[ $((tree + carried)) -le $((64 * 1048576)) ] || echo "warning: over 64 MiB; the device tool will refuse this carry" >&2
