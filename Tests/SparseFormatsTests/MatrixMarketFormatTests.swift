import SparseFormats
import Testing

@Suite("Matrix Market format")
struct MatrixMarketFormatTests {
    func read(_ text: String, seed: UInt64 = 0) throws -> (matrix: CSRMatrix, field: MatrixMarket.Field) {
        try MatrixMarket.parse(Array(text.utf8), path: "m.mtx", seed: seed)
    }

    @Test("real entries in any order, with comments, become sorted CSR")
    func real() throws {
        let text = """
            %%MatrixMarket matrix coordinate real general
            % a comment
            %another
            3 4 4

            3 4 -1.5e0
            1 2 0.25
            3 1 2
            1 4 7
            """
        let (m, field) = try read(text)
        #expect(field == .real)
        #expect(m.rows == 3 && m.columns == 4)
        #expect(m.rowOffsets == [0, 2, 2, 4] && m.columnIndices == [1, 3, 0, 3])
        #expect(m.values == [0.25, 7, 2, -1.5])
    }

    @Test("integer values")
    func integer() throws {
        let (m, field) = try read("%%MatrixMarket matrix coordinate integer general\n2 2 2\n2 2 -3\n1 1 5\n")
        #expect(field == .integer && m.values == [5, -3])
    }

    @Test("pattern values are drawn from the seed")
    func pattern() throws {
        let text = "%%MatrixMarket matrix coordinate pattern general\n2 3 3\n2 3\n1 1\n1 2\n"
        let a = try read(text, seed: 9), b = try read(text, seed: 9)
        #expect(a.field == .pattern && a.matrix == b.matrix)
        #expect(a.matrix.columnIndices == [0, 1, 2])
        var generator = SeededNormal(seed: 9)
        #expect(a.matrix.values == generator.normalFloats(count: 3))
    }

    @Test("write then read restores values exactly")
    func roundTrip() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let original = try matrix([[0, 1.1, 0], [0, 0, 0], [-3.7e-9, 0, 123456.79]])
        try WeightFile.write(original, to: folder.path("m.mtx"))
        let loaded = try WeightFile.load(path: folder.path("m.mtx"))
        #expect(loaded.matrix == original && !loaded.valuesDrawn)
    }

    static let header = "%%MatrixMarket matrix coordinate real general\n"
    static let badInputs: [BadInput] = [
        BadInput("empty file", text: "", .malformed, at: "line 1"),
        BadInput("no banner", text: "2 2 1\n1 1 1\n", .malformed, at: "line 1"),
        BadInput("truncated entries", text: header + "2 2 3\n1 1 1\n2 2 2\n", .malformed, at: "line 5"),
        BadInput("missing size line", text: header + "% only a comment\n", .malformed, at: "line 3"),
        BadInput("garbage value", text: header + "2 2 2\n1 1 1\n2 2 abc\n", .malformed, at: "line 4"),
        BadInput("garbage index", text: header + "2 2 1\n1 x 1\n", .malformed, at: "line 3"),
        BadInput("missing value", text: header + "2 2 1\n1 1\n", .malformed, at: "line 3"),
        BadInput("row out of range", text: header + "2 2 2\n1 1 1\n3 1 1\n", .malformed, at: "line 4"),
        BadInput("column zero (1-based)", text: header + "2 2 1\n1 0 1\n", .malformed, at: "line 3"),
        BadInput("duplicate entry", text: header + "2 2 3\n1 1 1\n2 2 1\n1 1 4\n", .malformed, at: "line 5"),
        BadInput("more entries than declared", text: header + "2 2 1\n1 1 1\n2 2 2\n", .malformed, at: "line 4"),
        BadInput("symmetric", text: "%%MatrixMarket matrix coordinate real symmetric\n2 2 1\n1 1 1\n", .unsupported, at: "symmetric"),
        BadInput("complex field", text: "%%MatrixMarket matrix coordinate complex general\n2 2 1\n1 1 1 0\n", .unsupported, at: "complex"),
        BadInput("array layout", text: "%%MatrixMarket matrix array real general\n1 1\n1\n", .unsupported, at: "array"),
    ]

    @Test("rejects bad files with the path and line", arguments: badInputs)
    func rejects(bad: BadInput) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = try folder.write(bad.bytes, to: "bad.mtx")
        expectFailure(bad.kind, path: path, location: bad.location) { _ = try MatrixMarket.read(path: path, seed: 0) }
    }
}
