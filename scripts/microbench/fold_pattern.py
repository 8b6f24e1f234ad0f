#!/usr/bin/env python3
"""Writes a DLMC .smtx with the same shape and row lengths as the input but every row's columns drawn
from the first W columns (W = max(K / FOLD, longest row)): the same kernel work with B's footprint cut to
W rows, so B stays in L1. Tells how much of a tuned kernel's time is L2 traffic for B.
Usage: fold_pattern.py IN.smtx OUT.smtx FOLD"""
import random
import sys

src, dst, fold = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(src) as f:
    m, k, nnz = (int(x) for x in f.readline().split(","))
    offsets = [int(x) for x in f.readline().split()]
lengths = [offsets[i + 1] - offsets[i] for i in range(m)]
window = max(k // fold, max(lengths))
rng = random.Random(7)
columns = []
for length in lengths:
    columns.extend(sorted(rng.sample(range(window), length)))
with open(dst, "w") as f:
    f.write(f"{m}, {k}, {nnz}\n")
    f.write(" ".join(str(x) for x in offsets) + "\n")
    f.write(" ".join(str(x) for x in columns) + "\n")
print(f"{dst}: window {window} of {k} columns, longest row {max(lengths)}")
