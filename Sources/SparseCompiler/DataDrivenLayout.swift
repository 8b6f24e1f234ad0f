import Float16Bits
import SparseFormats
import SparseReference

/// The sparse weights of a data-driven kernel, laid out at compile time for the way the kernel reads them.
///
/// Rows are swizzled: sorted by decreasing nonzero count (ties by row index), so the rows of a block and of a
/// warp loop about equally long, and the heaviest blocks are launched first. Row slot `s` (block `s / R`,
/// row `s % R` within it) computes original row `rowOrder[s]`; slots past M are padding. Staged kernels
/// deal the sorted rows to their blocks instead (``dealt(_:rowsPerBlock:rowsPerWarp:)``). Each slot's
/// nonzeros, in column order, are split into `kSplit` contiguous parts of near-equal size, one per subwarp
/// (with ``DataDrivenConfig/interleavedParts``, dealt to the parts in turn instead; with
/// ``DataDrivenConfig/fannedParts`` not split: one record per slot, whose P subwarps each start at their
/// own group of 4 of the row).
///
/// With a cluster split (``DataDrivenConfig/clusterSplit``, Q), the columns of A are cut into Q slices of
/// about equal nonzeros (``sliceBounds``), and the records come Q times, slice-major: the same rows and
/// parts in the same order each time, each walking only its row's nonzeros in that slice (parts by row
/// length are sized for a Q-th of the row). Block q of a cluster reads the q-th copy.
///
/// Two device buffers of 32-bit words, the kernel's first two parameters:
/// - `segments`: one record per (slot, part), slot-major. Its first 4 words are the part's first and end
///   entry (byte offsets into the entries' first section), the C row's byte offset from C's base, and the
///   original row (`0xFFFF_FFFF` for a padding slot, which stores nothing); a subwarp reads them with one
///   16-byte load. With parts by row length (``DataDrivenConfig/adaptiveSplit``) records are packed
///   instead: a row's leading part holds the row plus (its parts - 1) << 24, the others `0xFFFF_FFFF`.
///   Staged (``DataDrivenConfig/stageRows``), one (first, end) pair per K chunk follows, padded to a
///   multiple of 4 words (``recordWords``): each chunk's nonzeros of the row are split into the parts, so
///   every part works in every chunk.
/// - `entries`: `sections` sections of `capacity` words each (then, with a bias, one f32 per row of A at
///   ``biasWord``); section `i` of entry `e` is at byte
///   `(i * capacity + e) * 4`. The sections: the weights (f32 bits); the B byte offsets (`k * ldb * 4` for a
///   matrix, saving a multiply per nonzero; staged, the offset in the shared chunk, `(k mod S) * tile * 4`);
///   for a convolution whose taps can fall into the padding, the tap index `kh * KW + kw`. Every part
///   starts at a multiple of 4 entries, so 16-byte vector loads stay aligned. With 16-bit indices
///   (``entryFormat`` `narrowColumns`) the second section holds the columns k instead (staged, k mod S), in
///   half the words; with packed halves (`packedHalves`) there is one section, entry e's word holding the
///   weight's half bits low and its column k (staged, k mod S) high.
///   With a head (``DataDrivenConfig/headEntries``, H), the entries begin with H per (slot, part), in
///   record order: the part's first H nonzeros, unused ones with weight 0 and offset ``headSentinel``;
///   the record's first and end entry then cover the rest.
public struct DataDrivenLayout: Sendable {
    /// The B offset of an unused head entry (never a real offset: those stay below it).
    public static let headSentinel = UInt32.max
    /// Entries per part in the head region (0 without a head).
    public let headEntries: Int
    /// Words of a segment record's fixed part.
    public static let fixedRecordWords = 4

