#!/usr/bin/env python3
"""Writes a DLMC .smtx keeping a random FRACTION of every row's nonzeros (at least one): the same shape,
grid and kernel config with less work, so timings over fractions separate a kernel's fixed cost (launch,
first round trips, reduction, C store) from its cost per nonzero.
Usage: thin_pattern.py IN.smtx OUT.smtx FRACTION"""
import random
import sys

src, dst, fraction = sys.argv[1], sys.argv[2], float(sys.argv[3])
with open(src) as f:
    m, k, nnz = (int(x) for x in f.readline().split(","))
    offsets = [int(x) for x in f.readline().split()]
    columns = [int(x) for x in f.readline().split()]
rng = random.Random(11)
kept, new_offsets = [], [0]
for i in range(m):
    row = columns[offsets[i]:offsets[i + 1]]
    take = max(1, round(len(row) * fraction)) if row else 0
    kept.extend(sorted(rng.sample(row, take)))
    new_offsets.append(len(kept))
with open(dst, "w") as f:
    f.write(f"{m}, {k}, {len(kept)}\n")
    f.write(" ".join(str(x) for x in new_offsets) + "\n")
    f.write(" ".join(str(x) for x in kept) + "\n")
print(f"{dst}: {len(kept)} of {nnz} nonzeros")
