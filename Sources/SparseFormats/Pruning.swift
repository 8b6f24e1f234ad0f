/// Unstructured pruning of weight matrices to a target sparsity.
///
/// The target counts entries of the full `rows x columns` matrix: sparsity s keeps
/// `round((1 - s) * rows * columns)` entries, or fewer when the input has fewer nonzeros (zeros are never
/// kept, so an input already sparser than the target comes back unchanged).
public enum Pruning {
    /// A target sparsity outside [0, 1).
    public struct InvalidSparsity: Error, Equatable, CustomStringConvertible {
        public let sparsity: Double
        public var description: String { "sparsity \(sparsity) is outside [0, 1)" }
    }

    /// Keeps the entries of largest magnitude |w| of a dense row-major `rows x columns` array. Ties keep the
    /// earlier entry (row-major), NaN counts as the largest magnitude.
    public static func magnitude(dense: [Float], rows: Int, columns: Int, sparsity: Double) throws -> CSRMatrix {
        try magnitude(CSRMatrix(rows: rows, columns: columns, denseRowMajor: dense), sparsity: sparsity)
    }

    /// Prunes an already sparse matrix further by magnitude (see ``magnitude(dense:rows:columns:sparsity:)``).
    public static func magnitude(_ matrix: CSRMatrix, sparsity: Double) throws -> CSRMatrix {
        let keep = try keptCount(matrix, sparsity: sparsity)
        guard keep < matrix.nonzeroCount else { return matrix }
        let magnitudes = matrix.values.map { $0.isNaN ? Float.infinity : abs($0) }
        // Storage order is row-major order, so a stable sort on the nonzero index breaks ties deterministically.
        let ranked = (0..<matrix.nonzeroCount).sorted {
            magnitudes[$0] != magnitudes[$1] ? magnitudes[$0] > magnitudes[$1] : $0 < $1
        }
        var kept = [Bool](repeating: false, count: matrix.nonzeroCount)
        for i in ranked.prefix(keep) { kept[i] = true }
        return try select(matrix, kept)
    }

    /// Keeps a uniformly random subset of the nonzeros of a dense row-major array, chosen with `seed`.
    public static func random(dense: [Float], rows: Int, columns: Int, sparsity: Double, seed: UInt64) throws
        -> CSRMatrix
    {
        try random(CSRMatrix(rows: rows, columns: columns, denseRowMajor: dense), sparsity: sparsity, seed: seed)
    }

    /// Keeps a uniformly random subset of `matrix`'s nonzeros, chosen with `seed`.
    public static func random(_ matrix: CSRMatrix, sparsity: Double, seed: UInt64) throws -> CSRMatrix {
        let keep = try keptCount(matrix, sparsity: sparsity)
        guard keep < matrix.nonzeroCount else { return matrix }
        // Partial Fisher-Yates: the first `keep` slots end up a uniform sample without replacement.
        var generator = SeededNormal(seed: seed)
        var candidates = Array(0..<matrix.nonzeroCount)
        for k in 0..<keep { candidates.swapAt(k, k + generator.nextInt(below: candidates.count - k)) }
        var kept = [Bool](repeating: false, count: matrix.nonzeroCount)
        for i in candidates.prefix(keep) { kept[i] = true }
        return try select(matrix, kept)
    }

    /// The number of entries to keep for `sparsity`, after validating it.
    static func keptCount(_ matrix: CSRMatrix, sparsity: Double) throws -> Int {
        guard sparsity >= 0, sparsity < 1 else { throw InvalidSparsity(sparsity: sparsity) }
        let total = Double(matrix.rows) * Double(matrix.columns)
        return Int(((1 - sparsity) * total).rounded())
    }

    /// The submatrix of the nonzeros flagged in `kept`.
    static func select(_ matrix: CSRMatrix, _ kept: [Bool]) throws -> CSRMatrix {
        var offsets = [Int32](repeating: 0, count: matrix.rows + 1)
        var indices: [Int32] = []
        var values: [Float] = []
        for r in 0..<matrix.rows {
            for i in matrix.range(ofRow: r) where kept[i] {
                indices.append(matrix.columnIndices[i])
                values.append(matrix.values[i])
            }
            offsets[r + 1] = Int32(indices.count)
        }
        return try CSRMatrix(
            rows: matrix.rows, columns: matrix.columns, rowOffsets: offsets, columnIndices: indices, values: values)
    }
}
