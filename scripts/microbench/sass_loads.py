#!/usr/bin/env python3
"""B loads an unrolled kernel keeps in flight, read from its SASS (no GPU needed).

Usage: sass_loads.py NVDISASM CUBIN
Prints, over the kernel's straight-line paths (split at EXIT), the median and largest number of global
loads (LDG) issued before the path's first FMA: the depth of the window ptxas keeps in flight, since it
then issues one load per FMA burst. nvdisasm comes with the CUDA toolkit (or the nvidia-cuda-nvdisasm wheel).
"""
import re
import statistics
import subprocess
import sys

nvdisasm, cubin = sys.argv[1], sys.argv[2]
sass = subprocess.run([nvdisasm, "-c", cubin], check=True, capture_output=True, text=True).stdout
ops = re.findall(r"\*/\s+(?:@!?U?P\w+\s+)?([A-Z][A-Z0-9]*)", sass)
depths, depth, seen_fma = [], 0, False
for op in ops:
    if op == "EXIT":
        if depth:
            depths.append(depth)
        depth, seen_fma = 0, False
    elif op == "LDG" and not seen_fma:
        depth += 1
    elif op == "FFMA" and depth:
        seen_fma = True
if depths:
    print(f"paths {len(depths)}  loads before the first FMA: median {statistics.median(depths):.0f}, max {max(depths)}")
else:
    print("no path with global loads")
