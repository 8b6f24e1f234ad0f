import CUDADriver
import Dispatch
import Foundation
import SparseRT

/// A later pass's candidate: a twin of an earlier one, and where it came from (``CandidateResult/origin``).
struct Twin {
    let spec: KernelSpec
    let origin: String
}

/// The autotuner (paper section 3.7): compiles candidates of both families in parallel, verifies each on
/// the GPU against the float64 reference, times the ones that pass with a short timer, adds a second pass of
/// the fastest unrolled ones' twins under the other register settings (``registerCapRefinement``) and a
/// third of row-order twins (``rowOrderRefinement``: the data-driven ones' rows that share columns gathered;
/// with ``rowOrderFamilies`` holding the unrolled family, also its blocks of contiguous rows or of rows that
/// share columns, the other way round from the source), each skipped when set to 0, times the fastest few
/// again with the benchmark's timer (``finalists``), and keeps the fastest of those. The third pass shares
/// the second's compile round unless it twins unrolled kernels, whose sources the second pass ranks.
public struct Tuner {
    public let session: GPUSession
    public var timer: KernelTimer
    public var cache: TuningCache?
    /// Parallel compile jobs (ptxas processes).
    public var jobs: Int
    /// Called after each candidate with (done, total, best so far in us).
    public var progress: (@Sendable (Int, Int, Double?) -> Void)?
    /// Candidates timed again in the final round: the fastest of all passes, whose short timings can rank
    /// configs within a few percent of each other either way. Eight, since the later passes' twins often run
    /// within a few percent of their originals and would otherwise crowd other configs out (about 50 ms a
    /// finalist; on an H200 the first pass's timer read 0.92-1.12x of the final round's on the same kernel).
    public var finalists = 8
    /// The search's version, part of the tuning cache's key: 4 when the first pass came to list unrolled
    /// configs with rows that share columns gathered, N tiles on whole lines of B's rows and the register cap
    /// their grid gets for free (``KernelSpec/firstPassConfig(_:problem:limits:multiprocessor:)``);
    /// 5 since the third pass leaves the unrolled family out by default (``defaultRowOrderFamilies``); 6 since
    /// the data-driven list holds fanned parts (with 16-bit columns) where subwarps are narrow (small N); 7
    /// since it holds them over staged B and with prefetch too; 8 since staged B takes halves (fp16 lists it); 9
    /// since weights that are all halves list their fanned configs with packed halves (`n2`) instead of `n1`.
    public static let searchVersion = 9
    /// The final round's timer (the benchmark's), and how many times each finalist is timed with it, in
    /// turn, the median of those medians deciding.
    public var finalTimer = KernelTimer()
    public var finalRounds = 3
    /// Unrolled candidates, the fastest of the first pass, whose twins under the other register settings
    /// (``KernelSpec/registerSettingTwins(of:problem:limits:)``: the other caps of 64, 96 and 128) are
    /// compiled and timed in a second pass before the final round; 0 skips it. On an H200, when the first
    /// pass timed uncapped configs, capped twins won 47 of Table 1's 94 instances tuned to the unrolled
    /// family (up to 1.25x faster); since it caps them, another cap won 19 of 46 (700e95d) and 16 of 49 (09469e2).
    public var registerCapRefinement = Tuner.defaultRegisterCapRefinement
    /// Four: the twins of the first pass's four fastest unrolled candidates.
    public static let defaultRegisterCapRefinement = 4
    /// Candidates of each family in ``rowOrderFamilies``, the fastest after the second pass, whose row-order
    /// twins are timed in a third pass; 0 skips it. Data-driven ones whose blocks hold several rows get their
    /// `o1` twins (``DataDrivenConfig/similarRows``; on an H200 an `o1` twin won 14 of Table 1's 24
    /// data-driven instances, but within 3% of the former kernels' times either way). Unrolled ones, listed
    /// with rows that share columns gathered into blocks (``BlockBalance/similarColumns``, `sim`; 8-35% fewer
    /// loads of B on Table 1's unrolled winners; ``KernelSpec/firstPassConfig(_:problem:limits:multiprocessor:)``),
    /// get their twins of contiguous row ranges (`plain`), and the other way round.
    public var rowOrderRefinement = Tuner.defaultRowOrderRefinement
    /// Two: up to four kernels of each family (eight with near ties, ``rowOrderNearTie``).
    public static let defaultRowOrderRefinement = 2
    /// The families the third pass twins (``defaultRowOrderFamilies``).
    public var rowOrderFamilies: Set<KernelFamily> = Tuner.defaultRowOrderFamilies
    /// The data-driven family only, whose kernels assemble in a fraction of a second. When the first pass
    /// listed `plain` configs, a `sim` twin won 38 of Table 1's 49 instances tuned to the unrolled family on
    /// an H200 (up to 1.17x faster); since it lists `sim` ones (cdba6db), no unrolled instance of Table 1
    /// chose a `plain` twin in three runs (cdba6db, 700e95d, 09469e2: 0 of 147), their fastest timing
    /// 0.96-1.24x (median 1.09x) of the family's fastest at 09469e2, while the pass cost a round of
    /// unrolled ptxas: without it and the uncapped register twins the first instances of problems 5, 6 and
    /// 11 compiled in 16-27 s, against 28-40 s at 09469e2 (H200 hosts of two loans, 8ab37b8).
    public static let defaultRowOrderFamilies: Set<KernelFamily> = [.dataDriven]
    /// The third pass also twins up to ``rowOrderRefinement`` more candidates of each family that the first
    /// passes timed within this fraction of the family's fastest: those short timings rank configs within a
    /// few percent either way, and a twin's gain does not follow its source's rank (on an H200, problem 4 at
    /// 0.95, instance 3: the `sim` twin of 16,25,1,m128 won at 1.75 us in one run; the next chose another
    /// config at 2.17 us).
    public static let rowOrderNearTie = 0.05
    /// How many times the L2's size is read before every timed run (``L2Eviction``), or nil for back-to-back
    /// runs with warm caches; set by ``timeFromColdCaches(_:)``. Part of the cache's key: a layer that streams its weights
    /// from memory can rank configs otherwise (on an H200 at N = 1, 11008 x 4096: staged B fastest warm,
    /// prefetched entries fastest cold).
    public private(set) var coldL2Multiple: Int?

