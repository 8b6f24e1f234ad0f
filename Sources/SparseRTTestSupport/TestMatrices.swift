import SparseRT

/// Small sparse matrices with known structure for tests.
public enum TestMatrices {
    /// A `rows x columns` matrix whose entries are nonzero with probability `density`, values N(0, 1).
    public static func random(rows: Int, columns: Int, density: Double, seed: UInt64) -> CSRMatrix {
        var random = SeededNormal(seed: seed)
        var offsets: [Int32] = [0]
        var indices: [Int32] = []
        var values: [Float] = []
        for _ in 0..<rows {
            for c in 0..<columns where random.nextUniform() < density {
                indices.append(Int32(c))
                var v = random.nextNormalFloat()
                if v == 0 { v = 1 }
                values.append(v)
            }
            offsets.append(Int32(indices.count))
        }
        return try! CSRMatrix(rows: rows, columns: columns, rowOffsets: offsets, columnIndices: indices, values: values)
    }

    /// A matrix with exactly one nonzero, at (`row`, `column`).
    public static func single(rows: Int, columns: Int, row: Int, column: Int, value: Float = 1.5) -> CSRMatrix {
        var offsets = [Int32](repeating: 0, count: rows + 1)
        for r in (row + 1)...rows { offsets[r] = 1 }
        return try! CSRMatrix(rows: rows, columns: columns, rowOffsets: offsets, columnIndices: [Int32(column)], values: [value])
    }

    /// An all-zero matrix.
    public static func zero(rows: Int, columns: Int) -> CSRMatrix {
        try! CSRMatrix(rows: rows, columns: columns, rowOffsets: [Int32](repeating: 0, count: rows + 1),
                       columnIndices: [], values: [])
    }

    /// Table 1 problem 1's pattern (DLMC ResNet-50 `bottleneck_1_block_group1_1_1` at 0.9, 64 x 256), bundled
    /// in `data/dlmc/`, with values drawn from N(0, 1) (seed 2020).
    public static func bundledResNetLayer() throws -> CSRMatrix {
        try WeightFile.load(path: SharedData.packageRoot.appendingPathComponent("data/dlmc/bottleneck_1_block_group1_1_1.smtx").path).matrix
    }

    /// The test-time ptxas, installed by `scripts/install-ptxas.sh`; nil when absent.
    public static let ptxas: Ptxas? = Ptxas.locate(packageRoot: SharedData.packageRoot)
}
