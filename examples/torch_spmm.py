#!/usr/bin/env python3
"""Calls a kernel written by `sparsert compile` on PyTorch CUDA tensors, through the CUDA driver API.

    python3 examples/torch_spmm.py OUT/<kernel>.json [--weights A.npy [--bias BIAS.npy]] [--runs 200]

The kernel's PTX is loaded with cuModuleLoadData into the context PyTorch uses, its weight buffers (data-driven
kernels) are uploaded once, and each call launches it on PyTorch's current stream with B and C as torch
tensors. Given the weights as an .npy file (which holds their values; DLMC .smtx patterns get theirs drawn by
sparsert), C is checked against A @ B computed in float64 by torch (plus the epilogue of a kernel compiled with
`--bias`, `--relu`, `--relu6` or `--cap`), with C filled with NaN before the launch so an unwritten output
shows. Kernels compiled with `--precision fp16` take B and return C as torch.float16 tensors (accumulating in
float32, with float32 weights); the others use torch.float32. Matrix products (`problem.kind` "spmm") only.
"""
import argparse
import ctypes
import json
import os

import numpy as np
import torch

CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8


def driver():
    """libcuda, initialized (the same library PyTorch's runtime uses)."""
    cuda = ctypes.CDLL(os.environ.get("SPARSERT_LIBCUDA", "libcuda.so.1"))
    check(cuda, cuda.cuInit(0), "cuInit")
    return cuda


def check(cuda, result, what):
    if result != 0:
        name = ctypes.c_char_p()
        cuda.cuGetErrorName(result, ctypes.byref(name))
        raise RuntimeError(f"{what} failed: {name.value.decode() if name.value else result}")


class SparseKernel:
    """One kernel from `sparsert compile`, loaded on the current CUDA device: `kernel(b)` returns C = A B."""

    def __init__(self, manifest_path, device=None):
        with open(manifest_path) as f:
            self.manifest = json.load(f)
        problem = self.manifest["problem"]
        if problem["kind"] != "spmm":
            raise ValueError(f"{manifest_path}: a {problem['kind']} kernel; this example runs matrix products")
        self.m, self.k, self.n = problem["m"], problem["k"], problem["n"]
        self.b_stride, self.c_stride = problem["bRowStride"], problem["cRowStride"]
        # B and C's element type: IEEE half for fp16 kernels, float otherwise (manifests without the key are fp32).
        self.precision = problem.get("precision", "fp32")
        dtypes = {"fp32": torch.float32, "fp16": torch.float16}
        if self.precision not in dtypes:
            raise ValueError(f"{manifest_path}: unknown precision {self.precision!r}")
        self.dtype = dtypes[self.precision]
        self.dtype_name = str(self.dtype).replace("torch.", "")
        # The steps the kernel applies after the product, in order: "bias", "relu", "cap X" (min(x, X)).
        self.epilogue = problem.get("epilogue") or ""
        self.steps = [step.strip() for step in self.epilogue.split(",") if step.strip()]
        self.device = torch.device(device or "cuda")
        if self.device.index is None:
            self.device = torch.device("cuda", torch.cuda.current_device())
        torch.zeros(1, device=self.device)  # makes PyTorch's context current on this thread
        self.cuda = driver()
        folder = os.path.dirname(os.path.abspath(manifest_path))
        with open(os.path.join(folder, self.manifest["ptxFile"]), "rb") as f:
            ptx = f.read() + b"\0"
        self.module = ctypes.c_void_p()
        check(self.cuda, self.cuda.cuModuleLoadData(ctypes.byref(self.module), ptx), "cuModuleLoadData")
        self.function = ctypes.c_void_p()
        name = self.manifest["kernelName"].encode()
        check(self.cuda, self.cuda.cuModuleGetFunction(ctypes.byref(self.function), self.module, name), "cuModuleGetFunction")
        self.shared = self.manifest["dynamicSharedMemoryBytes"]
        if self.shared > 48 * 1024:
            check(self.cuda, self.cuda.cuFuncSetAttribute(
                self.function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, self.shared), "cuFuncSetAttribute")
        # Weight buffers: the .bin file's 32-bit words, split in order.
        self.weights = []
        if self.manifest.get("weightBufferFile"):
            words = np.fromfile(os.path.join(folder, self.manifest["weightBufferFile"]), dtype=np.int32)
            start = 0
            for count in self.manifest["weightBufferWords"]:
                self.weights.append(torch.from_numpy(words[start:start + count].copy()).to(self.device))
                start += count
            if start != words.size:
                raise ValueError(f"{self.manifest['weightBufferFile']}: {words.size} words, the manifest lists {start}")

    def empty_output(self):
        """C as the kernel writes it: M rows of N elements of `dtype`, `cRowStride` apart."""
        return torch.empty((self.m, self.c_stride), dtype=self.dtype, device=self.device)[:, : self.n]

    def __call__(self, b, c=None):
        """C = A B for B a K x N tensor of `dtype` on the device whose rows are `bRowStride` elements apart."""
        if b.dtype != self.dtype or b.device != self.device or tuple(b.shape) != (self.k, self.n):
            raise ValueError(f"B must be {self.dtype_name} {self.k} x {self.n} on {self.device}, not {b.dtype} {tuple(b.shape)} on {b.device}")
        if b.stride() != (self.b_stride, 1):
            raise ValueError(f"B's rows must be {self.b_stride} elements apart (strides {b.stride()})")
        c = self.empty_output() if c is None else c
        if c.dtype != self.dtype or c.device != self.device:
            raise ValueError(f"C must be {self.dtype_name} on {self.device}, not {c.dtype} on {c.device}")
        if c.stride() != (self.c_stride, 1) or tuple(c.shape) != (self.m, self.n):
            raise ValueError(f"C must be {self.m} x {self.n} with rows {self.c_stride} elements apart")
        pointers = [ctypes.c_uint64(t.data_ptr()) for t in self.weights + [b, c]]
        args = (ctypes.c_void_p * len(pointers))(*[ctypes.addressof(p) for p in pointers])
        grid, block = self.manifest["grid"], self.manifest["block"]
        stream = ctypes.c_void_p(torch.cuda.current_stream(self.device).cuda_stream)
        check(self.cuda, self.cuda.cuLaunchKernel(
            self.function, grid[0], grid[1], grid[2], block[0], block[1], block[2],
            self.shared, stream, args, None), "cuLaunchKernel")
        return c


