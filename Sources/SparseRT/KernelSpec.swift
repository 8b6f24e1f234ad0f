import SparseCompiler

/// A kernel family together with its configuration: what the tuner enumerates and `--config` names.
public enum KernelSpec: Hashable, Sendable, CustomStringConvertible {
    /// The unrolled family (weights baked into the code).
    case unrolled(TilingConfig)
    /// The data-driven family (weights in device memory, laid out at compile time).
    case dataDriven(DataDrivenConfig)

    /// Compiles `problem` with this spec.
    public func compile(_ problem: SpMMProblem, limits: DeviceLimits = .hopper) throws -> CompiledKernel {
        switch self {
        case .unrolled(let config): return try SparseKernelCompiler.compile(problem, config: config, limits: limits)
        case .dataDriven(let config): return try SparseKernelCompiler.compile(problem, dataDriven: config, limits: limits)
        }
    }

    /// Lowest compute capability (e.g. 80 for sm_80) the spec's PTX needs: `cp.async` staging needs 80.
    public var minimumArchitecture: Int {
        if case .unrolled(let config) = self, config.staging == .asyncCopy { return 80 }
        return 30
    }

    public var family: KernelFamily {
        switch self {
        case .unrolled: return .unrolled
        case .dataDriven: return .dataDriven
        }
    }

    /// The textual form: `8,4,2,v4` (unrolled) or `dd:w32,v4,c1,r4,k1,u2` (data-driven).
    public var description: String {
        switch self {
        case .unrolled(let config): return config.description
        case .dataDriven(let config): return config.description
        }
    }

    /// The text forms ``init(parsing:)`` accepts, for error messages.
    public static let syntax = "M_blocks,N_blocks,Gy[,vW][,al][,uniform|,sim][,cp][,mN] or dd:wT,vW,cV,rR,kP,uU[,p0][,sS][,hH][,x1][,a1][,b1][,e1][,lN][,i1][,mN][,qQ][,d1][,gG][,o1]"

    /// Parses the ``description`` form of either family.
    public init?(parsing text: String) {
        if let config = DataDrivenConfig(parsing: text) {
            self = .dataDriven(config)
        } else if let config = TilingConfig(parsing: text) {
            self = .unrolled(config)
        } else {
            return nil
        }
    }

    /// Largest PTX, in bytes, the tuner and the default choice accept for an unrolled kernel
    /// (``KernelCostModel``'s estimate): bigger ones take tens of seconds in ptxas and are fetch-bound.
    public static let unrolledPTXBudget = KernelCostModel.unrolledPTXLimit

    /// Unrolled configs always listed (the best-ranked ones whose code fits), and the estimated ptxas time
    /// the configs after them may add, CPU seconds (by the cost model's estimate; about 8 s on a 16-core host).
    public static let unrolledCandidateCount = 24
    public static let unrolledAssembleBudgetSeconds = 120.0

    /// The unrolled configs the tuner times: filtered by code size first, so wide-vector configs too large to
    /// assemble do not crowd out the scalar ones that fit; the first ``unrolledCandidateCount``, then the rest
    /// of the ranking (``TilingConfig/candidates(for:limits:limit:)``'s wide grid) while their estimated
    /// ptxas time stays within ``unrolledAssembleBudgetSeconds``. Small layers get the whole grid, large
    /// ones little beyond the first. Each as the first pass times it
    /// (``firstPassConfig(_:problem:limits:multiprocessor:)``).
    public static func unrolledCandidates(
        for problem: SpMMProblem, limits: DeviceLimits = .hopper, multiprocessor: Occupancy.Multiprocessor = .h100
    ) -> [TilingConfig] {
        let fitting = TilingConfig.candidates(for: problem, limits: limits, limit: .max) {
            unrolledFits(problem, vectorWidth: $0)
        }
        var seconds = 0.0
        let more = fitting.dropFirst(unrolledCandidateCount).filter { config in
            let cost = KernelCostModel.unrolled(problem, vectorWidth: config.vectorWidth).assembleSeconds
            guard seconds + cost <= unrolledAssembleBudgetSeconds else { return false }
            seconds += cost
            return true
        }
        return (Array(fitting.prefix(unrolledCandidateCount)) + more).map {
            firstPassConfig($0, problem: problem, limits: limits, multiprocessor: multiprocessor)
        }
    }

