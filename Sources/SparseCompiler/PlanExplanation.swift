/// The human-readable form of an ``SpMMPlan`` (`sparsert compile --explain`).
public enum PlanExplanation {
    public static func text(_ plan: SpMMPlan) -> String {
        let c = plan.config
        var lines = [
            "plan: \(plan.blocks.count) x \(plan.gridY) blocks of \(plan.threadsPerBlock) threads "
                + "(\(c.groups) groups of \(plan.threadsPerGroup)), \(plan.columnsPerBlock) columns per block, "
                + "\(c.vectorWidth) per thread",
            "      balance \(c.balance.rawValue): block imbalance \(format(plan.blockImbalance)) (max/mean nonzeros), "
                + "group imbalance \(format(plan.groupImbalance)), \(plan.bRowLoads) loads of a row of B per N tile",
            "      \(plan.accumulatorsPerThread) accumulator registers per thread (busiest group)"
                + (c.maxRegisters.map { ", at most \($0) registers (.maxnreg)" } ?? "")
                + ", \(plan.sharedMemoryBytes) B dynamic shared memory for the reduction",
        ]
        if c.balance == .nonzeros {
            var similar = c
            similar.balance = .similarColumns
            if let alternative = try? SpMMPlan(problem: plan.problem, config: similar), plan.bRowLoads > 0 {
                let fewer = 100 * Double(plan.bRowLoads - alternative.bRowLoads) / Double(plan.bRowLoads)
                lines.append("      with sim (rows that share columns gathered): \(alternative.bRowLoads) loads of a row of B per N tile"
                    + " (\(Int(fewer.rounded()))% fewer), block imbalance \(format(alternative.blockImbalance))")
            }
        }
        let rowsWidth = max(12, (plan.blocks.map(\.rowsSummary.count).max() ?? 0) + 2)
        lines.append("block  " + "rows".padding(rowsWidth) + "  nnz    groups (nnz, K range)")
        for (i, block) in plan.blocks.enumerated() {
            let groups = block.groups.map { g -> String in
                guard let range = g.kRange else { return "0" }
                return "\(g.nonzeros) k\(range.lowerBound)-\(range.upperBound)"
            }.joined(separator: " | ")
            let rows = block.rowsSummary
            lines.append(pad(String(i), 5) + "  " + rows.padding(rowsWidth) + pad(String(block.nonzeros), 5) + "    " + groups)
        }
        return lines.joined(separator: "\n")
    }

    static func format(_ value: Double) -> String {
        let scaled = (value * 100).rounded() / 100
        return String(scaled)
    }

    static func pad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }
}

extension String {
    /// Left-aligns in `width` columns.
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}