    /// Times every candidate, in both rounds, from cold caches: `eviction`'s read before each run.
    public mutating func timeFromColdCaches(_ eviction: L2Eviction) {
        timer = eviction.applied(to: timer)
        finalTimer = eviction.applied(to: finalTimer)
        coldL2Multiple = eviction.multiple
    }

    /// ``rowOrderNearTie`` in whole percent, for reports and cache keys.
    public static var rowOrderNearTiePercent: Int { Int((rowOrderNearTie * 100).rounded()) }

    /// The passes after the first as set, for reports: `register-cap twins of the 4 fastest unrolled, o1
    /// twins of the 2 fastest data-driven (...)`, or `none`.
    public var passesSummary: String {
        Self.passesSummary(
            registerCapRefinement: registerCapRefinement, rowOrderRefinement: rowOrderRefinement,
            rowOrderFamilies: rowOrderFamilies)
    }

    static func passesSummary(
        registerCapRefinement: Int, rowOrderRefinement: Int, rowOrderFamilies: Set<KernelFamily> = defaultRowOrderFamilies
    ) -> String {
        var passes: [String] = []
        if registerCapRefinement > 0 { passes.append("register-cap twins of the \(registerCapRefinement) fastest unrolled") }
        let n = rowOrderRefinement
        let twins = [(KernelFamily.unrolled, "row-order twins (sim or plain) of the \(n) fastest unrolled"),
                     (.dataDriven, "o1 twins of the \(n) fastest data-driven")].filter { rowOrderFamilies.contains($0.0) }
        if n > 0, !twins.isEmpty {
            passes.append(twins.map(\.1).joined(separator: ", ")
                + " (and of up to \(n) more\(twins.count > 1 ? " of each" : "") within \(rowOrderNearTiePercent)% of the fastest)")
        }
        return passes.isEmpty ? "none" : passes.joined(separator: ", ")
    }

