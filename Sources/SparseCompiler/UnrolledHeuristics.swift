/// Starting points for the unrolled family: the autotuner's candidate set, best guess first (without tuning
/// the data-driven default is used instead; see `KernelSpec.untuned`).
extension TilingConfig {
    /// Feasible configurations worth timing, best guess first (at most `limit`).
    public static func candidates(for problem: SpMMProblem, limits: DeviceLimits = .hopper, limit: Int = 24) -> [TilingConfig] {
        let m = max(problem.m, 1), n = problem.n
        var widths = [1]
        if case .matrix = problem.operand {
            if n % 4 == 0 { widths = [4, 2, 1] } else if n % 2 == 0 { widths = [2, 1] }
        }
        var result: [TilingConfig] = []
        var seen = Set<TilingConfig>()
        for width in widths {
            let columnsPerThreadTile = [32, 64, 128, 256].map { $0 * width }
            for columns in columnsPerThreadTile {
                let nBlocks = max(1, (n + columns - 1) / columns)
                if nBlocks > 1 && columns > n { continue }
                for rowsPerBlock in [64 / width, 32 / width, 16 / width, 8] where rowsPerBlock >= 1 {
                    let mBlocks = max(1, min(m, (m + rowsPerBlock - 1) / rowsPerBlock))
                    let blockNonzeros = Double(problem.weights.nonzeroCount) / Double(mBlocks)
                    let groups = max(1, min(8, Int((blockNonzeros / 256).rounded(.up))))
                    for g in Set([groups, max(1, groups / 2)]).sorted(by: >) {
                        let config = TilingConfig(mBlocks: mBlocks, nBlocks: nBlocks, groups: g, vectorWidth: width)
                        guard !seen.contains(config),
                              (try? SpMMPlan(problem: problem, config: config, limits: limits)) != nil
                        else { continue }
                        seen.insert(config)
                        result.append(config)
                    }
                }
            }
        }
        // Best guesses first: moderate tiles (64-128 columns per block), then the rest in generation order.
        let ranked = result.enumerated().sorted { a, b in
            let sa = score(a.element, n: n), sb = score(b.element, n: n)
            return sa != sb ? sa < sb : a.offset < b.offset
        }
        return Array(ranked.map(\.element).prefix(limit))
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
