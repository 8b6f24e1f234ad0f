import CUDADriver
import SparseRT

/// The element type a baseline's operands and result are held in: the same ``Precision`` sparsert's kernels
/// take (fp32 strict, no TF32; fp16 with fp32 accumulation, on tensor cores where the library chooses them).
public typealias BaselinePrecision = Precision

extension Precision {
    /// A baseline's max-relative-error tolerance against the float64 reference: 1e-4 for fp32, 1e-2 for fp16
    /// (whose operands, A included, are rounded to 11 significant bits and whose result is rounded again).
    public var baselineTolerance: Double {
        switch self {
        case .fp32: return 1e-4
        case .fp16: return 1e-2
        }
    }
}

/// A vendor library computing the same layer as a sparsert kernel (cuBLAS GEMM on the densified weights,
/// cuSPARSE CSR SpMM, cuDNN convolution), for comparison.
///
/// Creating one does all the set-up once: device buffers with the operands uploaded (B, or the NCHW input,
/// given by the caller), the library handle, descriptors, workspaces and any algorithm search. Afterwards
/// ``enqueue(on:)`` queues exactly one forward pass and nothing else, so it can be captured into a CUDA graph
/// and timed exactly like sparsert's kernels (``measure(timer:)``). Not for concurrent use from several threads.
public protocol Baseline: AnyObject, Sendable {
    /// The name with the algorithm chosen: "cuBLAS fp32", "cuBLAS fp16 (tensor cores)",
    /// "cuSPARSE CSR fp32 (CSR_ALG2)", "cuDNN fp32 (IMPLICIT_PRECOMP_GEMM)", "cuDNN fp16 (...)".
    var name: String { get }
    /// The name without the algorithm, stable across problems, for table columns and speedup keys: "cuBLAS fp32",
    /// "cuBLAS fp16", "cuSPARSE CSR fp32", "cuDNN fp32", "cuDNN fp16".
    var shortName: String { get }
    var precision: BaselinePrecision { get }
    var problem: SpMMProblem { get }
    var session: GPUSession { get }
    /// Facts for the log: library path and version, the algorithm and how it was chosen, workspace bytes.
    var details: [String] { get }

    /// Queues one forward pass (C = A x B, or the convolution) on `stream` and nothing else.
    func enqueue(on stream: CUDAStream) throws
    /// Fills C with a NaN poison (synchronously) and returns the `Float` bit pattern an untouched element reads
    /// back as from ``verifyOutput()``, so a check can count elements the library never wrote.
    func poisonOutput() throws -> UInt32
    /// Copies C back (after waiting for the context's work) as `Float`s in the problem's output layout
    /// (M x N row-major, or NCHW); fp16 results are widened exactly.
    func verifyOutput() throws -> [Float]
}

extension Baseline {
    /// Times one forward pass with `timer` on the session's stream: replayed from CUDA graphs when the library's
    /// work can be captured, else as plain launches; ``BaselineTiming/captureFailure`` says why not.
    public func measure(timer: KernelTimer = KernelTimer()) throws -> BaselineTiming {
        let stream = session.stream
        return try BaselineTiming.measure(on: stream, timer: timer) { try enqueue(on: stream) }
    }

    /// The timing of ``measure(timer:)``; its ``TimingResult/mode`` records graph replay or plain launches.
    public func time(timer: KernelTimer = KernelTimer()) throws -> TimingResult {
        try measure(timer: timer).result
    }
}

/// A baseline's timing and how it was obtained.
public struct BaselineTiming: Sendable {
    /// Per-run statistics; `result.mode` is `.graph` or `.launches`.
    public var result: TimingResult
    /// Why graph capture failed, when the runs were timed as plain launches instead; nil for graph timings.
    public var captureFailure: String?

    public init(result: TimingResult, captureFailure: String?) {
        self.result = result
        self.captureFailure = captureFailure
    }

    /// Runs once eagerly (so lazy library set-up, module loading and workspace allocation happen outside any
    /// capture), then captures one run as a probe; if that works, times graph replays (`KernelTimer.time`), else
    /// waits for the stream and times plain launches (`KernelTimer.timeLaunches`), keeping the capture error.
    static func measure(on stream: CUDAStream, timer: KernelTimer, _ enqueue: () throws -> Void) throws
        -> BaselineTiming
    {
        try enqueue()
        try stream.synchronize()
        do {
            _ = try CUDAGraph.capture(on: stream, enqueue)
        } catch {
            try stream.synchronize()
            return BaselineTiming(result: try timer.timeLaunches(on: stream, enqueue), captureFailure: "\(error)")
        }
        return BaselineTiming(result: try timer.time(on: stream, enqueue), captureFailure: nil)
    }
}
