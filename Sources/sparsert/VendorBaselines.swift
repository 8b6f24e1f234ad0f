import CUDADriver
import SparseRT
import SparseRTRuntime

/// Connects the benchmark to the vendor-library baselines.
enum VendorBaselines {
    /// The baseline speedups are quoted against: cuBLAS (SpMM) or cuDNN (convolutions) in the precision of
    /// sparsert's operands, fp32 or fp16 (on tensor cores).
    static func mainName(for spmm: Bool, precision: Precision = .fp32) -> String {
        (spmm ? "cuBLAS " : "cuDNN ") + precision.rawValue
    }

    /// Times every baseline with `timer`, the one the benchmark times sparsert's kernels with.
    static func timer(_ timer: KernelTimer) -> BaselineTimer {
        BaselineSuite.benchmarkHook(timer: timer)
    }
}
