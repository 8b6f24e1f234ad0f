/// Matrix Market `.mtx` exchange format, coordinate layout, general symmetry.
///
/// A `%%MatrixMarket matrix coordinate <field> general` banner, `%` comment lines, a size line
/// `rows columns entries`, then one `row column [value]` line per entry with 1-based indices, in any
/// order. Fields `real`, `integer` and `pattern` are read; `pattern` values are drawn from N(0, 1) with a
/// seed in CSR storage order (like ``SMTX``). Duplicate or out-of-range entries are rejected by line.
public enum MatrixMarket {
    /// The value field named in the banner.
    public enum Field: String, Sendable, Codable {
        case real, integer, pattern
    }

    /// Reads the matrix at `path`; `seed` is used only for a `pattern` file.
    public static func read(path: String, seed: UInt64) throws -> CSRMatrix {
        try readWithField(path: path, seed: seed).matrix
    }

    /// Like ``read(path:seed:)``, also saying which field the file holds (so callers know whether values
    /// were drawn).
    public static func readWithField(path: String, seed: UInt64) throws -> (matrix: CSRMatrix, field: Field) {
        try parse(FileIO.readBytes(path: path), path: path, seed: seed)
    }

    /// Parses `.mtx` bytes; `path` only labels errors.
    public static func parse(_ bytes: [UInt8], path: String, seed: UInt64) throws -> (matrix: CSRMatrix, field: Field) {
        func fail(_ line: Int, _ problem: String) -> SparseFormatError {
            .malformedFile(path: path, location: "line \(line)", problem: problem)
        }
        let lines = bytes.withUnsafeBufferPointer { SMTX.lineRanges(in: $0) }
        func tokens(_ line: Int) -> [String] {
            String(decoding: bytes[lines[line - 1]], as: UTF8.self)
                .split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
        }
        guard !lines.isEmpty, !bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) else {
            throw fail(1, "empty file")
        }

        let banner = tokens(1).map { $0.lowercased() }
        guard banner.count == 5, banner[0] == "%%matrixmarket" else {
            throw fail(1, "expected a '%%MatrixMarket matrix coordinate <field> general' banner")
        }
        guard banner[1] == "matrix", banner[2] == "coordinate" else {
            throw SparseFormatError.unsupported(path: path, problem: "line 1: '\(banner[1]) \(banner[2])'; only 'matrix coordinate' is read")
        }
        let field: Field
        switch banner[3] {
        case "real", "double": field = .real
        case "integer": field = .integer
        case "pattern": field = .pattern
        default: throw SparseFormatError.unsupported(path: path, problem: "line 1: field '\(banner[3])'")
        }
        guard banner[4] == "general" else {
            throw SparseFormatError.unsupported(path: path, problem: "line 1: symmetry '\(banner[4])'; only 'general' is read")
        }

        // Skip comments and blank lines up to the size line.
        var line = 2
        func nextDataLine() -> [String]? {
            while line <= lines.count {
                let t = tokens(line)
                if let first = t.first, !first.hasPrefix("%") { return t }
                line += 1
            }
            return nil
        }
        guard let size = nextDataLine() else { throw fail(line, "missing size line 'rows columns entries'") }
        guard size.count == 3, let rows = Int(size[0]), let columns = Int(size[1]), let count = Int(size[2]),
              rows >= 0, columns >= 0, count >= 0
        else { throw fail(line, "size line must be three nonnegative integers 'rows columns entries'") }
        guard rows <= Int(Int32.max), columns <= Int(Int32.max), count <= Int(Int32.max) else {
            throw SparseFormatError.unsupported(path: path, problem: "line \(line): size exceeds 32-bit indices")
        }
        guard count <= rows * columns else {
            throw fail(line, "\(count) entries do not fit a \(rows) x \(columns) matrix")
        }
        line += 1