    public init(session: GPUSession, cache: TuningCache? = nil, jobs: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.session = session
        self.cache = cache
        self.jobs = jobs
        // Shorter than the benchmark's timing: enough to rank candidates.
        timer = KernelTimer(repetitions: 7, minimumReplayMilliseconds: 0.1, warmupMilliseconds: 2)
    }

    /// Tunes `problem` over `candidates` (default: ``KernelSpec/candidates(for:limits:)``), each with its
    /// ``CandidateResult/origin`` from `origins` where given (parallel to `candidates`).
    public func tune(
        _ problem: SpMMProblem, candidates: [KernelSpec]? = nil, origins givenOrigins: [String?]? = nil
    ) throws -> (spec: KernelSpec, result: TuningResult) {
        let start = Date()
        let key = TuningCache.key(
            problem: problem, device: session.properties.name, registerCapRefinement: registerCapRefinement,
            rowOrderRefinement: rowOrderRefinement, rowOrderFamilies: rowOrderFamilies, coldL2Multiple: coldL2Multiple)
        if let cached = cache?.lookup(key), let spec = KernelSpec(parsing: cached.best) {
            var result = cached
            result.fromCache = true
            return (spec, result)
        }
        var specs = candidates ?? KernelSpec.candidates(
            for: problem, limits: session.limits, multiprocessor: session.multiprocessor)
        guard !specs.isEmpty else { throw TuningError.noCandidates(problem.description) }

        // Compile and load in parallel: generation and ptxas per candidate.
        var batch = compile(specs, problem: problem)
        var phases = TuningPhases(
            compileSeconds: Date().timeIntervalSince(start), verifySeconds: 0, timeSeconds: 0, finalSeconds: 0)
        // One input and float64 reference for every candidate (fresh for each problem; C poisoned each time).
        let referenceStart = Date()
        let data = try ProblemData(problem: problem, seed: 77)
        phases.verifySeconds = Date().timeIntervalSince(referenceStart)
        // Verify and time one at a time, keeping the fastest few loaded for the final round.
        var results: [CandidateResult] = []
        // Parallel to specs: where a later pass's twin came from.
        var origins = givenOrigins ?? [String?](repeating: nil, count: specs.count)
        precondition(origins.count == specs.count, "origins must be parallel to the candidates")
        var leaders: [(index: Int, time: Double, kernel: LoadedKernel)] = []
        var total = specs.count
        // Each kernel is released once timed, unless it leads.
        func evaluate(_ batch: inout [(kernel: Result<LoadedKernel, Error>, seconds: Double)?]) {
            for j in batch.indices {
                let i = results.count
                var entry = CandidateResult(spec: specs[i].description, family: specs[i].family.rawValue)
                entry.origin = origins[i]
                entry.compileSeconds = batch[j]!.seconds
                do {
                    let kernel = try batch[j]!.kernel.get()
                    entry.registers = try? kernel.function.numRegisters
                    let verifyStart = Date()
                    let report = try GPUVerifier.verify(kernel, session: session, data: data)
                    phases.verifySeconds += Date().timeIntervalSince(verifyStart)
                    entry.maxRelativeError = report.maxRelativeError
                    if report.passed {
                        let timeStart = Date()
                        defer { phases.timeSeconds += Date().timeIntervalSince(timeStart) }
                        let time = try GPUVerifier.time(kernel, session: session, timer: timer).medianMicroseconds
                        entry.microseconds = time
                        leaders.append((i, time, kernel))
                        leaders.sort { $0.time < $1.time }
                        if leaders.count > max(1, finalists) { leaders.removeLast() }
                    } else {
                        entry.failure = "wrong result (\(report.errorSummary))"
                    }
                } catch {
                    entry.failure = "\(error)"
                }
                results.append(entry)
                batch[j] = nil
                progress?(results.count, total, leaders.first?.time)
            }
        }
        evaluate(&batch)
        // Further passes: twins of the fastest candidates so far.
        func refine(_ twins: [Twin]) {
            guard !twins.isEmpty else { return }
            specs += twins.map(\.spec)
            origins += twins.map(\.origin)
            total = specs.count
            let compileStart = Date()
            batch = compile(twins.map(\.spec), problem: problem)
            phases.compileSeconds += Date().timeIntervalSince(compileStart)
            evaluate(&batch)
        }
        var twins = registerCapRefinement > 0
            ? Self.registerCapRefinements(
                specs: specs, results: results, problem: problem, limits: session.limits, count: registerCapRefinement)
            : []
        if rowOrderRefinement > 0 {
            // Unrolled sources are ranked after the second pass; the data-driven ranking is the first pass's.
            if rowOrderFamilies.contains(.unrolled) {
                refine(twins)
                twins = []
            }
            twins += Self.rowOrderRefinements(
                specs: specs, results: results, problem: problem, limits: session.limits, count: rowOrderRefinement,
                families: rowOrderFamilies)
        }
        refine(twins)
        guard !leaders.isEmpty else { throw TuningError.allFailed(results.compactMap(\.failure).first ?? "unknown") }
        let finalStart = Date()
        let best = try finalRound(leaders.map { ($0.index, $0.kernel) }, results: &results)
        phases.finalSeconds = Date().timeIntervalSince(finalStart)
        let result = TuningResult(
            best: specs[best.index].description, bestMicroseconds: best.time, candidates: results,
            wallSeconds: Date().timeIntervalSince(start), fromCache: false, phases: phases)
        try cache?.store(key, result)
        return (specs[best.index], result)
    }

