import Foundation
import SparseFormats
import Testing

@Suite("SMTX format")
struct SMTXFormatTests {
    @Test("reads comma- and space-separated files alike", arguments: [
        "3, 4, 4\n0 2 2 4 \n1 3 0 2 \n",
        "3 4 4\n0 2 2 4\n1 3 0 2",
        "3,4,4\r\n0, 2, 2, 4\r\n1, 3, 0, 2\r\n",
    ])
    func separators(text: String) throws {
        let pattern = try SMTX.parsePattern(Array(text.utf8), path: "m.smtx")
        #expect(pattern.rows == 3 && pattern.columns == 4)
        #expect(pattern.rowOffsets == [0, 2, 2, 4])
        #expect(pattern.columnIndices == [1, 3, 0, 2])
    }

    @Test("values are drawn deterministically from the seed")
    func drawnValues() throws {
        let pattern = try SMTX.parsePattern(Array("2, 2, 3\n0 2 3 \n0 1 1 \n".utf8), path: "m.smtx")
        let a = try pattern.matrix(seed: 5), b = try pattern.matrix(seed: 5), c = try pattern.matrix(seed: 6)
        #expect(a == b)
        #expect(a.values != c.values)
        var generator = SeededNormal(seed: 5)
        #expect(a.values == generator.normalFloats(count: 3))
    }

    @Test("write then read restores the pattern")
    func roundTrip() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let original = try matrix([[0, 1.5, 0], [0, 0, 0], [2, 0, -3]])
        try SMTX.write(original, to: folder.path("m.smtx"))
        let pattern = try SMTX.readPattern(path: folder.path("m.smtx"))
        #expect(pattern.rowOffsets == original.rowOffsets && pattern.columnIndices == original.columnIndices)
        #expect(try String(contentsOfFile: folder.path("m.smtx"), encoding: .utf8) == "3, 3, 3\n0 1 1 3 \n1 0 2 \n")
    }

    @Test("an empty matrix round-trips")
    func emptyMatrix() throws {
        let pattern = try SMTX.parsePattern(Array("2, 5, 0\n0 0 0 \n\n".utf8), path: "e.smtx")
        #expect(pattern.nonzeroCount == 0 && pattern.rows == 2)
        #expect(SMTX.encode(rows: 2, columns: 5, rowOffsets: [0, 0, 0], columnIndices: []) == Array("2, 5, 0\n0 0 0 \n\n".utf8))
    }

    static let badInputs: [BadInput] = [
        BadInput("empty file", text: "", .malformed, at: "line 1"),
        BadInput("blank file", text: "\n\n", .malformed, at: "line 1"),
        BadInput("truncated: no indices line", text: "2, 3, 2\n0 1 2 \n", .malformed, at: "line 3"),
        BadInput("truncated: indices cut short", text: "2, 3, 3\n0 1 3 \n0 0 ", .malformed, at: "line 3"),
        BadInput("truncated: header only", text: "2, 3, 3\n", .malformed, at: "line 2"),
        BadInput("garbage in header", text: "2, x, 3\n0 1 3 \n0 0 1 \n", .malformed, at: "line 1"),
        BadInput("garbage in indices", text: "2, 3, 3\n0 1 3 \n0 0.5 1 \n", .malformed, at: "line 3"),
        BadInput("negative number", text: "2, 3, 3\n0 1 3 \n0 -1 1 \n", .malformed, at: "line 3"),
        BadInput("header with two numbers", text: "2, 3\n0 1 3 \n0 0 1 \n", .malformed, at: "line 1"),
        BadInput("row count disagrees with offsets", text: "3, 3, 3\n0 1 3 \n0 0 1 \n", .malformed, at: "line 2"),
        BadInput("header nnz disagrees with offsets", text: "2, 3, 4\n0 1 3 \n0 0 1 \n", .malformed, at: "line 2"),
        BadInput("header nnz disagrees with indices", text: "2, 3, 3\n0 1 3 \n0 0 1 2 \n", .malformed, at: "line 3"),
        BadInput("first offset not zero", text: "2, 3, 3\n1 1 3 \n0 0 1 \n", .malformed, at: "line 2"),
        BadInput("offsets not monotone", text: "2, 3, 3\n0 2 1 3 \n0 0 1 \n", .malformed, at: "line 2"),
        BadInput("column out of range", text: "2, 3, 3\n0 1 3 \n0 0 3 \n", .malformed, at: "line 3"),
        BadInput("columns unsorted", text: "2, 3, 3\n0 1 3 \n0 2 1 \n", .malformed, at: "line 3"),
        BadInput("duplicate column", text: "2, 3, 3\n0 1 3 \n0 1 1 \n", .malformed, at: "line 3"),
        BadInput("extra line", text: "2, 3, 3\n0 1 3 \n0 0 1 \n7\n", .malformed, at: "line 4"),
        BadInput("index overflows Int32", text: "1, 3, 1\n0 1 \n99999999999 \n", .malformed, at: "line 3"),
        BadInput("header beyond Int32", text: "1, 3000000000, 0\n0 0 \n\n", .malformed, at: "line 1"),
    ]

    @Test("rejects bad files with the path and line", arguments: badInputs)
    func rejects(bad: BadInput) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = try folder.write(bad.bytes, to: "bad.smtx")
        expectFailure(bad.kind, path: path, location: bad.location) { _ = try SMTX.read(path: path, seed: 0) }
    }

    @Test("a missing file is unreadable")
    func missingFile() {
        expectFailure(.unreadable, path: "/nonexistent/x.smtx", location: "") {
            _ = try SMTX.readPattern(path: "/nonexistent/x.smtx")
        }
    }
}
