import CUDADriver
import Foundation
import SparseRT

/// Settings of the vendor baselines' set-up.
public struct BaselineOptions: Sendable {
    /// Also build the fp16 (tensor-core) variants, shown for context.
    public var includeHalfPrecision = true
    /// cuBLAS workspace (`cublasSetWorkspace_v2`); 32 MiB is NVIDIA's recommendation for Hopper.
    public var cublasWorkspaceBytes = 32 << 20
    /// The cuSPARSE algorithms tried.
    public var cusparseAlgorithms = CUSPARSESpMMAlgorithm.allCases
    /// The timer ranking cuSPARSE's algorithms.
    public var selectionTimer = CUSPARSESpMMBaseline.selectionTimer
    /// Largest workspace cuDNN's algorithm search may use.
    public var cudnnSearchWorkspaceLimitBytes = 1 << 30

    public init() {}
}

/// The vendor baselines for a problem, and a ready-made benchmark hook that verifies and times them.
public enum BaselineSuite {
    /// Every baseline for `problem`, set up on `session` with the dense operand `input` (B, K x N row-major, for a
    /// matrix product; the NCHW input for a convolution), or why each could not be set up:
    /// - matrix products: cuBLAS fp32, cuBLAS fp16 (tensor cores), cuSPARSE CSR fp32, and cuSPARSE CSR fp16 when
    ///   the problem's own operands are fp16;
    /// - convolutions: cuDNN fp32, cuDNN fp16.
    /// A missing library gives a `BaselineError` whose ``BaselineError/meansUnavailable`` is true.
    public static func baselines(
        for problem: SpMMProblem, session: GPUSession, input: [Float], options: BaselineOptions = BaselineOptions()
    ) -> [Result<any Baseline, any Error>] {
        let precisions: [BaselinePrecision] = options.includeHalfPrecision ? [.fp32, .fp16] : [.fp32]
        var makers: [() throws -> any Baseline] = []
        switch problem.operand {
        case .matrix:
            makers += precisions.map { precision in
                {
                    try CUBLASGemmBaseline(
                        problem: problem, session: session, input: input, precision: precision,
                        workspaceBytes: options.cublasWorkspaceBytes)
                }
            }
            makers += (problem.precision == .fp16 ? precisions : [.fp32]).map { precision in
                {
                    try CUSPARSESpMMBaseline(
                        problem: problem, session: session, input: input, precision: precision,
                        algorithms: options.cusparseAlgorithms, selectionTimer: options.selectionTimer)
                }
            }
        case .convolution:
            makers += precisions.map { precision in
                {
                    try CUDNNConvolutionBaseline(
                        problem: problem, session: session, input: input, precision: precision,
                        searchWorkspaceLimitBytes: options.cudnnSearchWorkspaceLimitBytes)
                }
            }
        }
        return makers.map { make in Result { try make() } }
    }

    /// The baselines on the input `ProblemData(problem:seed:)` draws (whose `reference` then checks them).
    public static func baselines(
        for problem: SpMMProblem, session: GPUSession, seed: UInt64 = 1, options: BaselineOptions = BaselineOptions()
    ) throws -> [Result<any Baseline, any Error>] {
        baselines(for: problem, session: session, input: try ProblemData(problem: problem, seed: seed).input, options: options)
    }

    /// A benchmark hook (the shape of `BaselineTimer`): for a problem, sets up every baseline on fresh inputs,
    /// verifies each against the float64 reference, and times the correct ones with `timer`. Returns median
    /// microseconds keyed by ``Baseline/shortName`` ("cuBLAS fp32", "cuDNN fp32", ...) and notes: each
    /// baseline's full name, algorithm, timing mode and check, and every skip or failure with its reason.
    public static func benchmarkHook(
        timer: KernelTimer = KernelTimer(), options: BaselineOptions = BaselineOptions(), seed: UInt64 = 1
    ) -> (SpMMProblem, GPUSession) -> (times: [String: Double], notes: [String]) {
        { problem, session in
            let data: ProblemData
            do {
                data = try ProblemData(problem: problem, seed: seed)
            } catch {
                return ([:], ["baselines not run: \(error)"])
            }
            var times: [String: Double] = [:]
            var notes: [String] = []
            for outcome in baselines(for: problem, session: session, input: data.input, options: options) {
                switch outcome {
                case .failure(let error):
                    let unavailable = (error as? BaselineError)?.meansUnavailable ?? false
                    notes.append("\(unavailable ? "skipped" : "failed"): \(error)")
                case .success(let baseline):
                    do {
                        let report = try BaselineVerifier.verify(baseline, reference: data.reference)
                        let check = String(format: "max rel err %.2e (tolerance %.0e)", report.maxRelativeError, report.tolerance)
                        guard report.passed else {
                            notes.append("\(baseline.name): WRONG RESULT, not timed: \(check), "
                                + "\(report.unwritten) unwritten, \(report.paddingWritten) of C's padding written, \(report.nonFinite) non-finite")
                            continue
                        }
                        let timing = try baseline.measure(timer: timer)
                        times[baseline.shortName] = timing.result.medianMicroseconds
                        let mode = timing.captureFailure.map { "plain launches (capture failed: \($0))" }
                            ?? "graph replay"
                        notes.append(String(
                            format: "%@: %.2f us median (spread %.2f, %@), %@; %@", baseline.name,
                            timing.result.medianMicroseconds, timing.result.spread, mode, check,
                            baseline.details.joined(separator: "; ")))
                    } catch {
                        notes.append("\(baseline.name): failed: \(error)")
                    }
                }
            }
            return (times, notes)
        }
    }
}