    /// Where a record's (first, end) entry pair for K chunk `chunk` starts, in words from the record:
    /// words 0-1 unstaged, after the fixed part staged (even with one chunk).
    public static func boundsWord(staged: Bool, chunk: Int) -> Int {
        staged ? fixedRecordWords + 2 * chunk : 0
    }
    /// Words per segment record: 4, plus 2 per K chunk when staged, rounded up to a multiple of 4.
    public let recordWords: Int
    /// K chunks of a staged kernel (1 otherwise).
    public let chunks: Int
    /// Unused words at the end of each section, so the kernel's prefetch never reads past the buffer.
    static let slackWords = 16
    /// Original row of each row slot, -1 for a padding slot (with parts by row length: the rows in packing
    /// order).
    public let rowOrder: [Int]
    /// Row slots launched: blocks along x (clusters, with a cluster split) times rows per block (records
    /// of one slice / P).
    public let slots: Int
    /// Records of one column slice: slots times P (all the records without a cluster split).
    public let recordsPerSlice: Int
    /// Column boundaries of the cluster split's slices: slice q holds columns `sliceBounds[q] ..<
    /// sliceBounds[q + 1]` (`[0, K]` without one).
    public let sliceBounds: [Int]
    /// The segment records (see the type's description).
    public let segments: [UInt32]
    /// The entries buffer (see the type's description).
    public let entries: [UInt32]
    /// Words per entries section, a multiple of 4 (the parts, then ``slackWords`` unused).
    public let capacity: Int
    /// Sections in `entries`: 2, or 3 with tap indices.
    public let sections: Int
    /// How entries hold a nonzero (``DataDrivenConfig/entryFormat``). With 16-bit columns (`narrowColumns`)
    /// the second section holds each entry's column k, two a word (entry e at byte `4 * capacity + 2 * e`),
    /// `capacity / 2` words in all, instead of B byte offsets; with packed halves (`packedHalves`) entry e's
    /// one word, at byte `4 * e`, is `k << 16 | half bits of its weight`, `capacity` words in all.
    public let entryFormat: DataDrivenConfig.EntryFormat
    /// Word in `entries` where the epilogue's bias starts (one f32 per row of A, after the sections), or nil
    /// without a bias.
    public let biasWord: Int?
    /// Byte offset added to every stored B offset so none is negative (a convolution's taps above and left
    /// of the output pixel); the kernel subtracts it from its B base once.
    public let bOffsetBias: Int64

    /// The device buffers in parameter order.
    public var buffers: [[UInt32]] { [segments, entries] }

