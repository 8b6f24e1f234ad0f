/// A sparse matrix in compressed-sparse-row form: Float32 values, Int32 indices.
///
/// Row `r` holds the nonzeros `rowOffsets[r] ..< rowOffsets[r + 1]` of `columnIndices` and `values`,
/// with column indices strictly increasing within the row. A pattern-only file (DLMC `.smtx`) becomes a
/// `CSRMatrix` once values are drawn for it.
///
/// The initializer validates the structure, so every `CSRMatrix` in the program is well formed.
public struct CSRMatrix: Sendable, Equatable {
    /// Number of rows (M for a weight matrix A of C = A x B).
    public let rows: Int
    /// Number of columns (K).
    public let columns: Int
    /// `rows + 1` offsets into `columnIndices` and `values`; `rowOffsets[0] == 0`, nondecreasing.
    public let rowOffsets: [Int32]
    /// Column of each nonzero, row by row, strictly increasing within a row.
    public let columnIndices: [Int32]
    /// Value of each nonzero, in the order of `columnIndices`.
    public let values: [Float]

    /// Creates a matrix after checking its structure; throws ``SparseFormatError/invalidStructure(_:)``
    /// naming the first violation.
    public init(rows: Int, columns: Int, rowOffsets: [Int32], columnIndices: [Int32], values: [Float]) throws {
        if let problem = CSRMatrix.structuralProblem(
            rows: rows, columns: columns, rowOffsets: rowOffsets, columnIndices: columnIndices, values: values)
        {
            throw SparseFormatError.invalidStructure(problem)
        }
        self.rows = rows
        self.columns = columns
        self.rowOffsets = rowOffsets
        self.columnIndices = columnIndices
        self.values = values
    }

    /// Number of stored nonzeros.
    public var nonzeroCount: Int { columnIndices.count }

    /// Fraction of entries that are not stored, in [0, 1]; 1 for an empty-shaped matrix.
    public var sparsity: Double {
        let total = Double(rows) * Double(columns)
        return total == 0 ? 1 : 1 - Double(nonzeroCount) / total
    }

    /// The index range of row `row`'s nonzeros in `columnIndices` and `values`.
    @inlinable
    public func range(ofRow row: Int) -> Range<Int> {
        Int(rowOffsets[row])..<Int(rowOffsets[row + 1])
    }

    /// Number of nonzeros in row `row`.
    public func nonzeroCount(ofRow row: Int) -> Int {
        Int(rowOffsets[row + 1] - rowOffsets[row])
    }

    /// Describes the first structural violation, or nil when the arrays form a valid CSR matrix.
    static func structuralProblem(
        rows: Int, columns: Int, rowOffsets: [Int32], columnIndices: [Int32], values: [Float]
    ) -> String? {
        if rows < 0 || columns < 0 { return "negative shape \(rows) x \(columns)" }
        if rows > Int(Int32.max) || columns > Int(Int32.max) { return "shape \(rows) x \(columns) exceeds Int32 indices" }
        if rowOffsets.count != rows + 1 {
            return "expected \(rows + 1) row offsets, found \(rowOffsets.count)"
        }
        if columnIndices.count != values.count {
            return "\(columnIndices.count) column indices but \(values.count) values"
        }
        if rowOffsets[0] != 0 { return "first row offset is \(rowOffsets[0]), expected 0" }
        for r in 0..<rows where rowOffsets[r + 1] < rowOffsets[r] {
            return "row offsets decrease at row \(r) (\(rowOffsets[r]) then \(rowOffsets[r + 1]))"
        }
        if Int(rowOffsets[rows]) != columnIndices.count {
            return "last row offset is \(rowOffsets[rows]) but there are \(columnIndices.count) nonzeros"
        }
        for r in 0..<rows {
            var previous: Int32 = -1
            for i in Int(rowOffsets[r])..<Int(rowOffsets[r + 1]) {
                let c = columnIndices[i]
                if c < 0 || Int(c) >= columns {
                    return "column index \(c) out of range 0..<\(columns) in row \(r) (nonzero \(i))"
                }
                if c <= previous {
                    return "column indices not strictly increasing in row \(r) (\(previous) then \(c), nonzero \(i))"
                }
                previous = c
            }
        }
        return nil
    }
}

// MARK: - Conversions

extension CSRMatrix {
    /// Builds a matrix from a dense row-major array (`rows * columns` values), storing every entry that is
    /// not zero: both +0 and -0 are dropped, NaN and infinities are kept.
    public init(rows: Int, columns: Int, denseRowMajor dense: [Float]) throws {
        guard rows >= 0, columns >= 0, dense.count == rows * columns else {
            throw SparseFormatError.invalidStructure(
                "dense array of \(dense.count) values does not match shape \(rows) x \(columns)")
        }
        var offsets = [Int32](repeating: 0, count: rows + 1)
        var indices: [Int32] = []
        var values: [Float] = []
        dense.withUnsafeBufferPointer { d in
            var stored = 0
            for r in 0..<rows {
                let base = r * columns
                for c in 0..<columns where d[base + c] != 0 {
                    indices.append(Int32(c))
                    values.append(d[base + c])
                    stored += 1
                }
                offsets[r + 1] = Int32(truncatingIfNeeded: stored)
            }
        }
        try self.init(rows: rows, columns: columns, rowOffsets: offsets, columnIndices: indices, values: values)
    }

    /// Builds a matrix from a sparsity pattern, drawing each value from N(0, 1) with ``SeededNormal``
    /// seeded by `seed`, in storage order (row by row, then by column).
    public init(rows: Int, columns: Int, rowOffsets: [Int32], columnIndices: [Int32], normalValuesSeed seed: UInt64)
        throws
    {
        var generator = SeededNormal(seed: seed)
        let values = generator.normalFloats(count: columnIndices.count)
        try self.init(rows: rows, columns: columns, rowOffsets: rowOffsets, columnIndices: columnIndices, values: values)
    }

    /// The matrix as a dense row-major array of `rows * columns` values; absent entries are +0.
    public func denseRowMajor() -> [Float] {
        var dense = [Float](repeating: 0, count: rows * columns)
        for r in 0..<rows {
            for i in range(ofRow: r) { dense[r * columns + Int(columnIndices[i])] = values[i] }
        }
        return dense
    }
}
