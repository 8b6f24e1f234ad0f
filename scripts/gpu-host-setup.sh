#!/usr/bin/env bash
# On a GPU host without Swift: unpacks the carried sparsert binary and data (see docs in README,
# "Running on a GPU host"). Prints the binary's path. Usage: source <(scripts/gpu-host-setup.sh DIR)
set -euo pipefail
carry=${1:-.carry/lead}
mkdir -p /tmp/sparsert
# Always unpacked again: a host may keep /tmp, with a binary from an earlier carry, between sessions.
xz -dc "$carry/sparsert.xz" > /tmp/sparsert/sparsert.new && chmod +x /tmp/sparsert/sparsert.new
mv -f /tmp/sparsert/sparsert.new /tmp/sparsert/sparsert
if [ -f "$carry/data.tar.xz" ] && [ ! -d /tmp/sparsert/data ]; then
  xz -dc "$carry/data.tar.xz" | tar xf - -C /tmp/sparsert
fi
echo "export SPARSERT=/tmp/sparsert/sparsert SPARSERT_DATA=/tmp/sparsert/data"