    /// Lays out `problem`'s weights for `config`; throws ``PlanError/infeasible(config:reason:)`` when an
    /// offset would not fit 32 bits.
    public init(problem: SpMMProblem, config: DataDrivenConfig) throws {
        let weights = problem.weights
        let m = weights.rows
        let r = config.rowsPerBlock
        // Fanned parts share one record per row (each part finds its first group from its index).
        let parts = config.recordsPerRow
        func infeasible(_ reason: String) -> PlanError { .infeasible(config: config.description, reason: reason) }

        // B offset and tap of column k; C row stride (bytes, E an element).
        let e = Int64(problem.elementBytes)
        var bOffset: (Int) -> Int64
        let tap: (Int) -> UInt32
        let cRowBytes: Int64
        switch problem.operand {
        case .matrix:
            let bRowBytes = Int64(problem.bRowStride) * e
            bOffset = { Int64($0) * bRowBytes }
            tap = { _ in 0 }
            cRowBytes = Int64(problem.cRowStride) * e
            sections = 2
            bOffsetBias = 0
        case .convolution(let g):
            let taps = g.kernelH * g.kernelW
            let plane = Int64(g.height * g.width)
            bOffset = { k in
                let ic = k / taps, kh = (k % taps) / g.kernelW, kw = k % g.kernelW
                return (Int64(ic) * plane + Int64(kh) * Int64(g.width) + Int64(kw)) * e
            }
            tap = { UInt32($0 % taps) }
            cRowBytes = Int64(g.outputHeight * g.outputWidth) * e
            sections = Self.tapsNeedPredicates(g) ? 3 : 2
            bOffsetBias = Int64(g.pad * g.width + g.pad) * e
        }
        let stage = config.stageRows.map { max(1, $0) }
        let chunkCount = stage.map { max(1, (weights.columns + $0 - 1) / $0) } ?? 1
        chunks = chunkCount
        let recordStride = stage == nil ? Self.fixedRecordWords : (Self.fixedRecordWords + 2 * chunkCount + 3) / 4 * 4
        recordWords = recordStride
        if let stage {
            let rowBytes = Int64(config.tileColumns) * 4
            bOffset = { Int64($0 % stage) * rowBytes }
        }
        let chunkOf: (Int) -> Int = { k in stage.map { k / $0 } ?? 0 }
        let head = config.headEntries ?? 0
        headEntries = head
        guard bOffset(max(weights.columns - 1, 0)) < Int64(Self.headSentinel) else { throw infeasible("B offsets exceed 32 bits") }
        guard cRowBytes * Int64(m) < Int64(UInt32.max) else { throw infeasible("C row offsets exceed 32 bits") }

        let slices = max(1, config.clusterSplit)
        let bounds = Self.sliceBounds(weights, slices: slices)
        sliceBounds = bounds
        let byLength = (0..<m).sorted { a, b in
            let ca = weights.nonzeroCount(ofRow: a), cb = weights.nonzeroCount(ofRow: b)
            return ca != cb ? ca > cb : a < b
        }
        let sorted = config.similarRows ? Self.similarOrder(byLength, weights: weights, groupSize: r) : byLength

        // The records in order: which row (nil: padding), which of its parts, and the third and fourth
        // record words.
        var plans: [RecordPlan] = []
        if config.adaptiveSplit {
            plans = Self.packed(sorted, weights: weights, config: config, cRowBytes: cRowBytes, slices: slices)
            slots = plans.count / parts
            rowOrder = plans.compactMap { $0.part == 0 ? $0.row : nil }
        } else {
            slots = (m + r - 1) / r * r
            let order = stage == nil
                ? sorted + Array(repeating: -1, count: slots - m)
                : Self.dealt(sorted, rowsPerBlock: r, rowsPerWarp: max(1, 32 / (config.subwarpWidth * config.kSplit)))
            rowOrder = order
            for original in order {
                let row = original >= 0 ? original : nil
                let words = (row.map { UInt32(Int64($0) * cRowBytes) } ?? 0, row.map { UInt32($0) } ?? UInt32.max)
                for p in 0..<parts { plans.append(RecordPlan(row: row, part: p, parts: parts, words: words)) }
            }
        }

        // The pieces of each record: per chunk, the part's share of the row's nonzeros in that chunk and
        // column slice (CSR positions, in column order): a contiguous run, or with interleaved parts every
        // P-th nonzero. Unstaged there is one chunk, the whole row (of the slice).
        func pieces(_ plan: RecordPlan, slice: Int) -> [[Int]] {
            guard let row = plan.row else { return Array(repeating: [], count: chunkCount) }
            let rowRange = weights.range(ofRow: row)
            // The slice's nonzeros are a contiguous run of the row (columns increase along it); without a
            // cluster split the slice is the whole row, found without a search.
            var (lowerBound, upperBound) = (rowRange.lowerBound, rowRange.upperBound)
            if slices > 1 {
                let columns = bounds[slice]..<bounds[slice + 1]
                lowerBound = rowRange.first { columns.lowerBound <= Int(weights.columnIndices[$0]) } ?? rowRange.upperBound
                upperBound = rowRange.first { columns.upperBound <= Int(weights.columnIndices[$0]) } ?? rowRange.upperBound
            }
            var result: [[Int]] = []
            var lower = lowerBound
            for c in 0..<chunkCount {
                var upper = lower
                while upper < upperBound, chunkOf(Int(weights.columnIndices[upper])) == c { upper += 1 }
                let count = upper - lower
                if config.interleavedParts {
                    result.append(Array(stride(from: lower + plan.part, to: upper, by: plan.parts)))
                } else {
                    result.append(Array((lower + count * plan.part / plan.parts)..<(lower + count * (plan.part + 1) / plan.parts)))
                }
                lower = upper
            }
            return result
        }

        // A head takes each part's first H nonzeros (unstaged: one piece per part).
        func overflow(_ piece: [Int]) -> ArraySlice<Int> { piece.dropFirst(head) }

        // Every record: the plans once per column slice, slice-major.
        let records = (0..<slices).flatMap { slice in plans.map { (plan: $0, slice: slice) } }
        recordsPerSlice = plans.count
        let allPieces = records.map { pieces($0.plan, slice: $0.slice) }

        // Pass 1: each piece's first entry after the head region, pieces padded to multiples of 4 entries.
        var starts: [Int] = []
        var cursor = records.count * head
        for piece in allPieces.joined() {
            starts.append(cursor)
            cursor += (overflow(piece).count + 3) / 4 * 4
        }
        // Slack after the last part: the main loop's last prefetch reads up to 16 words past its part.
        capacity = cursor + Self.slackWords
        entryFormat = config.entryFormat
        let entryWords = switch entryFormat {
        case .wide: capacity * sections
        case .narrowColumns: capacity + capacity / 2
        case .packedHalves: capacity
        }
        guard Int64(entryWords) * 4 <= Int64(UInt32.max) else { throw infeasible("entries exceed 4 GB") }

        // Pass 2: records and entries.
        var segments = [UInt32](repeating: 0, count: records.count * recordStride)
        var entries = [UInt32](repeating: 0, count: entryWords)
        var next = 0
        for (index, plan) in records.map(\.plan).enumerated() {
            let record = index * recordStride
            for (c, whole) in allPieces[index].enumerated() {
                let headStart = index * head
                for e in 0..<head {
                    let source = e < whole.count ? whole[e] : nil
                    entries[headStart + e] = source.map { weights.values[$0].bitPattern } ?? 0
                    entries[capacity + headStart + e] =
                        source.map { UInt32(bOffset(Int(weights.columnIndices[$0]))) } ?? Self.headSentinel
                    if sections == 3 { entries[2 * capacity + headStart + e] = source.map { tap(Int(weights.columnIndices[$0])) } ?? 0 }
                }
                let piece = overflow(whole)
                let start = starts[next]
                next += 1
                for (e, source) in piece.enumerated() {
                    let k = Int(weights.columnIndices[source])
                    let column = UInt32(stage.map { k % $0 } ?? k)
                    switch entryFormat {
                    case .wide:
                        entries[start + e] = weights.values[source].bitPattern
                        entries[capacity + start + e] = UInt32(bOffset(k))
                    case .narrowColumns:
                        entries[start + e] = weights.values[source].bitPattern
                        entries[capacity + (start + e) / 2] |= column << (16 * ((start + e) % 2))
                    case .packedHalves:
                        entries[start + e] = column << 16 | UInt32(HalfPrecision.halfBits(from: weights.values[source]))
                    }
                    if sections == 3 { entries[2 * capacity + start + e] = tap(k) }
                }
                let bounds = record + Self.boundsWord(staged: stage != nil, chunk: c)
                segments[bounds] = UInt32(start * 4)
                segments[bounds + 1] = UInt32((start + piece.count) * 4)
            }
            segments[record + 2] = plan.words.0
            segments[record + 3] = plan.words.1
        }
        self.segments = segments
        if let bias = problem.epilogue.bias {
            // The kernel finds a record's row in 24 bits (parts by row length keep a count above them).
            guard m < 1 << 24 else { throw infeasible("a bias needs M below 2^24") }
            biasWord = entries.count
            self.entries = entries + bias.map(\.bitPattern)
        } else {
            biasWord = nil
            self.entries = entries
        }
    }

