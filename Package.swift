// swift-tools-version: 6.0
// sparsert: a compiler and runtime for unstructured-sparse neural-network layers on NVIDIA GPUs.
//
// The pipeline, one module per stage, GPU-free up to the driver:
//   Float16Bits      IEEE half and bfloat16 bit conversions, the same on every platform
//   SparseFormats    weight files -> CSR matrix (readers, writers, statistics, pruning)
//   SparseReference  float64 CPU oracle (SpMM, direct convolution)
//   KernelIR         a small typed register IR, its PTX renderer and its CPU interpreter
//   SparseCompiler   problem -> plan (tiling, load balancing) -> kernel IR -> manifest
//   SparseRT         the GPU-free library users import (re-exports the stages above)
//   CUDADriver       the CUDA driver API bound at run time with dlopen (no CUDA at build time)
//   SparseRTRuntime  loads, launches, verifies and times compiled kernels; vendor baselines
//   sparsert         the command-line tool
import PackageDescription

let package = Package(
    name: "sparsert",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "SparseRT", targets: ["SparseRT"]),
        .library(name: "SparseRTRuntime", targets: ["SparseRTRuntime"]),
        .executable(name: "sparsert", targets: ["sparsert"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // GPU-free stages.
        .target(name: "Float16Bits"),
        .target(name: "SparseFormats", dependencies: ["Float16Bits"]),
        .target(name: "SparseReference", dependencies: ["SparseFormats"]),
        .target(name: "KernelIR", dependencies: ["Float16Bits"]),
        .target(name: "SparseCompiler", dependencies: ["Float16Bits", "SparseFormats", "SparseReference", "KernelIR"]),
        .target(
            name: "SparseRT",
            dependencies: ["Float16Bits", "SparseFormats", "SparseReference", "KernelIR", "SparseCompiler"]),

        // GPU stages: bound at run time, so they build anywhere.
        .target(name: "CUDADriver"),
        .target(name: "SparseRTRuntime", dependencies: ["SparseRT", "CUDADriver", "Float16Bits"]),

        // The command-line tool.
        .executableTarget(
            name: "sparsert",
            dependencies: [
                "SparseRT", "SparseRTRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Test support and tests.
        .target(name: "SparseRTTestSupport", dependencies: ["SparseRT"]),
        .testTarget(name: "SparseFormatsTests", dependencies: ["Float16Bits", "SparseFormats", "SparseReference", "SparseRTTestSupport"]),
        .testTarget(name: "KernelIRTests", dependencies: ["KernelIR", "SparseRTTestSupport"]),
        .testTarget(name: "SparseCompilerTests", dependencies: ["SparseRT", "SparseRTTestSupport"]),
        .testTarget(name: "CUDADriverTests", dependencies: ["Float16Bits", "CUDADriver", "SparseRTRuntime", "SparseRTTestSupport"]),
        .testTarget(name: "sparsertTests", dependencies: ["sparsert", "SparseRTTestSupport"]),
    ]
)