    /// Generates, assembles and loads `specs` on ``jobs`` threads, the longest to assemble first (by
    /// ``KernelCostModel``'s estimate); each slot holds the kernel or its error, and the job's seconds.
    func compile(_ specs: [KernelSpec], problem: SpMMProblem) -> [(kernel: Result<LoadedKernel, Error>, seconds: Double)?] {
        let costs = specs.map { spec -> Double in
            guard case .unrolled(let config) = spec else { return 0 }
            return KernelCostModel.unrolled(problem, vectorWidth: config.vectorWidth).assembleSeconds
        }
        return ParallelWork.map(specs.count, width: jobs, costs: costs) { i in
            let start = Date()
            let kernel = Result { try LoadedKernel(specs[i].compile(problem, limits: session.limits), session: session) }
            return (kernel, Date().timeIntervalSince(start))
        }
    }

    /// The second pass's candidates: the twins under the other register settings
    /// (``KernelSpec/registerSettingTwins(of:problem:limits:)``) of the `count` fastest unrolled candidates
    /// (by their first-pass times in `results`, parallel to `specs`), leaving out specs already tried.
    static func registerCapRefinements(
        specs: [KernelSpec], results: [CandidateResult], problem: SpMMProblem, limits: DeviceLimits, count: Int
    ) -> [Twin] {
        let sources = fastest(specs: specs, results: results, count: count, unrolledConfig)
        return twins(of: sources, family: "unrolled", tried: specs) {
            KernelSpec.registerSettingTwins(of: $0, problem: problem, limits: limits).map { (.unrolled($0), "register-cap") }
        }
    }

    /// `spec`'s config when it is an unrolled one.
    static func unrolledConfig(_ spec: KernelSpec) -> TilingConfig? {
        guard case .unrolled(let config) = spec else { return nil }
        return config
    }

    /// The third pass's candidates: the row-order twins (``rowOrderTwin(of:problem:limits:)``) of the `count`
    /// fastest unrolled candidates that balance nonzeros (by either row order), capped or not, and of the
    /// `count` fastest data-driven ones whose blocks gather rows, each list extended by up to `count` more within
    /// ``rowOrderNearTie`` of its fastest; those that plan, leaving out specs already tried; of `families` only.
    static func rowOrderRefinements(
        specs: [KernelSpec], results: [CandidateResult], problem: SpMMProblem, limits: DeviceLimits, count: Int,
        families: Set<KernelFamily> = [.unrolled, .dataDriven]
    ) -> [Twin] {
        [(KernelFamily.unrolled, "unrolled"), (.dataDriven, "data-driven")].filter { families.contains($0.0) }.flatMap { family, familyName in
            let sources = fastest(specs: specs, results: results, count: count, nearTie: rowOrderNearTie) { spec -> KernelSpec? in
                spec.family == family && rowOrderTwinName(of: spec) != nil ? spec : nil
            }
            return twins(of: sources, family: familyName, tried: specs) { spec in
                rowOrderTwin(of: spec, problem: problem, limits: limits).map { [$0] } ?? []
            }
        }
    }