    /// One segment record to be: its row (nil: padding), which of the row's `parts` parts it walks, and its
    /// words 2 and 3.
    struct RecordPlan {
        let row: Int?
        let part: Int
        let parts: Int
        let words: (UInt32, UInt32)
    }

    /// Parts by row length (``DataDrivenConfig/adaptiveSplit``): rows, longest first, get
    /// `min(P, ceil(L / partLength))` parts each and are packed into blocks of R * P records, a row's parts
    /// side by side in one block (the block is closed with padding records when they do not fit), in
    /// sorted order or, with ``DataDrivenConfig/evenBlocks``, dealt so blocks hold similar nonzero counts.
    /// A row's first part is its leader: word 3 is the row plus (parts - 1) << 24, word 2 the C row offset; the
    /// other parts and padding records have word 3 = 0xFFFF_FFFF.
    static func packed(
        _ sorted: [Int], weights: CSRMatrix, config: DataDrivenConfig, cRowBytes: Int64, slices: Int = 1
    ) -> [RecordPlan] {
        let perBlock = config.rowsPerBlock * config.kSplit
        // With a cluster split each part walks one slice: a Q-th of the row, about.
        let length = config.adaptivePartLength * slices
        let partsOf = { (row: Int) in min(config.kSplit, max(1, (weights.nonzeroCount(ofRow: row) + length - 1) / length)) }
        let blocks = config.evenBlocks
            ? evenlyDealt(sorted, parts: partsOf, perBlock: perBlock)
            : inOrder(sorted, parts: partsOf, perBlock: perBlock)
        var plans: [RecordPlan] = []
        for rows in blocks {
            for row in rows {
                let parts = partsOf(row)
                for p in 0..<parts {
                    let words = p == 0 ? (UInt32(Int64(row) * cRowBytes), UInt32(row) | UInt32(parts - 1) << 24) : (0, UInt32.max)
                    plans.append(RecordPlan(row: row, part: p, parts: parts, words: words))
                }
            }
            while plans.count % perBlock != 0 { plans.append(RecordPlan(row: nil, part: 0, parts: 1, words: (0, UInt32.max))) }
        }
        if plans.isEmpty {
            plans = Array(repeating: RecordPlan(row: nil, part: 0, parts: 1, words: (0, UInt32.max)), count: perBlock)
        }
        return plans
    }

