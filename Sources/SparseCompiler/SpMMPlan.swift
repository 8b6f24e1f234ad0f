import SparseFormats

/// The inspector's output for one unrolled kernel: which rows each block owns, which K range each thread
/// group covers, the nonzeros it processes in K order, and how groups combine their partial sums.
///
/// Everything here is decided at compile time from the weights; the kernel generator only renders it.
public struct SpMMPlan: Sendable {
    public let problem: SpMMProblem
    public let config: TilingConfig
    /// Output columns per block (a multiple of the vector width).
    public let columnsPerBlock: Int
    /// Threads per group: enough for `columnsPerBlock / vectorWidth` columns, rounded up to a warp.
    public let threadsPerGroup: Int
    /// Blocks along N actually launched: ceil(N / columnsPerBlock).
    public let gridY: Int
    /// One plan per block along M.
    public let blocks: [BlockPlan]
    /// Dynamic shared memory per block, bytes: the largest block's reduction slots, then the B staging
    /// area (``stagingOffset``) when B is copied asynchronously.
    public let sharedMemoryBytes: Int
    /// Byte offset of the B staging area: group g's step s (of at most ``stagedStepsPerGroup``) sits at
    /// `stagingOffset + ((g * stagedStepsPerGroup + s) * threadsPerGroup + lane) * vectorWidth * 4`, so a
    /// warp's words are consecutive (no bank conflicts) and each thread reads only what it copied.
    public let stagingOffset: Int
    /// Most K steps of any group (0 unless B is staged with `cp.async`).
    public let stagedStepsPerGroup: Int
    /// Accumulator registers per thread in the busiest group (rows touched x vector width).
    public let accumulatorsPerThread: Int
    /// Registers per thread the busiest path is expected to need without spilling: its accumulators plus
    /// addresses, indices and B values in flight.
    public var estimatedRegisters: Int { accumulatorsPerThread + 8 * config.vectorWidth + 24 }

    public var threadsPerBlock: Int { config.groups * threadsPerGroup }

