import CUDADriver
import Foundation
import SparseRT

/// Sparse x dense product with cuSPARSE's generic SpMM: A in CSR (int32 indices, float32 or binary16 values), B
/// (K x N) and C (M x N) dense row-major of the same type, fp32 compute.
///
/// Set-up tries each CSR algorithm cuSPARSE offers (default, CSR_ALG1, CSR_ALG2, CSR_ALG3): queries its workspace,
/// runs `cusparseSpMM_preprocess` where it helps (ALG1, ALG3), times it with a short timer the same way the
/// benchmark times everything (graph replay, or plain launches where capture fails), and keeps the fastest.
/// ``trials`` records every attempt; the timed work is `cusparseSpMM` alone.
public final class CUSPARSESpMMBaseline: Baseline, @unchecked Sendable {
    /// One algorithm tried during set-up: its median time, or why it could not run.
    public struct Trial: Sendable, CustomStringConvertible {
        public var algorithm: CUSPARSESpMMAlgorithm
        public var workspaceBytes: Int?
        public var medianMicroseconds: Double?
        public var failure: String?

        public var description: String {
            if let medianMicroseconds { return String(format: "%@ %.2f us", algorithm.name, medianMicroseconds) }
            return "\(algorithm.name) failed: \(failure ?? "?")"
        }
    }

    /// The short timer used to rank the algorithms: 7 replays after 5 ms of warm-up.
    public static let selectionTimer = KernelTimer(repetitions: 7, warmupMilliseconds: 5)

    public let problem: SpMMProblem
    public let session: GPUSession
    /// The fastest algorithm, which ``enqueue(on:)`` runs.
    public let algorithm: CUSPARSESpMMAlgorithm
    /// Every algorithm tried, in the order tried.
    public let trials: [Trial]
    public let details: [String]

    private let plan: CUSPARSESpMMPlan
    private let workspace: DeviceBuffer

    public let precision: BaselinePrecision
    public var name: String { "\(shortName) (\(algorithm.name))" }
    public var shortName: String { "cuSPARSE CSR \(precision.rawValue)" }

    /// Sets up the SpMM for a matrix problem with B = `input` (K x N row-major, uploaded in `precision` as A's
    /// values are) and picks the fastest of `algorithms`, ranked with `selectionTimer`.
    public init(
        problem: SpMMProblem, session: GPUSession, input: [Float], precision: BaselinePrecision = .fp32,
        algorithms: [CUSPARSESpMMAlgorithm] = CUSPARSESpMMAlgorithm.allCases,
        selectionTimer: KernelTimer = CUSPARSESpMMBaseline.selectionTimer
    ) throws {
        let label = "cuSPARSE CSR \(precision.rawValue)"
        _ = try BaselineError.matrixWidth(of: problem, input: input, baseline: label)
        let library = try CUSPARSELibrary.load()
        let plan = try CUSPARSESpMMPlan(
            library: library, problem: problem, input: input, precision: precision, context: session.context)
        let stream = session.stream

        var trials: [Trial] = []
        var best: (algorithm: CUSPARSESpMMAlgorithm, workspace: DeviceBuffer, median: Double)?
        var notes: [String] = []
        for algorithm in algorithms {
            var trial = Trial(algorithm: algorithm)
            do {
                let bytes = try plan.bufferSize(algorithm)
                trial.workspaceBytes = bytes
                let buffer = try DeviceBuffer(context: session.context, bytes: max(bytes, 256))
                if algorithm.benefitsFromPreprocess {
                    do {
                        if try plan.preprocess(algorithm, workspace: buffer, on: stream) {
                            try stream.synchronize()
                        }
                    } catch {
                        notes.append("\(algorithm.name): preprocess skipped (\(error))")
                    }
                }
                let timing = try BaselineTiming.measure(on: stream, timer: selectionTimer) {
                    try plan.run(algorithm, workspace: buffer, on: stream)
                }
                if let failure = timing.captureFailure {
                    notes.append("\(algorithm.name): timed as launches, capture failed: \(failure)")
                }
                let median = timing.result.medianMicroseconds
                trial.medianMicroseconds = median
                if best == nil || median < best!.median { best = (algorithm, buffer, median) }
            } catch {
                trial.failure = "\(error)"
                try? stream.synchronize()
            }
            trials.append(trial)
        }
        guard let best else {
            throw BaselineError.noAlgorithm(
                baseline: label, detail: trials.map(\.description).joined(separator: "; "))
        }
        self.problem = problem
        self.session = session
        self.precision = precision
        self.plan = plan
        self.algorithm = best.algorithm
        self.workspace = best.workspace
        self.trials = trials
        self.details = [
            "cuSPARSE \(plan.version.map(String.init) ?? "?") from \(library.location.path)",
            "CSR int32/\(precision.rawValue), B and C row-major, fp32 compute; chose \(best.algorithm.name) of: "
                + trials.map(\.description).joined(separator: ", "),
            "workspace \(best.workspace.byteCount) bytes",
        ] + notes
    }

    public func enqueue(on stream: CUDAStream) throws {
        try plan.run(algorithm, workspace: workspace, on: stream)
    }

    public func poisonOutput() throws -> UInt32 { try plan.output.poison() }

    public func verifyOutput() throws -> [Float] { try plan.output.read() }
}
