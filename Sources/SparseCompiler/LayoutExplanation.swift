/// The human-readable form of a ``DataDrivenLayout`` (`sparsert compile --explain` for the data-driven
/// family): how rows became parts and blocks, and how even the work is.
public enum LayoutExplanation {
    /// Counts read back from a layout's buffers: the figures ``text(_:config:problem:)`` prints.
    public struct Summary: Equatable, Sendable {
        /// Blocks along x (row blocks).
        public var blocks: Int
        /// Segment records (one per subwarp; with fanned parts one per row), and those that walk nothing and
        /// store nothing.
        public var records: Int
        public var paddingRecords: Int
        /// Rows by their number of parts: `partsHistogram[p]` rows have `p` parts.
        public var partsHistogram: [Int: Int]
        /// Nonzeros per record that has a row: largest and mean.
        public var largestPart: Int
        public var meanPart: Double
        /// Nonzeros per block: largest and mean.
        public var largestBlock: Int
        public var meanBlock: Double
        /// Entry slots (per section) and the share of them that is alignment padding or slack.
        public var entrySlots: Int
        public var paddingShare: Double
    }

    /// Reads the layout's records back: parts per row, nonzeros per part and block, padding.
    public static func summary(_ layout: DataDrivenLayout, config: DataDrivenConfig) -> Summary {
        let stride = layout.recordWords
        // Fanned parts: one record per row, its nonzeros walked by P parts group by group.
        let perBlock = config.rowsPerBlock * config.recordsPerRow
        let records = layout.segments.count / stride
        var histogram: [Int: Int] = [:]
        var partSizes: [Int] = []
        var blockTotals = [Int](repeating: 0, count: records / perBlock)
        var padding = 0
        var followers = 0
        for record in 0..<records {
            let base = record * stride
            var count = headCount(layout, record: record)
            for chunk in 0..<layout.chunks {
                let pair = base + DataDrivenLayout.boundsWord(staged: config.stageRows != nil, chunk: chunk)
                count += Int(layout.segments[pair + 1] - layout.segments[pair]) / 4
            }
            let word = layout.segments[base + 3]
            let real: Bool
            if config.adaptiveSplit {
                // A leader starts a row; followers belong to the last leader; the rest is padding.
                if word != UInt32.max {
                    histogram[Int(word >> 24) + 1, default: 0] += 1
                    followers = Int(word >> 24)
                    real = true
                } else if followers > 0 {
                    followers -= 1
                    real = true
                } else {
                    real = false
                }
            } else {
                real = word != UInt32.max
                if real && (config.fannedParts || record % config.kSplit == 0) { histogram[config.kSplit, default: 0] += 1 }
            }
            if !real {
                padding += 1
            } else if config.fannedParts {
                let groups = (count + 3) / 4
                for part in 0..<config.kSplit {
                    partSizes.append(Swift.stride(from: part, to: groups, by: config.kSplit).reduce(0) { $0 + min(4, count - 4 * $1) })
                }
            } else {
                partSizes.append(count)
            }
            blockTotals[record / perBlock] += count
        }
        let nonzeros = partSizes.reduce(0, +)
        let used = layout.capacity
        return Summary(
            blocks: blockTotals.count, records: records, paddingRecords: padding, partsHistogram: histogram,
            largestPart: partSizes.max() ?? 0, meanPart: partSizes.isEmpty ? 0 : Double(nonzeros) / Double(partSizes.count),
            largestBlock: blockTotals.max() ?? 0, meanBlock: Double(nonzeros) / Double(blockTotals.count),
            entrySlots: used, paddingShare: used == 0 ? 0 : Double(used - nonzeros) / Double(used))
    }

    /// Head entries of `record` that hold a nonzero (offset not the sentinel).
    static func headCount(_ layout: DataDrivenLayout, record: Int) -> Int {
        let head = layout.headEntries
        guard head > 0 else { return 0 }
        let offsets = layout.entries[(layout.capacity + record * head)..<(layout.capacity + (record + 1) * head)]
        return offsets.filter { $0 != DataDrivenLayout.headSentinel }.count
    }

    public static func text(_ layout: DataDrivenLayout, config: DataDrivenConfig, problem: SpMMProblem) -> String {
        let s = summary(layout, config: config)
        let tiles = (problem.n + config.tileColumns - 1) / config.tileColumns
        let subwarps = config.rowsPerBlock * config.kSplit
        let parts = s.partsHistogram.keys.sorted().map { "\($0): \(s.partsHistogram[$0]!)" }.joined(separator: ", ")
        let split = config.adaptiveSplit
            ? "parts by row length: up to \(config.kSplit) parts of about \(config.adaptivePartLength) nonzeros"
            : config.fannedParts ? "K split \(config.kSplit) for every row, fanned: part p walks groups p, p + \(config.kSplit), ... of 4"
            : "K split \(config.kSplit) for every row"
        var lines = [
            "layout: \(s.blocks) x \(tiles) blocks of \(config.threadsPerBlock) threads (\(subwarps) subwarps of "
                + "\(config.subwarpWidth)), tile \(config.tileColumns) columns (\(config.vectorsPerThread) vectors of "
                + "\(config.vectorWidth) per thread)",
            "        \(split); rows by parts (parts: rows) \(parts)",
            "        \(s.records) records, \(s.paddingRecords) padding; nonzeros per part: mean "
                + "\(PlanExplanation.format(s.meanPart)), max \(s.largestPart); per block: mean "
                + "\(PlanExplanation.format(s.meanBlock)), max \(s.largestBlock) (imbalance "
                + "\(PlanExplanation.format(s.meanBlock == 0 ? 0 : Double(s.largestBlock) / s.meanBlock)))",
            "        entries: \(s.entrySlots) slots per section, \(PlanExplanation.format(s.paddingShare * 100))% alignment "
                + "padding and slack" + (layout.headEntries > 0 ? "; head of \(layout.headEntries) per part" : "")
                + entryFormatNote(layout.entryFormat),
        ]
        if config.clusterSplit > 1 {
            let slices = zip(layout.sliceBounds, layout.sliceBounds.dropFirst()).map { "\($0)..<\($1)" }.joined(separator: ", ")
            lines.append("        K split over clusters of \(config.clusterSplit) blocks, block q walking column slice q: "
                         + "\(slices) (records and rows above count once per slice)")
        }
        if let stage = config.stageRows {
            lines.append("        B staged \(stage) rows at a time: \(layout.chunks) chunks, "
                         + "\(config.stageBytes(k: problem.k)) B of shared memory for B")
        }
        lines.append("        \(config.sharedMemoryBytes(k: problem.k)) B dynamic shared memory in all; about "
                     + "\(config.estimatedRegisters) registers per thread estimated"
                     + (config.maxRegisters.map { ", capped at \($0)" } ?? ""))
        return lines.joined(separator: "\n")
    }

    /// How the entries hold a nonzero, where they are narrower than an f32 weight and a 32-bit B offset.
    static func entryFormatNote(_ format: DataDrivenConfig.EntryFormat) -> String {
        switch format {
        case .wide: ""
        case .narrowColumns: "; 6 bytes a nonzero (f32 weight, 16-bit column)"
        case .packedHalves: "; 4 bytes a nonzero (half weight and 16-bit column in one word, one section)"
        }
    }
}
