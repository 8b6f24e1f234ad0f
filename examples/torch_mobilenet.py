#!/usr/bin/env python3
"""MobileNetV1 at batch 1 with its pruned 1x1 convolutions run by sparsert kernels, against the same network
in dense PyTorch, checked and timed in one process.

    bash scripts/mobilenet-compile.sh DATA/mobilenet OUT [--tune] [--precision fp16]
    python3 examples/torch_mobilenet.py --data DATA/mobilenet --kernels OUT

DATA/mobilenet holds the SparseRT authors' pruned MobileNetV1 (`contraction_1x1_{i}.npy`, 90% sparse, with
`_bias.npy`; dense depthwise 3x3 filters `depthwise_nxn_{i}.npy` with biases; `final_dense_kernel.npy`;
`input_image.npy`, the activation after the first convolution). Its last 1x1 layer (1024 x 1024) is missing
there; `scripts/mobilenet-compile.sh` writes a synthetic 90% one into OUT, which this script reads.

The network: 13 blocks of a depthwise 3x3 convolution (strides 1,2,1,2,1,2,1,1,1,1,1,2,1) + bias + ReLU and a
1x1 convolution + bias + ReLU, then global average pooling and the dense classifier. Every block uses ReLU
(sparsert fuses ReLU, not ReLU6), on both sides alike. Three versions of it run on the GPU:
- dense fp32: PyTorch's convolutions (cuDNN), TF32 off;
- dense fp16: the same in half precision (tensor cores), for context;
- sparse fp32: the 1x1 layers by the sparsert kernels in OUT/pw{i} (bias and ReLU fused), the rest as dense.
  With kernels from `bash scripts/mobilenet-compile.sh DATA OUT --precision fp16` (read from their manifests;
  all 13 must agree) it is sparse fp16 instead: the network in half precision as dense fp16, the 1x1 layers by
  the fp16 kernels (half B and C, float32 weights, bias and accumulation), checked with dense fp16's tolerance
  and compared with dense fp16 first.
Each is checked against the network computed in float64 on the CPU, then captured into one CUDA graph and
timed (median of 21 timings of R replays between two CUDA events, after a warm-up); the 1x1 layers are also
timed alone, each in its own graph, against the dense ones of the sparse version's precision. With
`--device cpu` only the dense network runs, against float64 (a check of the network itself, and of the sparse
path's reshapes with torch's products for the kernels; no GPU needed).
"""
import argparse
import datetime
import glob
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

STRIDES = [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1]


class Weights:
    """The network's parameters as float64 tensors on the CPU."""

    def __init__(self, data, extra=None):
        folders = [data] + ([extra] if extra else [])

        def load(name):
            for folder in folders:
                path = os.path.join(folder, name + ".npy")
                if os.path.exists(path):
                    return torch.from_numpy(np.load(path).astype(np.float64))
            hint = "" if extra else " (layer 12's stand-in: give --kernels, the folder scripts/mobilenet-compile.sh wrote)"
            raise SystemExit(f"error: {name}.npy is not in {' nor '.join(folders)}{hint}")

        self.input = load("input_image")
        self.depthwise = [(load(f"depthwise_nxn_{i}"), load(f"depthwise_nxn_{i}_bias")) for i in range(13)]
        self.pointwise = [(load(f"contraction_1x1_{i}"), load(f"contraction_1x1_{i}_bias")) for i in range(13)]
        self.classifier = (load("final_dense_kernel"), load("final_dense_bias"))
        channels = self.input.shape[0]
        for i, ((filters, _), (a, _)) in enumerate(zip(self.depthwise, self.pointwise)):
            if filters.shape != (channels, 1, 3, 3) or a.shape[1] != channels:
                raise SystemExit(f"error: block {i}: depthwise {tuple(filters.shape)} and 1x1 {tuple(a.shape)} do not "
                                 f"follow {channels} channels")
            channels = a.shape[0]

    def to(self, device, dtype):
        """A copy of the parameters as `dtype` on `device`, each 1x1 weight shaped as a convolution filter."""
        copy = Weights.__new__(Weights)
        move = lambda t: t.to(device=device, dtype=dtype)
        copy.input = move(self.input)
        copy.depthwise = [(move(f), move(b)) for f, b in self.depthwise]
        copy.pointwise = [(move(a)[:, :, None, None], move(b)) for a, b in self.pointwise]
        copy.classifier = tuple(move(t) for t in self.classifier)
        return copy


