#!/usr/bin/env python3
"""Candidates for the aligned-tiles experiment (aligned-tiles-run.sh), one spec a line on stdout.

From a benchmark's tuning record (`<stem>.tuning.json`, every candidate's time), the COUNT fastest unrolled
configs of one instance; the `al` twin of each whose N tiles start mid-line (more than one tile, columns not
a multiple of 32); and for the VARIANTS fastest, `al` configs with 2 and 4 times the tiles, and with
twice the tiles and half the row blocks.

Usage: aligned_twins.py TUNING_JSON PROBLEM SPARSITY INSTANCE N [COUNT] [VARIANTS]
(INSTANCE: the layer's file name without extension, e.g. bottleneck_1_block_group2_1_1.)
"""
import json
import sys


def tile_columns(n, n_blocks, width, aligned):
    unit = 32 if aligned else width
    return (-(-n // n_blocks) + unit - 1) // unit * unit


def parse(spec):
    fields = spec.split(",")
    m, nb, g = (int(x) for x in fields[:3])
    extras = fields[3:]
    width = next((int(x[1:]) for x in extras if x.startswith("v") and x[1:].isdigit()), 1)
    return m, nb, g, width, [x for x in extras if not (x.startswith("v") and x[1:].isdigit()) and x != "al"]


def render(n, m, nb, g, width, extras, aligned):
    if aligned:  # the fewest requested tiles giving the same aligned tile, so twins that plan alike print alike
        tile = tile_columns(n, nb, width, True)
        least = -(-n // tile)
        if tile_columns(n, least, width, True) == tile:
            nb = least
    parts = [str(m), str(nb), str(g)] + ([f"v{width}"] if width != 1 else []) + (["al"] if aligned else [])
    return ",".join(parts + extras)


def main():
    path, problem, sparsity, instance, n = sys.argv[1:6]
    n = int(n)
    count = int(sys.argv[6]) if len(sys.argv) > 6 else 8
    variants = int(sys.argv[7]) if len(sys.argv) > 7 else 3
    record = json.load(open(path))
    prefix = f"problem {problem} (sparsity {sparsity}) "
    key = next(k for k in record if k.startswith(prefix) and k.rsplit("/", 1)[-1].split(".")[0] == instance)
    timed = sorted(
        (c for c in record[key]["candidates"] if c["family"] == "unrolled" and c.get("microseconds")),
        key=lambda c: c["microseconds"])
    fastest = []
    for c in timed:
        if c["spec"] not in fastest:
            fastest.append(c["spec"])
    fastest = fastest[:count]
    out = list(fastest)
    for i, spec in enumerate(fastest):
        m, nb, g, width, extras = parse(spec)
        if nb > 1 and tile_columns(n, nb, width, False) % 32 != 0:
            out.append(render(n, m, nb, g, width, extras, True))
        if i < variants:
            for mm, nn in [(m, nb * 2), (m, nb * 4), (max(1, m // 2), nb * 2)]:
                if tile_columns(n, nn, width, True) < n or nn == 1:
                    out.append(render(n, mm, nn, g, width, extras, True))
    seen = set()
    for spec in out:
        if spec not in seen:
            seen.add(spec)
            print(spec)


if __name__ == "__main__":
    main()
