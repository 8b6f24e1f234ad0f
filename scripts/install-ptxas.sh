#!/usr/bin/env bash
# Installs ptxas from the PyPI wheel nvidia-cuda-nvcc==13.0.88 (the CUDA of the GPU host) into .tools/,
# which git ignores. Tests use it to assemble generated PTX for sm_90 and read registers and spills.
# Idempotent; prints the ptxas path. No GPU needed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/.tools/cuda-nvcc"
ptxas=$(find "$dest" -type f -name ptxas 2>/dev/null | head -n 1 || true)
if [ -z "$ptxas" ]; then
  mkdir -p "$dest"
  python3 -m pip install --quiet --disable-pip-version-check --no-deps --target "$dest" nvidia-cuda-nvcc==13.0.88 >&2
  ptxas=$(find "$dest" -type f -name ptxas | head -n 1)
fi
[ -x "$ptxas" ] || chmod +x "$ptxas"
"$ptxas" --version >/dev/null
echo "$ptxas"
