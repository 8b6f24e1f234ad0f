import CUDADriver
import Foundation
import SparseRT

/// The convolution with cuDNN's legacy API on the dense filter: NCHW input, OIHW filter (the CSR filter
/// densified), NCHW output, cross-correlation.
///
/// - fp32: `CUDNN_DATA_FLOAT` with `CUDNN_FMA_MATH`, so no TF32 tensor cores (strict fp32, what sparsert computes);
///   results cuDNN reports with a tensor-core math type are not accepted.
/// - fp16: `CUDNN_DATA_HALF` operands and output, fp32 compute, `CUDNN_TENSOR_OP_MATH`; for context.
/// The algorithm is cuDNN's own choice: `cudnnFindConvolutionForwardAlgorithmEx` runs every forward algorithm on
/// the real buffers (with a search workspace as large as any algorithm asks for, up to a limit) and the fastest
/// acceptable one is kept, with its workspace preallocated. The timed work is `cudnnConvolutionForward` alone.
public final class CUDNNConvolutionBaseline: Baseline, @unchecked Sendable {
    public let precision: BaselinePrecision
    public let problem: SpMMProblem
    public let session: GPUSession
    /// The chosen `cudnnConvolutionFwdAlgo_t`.
    public let algorithm: Int32
    /// Its name without the `CUDNN_CONVOLUTION_FWD_ALGO_` prefix.
    public var algorithmName: String { CUDNNForwardAlgorithmPerformance.algorithmName(algorithm) }
    /// cuDNN's search results, fastest first, one line each (algorithm, status, time, workspace, math type).
    public let searchResults: [String]
    public let details: [String]

    private let plan: CUDNNConvolutionPlan
    private let workspace: DeviceBuffer?

    public var name: String { "cuDNN \(precision.rawValue) (\(algorithmName))" }
    public var shortName: String { "cuDNN \(precision.rawValue)" }

    /// Sets up the convolution of a convolution problem with the NCHW `input` (float32 values; rounded to fp16
    /// for the fp16 variant) and lets cuDNN choose the algorithm, searching with at most
    /// `searchWorkspaceLimitBytes` of workspace (and at most half the free device memory).
    public init(
        problem: SpMMProblem, session: GPUSession, input: [Float], precision: BaselinePrecision,
        searchWorkspaceLimitBytes: Int = 1 << 30
    ) throws {
        let label = "cuDNN \(precision.rawValue)"
        guard case .convolution(let shape) = problem.operand else {
            throw BaselineError.unsupported(baseline: label, reason: "it computes convolutions, not matrix products")
        }
        guard input.count == shape.inputCount else {
            throw BaselineError.unsupported(
                baseline: label, reason: "the input holds \(input.count) values, expected \(shape.inputCount)")
        }
        let library = try CUDNNLibrary.load()
        let plan = try CUDNNConvolutionPlan(
            library: library, filter: problem.weights, input: input, shape: shape, precision: precision,
            mathType: precision == .fp32 ? CUDNNLibrary.fmaMath : CUDNNLibrary.tensorOpMath,
            context: session.context, label: label)

        // Search with a workspace as large as the hungriest algorithm asks for, within the limits.
        let free = try session.context.memoryInfo().free
        let wanted = (0..<CUDNNLibrary.forwardAlgorithmCount).compactMap(plan.workspaceSize).max() ?? 0
        let searchBytes = min(wanted, searchWorkspaceLimitBytes, free / 2)
        let results: [CUDNNForwardAlgorithmPerformance]
        do {
            let searchWorkspace = searchBytes > 0 ? try DeviceBuffer(context: session.context, bytes: searchBytes) : nil
            results = try plan.find(workspace: searchWorkspace)
        }
        let acceptable = results.filter { result in
            result.status == 0 && result.memory <= searchBytes
                && (precision == .fp16
                    || (result.mathType != CUDNNLibrary.tensorOpMath
                        && result.mathType != CUDNNLibrary.tensorOpMathAllowConversion))
        }
        let summary = results.map { result in
            let status = result.status == 0
                ? String(format: "%.4f ms", result.milliseconds)
                : (library.cudnnGetErrorString(result.status).map { String(cString: $0) } ?? "status \(result.status)")
            return "\(result.algorithmName): \(status), \(result.memory) B, "
                + CUDNNForwardAlgorithmPerformance.mathTypeName(result.mathType)
        }
        guard let chosen = acceptable.first else {
            throw BaselineError.noAlgorithm(
                baseline: label, detail: summary.isEmpty ? "the search returned nothing" : summary.joined(separator: "; "))
        }
        // fp32 keeps CUDNN_FMA_MATH on the descriptor; fp16 runs with the math type the search measured.
        if precision == .fp16 { try plan.setMathType(chosen.mathType) }
        let workspaceBytes = max(chosen.memory, plan.workspaceSize(chosen.algorithm) ?? 0)

        self.precision = precision
        self.problem = problem
        self.session = session
        self.plan = plan
        self.algorithm = chosen.algorithm
        self.searchResults = summary
        self.workspace = workspaceBytes > 0 ? try DeviceBuffer(context: session.context, bytes: workspaceBytes) : nil
        let version = library.version
        self.details = [
            "cuDNN \(version / 10000).\(version / 100 % 100).\(version % 100) from \(library.location.path)",
            "\(precision == .fp32 ? "FLOAT" : "HALF") data, FLOAT compute, "
                + CUDNNForwardAlgorithmPerformance.mathTypeName(precision == .fp32 ? CUDNNLibrary.fmaMath : chosen.mathType)
                + ", NCHW/OIHW, cross-correlation",
            "chose \(chosen.algorithmName) by cudnnFindConvolutionForwardAlgorithmEx (search workspace \(searchBytes) B): "
                + summary.joined(separator: "; "),
            "workspace \(workspaceBytes) bytes",
        ]
    }

    public func enqueue(on stream: CUDAStream) throws {
        try plan.forward(algorithm: algorithm, workspace: workspace, on: stream)
    }

    public func poisonOutput() throws -> UInt32 { try plan.output.poison() }

    public func verifyOutput() throws -> [Float] { try plan.output.read() }
}
