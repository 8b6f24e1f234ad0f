import Foundation

/// Starting points for the data-driven family: a cheap heuristic, the untuned default and the autotuner's
/// candidate set.
extension DataDrivenConfig {
    /// Threads worth launching: enough warps per SM (132 SMs) to overlap the loads' latency.
    static let targetThreads = 64 * 1024
    /// Nonzeros per subwarp below which splitting a row further costs more (reduction, barrier) than it hides.
    static let minimumNonzerosPerPart = 16
    /// Threads per block the heuristic aims for.
    static let targetBlockThreads = 128

    /// A cheap default from the shape and density alone (no search), fitted to timings of Table 1
    /// problems 7-10 at 90% and 95% sparsity on an H200 (within 5% of the best of ~60 configs each):
    /// - vector width: the largest of 4, 2, 1 the row strides allow that leaves at least 16 vectors across N (1 for a
    ///   convolution); subwarp: enough threads for N at one vector each, at most 32;
    /// - two vectors per thread when scalar columns need more than one subwarp width (N = 49: one tile of 64
    ///   instead of two of 32, halving the weight loads per column);
    /// - K split doubled while the launch has fewer than 64 K threads and parts keep at least 16 nonzeros;
    /// - unroll 4 for parts of 24 nonzeros or more, else 2; prefetch for parts of 64 or more;
    /// - rows per block for ~128 threads.
    public static func heuristic(for problem: SpMMProblem) -> DataDrivenConfig {
        let width = preferredVectorWidth(for: problem)
        let vectors = (problem.n + width - 1) / width
        let t = min(32, nextPowerOfTwo(vectors))
        let perThread = width == 1 && vectors > t ? 2 : 1
        let tiles = (vectors + t * perThread - 1) / (t * perThread)
        let m = max(problem.m, 1)
        let meanRow = Double(problem.weights.nonzeroCount) / Double(m)
        var split = 1
        while split < 16, m * tiles * t * split < targetThreads,
            meanRow / Double(split * 2) >= Double(minimumNonzerosPerPart)
        {
            split *= 2
        }
        let part = meanRow / Double(split)
        return DataDrivenConfig(
            subwarpWidth: t, vectorWidth: width, vectorsPerThread: perThread,
            rowsPerBlock: max(1, min(m, targetBlockThreads / (t * split))), kSplit: split,
            unroll: part >= 24 ? 4 : 2, prefetch: part >= 64)
    }

    /// The config used without tuning (`compile` without `--tune`, the benchmark's fixed-config
    /// ablation): the ``heuristic(for:)``'s subwarp, vector width and vectors per thread, with parts by
    /// row length: K split 8, unroll 2 without prefetch, a head of 8, blocks of 16 subwarps. On 12 Table 1
    /// layers at 0.9 (H100) this shape ran 1.22x faster than the heuristic in geometric mean (worst 0.91x,
    /// problem 5), the best of six fixed shapes measured. Falls back to the heuristic where it does not fit.
    public static func untuned(for problem: SpMMProblem, limits: DeviceLimits = .hopper) -> DataDrivenConfig {
        let base = heuristic(for: problem)
        var c = base
        c.kSplit = 8
        c.unroll = 2
        c.prefetch = false
        c.headEntries = 8
        c.adaptiveSplit = true
        c.rowsPerBlock = max(1, 16 * 32 / (c.kSplit * c.subwarpWidth))
        return (try? c.validate(for: problem, limits: limits)) != nil ? c : base
    }

