import SparseFormats

/// Each row's columns of A as a bit set (64 columns a word), for gathering rows that share columns:
/// a group of rows loads one row of B per distinct column among them.
struct ColumnSets {
    /// Words per row.
    let words: Int
    private var masks: [UInt64]
    private let lengths: [Int]

    /// O(nnz) time, M K / 8 bytes.
    init(_ weights: CSRMatrix) {
        words = max(1, (weights.columns + 63) / 64)
        masks = [UInt64](repeating: 0, count: weights.rows * words)
        lengths = (0..<weights.rows).map { weights.nonzeroCount(ofRow: $0) }
        for r in 0..<weights.rows {
            for i in weights.range(ofRow: r) {
                let c = Int(weights.columnIndices[i])
                masks[r * words + c / 64] |= 1 << UInt64(c % 64)
            }
        }
    }

    /// An empty union to grow with ``add(_:to:)``.
    var emptyUnion: [UInt64] { [UInt64](repeating: 0, count: words) }

    /// Adds `row`'s columns to `union`.
    func add(_ row: Int, to union: inout [UInt64]) {
        for w in 0..<words { union[w] |= masks[row * words + w] }
    }

    /// The index in `candidates` of the row that brings the fewest columns new to `union` per nonzero: the
    /// longer on a tie, then the earlier. `candidates` must not be empty. O(candidates x K / 64).
    func mostShared(among candidates: [Int], union: [UInt64]) -> Int {
        var best = 0, bestNew = 0, bestLength = 0
        for (j, r) in candidates.enumerated() {
            var new = 0
            for w in 0..<words { new += (masks[r * words + w] & ~union[w]).nonzeroBitCount }
            let length = max(lengths[r], 1)
            // new / length < bestNew / bestLength, or equal and longer.
            if j == 0 || new * bestLength < bestNew * length || (new * bestLength == bestNew * length && length > bestLength) {
                best = j
                bestNew = new
                bestLength = length
            }
        }
        return best
    }
}
