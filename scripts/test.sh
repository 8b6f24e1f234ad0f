#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs ptxas (PyPI wheel nvidia-cuda-nvcc==13.0.88) into .tools/
# so the tests can assemble generated PTX for sm_90, then runs `swift test`. No GPU needed: GPU tests
# report themselves skipped with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."
SPARSERT_PTXAS=$(scripts/install-ptxas.sh)
export SPARSERT_PTXAS
swift test 2>&1