    /// `config` as the tuner's first pass times it: with rows that share columns gathered into its blocks
    /// (``BlockBalance/similarColumns``) where that plans, its N tiles on whole lines of B where they would
    /// start mid-line (``tilesStraddleLines(_:problem:)``), and with the register cap its grid gets for free
    /// (``firstPassRegisterCap(_:limits:multiprocessor:)``). The later passes time the other row order and
    /// the other register settings of the fastest, so the first pass should rank configs as they will run:
    /// - On an H200, of 288 sim/plain pairs Table 1's tuning timed (54f48b5), the `sim` kernel was faster in
    ///   230, by 5.6% in the median (up to 17%; up to 14% slower), and at cdba6db all 49 instances tuned to
    ///   the unrolled family chose a `sim` config.
    /// - Left to itself ptxas packs these straight-line kernels into 32 registers and ~20 loads in flight;
    ///   capped at 64-128 the fastest tilings ran 5-25% faster (cdba6db), which reorders them: on problem 11
    ///   at 0.95 `32,4,4` ranked 7th of the first instance's tilings uncapped (3.44 us against 2.72), and at
    ///   `m64` it had won the second instance in an earlier run (2.16 us).
    /// - On an H200 each of 17 Table 1 configs with tiles starting mid-line ran as fast or faster with its
    ///   tiles on whole lines in the tuner's final round, 1.057x in the median (up to 1.095x; 09469e2).
    public static func firstPassConfig(
        _ config: TilingConfig, problem: SpMMProblem, limits: DeviceLimits = .hopper,
        multiprocessor: Occupancy.Multiprocessor = .h100
    ) -> TilingConfig {
        var base = config
        base.alignedTiles = config.alignedTiles || tilesStraddleLines(config, problem: problem)
        var similar = base
        similar.balance = .similarColumns
        let orders = config.balance == .nonzeros ? [similar, base] : [base]
        for var listed in orders {
            guard let plan = try? SpMMPlan(problem: problem, config: listed, limits: limits) else { continue }
            if listed.maxRegisters == nil {
                listed.maxRegisters = firstPassRegisterCap(plan, limits: limits, multiprocessor: multiprocessor)
            }
            return listed
        }
        return config
    }

    /// Whether `config`'s N tiles start mid-line on B's rows, which start on 128-byte lines: more than one
    /// tile, each not a whole number of lines. Its warps' loads then straddle two lines; the first pass plans
    /// such tilings on whole lines instead (``TilingConfig/alignedTiles``).
    static func tilesStraddleLines(_ config: TilingConfig, problem: SpMMProblem) -> Bool {
        let bytes = problem.elementBytes
        guard problem.isMatrix, !config.alignedTiles, config.nBlocks > 1, problem.bRowStride * bytes % 128 == 0 else {
            return false
        }
        return config.tileColumns(n: problem.n, elementBytes: bytes) * bytes % 128 != 0
    }

    /// The register cap ``firstPassConfig(_:problem:limits:multiprocessor:)`` gives a plan: 96, or 128 where
    /// its busiest path is estimated above 96, when the block's budget allows it and the whole grid stays
    /// resident at once with it (at most one wave on `multiprocessor`), so the registers cost no block; nil
    /// (ptxas' choice) otherwise, as for grids of several waves, where fewer resident blocks would cost more
    /// than deeper load windows win.
    static func firstPassRegisterCap(
        _ plan: SpMMPlan, limits: DeviceLimits, multiprocessor: Occupancy.Multiprocessor
    ) -> Int? {
        let budget = limits.registerBudget(threadsPerBlock: plan.threadsPerBlock)
        guard let cap = [96, 128].first(where: { $0 >= plan.estimatedRegisters && $0 <= budget }) else { return nil }
        let occupancy = Occupancy(
            registers: cap, threads: plan.threadsPerBlock, sharedMemoryBytes: plan.sharedMemoryBytes,
            gridBlocks: plan.blocks.count * plan.gridY, on: multiprocessor)
        return occupancy.waves <= 1 ? cap : nil
    }

    /// Register caps the tuner tries on the data-driven heuristic config.
    public static let registerCaps = [64, 96, 128]

    /// `config` under each of ``registerCaps`` that its block's register budget allows and that holds its
    /// busiest path (``SpMMPlan/estimatedRegisters``, so ptxas need not spill); none when it does not plan.
    public static func registerCapTwins(
        of config: TilingConfig, problem: SpMMProblem, limits: DeviceLimits = .hopper
    ) -> [TilingConfig] {
        guard let plan = try? SpMMPlan(problem: problem, config: config, limits: limits) else { return [] }
        let budget = limits.registerBudget(threadsPerBlock: plan.threadsPerBlock)
        return registerCaps.filter { $0 >= plan.estimatedRegisters && $0 <= budget }.map { cap in
            var capped = config
            capped.maxRegisters = cap
            return capped
        }
    }

    /// `config` under every other register setting the tuner tries: each of ``registerCaps`` that
    /// ``registerCapTwins(of:problem:limits:)`` allows, without `config`'s own. ptxas' own choice is no twin
    /// of a capped config: on an H200, of 272 such twins timed in Table 1's tuning (700e95d, 09469e2) 14 ran
    /// faster than their capped source in the first pass, 29 reached the final round and none won (median
    /// 1.18x slower), while they took the longest to assemble (problem 11's `64,2,2,v2,sim` at 0.95: 9.3 s
    /// against 5.2 s at `m128`, one ptxas at a time on the CPU build machine).
    public static func registerSettingTwins(
        of config: TilingConfig, problem: SpMMProblem, limits: DeviceLimits = .hopper
    ) -> [TilingConfig] {
        var own = config
        own.maxRegisters = nil
        return registerCapTwins(of: own, problem: problem, limits: limits).filter { $0 != config }
    }