    /// Plans `problem` under `config`, checking that the result fits `limits`.
    public init(problem: SpMMProblem, config: TilingConfig, limits: DeviceLimits = .hopper) throws {
        func infeasible(_ reason: String) -> PlanError { .infeasible(config: config.description, reason: reason) }
        let m = problem.m, n = problem.n
        guard config.mBlocks >= 1, config.nBlocks >= 1, config.groups >= 1 else {
            throw infeasible("M_blocks, N_blocks and Gy must be at least 1")
        }
        guard [1, 2, 4].contains(config.vectorWidth) else { throw infeasible("vector width must be 1, 2 or 4") }
        guard config.mBlocks <= max(m, 1) else { throw infeasible("M_blocks \(config.mBlocks) exceeds M = \(m)") }
        guard config.nBlocks <= n else { throw infeasible("N_blocks \(config.nBlocks) exceeds N = \(n)") }
        let width = config.vectorWidth
        if let reason = problem.vectorWidthProblem(width) { throw infeasible(reason) }
        if config.staging == .asyncCopy, problem.precision != .fp32 {
            throw infeasible("cp staging copies whole words of B: it needs fp32 operands")
        }
        guard n % width == 0 else { throw infeasible("vector width \(width) does not divide N = \(n)") }
        let columnsPerBlock = config.tileColumns(n: n, elementBytes: problem.elementBytes)
        let threadsPerGroup = (columnsPerBlock / width + 31) / 32 * 32
        let threads = threadsPerGroup * config.groups
        guard threads <= limits.maxThreadsPerBlock else {
            throw infeasible("\(threads) threads per block (\(config.groups) groups of \(threadsPerGroup)) exceed \(limits.maxThreadsPerBlock)")
        }
        self.problem = problem
        self.config = config
        self.columnsPerBlock = columnsPerBlock
        self.threadsPerGroup = threadsPerGroup
        self.gridY = (n + columnsPerBlock - 1) / columnsPerBlock

        let rowSets = RowPartition.rows(of: problem.weights, blocks: max(1, min(config.mBlocks, m)), balance: config.balance)
        let blocks = rowSets.map { BlockPlan(weights: problem.weights, rows: $0, groups: config.groups) }
        self.blocks = blocks
        let slots = blocks.map(\.reductionSlotCount).max() ?? 0
        let reductionBytes = slots * threadsPerGroup * width * 4
        let stagedSteps = config.staging == .asyncCopy
            ? blocks.flatMap { $0.groups.map(\.steps.count) }.max() ?? 0 : 0
        self.stagingOffset = reductionBytes
        self.stagedStepsPerGroup = stagedSteps
        self.sharedMemoryBytes = reductionBytes + stagedSteps * threads * width * 4
        guard sharedMemoryBytes <= limits.maxSharedMemoryPerBlock else {
            let what = stagedSteps > 0
                ? "reduction (\(reductionBytes) bytes) and B staged for \(stagedSteps) K steps a group" : "reduction"
            throw infeasible("shared memory for the \(what): \(sharedMemoryBytes) bytes, more than \(limits.maxSharedMemoryPerBlock)")
        }
        let accumulators = (blocks.flatMap { $0.groups.map(\.rowsTouched.count) }.max() ?? 0) * width
        self.accumulatorsPerThread = accumulators
        let registerBudget = limits.registerBudget(threadsPerBlock: threads)
        // A cap, where given, is what ptxas will use at most, so it (not the estimate) decides the fit, as for
        // the data-driven family; below what the path needs, ptxas spills (`compile --ptxas` shows it).
        if let cap = config.maxRegisters {
            guard (32...255).contains(cap) else { throw infeasible("register cap \(cap) is outside 32...255") }
            guard cap <= registerBudget else {
                throw infeasible("register cap \(cap) exceeds the budget of \(registerBudget) at \(threads) threads")
            }
        } else {
            guard estimatedRegisters <= registerBudget else {
                throw infeasible("about \(estimatedRegisters) registers per thread needed (\(accumulators) accumulators), budget \(registerBudget) at \(threads) threads")
            }
        }
    }

    /// Rows of B loaded per N tile over all blocks and groups (one per K step): what ``BlockBalance/similarColumns``
    /// reduces.
    public var bRowLoads: Int { blocks.reduce(0) { $0 + $1.bRowLoads } }

    /// Largest nonzero count of a block over the mean: 1 is perfect balance.
    public var blockImbalance: Double {
        let counts = blocks.map(\.nonzeros)
        let mean = Double(counts.reduce(0, +)) / Double(max(counts.count, 1))
        return mean == 0 ? 1 : Double(counts.max() ?? 0) / mean
    }

    /// Largest nonzero count of a group over the mean group count, across all blocks.
    public var groupImbalance: Double {
        let counts = blocks.flatMap { $0.groups.map(\.nonzeros) }
        let mean = Double(counts.reduce(0, +)) / Double(max(counts.count, 1))
        return mean == 0 ? 1 : Double(counts.max() ?? 0) / mean
    }
}

/// One block's share: rows of A (a contiguous range unless ``BlockBalance/similarColumns``), split along K
/// among thread groups.
public struct BlockPlan: Sendable {
    /// Rows of A (and C) this block owns, ascending; a row's offset is its index here.
    public let rows: [Int]
    /// Nonzeros of A in those rows.
    public let nonzeros: Int
    /// One plan per thread group.
    public let groups: [GroupPlan]
    /// For each row (by offset), the group that sums the partials and writes C.
    public let reducer: [Int]
    /// Shared-memory slot of each (group, row) partial that another group reads; nil where none.
    public let slot: [[Int?]]
    /// Number of shared-memory slots (each one row's partials for one group's threads).
    public let reductionSlotCount: Int

