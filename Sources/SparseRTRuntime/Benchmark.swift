import CUDADriver
import Foundation
import SparseRT

/// How the benchmark picks each problem's kernel: the paper's method and its Fig. 8 ablations.
public enum KernelSelection: String, Codable, Sendable, CaseIterable {
    /// Autotune over both families (the default).
    case tuned
    /// Autotune the unrolled family only.
    case unrolledOnly = "unrolled-only"
    /// The data-driven family with the unrolled family's tuned tiling: the "not unrolled" ablation.
    case notUnrolled = "not-unrolled"
    /// The tuned unrolled config with uniform row ranges instead of nonzero balancing.
    case noLoadBalancing = "no-load-balancing"
    /// The untuned default (``KernelSpec/untuned(for:limits:)``), no tuning.
    case fixedConfig = "fixed-config"
}

/// One benchmark row: a problem's kernel against the vendor baselines, all timed the same way.
public struct BenchmarkRow: Codable, Sendable {
    public var number: Int
    public var m: Int
    public var k: Int
    public var n: Int
    public var sparsity: Double
    public var source: String
    /// Instances timed (of `instancesAvailable`).
    public var instancesTimed: Int
    public var instancesAvailable: Int
    public var nonzerosMean: Double
    /// The first instance's kernel, how it was chosen and on which instance it was tuned ("each
    /// instance" when every instance was tuned on its own).
    public var spec: String
    public var family: String
    public var selection: String
    public var tunedOn: String
    /// `tunedOn` when every instance was tuned on its own.
    public static let tunedOnEachInstance = "each instance"
    /// Each timed instance's kernel, in the order of `sparsertPerInstance` (absent in older reports).
    public var specPerInstance: [String]?
    /// Where each instance's tuned kernel came from, in the same order: the tuner pass and source of a later
    /// pass's twin (``TuningResult/winnerOrigin``), nil for a first-pass candidate or an untuned kernel (absent
    /// in older reports).
    public var originPerInstance: [String?]?
    /// The longest tuning of one instance, seconds, and the most candidates it tried.
    public var tuningSeconds: Double
    public var candidatesTried: Int
    /// The problem's tuning wall time: all its instances' tunings, seconds (absent in older reports).
    public var tuningSecondsTotal: Double?
    /// Mean over instances of each instance's median microseconds.
    public var sparsertMicroseconds: Double
    public var sparsertPerInstance: [Double]
    /// Worst max relative error over the instances' verifications.
    public var worstRelativeError: Double
    /// Baseline name -> median microseconds (on the first instance).
    public var baselines: [String: Double]
    /// Baselines that could not run, with the reason.
    public var baselineNotes: [String]
    /// 2 x nonzeros x N / time, in GFLOP/s.
    public var gflops: Double
    /// One empty-kernel floor plus B and C bytes over the copy bandwidth.
    public var floorMicroseconds: Double
    /// Registers per thread of the first instance's kernel (from the driver) and its theoretical occupancy.
    public var registers: Int?
    public var occupancy: Occupancy?

    public func speedup(over baseline: String) -> Double? {
        baselines[baseline].map { $0 / sparsertMicroseconds }
    }
}

/// Runs baselines for a problem; supplied by the vendor-library layer. Returns name -> microseconds and
/// notes for those that could not run.
public typealias BaselineTimer = (SpMMProblem, GPUSession) -> (times: [String: Double], notes: [String])