    /// Column boundaries cutting `weights` into `slices` ranges of about equal nonzeros: `slices + 1`
    /// nondecreasing values from 0 to K; boundary q is the first column where at least q / slices of the
    /// nonzeros lie to its left. O(nonzeros + K).
    static func sliceBounds(_ weights: CSRMatrix, slices: Int) -> [Int] {
        guard slices > 1 else { return [0, weights.columns] }
        var perColumn = [Int](repeating: 0, count: weights.columns)
        for column in weights.columnIndices { perColumn[Int(column)] += 1 }
        let total = weights.nonzeroCount
        var bounds = [0]
        var seen = 0
        for column in 0..<weights.columns {
            // Boundary q goes at the first column with q / slices of the nonzeros (`seen`) to its left.
            while bounds.count < slices, seen * slices >= bounds.count * total { bounds.append(column) }
            seen += perColumn[column]
        }
        while bounds.count < slices { bounds.append(weights.columns) }
        bounds.append(weights.columns)
        return bounds
    }

    /// Rows in sorted order, a block closed when the next row's parts do not fit.
    static func inOrder(_ sorted: [Int], parts: (Int) -> Int, perBlock: Int) -> [[Int]] {
        var blocks: [[Int]] = []
        var used = perBlock
        for row in sorted {
            let p = parts(row)
            if used + p > perBlock {
                blocks.append([])
                used = 0
            }
            blocks[blocks.count - 1].append(row)
            used += p
        }
        return blocks
    }

