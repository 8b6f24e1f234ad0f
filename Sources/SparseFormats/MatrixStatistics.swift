/// Shape and load-balance statistics of a sparse matrix, as `sparsert inspect` prints them.
///
/// The per-row distribution matters because a row is the natural unit of GPU work: a large spread of
/// nonzeros per row means unbalanced threads. Encodes to JSON with the keys `rows`, `cols`, `nnz`,
/// `sparsity`, `nnzPerRow` {mean, std, min, max}, `emptyRows`, `emptyColumns`, `histogram` [{lo, hi, count}].
public struct MatrixStatistics: Sendable, Equatable, Codable {
    /// Summary of the number of nonzeros in each row; `std` is the population standard deviation.
    public struct RowSummary: Sendable, Equatable, Codable {
        public let mean: Double
        public let std: Double
        public let min: Int
        public let max: Int

        public init(mean: Double, std: Double, min: Int, max: Int) {
            (self.mean, self.std, self.min, self.max) = (mean, std, min, max)
        }
    }

    /// One histogram bin: the rows whose nonzero count lies in `lo...hi` (both inclusive).
    public struct Bin: Sendable, Equatable, Codable {
        public let lo: Int
        public let hi: Int
        public let count: Int

        public init(lo: Int, hi: Int, count: Int) {
            (self.lo, self.hi, self.count) = (lo, hi, count)
        }
    }

    public let rows: Int
    public let columns: Int
    public let nonzeroCount: Int
    /// Fraction of entries not stored, in [0, 1].
    public let sparsity: Double
    public let nonzerosPerRow: RowSummary
    /// Rows without a nonzero.
    public let emptyRows: Int
    /// Columns without a nonzero.
    public let emptyColumns: Int
    /// Equal-width integer bins covering [min, max] of nonzeros per row, at most `maxBins` of them;
    /// empty when the matrix has no rows.
    public let histogram: [Bin]

    enum CodingKeys: String, CodingKey {
        case rows, columns = "cols", nonzeroCount = "nnz", sparsity, nonzerosPerRow = "nnzPerRow", emptyRows,
            emptyColumns, histogram
    }

    /// Computes the statistics of `matrix` with at most `maxBins` (>= 1) histogram bins.
    public init(_ matrix: CSRMatrix, maxBins: Int = 10) {
        precondition(maxBins >= 1, "need at least one histogram bin")
        rows = matrix.rows
        columns = matrix.columns
        nonzeroCount = matrix.nonzeroCount
        sparsity = matrix.sparsity

        let counts = (0..<matrix.rows).map(matrix.nonzeroCount(ofRow:))
        let lowest = counts.min() ?? 0
        let highest = counts.max() ?? 0
        let mean = counts.isEmpty ? 0 : Double(nonzeroCount) / Double(counts.count)
        let variance = counts.isEmpty
            ? 0 : counts.reduce(0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(counts.count)
        nonzerosPerRow = RowSummary(mean: mean, std: variance.squareRoot(), min: lowest, max: highest)
        emptyRows = counts.filter { $0 == 0 }.count

        var used = [Bool](repeating: false, count: matrix.columns)
        for c in matrix.columnIndices { used[Int(c)] = true }
        emptyColumns = used.filter { !$0 }.count

        if counts.isEmpty {
            histogram = []
        } else {
            let span = highest - lowest + 1
            let width = (span + maxBins - 1) / maxBins
            let binCount = (span + width - 1) / width
            var tallies = [Int](repeating: 0, count: binCount)
            for n in counts { tallies[(n - lowest) / width] += 1 }
            histogram = (0..<binCount).map { b in
                let lo = lowest + b * width
                return Bin(lo: lo, hi: Swift.min(lo + width - 1, highest), count: tallies[b])
            }
        }
    }
}
