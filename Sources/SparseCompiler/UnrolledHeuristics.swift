import Foundation

/// Starting points for the unrolled family: the autotuner's candidate set, best guess first (without tuning
/// the data-driven default is used instead; see `KernelSpec.untuned`).
extension TilingConfig {
    /// Feasible configurations worth timing, best guess first (at most `limit`).
    ///
    /// Two grids over vector widths (2 and 1 as N allows) and N tiles of 32 to 256 vectors:
    /// 1. The core grid, ranked by ``score(_:n:)``: blocks of 64 / W, 32 / W, 16 / W or 8 rows, with groups
    ///    of about 256 nonzeros each or twice that.
    /// 2. The wide grid: everything else with blocks of 2 to 64 / W rows and 1, 2, 4 or 8 groups whose groups
    ///    hold 25 to 400 nonzeros on average, those nearest 100 a group first, then narrow vectors first
    ///    (cheaper to assemble). On an H200 it held the best config of Table 1 problems 2 (0.95), 4, 6 (0.95)
    ///    and 14, 1.1-1.4x faster than the core grid's best: smaller groups, or one-warp tiles at large N.
    ///
    /// Vectors of 4 are not listed (`,v4` still plans when asked for): on an H200 none was the best config of
    /// any Table 1 instance at batch 1 (6b9fb50, ed8b716) or batch 8 since the wide grid, and they took 221 of
    /// the 364 ptxas CPU-seconds of problem 3's list (19 of its 194 candidates). Convolutions list vectors of 1.
    ///
    /// Only vector widths `widthFits` accepts are planned: a caller whose code-size budget depends on the
    /// width alone (the tuner's) passes it here, so a layer too large for unrolled code plans nothing (planning
    /// every tiling of an 11008 x 4096 layer at 90%, all then left out, made `tune --list` take 25 s instead of
    /// 0.7 s on this repository's CPU machine).
    public static func candidates(
        for problem: SpMMProblem, limits: DeviceLimits = .hopper, limit: Int = 24, widthFits: (Int) -> Bool = { _ in true }
    ) -> [TilingConfig] {
        let m = max(problem.m, 1), n = problem.n
        var widths = [1]
        if case .matrix = problem.operand, n % 2 == 0 { widths = [2, 1] }
        widths = widths.filter(widthFits)
        // (vector width, blocks along N) of every tile: N tiles of 32 to 256 vectors.
        var tiles: [(width: Int, nBlocks: Int)] = []
        for width in widths {
            for columns in [32, 64, 128, 256].map({ $0 * width }) {
                let nBlocks = max(1, (n + columns - 1) / columns)
                if nBlocks > 1 && columns > n { continue }
                tiles.append((width, nBlocks))
            }
        }
        var seen = Set<TilingConfig>()
        /// The configs for blocks of `rows` rows with each group count `groups` picks from the block's mean
        /// nonzeros, those that plan and are new, each with its mean nonzeros per group.
        func config(_ tile: (width: Int, nBlocks: Int), rows: Int, groups: (Double) -> [Int]) -> [(TilingConfig, Double)] {
            let mBlocks = max(1, min(m, (m + rows - 1) / rows))
            let blockNonzeros = Double(problem.weights.nonzeroCount) / Double(mBlocks)
            return groups(blockNonzeros).compactMap { g in
                let config = TilingConfig(mBlocks: mBlocks, nBlocks: tile.nBlocks, groups: g, vectorWidth: tile.width)
                guard !seen.contains(config), (try? SpMMPlan(problem: problem, config: config, limits: limits)) != nil else {
                    return nil
                }
                seen.insert(config)
                return (config, blockNonzeros / Double(g))
            }
        }
        var core: [TilingConfig] = []
        for tile in tiles {
            for rows in [64 / tile.width, 32 / tile.width, 16 / tile.width, 8] where rows >= 1 {
                core += config(tile, rows: rows) { blockNonzeros in
                    let g = max(1, min(8, Int((blockNonzeros / 256).rounded(.up))))
                    return Set([g, max(1, g / 2)]).sorted(by: >)
                }.map(\.0)
            }
        }
        var wide: [(config: TilingConfig, distance: Double)] = []
        for tile in widths.sorted().flatMap({ w in tiles.filter { $0.width == w } }) {
            for rows in Set([64 / tile.width, 32 / tile.width, 16 / tile.width, 8, 4, 2]).sorted(by: >) where rows >= 1 {
                wide += config(tile, rows: rows) { blockNonzeros in
                    [1, 2, 4, 8].filter { (25...400).contains(blockNonzeros / Double($0)) }
                }.map { ($0.0, abs(log2($0.1 / 100)).rounded()) }
            }
        }
        // Best guesses first: moderate tiles (64-128 columns per block), then the rest in generation order.
        let ranked = core.enumerated().sorted { a, b in
            let sa = score(a.element, n: n), sb = score(b.element, n: n)
            return sa != sb ? sa < sb : a.offset < b.offset
        }.map(\.element)
        let wideRanked = wide.enumerated().sorted { a, b in
            a.element.distance != b.element.distance ? a.element.distance < b.element.distance : a.offset < b.offset
        }.map(\.element.config)
        return Array((ranked + wideRanked).prefix(limit))
    }

    /// Lower is better: prefers blocks of 64 to 256 threads and tiles of 128 columns.
    static func score(_ config: TilingConfig, n: Int) -> Int {
        let columns = (n + config.nBlocks - 1) / config.nBlocks
        let threadsPerGroup = ((columns + config.vectorWidth - 1) / config.vectorWidth + 31) / 32 * 32
        let threads = threadsPerGroup * config.groups
        let threadPenalty = threads < 64 ? 2 : (threads > 256 ? 1 : 0)
        let widthPenalty = 4 / config.vectorWidth - 1
        return threadPenalty * 4 + widthPenalty
    }
}