    /// A short list (at most ``maximumCandidates``) for the autotuner: the heuristic first, then its neighbours — the K split
    /// halved, doubled and (without prefetch) quadrupled, the last also with heads of 8 and 16 and once with
    /// unroll 2, a head of 16 and 96 registers; the K split doubled with unroll 2 and a head of 16, or of 8
    /// with 64 registers (and one address per nonzero on a partial tile); the heuristic with a head of 16,
    /// one vector per thread more or less, the other unroll factor (alone and with V changed), prefetch
    /// toggled, a narrower subwarp, half the vector width, twice the vector width (padded rows), a bigger
    /// block; ten with parts by row length
    /// (four of them with heads loaded across the subwarp), then those ten with rows dealt evenly to blocks;
    /// then fanned parts where subwarps are narrow (``fannedCandidates(base:problem:)``); last, every config
    /// with a K split again with interleaved parts.
    /// Only configs that fit `problem` and `limits` are listed.
    public static func candidates(for problem: SpMMProblem, limits: DeviceLimits = .hopper) -> [DataDrivenConfig] {
        let base = heuristic(for: problem)
        var list = [base]
        func add(_ change: (inout DataDrivenConfig) -> Void) {
            var c = base
            change(&c)
            c.rowsPerBlock = max(1, min(max(problem.m, 1), targetBlockThreads / (c.subwarpWidth * c.kSplit)))
            list.append(c)
        }
        add { $0.kSplit = max(1, $0.kSplit / 2) }
        add { $0.kSplit *= 2 }
        add { $0.vectorsPerThread = base.vectorsPerThread == 1 ? 2 : 1 }
        add { $0.unroll = base.unroll == 4 ? 2 : 4 }
        add { $0.prefetch.toggle() }
        add { $0.kSplit *= 2; $0.unroll = 2 }
        add { $0.kSplit *= 4; $0.prefetch = false }
        // Heads, for short parts: the K split x4 with 8 and 16, the heuristic with 16.
        add { $0.kSplit *= 4; $0.prefetch = false; $0.headEntries = 8 }
        add { $0.kSplit *= 4; $0.prefetch = false; $0.headEntries = 16 }
        add { $0.headEntries = 16 }
        // Short parts with a register cap: best on problems 7 and 19 and Table 3's problem 4 (N = 49).
        add { $0.kSplit *= 4; $0.unroll = 2; $0.prefetch = false; $0.headEntries = 16; $0.maxRegisters = 96 }
        // The K split doubled with unroll 2 and a head: best on problem 19 (16 entries) and, with one
        // address per nonzero on the partial tile and 64 registers, on problem 7 (8 entries).
        add { $0.kSplit *= 2; $0.unroll = 2; $0.prefetch = false; $0.headEntries = 16 }
        add {
            $0.kSplit *= 2; $0.unroll = 2; $0.prefetch = false; $0.headEntries = 8; $0.maxRegisters = 64
            $0.singleAddress = problem.operand == .matrix(n: problem.n) && problem.n % $0.tileColumns != 0
        }
        add { $0.vectorsPerThread = base.vectorsPerThread == 1 ? 2 : 1; $0.unroll = base.unroll == 4 ? 2 : 4 }
        add { $0.subwarpWidth = max(1, $0.subwarpWidth / 2) }
        if base.vectorWidth > 1 { add { $0.vectorWidth /= 2; $0.subwarpWidth = min(32, $0.subwarpWidth * 2) } }
        // Twice the vector width where padded rows allow it and the heuristic stopped short of it (N = 49 in
        // rows of 64: 13 vectors of 4 on a subwarp of 16 against 25 of 2 on 32).
        if base.vectorWidth < 4, problem.vectorWidthProblem(base.vectorWidth * 2) == nil {
            add { $0.vectorWidth *= 2; $0.subwarpWidth = max(1, $0.subwarpWidth / 2) }
        }
        list.append({ var c = base; c.rowsPerBlock *= 2; return c }())
        // Parts by row length, without prefetch: the shapes that won on Table 1 problems 3, 6, 8, 11 and 19
        // (H100): P = 8 with unroll 2 in blocks of 16 subwarps, alone and with a head of 8; P = 8, unroll 4
        // and a head of 16; P = 4 with unroll 4 in blocks of 8 and with unroll 2 in blocks of 4; P = 8 with
        // unroll 2, a head of 8 and parts of 32 in blocks of 8. Then heads loaded across the subwarp (x1),
        // parts of 32 (64 with a head of 64): P = 8 in blocks of 8 and 16 subwarps (problems 7 and 5), P = 4 in
        // blocks of 4 (problem 4), P = 4 with a head of 64 in blocks of 8 (problem 9 within 1%).
        let adaptive: [(split: Int, unroll: Int, subwarps: Int, head: Int?, length: Int?, shared: Bool)] = [
            (8, 2, 16, nil, nil, false), (8, 2, 16, 8, nil, false), (8, 4, 8, 16, nil, false), (4, 4, 8, nil, nil, false),
            (4, 2, 4, nil, nil, false), (8, 2, 8, 8, 32, false),
            (8, 2, 8, 32, 32, true), (8, 2, 16, 32, 32, true), (4, 2, 4, 32, 32, true), (4, 2, 8, 64, 64, true),
        ]
        for shape in adaptive {
            var c = base
            c.kSplit = shape.split
            c.unroll = shape.unroll
            c.prefetch = false
            c.headEntries = shape.head
            c.sharedHead = shape.shared
            c.adaptiveSplit = true
            c.partLength = shape.length
            c.rowsPerBlock = max(1, shape.subwarps * 32 / (shape.split * c.subwarpWidth))
            list.append(c)
        }
        // The same shapes with rows dealt evenly to blocks (e1): 2-6% faster than packed in sorted order on
        // 10 of 16 Table 1 layers at their best shape (H100), slower on problems 4, 8, 9 and 10.
        for var c in list.filter(\.adaptiveSplit) {
            c.evenBlocks = true
            list.append(c)
        }
        list += fannedCandidates(base: base, problem: problem)
        // Every K-split config once more with interleaved parts (i1): on rows padded to 128 bytes (H200) the
        // best config took 2-6% less time than without on 10 of 15 Table 1 layers at 0.9, and lost to
        // contiguous parts on the others (problems 7, 9, 15, 17).
        for var c in list where c.kSplit >= 2 && c.stageRows == nil {
            c.interleavedParts = true
            list.append(c)
        }
        var seen = Set<DataDrivenConfig>()
        return list.filter { config in
            guard seen.insert(config).inserted else { return false }
            return (try? config.validate(for: problem, limits: limits)) != nil
        }.prefix(maximumCandidates).map { $0 }
    }

