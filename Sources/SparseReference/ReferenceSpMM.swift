import SparseFormats

/// The CPU oracle for sparse x dense products, accumulating in float64.
public enum ReferenceSpMM {
    /// C = A x B for A (M x K, sparse), B (K x `n`, dense row-major) and C (M x `n`, row-major).
    /// Each sum runs over A's nonzeros in storage order with every product and partial sum in `Double`.
    public static func multiply(_ a: CSRMatrix, _ b: [Float], n: Int) -> [Double] {
        precondition(n >= 0 && b.count == a.columns * n, "B must hold \(a.columns) x \(n) values, has \(b.count)")
        var c = [Double](repeating: 0, count: a.rows * n)
        c.withUnsafeMutableBufferPointer { out in
            b.withUnsafeBufferPointer { dense in
                for r in 0..<a.rows {
                    let row = r * n
                    for i in a.range(ofRow: r) {
                        let weight = Double(a.values[i])
                        let source = Int(a.columnIndices[i]) * n
                        for j in 0..<n { out[row + j] += weight * Double(dense[source + j]) }
                    }
                }
            }
        }
        return c
    }
}

/// Compares a float32 result against a float64 reference.
public enum ErrorMetrics {
    /// Returns, for `output` against `reference` (same length):
    /// - `maxRelative`: max_i |output_i - reference_i| / max(max_i |reference_i|, 1e-30), the worst
    ///   elementwise error relative to the largest reference magnitude (so small entries that suffer
    ///   cancellation do not dominate);
    /// - `normRelative`: ||output - reference||_2 / ||reference||_2 (the difference norm itself when the
    ///   reference is all zeros);
    /// - `nonFinite`: how many outputs are NaN or infinite.
    /// Any non-finite output makes both ratios infinite, so a tolerance check on them fails.
    public static func relativeError(output: [Float], reference: [Double])
        -> (maxRelative: Double, normRelative: Double, nonFinite: Int)
    {
        precondition(output.count == reference.count, "output has \(output.count) values, reference \(reference.count)")
        var maxDifference = 0.0, maxReference = 0.0
        var differenceSquares = 0.0, referenceSquares = 0.0
        var nonFinite = 0
        for (o, r) in zip(output, reference) {
            guard o.isFinite else {
                nonFinite += 1
                continue
            }
            let difference = abs(Double(o) - r)
            maxDifference = max(maxDifference, difference)
            maxReference = max(maxReference, abs(r))
            differenceSquares += difference * difference
            referenceSquares += r * r
        }
        if nonFinite > 0 { return (.infinity, .infinity, nonFinite) }
        let maxRelative = maxDifference / max(maxReference, 1e-30)
        let normRelative = referenceSquares > 0
            ? (differenceSquares / referenceSquares).squareRoot() : differenceSquares.squareRoot()
        return (maxRelative, normRelative, 0)
    }
}