def padded(rows, columns, stride, device, dtype=torch.float32):
    """A rows x columns tensor of `dtype` whose rows are `stride` elements apart, filled from N(0, 1)."""
    storage = torch.randn((rows, stride), dtype=dtype, device=device)
    return storage[:, :columns]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("manifest", help="the .json file `sparsert compile` wrote")
    parser.add_argument("--weights", help="the weights as .npy (M x K), to check C against torch's A @ B")
    parser.add_argument("--bias", help="the bias as .npy (M values), for a kernel compiled with --bias")
    parser.add_argument("--runs", type=int, default=200, help="launches timed between two CUDA events")
    args = parser.parse_args()

    kernel = SparseKernel(args.manifest)
    torch.manual_seed(0)
    b = padded(kernel.k, kernel.n, kernel.b_stride, kernel.device, kernel.dtype)
    c = kernel.empty_output()
    c.fill_(float("nan"))  # a NaN of C's dtype (half NaN for fp16), in place so C keeps its row stride
    kernel(b, c)
    torch.cuda.synchronize()
    print(f"device:  {torch.cuda.get_device_name(kernel.device)}, torch {torch.__version__}")
    print(f"kernel:  {kernel.manifest['kernelName']} ({kernel.manifest['config']}; epilogue: {kernel.epilogue or 'none'})")
    if args.weights:
        a = np.load(args.weights)
        if kernel.precision == "fp16":
            a = a.astype(np.float32)  # the kernel's weights are float32 values; B is the half B passed in
        a = torch.from_numpy(a.astype(np.float64)).to(kernel.device)
        if tuple(a.shape) != (kernel.m, kernel.k):
            raise SystemExit(f"error: {args.weights} is {tuple(a.shape)}, the kernel was compiled for {kernel.m} x {kernel.k}")
        reference = a @ b.double()
        if "bias" in kernel.steps:
            if not args.bias:
                raise SystemExit("error: the kernel adds a bias; give the same file with --bias")
            reference += torch.from_numpy(np.load(args.bias).astype(np.float64).reshape(-1, 1)).to(kernel.device)
        if "relu" in kernel.steps:
            reference = reference.clamp_min(0)
        for step in kernel.steps:
            if step.startswith("cap "):
                reference = reference.clamp_max(float(step[4:]))
        unwritten = int(torch.isnan(c).sum())
        error = float(((c.double() - reference).abs().max() / reference.abs().max().clamp_min(1e-30)))
        # fp16: each output is rounded to a half once; allow two half ulps (1e-3) of max |C|.
        passed = unwritten == 0 and error <= (1e-3 if kernel.precision == "fp16" else 1e-4)
        print(f"check:   {'PASS' if passed else 'FAIL'} ({kernel.precision}): max error {error:.2e} of max |C|, {unwritten} unwritten outputs")
        if not passed:
            raise SystemExit(1)
    # Timing: CUDA events around `runs` launches on PyTorch's stream, after a warm-up.
    for _ in range(20):
        kernel(b, c)
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    times = []
    for _ in range(7):
        start.record()
        for _ in range(args.runs):
            kernel(b, c)
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end) * 1000 / args.runs)
    print(f"time:    {sorted(times)[3]:.2f} us per launch (median of 7 x {args.runs} launches from Python, "
          f"not a CUDA graph: includes the launch overhead)")


if __name__ == "__main__":
    main()