    /// Fanned parts (f1) where subwarps are narrow (T <= 8: N of 8 or less at vectors of 1), so a row's P
    /// subwarps share a warp and its loads of weights and offsets coalesce: P = 32 / T (a warp per row) with
    /// unroll 2 and 4 in blocks of 128 threads and with unroll 4 and 8 in blocks of 256, half that P with
    /// unroll 4 and 8 (a row's loads nearly all in flight at once on 400-1100-nonzero rows), a quarter of it
    /// with unroll 4 in blocks of 256; for N of 2 to 16 also one thread per row covering all of N (T = 1,
    /// vectors of up to 4, P = 16) with unroll 2 and 4; each also with 16-bit column indices (`n1`) where K
    /// allows, packing each weight as a half beside its column (`n2`) where every weight is a half. (On an
    /// H200 at N = 1, P = 8 and 16 with unroll 4 won; P = 32 and unroll 8 ran 4-77% slower.)
    /// Then half and a quarter of that P over staged B and with prefetch (``stagedRows(for:k:)``).
    static func fannedCandidates(base: DataDrivenConfig, problem: SpMMProblem) -> [DataDrivenConfig] {
        guard base.subwarpWidth <= 8 else { return [] }
        func fanned(_ shape: DataDrivenConfig, split: Int, unroll: Int, blockThreads: Int) -> DataDrivenConfig {
            var c = shape
            c.kSplit = split
            c.unroll = unroll
            c.prefetch = false
            c.fannedParts = true
            c.rowsPerBlock = max(1, min(max(problem.m, 1), blockThreads / (c.subwarpWidth * split)))
            return c
        }
        let split = 32 / base.subwarpWidth
        let half = max(2, split / 2), quarter = max(2, split / 4)
        var list = [
            fanned(base, split: split, unroll: 2, blockThreads: 128), fanned(base, split: split, unroll: 4, blockThreads: 128),
            fanned(base, split: split, unroll: 4, blockThreads: 256), fanned(base, split: half, unroll: 4, blockThreads: 128),
            fanned(base, split: half, unroll: 8, blockThreads: 128), fanned(base, split: split, unroll: 8, blockThreads: 256),
            fanned(base, split: quarter, unroll: 4, blockThreads: 256),
        ]
        if base.subwarpWidth > 1, problem.n <= 16 {
            let width = [4, 2].first { $0 <= problem.n && problem.vectorWidthProblem($0) == nil } ?? 1
            var whole = base
            whole.subwarpWidth = 1
            whole.vectorWidth = width
            whole.vectorsPerThread = (problem.n + width - 1) / width
            list += [fanned(whole, split: 16, unroll: 2, blockThreads: 128), fanned(whole, split: 16, unroll: 4, blockThreads: 128)]
        }
        // Each again with 16-bit column indices where K allows (matrix products), and the weights as halves in
        // the same word where they all are halves: fewer bytes to stream.
        let narrow: Bool = if case .matrix = problem.operand, problem.k <= 1 << 16 { true } else { false }
        let format: DataDrivenConfig.EntryFormat = !narrow ? .wide : problem.weightsAreHalves ? .packedHalves : .narrowColumns
        if narrow {
            list += list.map { var c = $0; c.entryFormat = format; return c }
        }
        // B staged in shared memory (all of K where it fits) and the next groups prefetched, with 16-bit
        // columns where they fit. On an H200 at N = 1 (90%-sparse 4096 x 4096, 11008 x 4096, 4096 x 11008),
        // staged B ran 1.17-1.26x faster than the former fanned list's best with warm caches, and prefetch at
        // unroll 2 1.24-1.25x faster from cold L2 (the weights streaming from memory).
        func variant(split: Int, unroll: Int, blockThreads: Int, prefetch: Bool, staged: Bool) -> DataDrivenConfig? {
            var c = fanned(base, split: split, unroll: unroll, blockThreads: blockThreads)
            c.prefetch = prefetch
            c.entryFormat = format
            if staged {
                guard let rows = stagedRows(for: c, k: problem.k) else { return nil }
                c.stageRows = rows
            }
            return c
        }
        list += [
            variant(split: half, unroll: 4, blockThreads: 128, prefetch: false, staged: true),
            variant(split: half, unroll: 4, blockThreads: 256, prefetch: false, staged: true),
            variant(split: quarter, unroll: 4, blockThreads: 256, prefetch: false, staged: true),
            variant(split: half, unroll: 4, blockThreads: 128, prefetch: true, staged: true),
            variant(split: half, unroll: 4, blockThreads: 256, prefetch: true, staged: true),
            variant(split: half, unroll: 2, blockThreads: 128, prefetch: true, staged: false),
            variant(split: quarter, unroll: 2, blockThreads: 256, prefetch: true, staged: false),
        ].compactMap { $0 }
        return list
    }