def forward(weights, pointwise):
    """The network on `weights.input`; `pointwise(i, x)` computes block i's 1x1 layer with its bias and ReLU.
    Returns the last feature map and the logits."""
    x = weights.input[None]
    for i, (filters, bias) in enumerate(weights.depthwise):
        x = F.relu(F.conv2d(x, filters, bias, stride=STRIDES[i], padding=1, groups=x.shape[1]))
        x = pointwise(i, x)
    logits = F.linear(x.mean((2, 3)), *weights.classifier)
    return x, logits


def dense_pointwise(weights):
    return lambda i, x: F.relu(F.conv2d(x, *weights.pointwise[i]))


def pointwise_inputs(weights):
    """The inputs of the 1x1 layers, (1, K, H, W) each, in the dense network on `weights`."""
    inputs, dense = [], dense_pointwise(weights)

    def record(i, x):
        inputs.append(x)
        return dense(i, x)

    forward(weights, record)
    return inputs


def sparse_pointwise(kernels, poison=False):
    """Block i's 1x1 layer by its sparsert kernel: the feature map (1, K, H, W) is B, K x HW; C is M x HW. With
    `poison`, C is filled with NaN before the launch, so an output the kernel does not write shows."""
    def run(i, x):
        _, k, h, w = x.shape
        c = None
        if poison:
            c = kernels[i].empty_output()
            c.fill_(float("nan"))
        return kernels[i](x.reshape(k, h * w), c).view(1, -1, h, w)
    return run


class StandIn:
    """What `SparseKernel` does, C = relu(A B + bias) into a given or new M x N tensor, by torch on the CPU."""

    def __init__(self, a, bias, n):
        self.a, self.bias, self.n = a, bias, n

    def empty_output(self):
        return torch.empty((self.a.shape[0], self.n), dtype=self.a.dtype)

    def __call__(self, b, c=None):
        c = self.empty_output() if c is None else c
        c.copy_(F.relu(self.a @ b + self.bias[:, None]))
        return c


def relative_error(value, reference):
    return float((value.double().cpu() - reference).abs().max() / reference.abs().max())