        var entryRows = [Int32](), entryColumns = [Int32](), entryValues = [Float](), entryLines = [Int32]()
        let expectedTokens = field == .pattern ? 2 : 3
        while entryRows.count < count {
            guard let t = nextDataLine() else {
                throw fail(line, "expected \(count) entries, found \(entryRows.count) (file truncated?)")
            }
            guard t.count == expectedTokens else {
                throw fail(line, "expected \(expectedTokens) fields ('row column\(field == .pattern ? "" : " value")'), found \(t.count)")
            }
            guard let i = Int(t[0]), let j = Int(t[1]) else { throw fail(line, "indices '\(t[0]) \(t[1])' are not integers") }
            guard i >= 1 && i <= rows else { throw fail(line, "row \(i) out of range 1...\(rows)") }
            guard j >= 1 && j <= columns else { throw fail(line, "column \(j) out of range 1...\(columns)") }
            var value: Float = 0
            switch field {
            case .real:
                guard let v = Float(t[2]) else { throw fail(line, "value '\(t[2])' is not a number") }
                value = v
            case .integer:
                guard let v = Int(t[2]) else { throw fail(line, "value '\(t[2])' is not an integer") }
                value = Float(v)
            case .pattern:
                break
            }
            entryRows.append(Int32(i - 1))
            entryColumns.append(Int32(j - 1))
            entryValues.append(value)
            entryLines.append(Int32(line))
            line += 1
        }
        if let extra = nextDataLine() {
            throw fail(line, "unexpected '\(extra.joined(separator: " "))' after the \(count) declared entries")
        }

        // Bucket entries by row (stable), then sort each row by column and reject duplicates.
        var rowOffsets = [Int32](repeating: 0, count: rows + 1)
        for r in entryRows { rowOffsets[Int(r) + 1] += 1 }
        for r in 0..<rows { rowOffsets[r + 1] += rowOffsets[r] }
        var next = rowOffsets.map(Int.init)
        var order = [Int](repeating: 0, count: count)
        for e in 0..<count {
            order[next[Int(entryRows[e])]] = e
            next[Int(entryRows[e])] += 1
        }
        var columnIndices = [Int32](repeating: 0, count: count)
        var values = [Float](repeating: 0, count: count)
        for r in 0..<rows {
            let start = Int(rowOffsets[r]), stop = Int(rowOffsets[r + 1])
            let sorted = order[start..<stop].sorted { entryColumns[$0] < entryColumns[$1] }
            for (k, e) in sorted.enumerated() {
                if k > 0, entryColumns[sorted[k - 1]] == entryColumns[e] {
                    let lineA = entryLines[sorted[k - 1]], lineB = entryLines[e]
                    throw fail(Int(max(lineA, lineB)),
                               "duplicate entry (\(r + 1), \(entryColumns[e] + 1)), also on line \(min(lineA, lineB))")
                }
                columnIndices[start + k] = entryColumns[e]
                values[start + k] = entryValues[e]
            }
        }
        if field == .pattern {
            var generator = SeededNormal(seed: seed)
            values = generator.normalFloats(count: count)
        }
        let matrix = try CSRMatrix(
            rows: rows, columns: columns, rowOffsets: rowOffsets, columnIndices: columnIndices, values: values)
        return (matrix, field)
    }

    /// Writes `matrix` as `coordinate real general`, one entry per line in CSR order, values in the
    /// shortest decimal form that reads back to the same `Float`.
    public static func write(_ matrix: CSRMatrix, to path: String) throws {
        var text = "%%MatrixMarket matrix coordinate real general\n"
        text += "\(matrix.rows) \(matrix.columns) \(matrix.nonzeroCount)\n"
        for r in 0..<matrix.rows {
            for i in matrix.range(ofRow: r) {
                text += "\(r + 1) \(matrix.columnIndices[i] + 1) \(matrix.values[i])\n"
            }
        }
        try FileIO.write(Array(text.utf8), path: path)
    }
}
