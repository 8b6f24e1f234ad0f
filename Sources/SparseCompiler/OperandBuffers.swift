import SparseReference

/// The memory images of a problem's dense operands: how many floats B's and C's buffers hold, and where
/// the logical K x N and M x N elements sit in them when rows are padded (``SpMMProblem/bRowStride``).
extension SpMMProblem {
    /// Floats in B's buffer: K x `bRowStride` for a matrix product, the NCHW input for a convolution.
    public var inputWords: Int {
        switch operand {
        case .matrix: return k * bRowStride
        case .convolution(let g): return g.inputCount
        }
    }

    /// Floats in C's buffer: M x `cRowStride` for a matrix product, the NCHW output for a convolution.
    public var outputWords: Int {
        switch operand {
        case .matrix: return m * cRowStride
        case .convolution(let g): return g.outputCount
        }
    }

    /// B's buffer for the logical operand `dense` (K x N row-major for a matrix product, the NCHW input
    /// as is for a convolution): rows placed `bRowStride` apart, the padding between them set to `padding`.
    public func inputBuffer(_ dense: [Float], padding: Float) -> [Float] {
        Self.spread(dense, rows: k, columns: n, stride: isMatrix ? bRowStride : n, padding: padding)
    }

    /// The logical result (M x N row-major, or the NCHW output) read out of C's buffer.
    public func logicalOutput(_ buffer: [Float]) -> [Float] {
        guard isMatrix, cRowStride != n else { return buffer }
        precondition(buffer.count == outputWords, "C's buffer holds \(buffer.count) floats, expected \(outputWords)")
        var out = [Float]()
        out.reserveCapacity(m * n)
        for r in 0..<m { out += buffer[(r * cRowStride)..<(r * cRowStride + n)] }
        return out
    }

    /// Positions in C's buffer of the padding past N in each row, which no kernel may write.
    public var outputPadding: [Range<Int>] {
        guard isMatrix, cRowStride != n else { return [] }
        return (0..<m).map { r in (r * cRowStride + n)..<((r + 1) * cRowStride) }
    }

    static func spread(_ dense: [Float], rows: Int, columns: Int, stride: Int, padding: Float) -> [Float] {
        guard stride != columns else { return dense }
        precondition(dense.count == rows * columns, "the operand holds \(dense.count) floats, expected \(rows * columns)")
        var buffer = [Float](repeating: padding, count: rows * stride)
        for r in 0..<rows {
            buffer.replaceSubrange((r * stride)..<(r * stride + columns), with: dense[(r * columns)..<((r + 1) * columns)])
        }
        return buffer
    }
}