/// Benchmarks paper problems: tune each instance (as a user compiling each layer would), or with
/// `shareConfig` tune the first and reuse its spec for the others (as the paper does, section 3.7); then
/// verify and time every instance, and time the baselines in the same process with the same timer.
public struct BenchmarkRunner {
    public let session: GPUSession
    public var tuner: Tuner
    public var timer = KernelTimer()
    public var selection: KernelSelection = .tuned
    /// A kernel config to use for every instance as given, instead of ``selection``'s (no tuning).
    public var givenSpec: KernelSpec?
    public var maxInstances: Int = .max
    /// Tune the first instance only and use its spec for every instance.
    public var shareConfig = false
    /// With every instance tuned on its own (the ``KernelSelection/tuned`` selection, not ``shareConfig``):
    /// instances after a problem's first are tuned over only this many of the first instance's fastest unrolled
    /// configs (later passes' twins among them) and their twins in one compile round, beside the data-driven
    /// list (``narrowedCandidates(for:first:count:jobs:limits:)``); 0 tunes each over the full list. Instances
    /// of one shape rank unrolled configs alike (the paper: the runtimes of a problem's instances barely vary),
    /// so each keeps a kernel tuned on its own weights at a fraction of the tuning time, which a full list
    /// spends mostly in ptxas on unrolled kernels (Table 1's problem 11 on an H200: 33-39 s an instance).
    public var narrowing = 0
    public var floors: DeviceFloors
    public var baselines: BaselineTimer?
    public var log: (@Sendable (String) -> Void)?
    /// Hears every instance's tuning in full (every candidate's time, failure and origin), named
    /// `problem N (sparsity S) INSTANCE`, for a record beside the report's winners.
    public var tuningRecord: ((String, TuningResult) -> Void)?

    public init(session: GPUSession, tuner: Tuner, floors: DeviceFloors) {
        self.session = session
        self.tuner = tuner
        self.floors = floors
    }

    public func run(_ problem: BenchmarkProblem) throws -> BenchmarkRow {
        let limits = session.limits
        let timed = Array(problem.instances.prefix(maxInstances))
        let instances = try timed.map { try $0.load() }
        let first = instances[0]
        // One spec per instance: tuned on each, or the first's shared.
        var specs: [KernelSpec] = []
        var origins: [String?] = []
        var tunings: [TuningResult] = []
        var narrowed: TuningResult?
        for (i, instance) in instances.enumerated() {
            if shareConfig, let shared = specs.first {
                specs.append(shared)
                origins.append(origins[0])
                continue
            }
            // A narrowed list that fails on this instance's weights falls back to the full one.
            let (spec, tuning) = try narrowed.flatMap { try? chooseSpec(for: instance, limits: limits, narrowedBy: $0) }
                ?? chooseSpec(for: instance, limits: limits)
            if i == 0, narrowing > 0, selection == .tuned, givenSpec == nil, let tuning {
                narrowed = tuning
            }
            specs.append(spec)
            origins.append(tuning?.winnerOrigin)
            if let tuning {
                tunings.append(tuning)
                tuningRecord?("problem \(problem.number) (sparsity \(problem.sparsity)) \(timed[i].name)", tuning)
            }
            let origin = origins[i].map { " (\($0))" } ?? ""
            let scope = i > 0 && narrowed != nil ? " over the first instance's \(narrowing) fastest unrolled tilings and their twins in one compile round, and the data-driven list" : ""
            log?("problem \(problem.number) (\(problem.m)x\(problem.k)x\(problem.n), \(problem.sparsity)) \(timed[i].name): \(spec)\(origin) [\(tuning.map { String(format: "%.1f s tuning, %d candidates", $0.wallSeconds, $0.candidates.count) + scope + ($0.phases.map { ": \($0.summary)" } ?? "") } ?? "no tuning")]")
        }
        let kernelStart = Date()
        let kernels = ParallelWork.map(timed.count, width: tuner.jobs) { i in
            Result { try LoadedKernel(specs[i].compile(instances[i], limits: limits), session: session) }
        }
        var times: [Double] = []
        var worst = 0.0
        var nonzeros = 0
        var registers: Int?, occupancy: Occupancy?
        for (i, outcome) in kernels.enumerated() {
            let kernel = try outcome.get()
            if i == 0, let count = try? kernel.function.numRegisters {
                let c = kernel.compiled
                registers = count
                occupancy = Occupancy(
                    registers: count, threads: c.threadsPerBlock, sharedMemoryBytes: c.sharedMemoryBytes,
                    gridBlocks: c.grid.x * c.grid.y * c.grid.z, on: session.multiprocessor)
            }
            let report = try GPUVerifier.verify(kernel, session: session, seed: 1000 &+ UInt64(i))
            guard report.passed else {
                throw BenchmarkError.wrongResult("\(timed[i].name) with \(specs[i]): \(report.errorSummary)")
            }
            worst = max(worst, report.maxRelativeError)
            times.append(try GPUVerifier.time(kernel, session: session, timer: timer).medianMicroseconds)
            nonzeros += kernel.compiled.problem.weights.nonzeroCount
        }
        let mean = times.reduce(0, +) / Double(times.count)
        let baselineStart = Date()
        let (baselineTimes, notes) = baselines?(first, session) ?? ([:], ["baselines not run"])
        log?(String(
            format: "  wall: tuning %.1f s, kernels compiled, verified and timed %.1f s, baselines %.1f s",
            tunings.map(\.wallSeconds).reduce(0, +), baselineStart.timeIntervalSince(kernelStart),
            Date().timeIntervalSince(baselineStart)))
        let nnzMean = Double(nonzeros) / Double(times.count)
        return BenchmarkRow(
            number: problem.number, m: problem.m, k: problem.k, n: problem.n, sparsity: problem.sparsity,
            source: problem.source, instancesTimed: times.count, instancesAvailable: problem.instances.count,
            nonzerosMean: nnzMean, spec: specs[0].description, family: specs[0].family.rawValue,
            selection: givenSpec == nil ? selection.rawValue : Self.givenSelection, tunedOn: shareConfig || timed.count == 1 ? timed[0].name : BenchmarkRow.tunedOnEachInstance,
            specPerInstance: specs.map(\.description), originPerInstance: origins,
            tuningSeconds: tunings.map(\.wallSeconds).max() ?? 0,
            candidatesTried: tunings.map(\.candidates.count).max() ?? 0,
            tuningSecondsTotal: tunings.map(\.wallSeconds).reduce(0, +),
            sparsertMicroseconds: mean, sparsertPerInstance: times, worstRelativeError: worst,
            baselines: baselineTimes, baselineNotes: notes,
            gflops: 2 * nnzMean * Double(problem.n) / (mean * 1e3),
            floorMicroseconds: floors.floorMicroseconds(problem: first), registers: registers, occupancy: occupancy)
    }

