import Foundation
import SparseCompiler
import SparseFormats

/// `bench --suite large-decode`: a pruned transformer's projections at decode, where the paper stopped.
/// LLaMA-7B's shapes (attention 4096 x 4096, MLP up 11008 x 4096 and down 4096 x 11008) at 90% and 95%
/// sparsity, N = the batch (1 by default). Generated, so a fresh clone needs no data folder: each entry is
/// drawn from N(0,1) (seeded by the shape) and kept where its magnitude reaches the normal quantile of the
/// sparsity, which is what magnitude pruning of such a matrix keeps (a uniform random pattern), without
/// holding the dense matrix or sorting it. Their weights (10-37 MB in the data-driven layout) fit the L2 of
/// an H100 or H200 only one layer at a time, so `--cold-l2 2` times them as a network would run them.
public enum DecodeSuite {
    /// (M, K) of each problem, numbered from 1 in this order.
    public static let shapes = [(4096, 4096), (11008, 4096), (4096, 11008)]

    /// |w| thresholds of N(0,1) keeping a fraction 1 - s: the two-sided normal quantiles of 0.9 and 0.95.
    static let thresholds: [Double: Float] = [0.9: 1.644_853_6, 0.95: 1.959_964]

    /// Sparsities the suite holds.
    public static var sparsities: [Double] { thresholds.keys.sorted() }

    /// Every shape at every sparsity, N = `batch`.
    public static func problems(batch: Int = 1, shapes: [(Int, Int)] = shapes) -> [BenchmarkProblem] {
        sparsities.flatMap { sparsity in
            shapes.enumerated().map { index, shape in
                let (m, k) = shape
                let seed = UInt64(m * 7 + k)
                let percent = Int((sparsity * 100).rounded())
                let expected = Int((Double(m) * Double(k) * (1 - sparsity)).rounded())
                let threshold = thresholds[sparsity] ?? 0
                let item = SuiteItem(name: "synthetic/decode_\(m)x\(k)_\(percent)", nonzeros: expected) {
                    try SpMMProblem(weights: matrix(rows: m, columns: k, threshold: threshold, seed: seed), n: batch)
                }
                return BenchmarkProblem(
                    number: index + 1, m: m, k: k, n: batch, sparsity: sparsity,
                    source: "synthetic: N(0,1) values, seed \(seed), kept where |w| >= \(threshold) (magnitude pruning to about \(percent)%)",
                    instances: [item])
            }
        }
    }

    /// The entries of the `rows x columns` matrix of N(0,1) draws (row-major, from `seed`) whose magnitude
    /// reaches `threshold`. O(rows x columns) time, O(nonzeros) memory.
    static func matrix(rows: Int, columns: Int, threshold: Float, seed: UInt64) throws -> CSRMatrix {
        var random = SeededNormal(seed: seed)
        var offsets: [Int32] = [0], indices: [Int32] = [], values: [Float] = []
        offsets.reserveCapacity(rows + 1)
        for _ in 0..<rows {
            for c in 0..<columns {
                let w = random.nextNormalFloat()
                if abs(w) >= threshold {
                    indices.append(Int32(c))
                    values.append(w)
                }
            }
            offsets.append(Int32(indices.count))
        }
        return try CSRMatrix(rows: rows, columns: columns, rowOffsets: offsets, columnIndices: indices, values: values)
    }
}
