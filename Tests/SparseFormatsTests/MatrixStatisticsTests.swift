import Foundation
import SparseFormats
import Testing

@Suite("Matrix statistics")
struct MatrixStatisticsTests {
    @Test("a small known matrix")
    func known() throws {
        let m = try matrix([[1, 0, 0, 2], [0, 0, 0, 0], [3, 4, 0, 5]])
        let s = MatrixStatistics(m)
        #expect(s.rows == 3 && s.columns == 4 && s.nonzeroCount == 5)
        #expect(abs(s.sparsity - 7.0 / 12) < 1e-12)
        #expect(abs(s.nonzerosPerRow.mean - 5.0 / 3) < 1e-12)
        #expect(abs(s.nonzerosPerRow.std - (14.0 / 9).squareRoot()) < 1e-12)
        #expect(s.nonzerosPerRow.min == 0 && s.nonzerosPerRow.max == 3)
        #expect(s.emptyRows == 1 && s.emptyColumns == 1)
        let expected: [MatrixStatistics.Bin] = [
            .init(lo: 0, hi: 0, count: 1), .init(lo: 1, hi: 1, count: 0),
            .init(lo: 2, hi: 2, count: 1), .init(lo: 3, hi: 3, count: 1),
        ]
        #expect(s.histogram == expected)
    }

    @Test("wide ranges get at most 10 equal-width bins covering every row")
    func binning() throws {
        // Row r holds r nonzeros, r = 0...25.
        let dense = (0..<26).flatMap { r in (0..<30).map { c in Float(c < r ? 1 : 0) } }
        let s = MatrixStatistics(try CSRMatrix(rows: 26, columns: 30, denseRowMajor: dense))
        #expect(s.histogram.count == 9)
        #expect(s.histogram.first == MatrixStatistics.Bin(lo: 0, hi: 2, count: 3))
        #expect(s.histogram.last == MatrixStatistics.Bin(lo: 24, hi: 25, count: 2))
        #expect(s.histogram.map(\.count).reduce(0, +) == 26)
        #expect(s.emptyColumns == 5)
    }

    @Test("JSON uses the documented keys")
    func json() throws {
        let s = MatrixStatistics(try matrix([[1, 0], [0, 0]]))
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(s)) as? [String: Any])
        #expect(Set(object.keys) == ["rows", "cols", "nnz", "sparsity", "nnzPerRow", "emptyRows", "emptyColumns", "histogram"])
        let perRow = try #require(object["nnzPerRow"] as? [String: Any])
        #expect(Set(perRow.keys) == ["mean", "std", "min", "max"])
        #expect(try JSONDecoder().decode(MatrixStatistics.self, from: JSONEncoder().encode(s)) == s)
    }

    @Test("a matrix without rows")
    func empty() throws {
        let s = MatrixStatistics(try CSRMatrix(rows: 0, columns: 3, rowOffsets: [0], columnIndices: [], values: []))
        #expect(s.histogram.isEmpty && s.emptyColumns == 3 && s.nonzerosPerRow.mean == 0)
    }
}