    /// The kernel for one instance and its tuning, if any: narrowed by its shape's first instance's tuning
    /// when given (``narrowing``).
    func chooseSpec(
        for problem: SpMMProblem, limits: DeviceLimits, narrowedBy first: TuningResult? = nil
    ) throws -> (KernelSpec, TuningResult?) {
        if let givenSpec { return (givenSpec, nil) }
        switch selection {
        case .tuned:
            guard let first else {
                let (spec, result) = try tuner.tune(problem)
                return (spec, result)
            }
            let round = Self.narrowedCandidates(
                for: problem, first: first, count: narrowing, jobs: tuner.jobs, limits: limits)
            // The round's unrolled kernels are all it compiles of that family: no register-cap or sim passes.
            var oneRound = tuner
            oneRound.registerCapRefinement = 0
            oneRound.rowOrderFamilies = [.dataDriven]
            let (spec, result) = try oneRound.tune(problem, candidates: round.specs, origins: round.origins)
            return (spec, result)
        case .unrolledOnly:
            let (spec, result) = try tuner.tune(problem, candidates: try unrolledCandidates(problem, limits: limits))
            return (spec, result)
        case .fixedConfig:
            return (KernelSpec.untuned(for: problem, limits: limits), nil)
        case .noLoadBalancing, .notUnrolled:
            let (spec, result) = try tuner.tune(problem, candidates: try unrolledCandidates(problem, limits: limits))
            guard case .unrolled(var config) = spec else { return (spec, result) }
            if selection == .noLoadBalancing {
                config.balance = .uniformRows
                return (.unrolled(config), result)
            }
            return (KernelSpec.notUnrolled(matching: config, problem: problem, limits: limits), result)
        }
    }

    /// The `count` configs `result` timed fastest in its passes (short timings; failed ones left out), of
    /// `family` only when given.
    public static func fastestSpecs(of result: TuningResult, count: Int, family: KernelFamily? = nil) -> [KernelSpec] {
        result.candidates.compactMap { c in c.microseconds.flatMap { time in KernelSpec(parsing: c.spec).map { ($0, time) } } }
            .filter { family == nil || $0.0.family == family }
            .sorted { $0.1 < $1.1 }.prefix(count).map(\.0)
    }

