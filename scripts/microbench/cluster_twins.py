"""Reads a tuner list (`sparsert tune --list`) on stdin and prints it followed by cluster-split twins of
its data-driven configs with a K split: for Q = 2, 4, 8 dividing the split P, the same threads per block
with P / Q parts and Q times the rows (`qQ`), and for P / Q = 1 also twice those rows; parts by row length,
dealt blocks, part lengths and interleaving are dropped where one part per row is left."""
import sys

lines = [line.strip() for line in sys.stdin if line.strip()]
seen = set(lines)
twins = []
for line in lines:
    if not line.startswith("dd:"):
        continue
    fields = dict((f[0], f[1:]) for f in line[3:].split(","))
    if "s" in fields or int(fields.get("k", "1")) < 2:
        continue
    p, r, t = int(fields["k"]), int(fields["r"]), int(fields["w"])
    for q in (2, 4, 8):
        if p % q:
            continue
        for scale in ((1, 2) if p // q == 1 else (1,)):
            twin = dict(fields)
            twin["k"], twin["r"], twin["q"] = str(p // q), str(r * q * scale), str(q)
            if p // q < 2:
                for key in "beli":
                    twin.pop(key, None)
            if int(twin["r"]) * int(twin["k"]) * t > 1024:
                continue
            text = "dd:" + ",".join(k + v for k, v in twin.items())
            if text not in seen:
                seen.add(text)
                twins.append(text)
print("\n".join(lines + twins))
