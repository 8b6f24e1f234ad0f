import Foundation

/// One candidate's outcome in a tuning run.
public struct CandidateResult: Codable, Sendable {
    public var spec: String
    public var family: String
    /// Median microseconds per run; nil when the candidate failed.
    public var microseconds: Double?
    public var maxRelativeError: Double?
    /// Why the candidate was dropped, if it was.
    public var failure: String?
    public var registers: Int?
    /// Median microseconds from the final round (the fastest few timed again, longer); nil for the others.
    public var finalMicroseconds: Double?
    /// For a later pass's twin, which pass made it from which candidate, e.g. `sim twin of 16,7,4,m128, the
    /// 2nd fastest unrolled`; nil for the first pass's candidates (and in results cached before it was recorded).
    public var origin: String?
    /// Seconds one compile job spent generating, assembling and loading this candidate (its share of a
    /// parallel round; contention for the host's cores included).
    public var compileSeconds: Double?
}

/// The outcome of tuning one problem.
public struct TuningResult: Codable, Sendable {
    public var best: String
    public var bestMicroseconds: Double
    public var candidates: [CandidateResult]
    /// Wall-clock seconds the tuning took (compile, verify and time).
    public var wallSeconds: Double
    /// True when the result came from the tuning cache.
    public var fromCache: Bool
    /// Where the wall time went; nil in results cached before it was recorded.
    public var phases: TuningPhases?
    /// The winner's ``CandidateResult/origin``: nil when it came from the first pass.
    public var winnerOrigin: String? { candidates.first { $0.spec == best }?.origin }
}

/// Wall-clock seconds of a tuning run's phases, to show what bounds it: the host's cores (compile) or the GPU
/// and the reference (verify, time, final round).
public struct TuningPhases: Codable, Sendable {
    /// Generating every candidate and assembling and loading it, in parallel.
    public var compileSeconds: Double
    /// Checking the candidates against the float64 reference (the reference computed on the host included).
    public var verifySeconds: Double
    /// The first pass's short timings.
    public var timeSeconds: Double
    /// The final round.
    public var finalSeconds: Double

    /// `compile 9.1 s, verify 3.2 s, time 20.0 s, final 1.2 s`.
    public var summary: String {
        String(format: "compile %.1f s, verify %.1f s, time %.1f s, final %.1f s",
               compileSeconds, verifySeconds, timeSeconds, finalSeconds)
    }
}