def graph_time(function, replays, repetitions=21):
    """Microseconds per run of `function`, captured into one CUDA graph of `replays` runs, median of
    `repetitions` timings between two CUDA events after a warm-up."""
    stream = torch.cuda.Stream()
    stream.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(stream):
        for _ in range(3):
            function()
    torch.cuda.current_stream().wait_stream(stream)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        for _ in range(replays):
            function()
    for _ in range(3):
        graph.replay()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    times = []
    for _ in range(repetitions):
        start.record()
        graph.replay()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end) * 1000 / replays)
    return sorted(times)[repetitions // 2]


def load_kernels(folder, weights):
    from torch_spmm import SparseKernel

    kernels = []
    for i, (a, _) in enumerate(weights.pointwise):
        manifests = glob.glob(os.path.join(folder, f"pw{i}", "*.json"))
        if len(manifests) != 1:
            raise SystemExit(f"error: {folder}/pw{i} holds {len(manifests)} manifests, expected one "
                             f"(scripts/mobilenet-compile.sh writes them)")
        kernel = SparseKernel(manifests[0])
        if (kernel.m, kernel.k) != tuple(a.shape) or kernel.epilogue != "bias, relu":
            raise SystemExit(f"error: {manifests[0]}: a {kernel.m} x {kernel.k} kernel with epilogue "
                             f"'{kernel.epilogue}', block {i} needs {tuple(a.shape)} with bias and ReLU")
        kernels.append(kernel)
    precisions = sorted({kernel.precision for kernel in kernels})
    if len(precisions) > 1:
        groups = "; ".join(f"{p}: " + ", ".join(os.path.join(folder, f"pw{i}") for i, kernel in enumerate(kernels)
                                                 if kernel.precision == p) for p in precisions)
        raise SystemExit(f"error: the kernels mix precisions ({groups}); compile all 13 with the same --precision")
    return kernels


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="the MobileNet weights folder")
    parser.add_argument("--kernels", help="the folder scripts/mobilenet-compile.sh wrote (kernels and the synthetic layer)")
    parser.add_argument("--device", default="cuda", help="cuda (default), or cpu to check the dense network only")
    parser.add_argument("--replays", type=int, default=20, help="networks per CUDA graph when timing")
    args = parser.parse_args()

    weights = Weights(args.data, args.kernels)
    exact = weights.to("cpu", torch.float64)
    reference_map, reference_logits = forward(exact, dense_pointwise(exact))
    where = torch.cuda.get_device_name() if args.device == "cuda" else "cpu"
    print(f"run:     {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%dT%H:%M:%SZ} on {where}, torch {torch.__version__}")
    print(f"network: MobileNetV1, batch 1, input {tuple(weights.input.shape)}; 1x1 layers "
          + ", ".join(f"{a.shape[0]}x{a.shape[1]} ({float((a == 0).double().mean()):.0%} zero)" for a, _ in weights.pointwise))

    def report(name, result, tolerance):
        feature_map, logits = result
        errors = relative_error(feature_map, reference_map), relative_error(logits, reference_logits)
        passed = max(errors) <= tolerance and not any(bool(torch.isnan(t).any()) for t in result)
        print(f"check:   {name}: {'PASS' if passed else 'FAIL'}: max error {errors[0]:.2e} (last feature map), "
              f"{errors[1]:.2e} (logits) of the float64 network's max |value|, tolerance {tolerance:.0e}")
        return passed

    if args.device == "cpu":
        dense = weights.to("cpu", torch.float32)
        # The sparse path's reshapes and poisoned outputs, with torch's products standing in for the kernels.
        sizes = [x.shape[2] * x.shape[3] for x in pointwise_inputs(dense)]
        stand_ins = [StandIn(a[:, :, 0, 0], bias, n) for (a, bias), n in zip(dense.pointwise, sizes)]
        results = [report("dense fp32 on the CPU", forward(dense, dense_pointwise(dense)), 1e-4),
                   report("1x1 layers as matrix products on the CPU",
                          forward(dense, sparse_pointwise(stand_ins, poison=True)), 1e-4)]
        sys.exit(0 if all(results) else 1)

    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    if not args.kernels:
        raise SystemExit("error: give --kernels, the folder scripts/mobilenet-compile.sh wrote")
    dense = weights.to(args.device, torch.float32)
    half = weights.to(args.device, torch.float16)
    kernels = load_kernels(args.kernels, weights)
    # fp16 kernels: the sparse network in half precision, checked and compared as dense fp16 (fp32: as dense fp32).
    precision = kernels[0].precision
    sparse, base = f"sparse {precision}", f"dense {precision}"
    net, tolerance = (half, 1e-2) if precision == "fp16" else (dense, 1e-4)
    others = [name for name in ("dense fp32", "dense fp16") if name != base]
    # Checked first, on NaN-filled outputs, so that no stale memory can pass for an output.
    passed = report(sparse, forward(net, sparse_pointwise(kernels, poison=True)), tolerance)
    passed = report("dense fp32", forward(dense, dense_pointwise(dense)), 1e-4) and passed
    report("dense fp16 (context, not required)", forward(half, dense_pointwise(half)), 1e-2)
    networks = {
        "dense fp32": lambda: forward(dense, dense_pointwise(dense)),
        "dense fp16": lambda: forward(half, dense_pointwise(half)),
        sparse: lambda: forward(net, sparse_pointwise(kernels)),
    }
    for kernel in kernels:
        print(f"kernel:  {kernel.manifest['kernelName']} ({kernel.manifest['config']})")

    times = {name: graph_time(run, args.replays) for name, run in networks.items()}
    print(f"time:    whole network, one CUDA graph of {args.replays} networks, median of 21: "
          + ", ".join(f"{name} {t:.1f} us" for name, t in times.items())
          + f"; {sparse} " + ", ".join(f"{times[name] / times[sparse]:.2f}x {name}" for name in [base] + others))
    # The 1x1 layers alone, on their inputs from the dense fp32 network (rounded to half for the fp16 versions).
    inputs = pointwise_inputs(dense)
    totals = {"dense fp32": 0.0, "dense fp16": 0.0, sparse: 0.0}
    for i, x in enumerate(inputs):
        h = x.half()
        layer = {
            "dense fp32": lambda: dense_pointwise(dense)(i, x),
            "dense fp16": lambda: dense_pointwise(half)(i, h),
            sparse: lambda: sparse_pointwise(kernels)(i, h if precision == "fp16" else x),
        }
        row = {name: graph_time(run, 10 * args.replays) for name, run in layer.items()}
        for name in totals:
            totals[name] += row[name]
        a = weights.pointwise[i][0]
        print(f"layer:   1x1 {i:2d} ({a.shape[0]}x{a.shape[1]}, N={x.shape[2] * x.shape[3]}): "
              + ", ".join(f"{name} {t:.2f} us" for name, t in row.items())
              + f"; {row[base] / row[sparse]:.2f}x {base}")
    print("time:    1x1 layers alone, summed: " + ", ".join(f"{name} {t:.1f} us" for name, t in totals.items())
          + f"; {sparse} {totals[base] / totals[sparse]:.2f}x {base}")
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
