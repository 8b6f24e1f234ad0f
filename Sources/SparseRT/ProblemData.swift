import SparseCompiler
import SparseFormats
import SparseReference

/// Fresh random inputs for a problem and the float64 reference output they must produce.
public struct ProblemData: Sendable {
    /// The problem the data is for.
    public let problem: SpMMProblem
    /// B's buffer: for a matrix product K rows of `bRowStride` elements (N values, then padding holding
    /// ``paddingPoison``), for a convolution the NCHW input; values as the problem's precision holds them
    /// (``deviceInput`` has the buffer's words).
    public let input: [Float]
    /// The float64 reference C (M x N row-major, or NCHW output): the logical result, without padding, after
    /// the problem's epilogue.
    public let reference: [Double]

    /// A quiet NaN with its own payload in B's row padding: a kernel that reads padding into a result
    /// makes it NaN, which the check rejects.
    public static let paddingPoison = Float(bitPattern: 0x7FC0_BEEF)

    /// Draws the logical input uniformly from [-1, 1) with `seed`, rounds it to the problem's precision and
    /// computes the reference on the CPU from the rounded values.
    public init(problem: SpMMProblem, seed: UInt64) throws {
        self.problem = problem
        let dense = Self.logicalInput(for: problem, seed: seed)
        input = problem.inputBuffer(dense, padding: Self.paddingPoison)
        let product: [Double]
        switch problem.operand {
        case .matrix(let n):
            product = ReferenceSpMM.multiply(problem.weights, dense, n: n)
        case .convolution(let g):
            product = try ReferenceConvolution.convolve(input: dense, filter: problem.weights, shape: g)
        }
        reference = problem.epilogue.isNone
            ? product : product.indices.map { problem.epilogue.apply(product[$0], row: problem.row(ofOutput: $0)) }
    }

    /// Only B's buffer, as device words (for timing, where no reference is needed).
    public static func deviceInput(for problem: SpMMProblem, seed: UInt64) -> [UInt32] {
        problem.precision.packed(problem.inputBuffer(logicalInput(for: problem, seed: seed), padding: paddingPoison))
    }

    static func logicalInput(for problem: SpMMProblem, seed: UInt64) -> [Float] {
        var random = SeededNormal(seed: seed)
        switch problem.operand {
        case .matrix(let n): return problem.precision.rounded(random.uniformFloats(count: problem.k * n))
        case .convolution(let g): return problem.precision.rounded(random.uniformFloats(count: g.inputCount))
        }
    }

    /// B's buffer as the device holds it: 32-bit words, two halves a word for fp16.
    public var deviceInput: [UInt32] { problem.precision.packed(input) }

    /// Elements in C's buffer (padding included).
    public var outputCount: Int { problem.outputWords }
}

/// The verdict of running one kernel on fresh inputs against the float64 reference.
public struct VerificationReport: Codable, Sendable {
    public var kernel: String
    public var config: String
    /// Where it ran: `cpu-ir` (the kernel IR interpreted) or the GPU's name.
    public var executor: String
    /// max |out - ref| / max |ref| (max |ref| floored at 1e-30).
    public var maxRelativeError: Double
    /// ||out - ref|| / ||ref||.
    public var normRelativeError: Double
    /// Outputs still holding the poison written before the run.
    public var unwritten: Int
    /// Elements of C's row padding (past N) that no longer hold the poison: written, which no kernel may.
    public var paddingWritten = 0
    /// Outputs that are NaN or infinite (unwritten ones included).
    public var nonFinite: Int
    public var tolerance: Double
    public var passed: Bool

    /// `max rel 1.23e-07, unwritten 0`, with `, C padding written N` when any was: the numbers behind the
    /// verdict, for one line of a log.
    public var errorSummary: String {
        String(format: "max rel %.2e, unwritten %d", maxRelativeError, unwritten)
            + (paddingWritten > 0 ? ", C padding written \(paddingWritten)" : "")
    }

    /// Compares C's buffer `buffer` for `problem` with `reference`: its logical elements as the other
    /// initializer does, and its row padding, which must still hold `poison`.
    public init(kernel: String, config: String, executor: String, problem: SpMMProblem, buffer: [Float],
                reference: [Double], poison: UInt32, tolerance: Double) {
        let logical = buffer.count == problem.outputWords ? problem.logicalOutput(buffer) : buffer
        self.init(kernel: kernel, config: config, executor: executor, output: logical, reference: reference,
                  poison: poison, tolerance: tolerance)
        if buffer.count == problem.outputWords {
            paddingWritten = problem.outputPadding.joined().reduce(0) { $0 + (buffer[$1].bitPattern == poison ? 0 : 1) }
        }
        passed = passed && paddingWritten == 0
    }

    /// Compares `output` with `reference`; `poison` is the bit pattern the output was filled with.
    public init(kernel: String, config: String, executor: String, output: [Float], reference: [Double],
                poison: UInt32, tolerance: Double) {
        self.kernel = kernel
        self.config = config
        self.executor = executor
        self.tolerance = tolerance
        let metrics = ErrorMetrics.relativeError(output: output, reference: reference)
        maxRelativeError = metrics.maxRelative
        normRelativeError = metrics.normRelative
        nonFinite = metrics.nonFinite
        unwritten = output.reduce(0) { $0 + ($1.bitPattern == poison ? 1 : 0) }
        passed = output.count == reference.count && nonFinite == 0 && unwritten == 0
            && maxRelativeError <= tolerance
    }
}

/// Runs generated kernels through the IR interpreter on the CPU and checks them against the reference.
public enum CPUVerifier {
    /// A quiet NaN with a recognisable payload, written over C before every run.
    public static let poison: UInt32 = 0x7FC0_DEAD

    /// Interprets `kernel` for every thread on inputs drawn with `seed`; `progress` hears (blocks done, blocks)
    /// as the interpreter goes (a large layer takes minutes).
    public static func verify(
        _ kernel: CompiledKernel, seed: UInt64, tolerance: Double? = nil, progress: ((Int, Int) -> Void)? = nil
    ) throws -> VerificationReport {
        let data = try ProblemData(problem: kernel.problem, seed: seed)
        let output = try run(kernel, input: data.input, outputCount: data.outputCount, progress: progress)
        let precision = kernel.problem.precision
        return VerificationReport(
            kernel: kernel.name, config: kernel.configDescription, executor: "cpu-ir", problem: kernel.problem,
            buffer: output, reference: data.reference, poison: precision.poison(poison).readBack,
            tolerance: tolerance ?? precision.verificationTolerance)
    }

    /// Interprets `kernel` on `input` (B's buffer as floats, in the problem's precision) and returns C's
    /// `outputCount` elements, widened to floats; C is poisoned first.
    public static func run(
        _ kernel: CompiledKernel, input: [Float], outputCount: Int, progress: ((Int, Int) -> Void)? = nil
    ) throws -> [Float] {
        let precision = kernel.problem.precision
        var memory = SimulatedMemory()
        let weights = kernel.weightBuffers.map { memory.allocate(words: $0) }
        let b = memory.allocate(words: precision.packed(input))
        let c = memory.allocate(words: precision.words(forElements: outputCount), fill: precision.poison(poison).fill)
        let launch = SimulatedLaunch(grid: kernel.grid, arguments: weights + [b, c])
        try Interpreter(kernel.kernel).run(launch, memory: &memory, progress: progress)
        return precision.unpacked(memory.floats(at: c).map(\.bitPattern), count: outputCount)
    }
}
