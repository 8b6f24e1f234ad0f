import CUDADriver
import SparseRT
import SparseRTRuntime

/// Connects the benchmark to the vendor-library baselines.
enum VendorBaselines {
    /// The baseline speedups are quoted against: cuBLAS fp32 for SpMM, cuDNN fp32 for convolutions.
    static func mainName(for spmm: Bool) -> String { spmm ? "cuBLAS fp32" : "cuDNN fp32" }

    /// Times every baseline with `timer`, the one the benchmark times sparsert's kernels with.
    static func timer(_ timer: KernelTimer) -> BaselineTimer {
        BaselineSuite.benchmarkHook(timer: timer)
    }
}