    /// The name of `spec`'s row-order twin, nil when it has none: for an unrolled config, capped or not, `sim`
    /// (``BlockBalance/similarColumns``) when its row ranges are contiguous and `plain` (contiguous,
    /// ``BlockBalance/nonzeros``) when they gather rows that share columns; `o1` (``DataDrivenConfig/similarRows``)
    /// for a data-driven one whose blocks gather rows (two or more a block, or parts by row length), not yet
    /// by shared columns, and that does not stage B.
    static func rowOrderTwinName(of spec: KernelSpec) -> String? {
        switch spec {
        case .unrolled(let config):
            switch config.balance {
            case .nonzeros: return "sim"
            case .similarColumns: return "plain"
            case .uniformRows: return nil
            }
        case .dataDriven(let config):
            return !config.similarRows && config.stageRows == nil && (config.rowsPerBlock >= 2 || config.adaptiveSplit) ? "o1" : nil
        }
    }

    /// `spec`'s row-order twin (``rowOrderTwinName(of:)``) and its name, where it plans for `problem`.
    static func rowOrderTwin(of spec: KernelSpec, problem: SpMMProblem, limits: DeviceLimits) -> (spec: KernelSpec, name: String)? {
        guard let name = rowOrderTwinName(of: spec) else { return nil }
        switch spec {
        case .unrolled(var config):
            config.balance = config.balance == .nonzeros ? .similarColumns : .nonzeros
            guard (try? SpMMPlan(problem: problem, config: config, limits: limits)) != nil else { return nil }
            return (.unrolled(config), name)
        case .dataDriven(var config):
            config.similarRows = true
            guard (try? config.validate(for: problem, limits: limits)) != nil else { return nil }
            return (.dataDriven(config), name)
        }
    }

    /// The `count` fastest timed candidates that `select` maps to a config, fastest first, by their times in
    /// `results` (parallel to `specs`), each with its spec; then up to `count` more whose times are within
    /// `nearTie` (a fraction) of the fastest's.
    static func fastest<Config>(
        specs: [KernelSpec], results: [CandidateResult], count: Int, nearTie: Double = 0, _ select: (KernelSpec) -> Config?
    ) -> [(spec: KernelSpec, config: Config)] {
        let ranked = zip(specs, results).compactMap { spec, result -> (KernelSpec, Config, Double)? in
            guard let config = select(spec), let time = result.microseconds else { return nil }
            return (spec, config, time)
        }.sorted { $0.2 < $1.2 }
        guard let best = ranked.first?.2, count > 0 else { return [] }
        let ties = ranked.dropFirst(count).prefix(count).prefix { $0.2 <= best * (1 + nearTie) }
        return (ranked.prefix(count) + (nearTie > 0 ? ties : [])).map { ($0.0, $0.1) }
    }

    /// `make`'s twins of `sources` (fastest first), each with its kind's name, without those among `tried` (or
    /// repeated), each with its origin: `<name> twin of <spec>, the <rank> fastest <family>`.
    static func twins<Config>(
        of sources: [(spec: KernelSpec, config: Config)], family: String, tried: [KernelSpec],
        make: (Config) -> [(spec: KernelSpec, name: String)]
    ) -> [Twin] {
        var seen = Set(tried.map(\.description))
        return sources.enumerated().flatMap { rank, source in
            make(source.config).filter { seen.insert($0.spec.description).inserted }.map {
                Twin(spec: $0.spec, origin: "\($0.name) twin of \(source.spec), the \(ordinal(rank + 1)) fastest \(family)")
            }
        }
    }