    /// Rows of B to stage for `config` over a K of `k`: all of K (rounded up to whole copy passes) where its
    /// tile fits ``stagedBytes``, else chunks of half that (two buffers), at most
    /// ``DataDrivenConfig/maxStagedChunks`` of them; nil where they would not fit.
    static func stagedRows(for config: DataDrivenConfig, k: Int) -> Int? {
        let pass = config.copyRowsPerPass, rowBytes = config.tileColumns * 4
        let whole = (k + pass - 1) / pass * pass
        if whole * rowBytes <= stagedBytes { return whole }
        let rows = stagedBytes / 2 / rowBytes / pass * pass
        guard rows > 0, (k + rows - 1) / rows <= DataDrivenConfig.maxStagedChunks else { return nil }
        return rows
    }

    /// Shared memory the listed staged configs take for B, at most: 48 KB, so a multiprocessor holds several
    /// blocks (K = 11008 at N = 1 stages whole, 43 KB).
    static let stagedBytes = 48 * 1024

    /// Configs ``candidates(for:limits:)`` lists at most.
    public static let maximumCandidates = 76

    static func preferredVectorWidth(for problem: SpMMProblem) -> Int {
        let n = problem.n
        for width in [4, 2] where problem.vectorWidthProblem(width) == nil && (n + width - 1) / width >= 16 { return width }
        return 1
    }

    static func nextPowerOfTwo(_ value: Int) -> Int {
        var p = 1
        while p < value { p *= 2 }
        return p
    }
}
