#!/usr/bin/env python3
"""Writes the synthetic and sliced .smtx layers of the H100 experiments into scripts/explore-data/ (not
committed: generate them, then run `sparsert tune FILE --n 49 --candidates ...` on them). Usage:
    python3 scripts/make-explore-data.py [DATA_DIR]   (default ../shared/data)

- syn-mM-kK-rR.smtx: M x K with R nonzeros per row at uniform random columns (seed 5): per-row and
  per-block fixed costs of the data-driven kernel apart from row-length skew.
- syn-m2048-k512-r51-c64/c128.smtx: 51 nonzeros per row drawn from only the first 64 or 128 columns, so
  B's working set at N = 256 is 64 or 128 KB (L1-resident) instead of 512 KB: is the N = 256 kernel bound
  by B's traffic from L2?
- p9-90-k0/k1.smtx: Table 1 problem 9 at 0.9 cut into its two K halves (columns 0-255, 256-511): does a
  B tile that fits L1 make each half more than twice as fast?
"""
import os, random, sys

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "explore-data")
data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "shared", "data")
os.makedirs(out, exist_ok=True)

def write(name, m, k, offsets, columns):
    with open(os.path.join(out, name), "w") as f:
        f.write(f"{m}, {k}, {len(columns)}\n{' '.join(map(str, offsets))}\n{' '.join(map(str, columns))}\n")

random.seed(5)
for m, k, per in [(2048, 512, 1), (2048, 512, 4), (2048, 512, 13), (2048, 512, 26), (2048, 512, 51),
                  (512, 512, 51), (1024, 512, 51), (4096, 512, 13)]:
    offsets, columns = [0], []
    for _ in range(m):
        columns += sorted(random.sample(range(k), per))
        offsets.append(len(columns))
    write(f"syn-m{m}-k{k}-r{per}.smtx", m, k, offsets, columns)

for span in (64, 128):
    offsets, columns = [0], []
    for _ in range(2048):
        columns += sorted(random.sample(range(span), 51))
        offsets.append(len(columns))
    write(f"syn-m2048-k512-r51-c{span}.smtx", 2048, 512, offsets, columns)

source = os.path.join(data, "dlmc/transformer/magnitude_pruning/0.9/body_decoder_layer_0_ffn_conv1_fully_connected.smtx")
lines = open(source).read().split("\n")
m, k, _ = (int(x) for x in lines[0].split(","))
row_offsets = [int(x) for x in lines[1].split()]
all_columns = [int(x) for x in lines[2].split()]
for half, (lo, hi) in enumerate([(0, k // 2), (k // 2, k)]):
    offsets, columns = [0], []
    for r in range(m):
        columns += [c - lo for c in all_columns[row_offsets[r]:row_offsets[r + 1]] if lo <= c < hi]
        offsets.append(len(columns))
    write(f"p9-90-k{half}.smtx", m, hi - lo, offsets, columns)