    /// One compile round for a later instance of a shape whose first instance was tuned: `fastest` (the first
    /// instance's fastest tilings, fastest first, each as its fastest setting ran) and, in the round's free
    /// slots up to `slots`, their twins in rank order: register-setting twins
    /// (``KernelSpec/registerSettingTwins(of:problem:limits:)``) first, then row-order twins (`sim` or
    /// `plain`, `o1`), none already listed. (At cdba6db every unrolled instance of Table 1 chose a `sim`
    /// config, while register settings moved a tiling's time by 5-25%.) Tuned with the further passes off,
    /// this costs one round of ptxas instead of up to three (on an H200, problem 5's later instances took
    /// 15-16 s in two rounds).
    public static func narrowedRound(
        _ fastest: [KernelSpec], slots: Int, problem: SpMMProblem, limits: DeviceLimits
    ) -> (specs: [KernelSpec], origins: [String?]) {
        let ranked = fastest.enumerated().map { (rank: $0.offset, spec: $0.element) }
        let settings = ranked.flatMap { source -> [Twin] in
            guard let config = unrolledConfig(source.spec) else { return [] }
            return KernelSpec.registerSettingTwins(of: config, problem: problem, limits: limits).map {
                Twin(spec: .unrolled($0), origin: narrowedOrigin("register-cap", of: source))
            }
        }
        let rowOrder = ranked.compactMap { source -> Twin? in
            rowOrderTwin(of: source.spec, problem: problem, limits: limits).map {
                Twin(spec: $0.spec, origin: narrowedOrigin($0.name, of: source))
            }
        }
        var seen = Set(fastest.map(\.description))
        let twins = (settings + rowOrder).filter { seen.insert($0.spec.description).inserted }
            .prefix(max(0, slots - fastest.count))
        return (fastest + twins.map(\.spec), [String?](repeating: nil, count: fastest.count) + twins.map(\.origin))
    }

    static func narrowedOrigin(_ name: String, of source: (rank: Int, spec: KernelSpec)) -> String {
        "\(name) twin of \(source.spec), the first instance's \(ordinal(source.rank + 1)) fastest"
    }

    /// `1st`, `2nd`, `3rd`, `4th`, ... `11th`, `12th`, `13th`, `21st`.
    static func ordinal(_ n: Int) -> String {
        let suffix = (11...13).contains(n % 100) ? "th" : ["th", "st", "nd", "rd", "th", "th", "th", "th", "th", "th"][n % 10]
        return "\(n)\(suffix)"
    }

    /// Times the finalists `finalRounds` times each with ``finalTimer``, in turn (so a drift of the GPU's
    /// clocks touches all alike), records each one's median of medians, and returns the fastest. With one
    /// finalist there is nothing to decide.
    func finalRound(_ finalists: [(index: Int, kernel: LoadedKernel)], results: inout [CandidateResult]) throws -> (index: Int, time: Double) {
        guard finalists.count > 1 else { return (finalists[0].index, results[finalists[0].index].microseconds!) }
        var times = [[Double]](repeating: [], count: finalists.count)
        for _ in 0..<max(1, finalRounds) {
            for (f, finalist) in finalists.enumerated() {
                times[f].append(try GPUVerifier.time(finalist.kernel, session: session, timer: finalTimer).medianMicroseconds)
            }
        }
        var best: (index: Int, time: Double)?
        for (f, finalist) in finalists.enumerated() {
            let sorted = times[f].sorted()
            let median = sorted[sorted.count / 2]
            results[finalist.index].finalMicroseconds = median
            if best == nil || median < best!.time { best = (finalist.index, median) }
        }
        return best!
    }
}

public enum TuningError: Error, CustomStringConvertible {
    case noCandidates(String)
    case allFailed(String)
    public var description: String {
        switch self {
        case .noCandidates(let p): return "no kernel configuration fits \(p) on this device"
        case .allFailed(let why): return "every candidate failed; first failure: \(why)"
        }
    }
}