    /// The `count` fastest tilings of the unrolled family that `result` timed, fastest first: each tiling (a
    /// config apart from its register setting and row order) once, as its fastest setting ran. The twins a
    /// tuning times run within a few percent of each other, so its fastest configs alone are often a few
    /// tilings over (problem 11 at 0.95, cdba6db: the first instance's 12 fastest were four tilings, and the
    /// second instance, tuned over them, ran 2.55 us where the former run's `32,4,4,sim,m64` had run 2.16).
    public static func fastestTilings(of result: TuningResult, count: Int) -> [KernelSpec] {
        var seen = Set<TilingConfig>()
        let distinct = fastestSpecs(of: result, count: .max, family: .unrolled).filter { spec in
            guard case .unrolled(var tiling) = spec else { return false }
            tiling.maxRegisters = nil
            if tiling.balance == .similarColumns { tiling.balance = .nonzeros }
            return seen.insert(tiling).inserted
        }
        return Array(distinct.prefix(count))
    }

    /// What a later instance of a shape is tuned over (``narrowing``): the first instance's `count` fastest
    /// unrolled tilings (``fastestTilings(of:count:)``) and their twins, in one compile round of `jobs` slots
    /// (``Tuner/narrowedRound(_:slots:problem:limits:)``), then the data-driven family's whole list and the
    /// first's `count` fastest data-driven configs, which assemble in a fraction of a second. The unrolled
    /// kernels take the time (on an H200 a full list's cost 33-39 s an instance on problem 11), while a
    /// data-driven layer's instances rank configs differently (problem 9 at 0.9: later instances tuned over
    /// the first's 12 fastest of both families ran 8.9 us against 7.4-7.8 tuned over the full list).
    static func narrowedCandidates(
        for problem: SpMMProblem, first: TuningResult, count: Int, jobs: Int, limits: DeviceLimits
    ) -> (specs: [KernelSpec], origins: [String?]) {
        let unrolled = fastestTilings(of: first, count: count)
        let slots = (unrolled.count + jobs - 1) / max(1, jobs) * max(1, jobs)
        let round = Tuner.narrowedRound(unrolled, slots: slots, problem: problem, limits: limits)
        var seen = Set(round.specs.map(\.description))
        let dataDriven = (KernelSpec.dataDrivenCandidates(for: problem, limits: limits)
            + fastestSpecs(of: first, count: count, family: .dataDriven)).filter { seen.insert($0.description).inserted }
        return (round.specs + dataDriven, round.origins + [String?](repeating: nil, count: dataDriven.count))
    }

    /// The rows' `selection` with ``givenSpec``.
    public static let givenSelection = "given config"

    /// The unrolled family's candidates, which the ablations tune; an error naming the selection when none
    /// fits (the unrolled code of a large layer exceeds the code-size bound).
    func unrolledCandidates(_ problem: SpMMProblem, limits: DeviceLimits) throws -> [KernelSpec] {
        let unrolled = KernelSpec.unrolledCandidates(for: problem, limits: limits, multiprocessor: session.multiprocessor)
            .map(KernelSpec.unrolled)
        guard !unrolled.isEmpty else { throw BenchmarkError.notApplicable(selection: selection.rawValue, problem: problem.description) }
        return unrolled
    }
}

public enum BenchmarkError: Error, CustomStringConvertible {
    case wrongResult(String)
    case notApplicable(selection: String, problem: String)
    public var description: String {
        switch self {
        case .wrongResult(let what): return "kernel failed verification: \(what)"
        case .notApplicable(let selection, let problem):
            return "no unrolled config fits \(problem) (its code exceeds the size bound), and the \(selection) selection starts from one"
        }
    }
}

extension Occupancy.Multiprocessor {
    /// The resources `properties` reports; at most 32 resident blocks, as on every architecture since sm_80.
    public init(_ properties: DeviceProperties) {
        self.init(
            registers: properties.registersPerMultiprocessor, sharedMemoryBytes: properties.sharedMemoryPerMultiprocessor,
            maxThreads: properties.maxThreadsPerMultiprocessor, maxBlocks: 32, count: properties.multiprocessorCount)
    }
}
