import ArgumentParser
import SparseRTRuntime

/// `--cold-l2 M`, which `compare`, `bench`, `tune` and `compile --tune` share: every kernel, ours and the
/// libraries', and every tuning candidate timed from cold caches (``L2Eviction``).
struct ColdCacheOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Time every kernel from cold caches: before each run, read this many times the L2's size (2 was enough on an H200) and subtract that read's own time. For layers whose weights would not stay in L2 in a network.",
        valueName: "multiple"))
    var coldL2: Int?

    func validate() throws {
        if let coldL2, coldL2 < 1 { throw ValidationError("--cold-l2 must be at least 1 (times the L2's size), not \(coldL2)") }
    }

    /// Puts the eviction read before every run of `runner`'s timer and its tuner's; returns how reports
    /// describe it (nil without the option). Call before the baselines take the timer.
    func apply(to runner: inout BenchmarkRunner, session: GPUSession) throws -> String? {
        guard let eviction = try eviction(session: session) else { return nil }
        runner.timer = eviction.applied(to: runner.timer)
        runner.tuner.timeFromColdCaches(eviction)
        return eviction.summary + "; tuning, where it ran, timed its candidates the same way"
    }

    /// Puts the eviction read before every run `tuner` times; returns how reports describe it (nil without
    /// the option).
    func apply(to tuner: inout Tuner, session: GPUSession) throws -> String? {
        guard let eviction = try eviction(session: session) else { return nil }
        tuner.timeFromColdCaches(eviction)
        return eviction.summary
    }

    private func eviction(session: GPUSession) throws -> L2Eviction? {
        try coldL2.map { try L2Eviction(session: session, multiple: $0) }
    }
}