    init(weights: CSRMatrix, rows: [Int], groups groupCount: Int) {
        self.rows = rows
        // Gather the block's nonzeros by column (K order), keeping row order within a column.
        var byColumn: [Int: [(row: Int, value: Float)]] = [:]
        var total = 0
        for (offset, r) in rows.enumerated() {
            for i in weights.range(ofRow: r) {
                byColumn[Int(weights.columnIndices[i]), default: []].append((offset, weights.values[i]))
                total += 1
            }
        }
        nonzeros = total
        let columns = byColumn.keys.sorted()
        // Contiguous K ranges holding about total / Gy nonzeros each (paper Fig. 3b).
        var groups: [GroupPlan] = []
        var cursor = 0
        var done = 0
        for g in 0..<groupCount {
            let target = (total * (g + 1) + groupCount - 1) / groupCount
            var steps: [KStep] = []
            while cursor < columns.count, g == groupCount - 1 || done < target {
                let k = columns[cursor]
                let entries = byColumn[k]!
                // Stop before a column that overshoots the target more than it would undershoot it.
                if !steps.isEmpty, g < groupCount - 1, done + entries.count - target > target - done { break }
                steps.append(KStep(k: k, entries: entries))
                done += entries.count
                cursor += 1
            }
            groups.append(GroupPlan(steps: steps))
        }
        self.groups = groups

        // Reduction: the reducer of a row is one of the groups that touched it (round-robin among them,
        // so the work spreads), or row % Gy when no group did (it writes zeros).
        let rowCount = rows.count
        var contributors = [[Int]](repeating: [], count: rowCount)
        for (g, group) in groups.enumerated() {
            for r in group.rowsTouched { contributors[r].append(g) }
        }
        var reducer = [Int](repeating: 0, count: rowCount)
        var slot = [[Int?]](repeating: [Int?](repeating: nil, count: rowCount), count: groupCount)
        var slots = 0
        for r in 0..<rowCount {
            let c = contributors[r]
            reducer[r] = c.isEmpty ? r % groupCount : c[r % c.count]
            for g in c where g != reducer[r] {
                slot[g][r] = slots
                slots += 1
            }
        }
        self.reducer = reducer
        self.slot = slot
        self.reductionSlotCount = slots
    }

    /// Groups that touched row `row` (offset within the block), in group order.
    public func contributors(ofRow row: Int) -> [Int] {
        groups.indices.filter { groups[$0].touches(row) }
    }

    /// K steps over all groups: the rows of B the block loads (once per N tile).
    public var bRowLoads: Int { groups.reduce(0) { $0 + $1.steps.count } }

    /// `lo..<hi` for a contiguous range, else the row count and the first rows (`6 rows: 3, 17, 40, ...`).
    public var rowsSummary: String {
        guard let first = rows.first, let last = rows.last else { return "none" }
        if last - first + 1 == rows.count { return "\(first)..<\(last + 1)" }
        return "\(rows.count) rows: " + rows.prefix(3).map(String.init).joined(separator: ", ") + (rows.count > 3 ? ", ..." : "")
    }
}

/// One K index a thread group processes: one load of B[k, :] and one FMA per nonzero A[m, k].
public struct KStep: Sendable {
    public let k: Int
    /// (row offset within the block, weight value), in row order.
    public let entries: [(row: Int, value: Float)]
}

/// A thread group's share of a block: consecutive K steps.
public struct GroupPlan: Sendable {
    public let steps: [KStep]
    /// Rows (offsets within the block) this group accumulates, ascending.
    public let rowsTouched: [Int]
    private let touchedSet: Set<Int>

    init(steps: [KStep]) {
        self.steps = steps
        let touched = Set(steps.flatMap { $0.entries.map(\.row) })
        self.touchedSet = touched
        self.rowsTouched = touched.sorted()
    }

    public var nonzeros: Int { steps.reduce(0) { $0 + $1.entries.count } }
    /// The K range covered, or nil for an empty group.
    public var kRange: ClosedRange<Int>? { steps.isEmpty ? nil : steps.first!.k...steps.last!.k }
    public func touches(_ row: Int) -> Bool { touchedSet.contains(row) }
}

