import Foundation

/// A rough, documented cost estimate for one kernel: what the tuner uses to pick a family and to prune
/// configs before it compiles or times anything. Not a substitute for timing.
public struct KernelCostEstimate: Sendable, Hashable {
    public var family: KernelFamily
    /// Size of the rendered PTX, bytes.
    public var ptxBytes: Int
    /// Time `ptxas` (or the driver's JIT) needs to assemble it, seconds.
    public var assembleSeconds: Double
    /// Kernel time at batch 1 with B, C and the weights resident in L2, microseconds (launch included).
    public var runtimeMicroseconds: Double
}

/// Cost estimates per kernel family for an H100 SXM (132 SMs at ~1.75 GHz).
///
/// - Unrolled: the PTX holds one FMA per nonzero and vector lane (~50 bytes each), ptxas time grows a little
///   faster than linearly in that count (fit: 0.1 s at 1.6 k FMAs, ~36 s at 105 k), and the runtime is bound by
///   issuing those FMAs, doubled once the code outgrows the instruction caches (the paper's section 4.3).
/// - Data-driven: the PTX is a few KB whatever the matrix; the runtime is the largest of the FMA issue time,
///   the time to stream every nonzero's B vector (the fraction of an N tile of B that fits in L1 from L1, the
///   rest from L2) and a latency term: the longest part's loop iterations, each a dependent weight-then-B
///   load. Calibrated on Table 1 problems 7-10 on an H200 (within ~25% of the measured heuristic configs).
public enum KernelCostModel {
    /// Fixed cost per kernel, microseconds: the launch (~0.5 us graph-launched, 1-2 us from a stream) and the
    /// start-up chain of dependent loads before the first FMA.
    static let launchMicroseconds = 2.0
    static let multiprocessors = 132.0
    static let clockHertz = 1.75e9
    /// Warp instructions issued per SM per clock (4 schedulers).
    static let issuePerClock = 4.0
    /// L1 bytes per SM per clock, and the L1 capacity left for B with no shared memory.
    static let l1BytesPerClock = 128.0
    static let l1Bytes = 200.0 * 1024
    /// L2 read bandwidth as these kernels see it, bytes per second (problem 10 at 90% streamed 107 MB of B
    /// in ~8 us).
    static let l2BytesPerSecond = 16e12
    /// One dependent pair of loads (weights and offsets, then B), seconds.
    static let iterationLatencySeconds = 0.35e-6
    /// PTX bytes per unrolled FMA, and above how many bytes the unrolled family is not worth it.
    static let unrolledBytesPerFMA = 50.0
    public static let unrolledPTXLimit = 1_500_000
    /// Machine-code bytes beyond which unrolled kernels stall on instruction fetch (~128 KB caches).
    static let instructionCacheBytes = 128.0 * 1024

    /// The unrolled family with vectors of `vectorWidth` columns.
    public static func unrolled(_ problem: SpMMProblem, vectorWidth: Int = 1) -> KernelCostEstimate {
        let nonzeros = Double(problem.weights.nonzeroCount)
        let fmas = nonzeros * Double(vectorWidth)
        let ptxBytes = Int(fmas * unrolledBytesPerFMA) + 8 * 1024
        let assemble = 0.1 * pow(max(fmas, 1) / 1600, 1.41)
        // Each thread does `vectorWidth` FMAs per nonzero for its columns; warps cover N in 32-thread rows.
        let warpsAcrossN = ((problem.n + vectorWidth - 1) / vectorWidth + 31) / 32
        let warpInstructions = fmas * Double(warpsAcrossN)
        var seconds = warpInstructions / (multiprocessors * issuePerClock * clockHertz)
        if fmas * 16 > instructionCacheBytes { seconds *= 2 }
        return KernelCostEstimate(
            family: .unrolled, ptxBytes: ptxBytes, assembleSeconds: assemble,
            runtimeMicroseconds: launchMicroseconds + seconds * 1e6)
    }

    /// The data-driven family under `config` (default: the heuristic).
    public static func dataDriven(_ problem: SpMMProblem, config: DataDrivenConfig? = nil) -> KernelCostEstimate {
        let c = config ?? .heuristic(for: problem)
        let nonzeros = Double(problem.weights.nonzeroCount)
        let tiles = Double((problem.n + c.tileColumns - 1) / c.tileColumns)
        let lanes = Double(c.subwarpWidth)
        let laneWords = Double(c.vectorsPerThread * c.vectorWidth)
        // Per nonzero and subwarp: V*W FMAs, V B loads with their address adds, 1/2 load of weight and offset.
        let perNonzero = laneWords + 2 * Double(c.vectorsPerThread) + 0.5
        let warpInstructions = nonzeros * tiles * perNonzero * lanes / 32
        let issue = warpInstructions / (multiprocessors * issuePerClock * clockHertz)
        let bBytes = nonzeros * tiles * lanes * laneWords * 4
        let tileFootprint = Double(problem.k) * Double(c.tileColumns) * 4
        let l1Fraction = min(1, l1Bytes / tileFootprint)
        let stream = bBytes * l1Fraction / (multiprocessors * l1BytesPerClock * clockHertz)
            + bBytes * (1 - l1Fraction) / l2BytesPerSecond
        let longestRow = Double((0..<problem.m).map { problem.weights.nonzeroCount(ofRow: $0) }.max() ?? 0)
        let iterations = (longestRow / Double(c.kSplit) / Double(4 * c.unroll)).rounded(.up)
        // Resident warps per SM are capped at 64; more subwarps than that run in waves.
        let warps = Double(problem.m) * Double(c.kSplit) * tiles * lanes / 32
        let waves = max(1, (warps / (multiprocessors * 64)).rounded(.up))
        let latency = waves * (iterations + 2) * iterationLatencySeconds
        let seconds = max(issue, stream, latency)
        return KernelCostEstimate(
            family: .dataDriven, ptxBytes: 4096 + 1024 * c.unroll * c.vectorsPerThread, assembleSeconds: 0.05,
            runtimeMicroseconds: launchMicroseconds + seconds * 1e6)
    }

    /// The family to compile first: unrolled while its PTX stays under ``unrolledPTXLimit`` (~30 k nonzeros
    /// at one column per vector, assembling in a few seconds) and it is not estimated slower than the
    /// data-driven heuristic; data-driven otherwise.
    public static func preferredFamily(for problem: SpMMProblem) -> KernelFamily {
        let unrolled = unrolled(problem)
        guard unrolled.ptxBytes <= unrolledPTXLimit else { return .dataDriven }
        return unrolled.runtimeMicroseconds <= dataDriven(problem).runtimeMicroseconds ? .unrolled : .dataDriven
    }
}