    /// Rows, longest first, dealt to as few blocks as hold their parts, going back and forth over the
    /// blocks (0, 1, ..., B-1, B-1, ..., 0, 0, 1, ...) and skipping blocks without room, so every block
    /// gets a share of long and of short rows and about the same number of nonzeros
    /// (``DataDrivenConfig/evenBlocks``). One more block is added when fragmentation leaves a row without room. O(rows x blocks) at worst.
    static func evenlyDealt(_ sorted: [Int], parts: (Int) -> Int, perBlock: Int) -> [[Int]] {
        let total = sorted.reduce(0) { $0 + parts($1) }
        var count = max(1, (total + perBlock - 1) / perBlock)
        while true {
            var blocks = [[Int]](repeating: [], count: count)
            var used = [Int](repeating: 0, count: count)
            var position = 0
            var placedAll = true
            for row in sorted {
                let p = parts(row)
                var placed = false
                for _ in 0..<(2 * count) {
                    let b = position < count ? position : 2 * count - 1 - position
                    position = (position + 1) % (2 * count)
                    if used[b] + p <= perBlock {
                        blocks[b].append(row)
                        used[b] += p
                        placed = true
                        break
                    }
                }
                if !placed { placedAll = false; break }
            }
            if placedAll { return blocks }
            count += 1
        }
    }

    /// Staged kernels run few, large blocks, about one wave: sorted rows in blocks of R would leave the
    /// first blocks with all the long rows. Instead the rows, in sorted order, go in units of one warp's
    /// rows (similar lengths, so a warp's subwarps finish together) to the blocks in turn: unit j to block
    /// j % G (G blocks), so every block gets one of the longest units, one of the next, and so on. Ranks
    /// past M give padding slots (-1).
    static func dealt(_ sorted: [Int], rowsPerBlock r: Int, rowsPerWarp: Int) -> [Int] {
        let m = sorted.count
        let blocks = (m + r - 1) / r
        let unit = r % rowsPerWarp == 0 ? rowsPerWarp : 1
        var order: [Int] = []
        order.reserveCapacity(m)
        for slot in 0..<(blocks * r) {
            let block = slot / r, position = slot % r
            let rank = ((position / unit) * blocks + block) * unit + position % unit
            order.append(rank < m ? sorted[rank] : -1)
        }
        return order
    }

    /// Whether some tap of `g` falls into the padding for some output pixel (then loads need predicates).
    static func tapsNeedPredicates(_ g: ConvolutionShape) -> Bool {
        func inside(_ tap: Int, outputs: Int, size: Int) -> Bool {
            tap - g.pad >= 0 && (outputs - 1) * g.stride - g.pad + tap < size
        }
        let rows = (0..<g.kernelH).allSatisfy { inside($0, outputs: g.outputHeight, size: g.height) }
        let columns = (0..<g.kernelW).allSatisfy { inside($0, outputs: g.outputWidth, size: g.width) }
        return !(rows && columns)
    }

    /// `sorted` (rows by decreasing length) regrouped for ``DataDrivenConfig/similarRows``: within each window of
    /// 32 groups, every group of `groupSize` starts from the longest row left and adds the rows that bring the
    /// fewest columns new to the group per nonzero, so consecutive rows (a block's) share columns while the
    /// lengths in a window stay close. O(window x M x K / 64).
    static func similarOrder(_ sorted: [Int], weights: CSRMatrix, groupSize: Int) -> [Int] {
        let size = max(2, groupSize)
        let sets = ColumnSets(weights)
        var order: [Int] = []
        order.reserveCapacity(sorted.count)
        for start in stride(from: 0, to: sorted.count, by: 32 * size) {
            var left = Array(sorted[start..<min(start + 32 * size, sorted.count)])
            while !left.isEmpty {
                var union = sets.emptyUnion
                for i in 0..<min(size, left.count) {
                    let next = i == 0 ? 0 : sets.mostShared(among: left, union: union)
                    let row = left.remove(at: next)
                    sets.add(row, to: &union)
                    order.append(row)
                }
            }
        }
        return order
    }
}