/// Deals the rows of A to the blocks along M.
enum RowPartition {
    /// The rows of each of `blocks` blocks, each ascending, every row in exactly one block, and no block empty
    /// when A has at least `blocks` rows.
    static func rows(of weights: CSRMatrix, blocks: Int, balance: BlockBalance) -> [[Int]] {
        switch balance {
        case .nonzeros, .uniformRows: return ranges(of: weights, blocks: blocks, balance: balance).map(Array.init)
        case .similarColumns: return similarColumns(of: weights, blocks: blocks)
        }
    }

    /// Contiguous ranges: equal row counts (``BlockBalance/uniformRows``) or nearly equal nonzeros.
    static func ranges(of weights: CSRMatrix, blocks: Int, balance: BlockBalance) -> [Range<Int>] {
        let m = weights.rows
        let total = weights.nonzeroCount
        guard m > 0 else { return [0..<0] }
        if balance == .uniformRows || total == 0 {
            return (0..<blocks).map { b in (m * b / blocks)..<(m * (b + 1) / blocks) }
        }
        // Boundary b is the first row whose prefix count reaches b/blocks of the nonzeros, kept so that
        // every block has at least one row.
        var bounds = [0]
        var row = 0
        var prefix = 0
        for b in 1..<blocks {
            let target = Double(total) * Double(b) / Double(blocks)
            while row < m, Double(prefix) + Double(weights.nonzeroCount(ofRow: row)) / 2 < target {
                prefix += weights.nonzeroCount(ofRow: row)
                row += 1
            }
            let lowest = bounds[b - 1] + 1
            let highest = m - (blocks - b)
            let bound = min(max(row, lowest), highest)
            while row < bound {
                prefix += weights.nonzeroCount(ofRow: row)
                row += 1
            }
            while row > bound {
                row -= 1
                prefix -= weights.nonzeroCount(ofRow: row)
            }
            bounds.append(bound)
        }
        bounds.append(m)
        return (0..<blocks).map { bounds[$0]..<bounds[$0 + 1] }
    }

    /// Blocks of rows that share columns, each near an equal share of the nonzeros. A block starts from the
    /// longest row left and adds the row that brings the fewest new columns per nonzero (the longer on a tie,
    /// then the lower) while it holds less than its share; the last block takes what is left. Empty rows,
    /// which load nothing, are then dealt to the blocks in turn, those without rows first.
    /// O(M^2 K / 64) time, M K / 8 bytes.
    static func similarColumns(of weights: CSRMatrix, blocks: Int) -> [[Int]] {
        let m = weights.rows
        let sets = ColumnSets(weights)
        let length = (0..<m).map { weights.nonzeroCount(ofRow: $0) }
        var left = (0..<m).filter { length[$0] > 0 }
        var remaining = weights.nonzeroCount
        var result: [[Int]] = []
        for b in 0..<blocks {
            // The longest row left, the lowest on a tie.
            guard let seed = left.indices.max(by: { (length[left[$0]], left[$1]) < (length[left[$1]], left[$0]) }) else {
                result.append([])
                continue
            }
            let share = Double(remaining) / Double(blocks - b)
            var block = [left.remove(at: seed)]
            var held = length[block[0]]
            var union = sets.emptyUnion
            sets.add(block[0], to: &union)
            // Leave at least one row for each block after this one.
            while left.count > blocks - b - 1 {
                let best = sets.mostShared(among: left, union: union)
                if b < blocks - 1, Double(held) + Double(length[left[best]]) / 2 >= share { break }
                let row = left.remove(at: best)
                block.append(row)
                held += length[row]
                sets.add(row, to: &union)
            }
            remaining -= held
            result.append(block)
        }
        let empty = (0..<m).filter { length[$0] == 0 }
        let order = result.indices.sorted { (result[$0].isEmpty ? 0 : 1, $0) < (result[$1].isEmpty ? 0 : 1, $1) }
        for (i, row) in empty.enumerated() { result[order[i % order.count]].append(row) }
        return result.map { $0.sorted() }
    }
}