    /// Whether the unrolled family's code for `problem` stays within ``unrolledPTXBudget``.
    public static func unrolledFits(_ problem: SpMMProblem, vectorWidth: Int = 1) -> Bool {
        KernelCostModel.unrolled(problem, vectorWidth: vectorWidth).ptxBytes <= unrolledPTXBudget
    }

    /// The spec to use without tuning: the data-driven family's untuned default
    /// (``DataDrivenConfig/untuned(for:limits:)``). The unrolled family wins only once tuned: its first
    /// candidate, which the cost model used to prefer for layers of up to ~30 k nonzeros, ran 0.37-1.7x the
    /// speed of cuBLAS fp32 on Table 1 problems 1-6 at 0.9 (H100, fixed-config ablation at bc98dc0).
    public static func untuned(for problem: SpMMProblem, limits: DeviceLimits = .hopper) -> KernelSpec {
        .dataDriven(DataDrivenConfig.untuned(for: problem, limits: limits))
    }

    /// Specs worth timing for `problem`, best guesses first: unrolled candidates whose code fits the budget,
    /// then data-driven candidates. `multiprocessor` sets which unrolled configs the first pass caps
    /// (``firstPassRegisterCap(_:limits:multiprocessor:)``).
    public static func candidates(
        for problem: SpMMProblem, limits: DeviceLimits = .hopper, multiprocessor: Occupancy.Multiprocessor = .h100
    ) -> [KernelSpec] {
        let unrolled = unrolledCandidates(for: problem, limits: limits, multiprocessor: multiprocessor)
            .map(KernelSpec.unrolled)
        let dataDriven = dataDrivenCandidates(for: problem, limits: limits)
        return KernelCostModel.preferredFamily(for: problem) == .unrolled ? unrolled + dataDriven : dataDriven + unrolled
    }

    /// The data-driven part of ``candidates(for:limits:)``: assembled in a fraction of a second each, without
    /// planning the unrolled family's configs.
    public static func dataDrivenCandidates(for problem: SpMMProblem, limits: DeviceLimits = .hopper) -> [KernelSpec] {
        var dataDrivenConfigs = DataDrivenConfig.candidates(for: problem, limits: limits)
        // ptxas picks registers for occupancy on its own, and for these latency-bound loops its choice
        // moved times by up to 2x (seen on an H200): let the tuner measure caps on the heuristic config.
        if let base = dataDrivenConfigs.first, base.maxRegisters == nil {
            for cap in registerCaps {
                var capped = base
                capped.maxRegisters = cap
                dataDrivenConfigs.append(capped)
            }
        }
        // Staged configs (B in shared memory) are not listed: on an H100 the best of ~100 per problem ran
        // 1.1-1.6x slower than the plain loop on Table 1 problems 3, 5, 6 and 9-11 at batch 1
        // (bench/results/NVIDIA_H100_80GB_HBM3/explore/README.md). `tune --candidates` times them on request.
        return dataDrivenConfigs.map(KernelSpec.dataDriven)
    }

    /// The paper's "not unrolled" ablation (Fig. 8): the data-driven family with the unrolled config's
    /// tiling as near as its parameters allow: the same rows per block (capped by the thread limit), the
    /// same columns per block and vector width, and Gy subwarps splitting each row's K; registers capped at
    /// the block's budget where the estimate would not fit.
    public static func notUnrolled(matching config: TilingConfig, problem: SpMMProblem, limits: DeviceLimits = .hopper) -> KernelSpec {
        let n = problem.n
        let width = config.vectorWidth
        let columns = (n + config.nBlocks - 1) / config.nBlocks
        let vectors = (columns + width - 1) / width
        var subwarp = 1
        while subwarp < min(32, vectors) { subwarp *= 2 }
        let perThread = max(1, min(4, (vectors + subwarp - 1) / subwarp))
        let split = max(1, min(16, config.groups))
        let rows = max(1, min((problem.m + config.mBlocks - 1) / config.mBlocks, limits.maxThreadsPerBlock / (subwarp * split)))
        var matching = DataDrivenConfig(
            subwarpWidth: subwarp, vectorWidth: width, vectorsPerThread: perThread, rowsPerBlock: rows, kSplit: split)
        // Large blocks leave fewer registers a thread than the estimate asks: cap them at the budget, as the
        // unrolled kernel of that block size is.
        if (try? matching.validate(for: problem, limits: limits)) == nil {
            matching.maxRegisters = max(32, limits.registerBudget(threadsPerBlock: matching.threadsPerBlock))
        }
        return .dataDriven(matching)
    }
}
