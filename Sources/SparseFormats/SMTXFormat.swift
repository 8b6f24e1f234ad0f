/// The DLMC `.smtx` sparsity-pattern format (Gale et al., "Sparse GPU Kernels for Deep Learning").
///
/// Three text lines: `nrows, ncols, nnz`; the `nrows + 1` CSR row offsets; the `nnz` 0-based column
/// indices, strictly increasing within each row. Numbers are separated by spaces, tabs or commas. There
/// are no values: ``read(path:seed:)`` draws them from N(0, 1) with ``SeededNormal`` and the caller must
/// report the seed. Parsing works on raw bytes so a 1 MB file loads in milliseconds.
public enum SMTX {
    /// A sparsity pattern: a CSR matrix without values, already validated.
    public struct Pattern: Sendable, Equatable {
        public let rows: Int
        public let columns: Int
        /// `rows + 1` offsets into `columnIndices`, starting at 0, nondecreasing.
        public let rowOffsets: [Int32]
        /// Column of each nonzero, strictly increasing within each row.
        public let columnIndices: [Int32]

        public var nonzeroCount: Int { columnIndices.count }

        /// The pattern with values drawn from N(0, 1) (``SeededNormal`` seeded by `seed`, in storage order).
        public func matrix(seed: UInt64) throws -> CSRMatrix {
            try CSRMatrix(
                rows: rows, columns: columns, rowOffsets: rowOffsets, columnIndices: columnIndices,
                normalValuesSeed: seed)
        }
    }

    /// Reads the pattern at `path` and draws its values from N(0, 1) with `seed`.
    public static func read(path: String, seed: UInt64) throws -> CSRMatrix {
        try readPattern(path: path).matrix(seed: seed)
    }

    /// Reads and validates the pattern at `path`; throws ``SparseFormatError/malformedFile(path:location:problem:)``
    /// naming the line of the first problem.
    public static func readPattern(path: String) throws -> Pattern {
        try parsePattern(FileIO.readBytes(path: path), path: path)
    }

    /// Parses `.smtx` text; `path` is only used in error messages.
    public static func parsePattern(_ bytes: [UInt8], path: String) throws -> Pattern {
        let lines = bytes.withUnsafeBufferPointer { lineRanges(in: $0) }
        func fail(_ line: Int, _ problem: String) -> SparseFormatError {
            .malformedFile(path: path, location: "line \(line)", problem: problem)
        }
        func numbers(onLine line: Int) throws -> [Int] {
            guard line <= lines.count else { return [] }
            return try bytes.withUnsafeBufferPointer { try parseIntegers($0, lines[line - 1], line: line, path: path) }
        }

        guard lines.contains(where: { !$0.isEmpty }) else { throw fail(1, "empty file") }
        for line in 4...max(4, lines.count) where line <= lines.count {
            if try !numbers(onLine: line).isEmpty { throw fail(line, "unexpected content after the 3 lines of an .smtx file") }
        }

        let header = try numbers(onLine: 1)
        guard header.count == 3 else {
            throw fail(1, "header must be 'nrows, ncols, nnz', found \(header.count) number(s)")
        }
        let (rows, columns, nnz) = (header[0], header[1], header[2])  // each <= Int32.max (parseIntegers)

        guard lines.count >= 2, !lines[1].isEmpty else { throw fail(2, "missing row offsets (file truncated?)") }
        let offsets = try numbers(onLine: 2)
        guard offsets.count == rows + 1 else {
            throw fail(2, "expected \(rows + 1) row offsets for \(rows) rows, found \(offsets.count)")
        }
        guard offsets[0] == 0 else { throw fail(2, "first row offset is \(offsets[0]), expected 0") }
        var rowOffsets = [Int32](repeating: 0, count: rows + 1)
        for r in 0..<rows {
            guard offsets[r + 1] >= offsets[r] else {
                throw fail(2, "row offsets decrease at row \(r) (\(offsets[r]) then \(offsets[r + 1]))")
            }
            rowOffsets[r + 1] = Int32(truncatingIfNeeded: offsets[r + 1])
        }
        guard offsets[rows] == nnz else {
            throw fail(2, "last row offset \(offsets[rows]) does not match the header's nnz \(nnz)")
        }

        let indices = try numbers(onLine: 3)
        guard indices.count == nnz else {
            let hint = lines.count < 3 || indices.count < nnz ? " (file truncated?)" : ""
            throw fail(3, "expected \(nnz) column indices, found \(indices.count)\(hint)")
        }
        var columnIndices = [Int32](repeating: 0, count: nnz)
        for r in 0..<rows {
            var previous = -1
            for i in Int(rowOffsets[r])..<Int(rowOffsets[r + 1]) {
                let c = indices[i]
                guard c < columns else {
                    throw fail(3, "column index \(c) (entry \(i), row \(r)) out of range 0..<\(columns)")
                }
                guard c > previous else {
                    let kind = c == previous ? "duplicate" : "unsorted"
                    throw fail(3, "\(kind) column index \(c) after \(previous) in row \(r) (entry \(i))")
                }
                columnIndices[i] = Int32(truncatingIfNeeded: c)
                previous = c
            }
        }
        return Pattern(rows: rows, columns: columns, rowOffsets: rowOffsets, columnIndices: columnIndices)
    }

    /// Writes the pattern of `matrix` (its values are not stored) in the DLMC layout.
    public static func write(_ matrix: CSRMatrix, to path: String) throws {
        try FileIO.write(
            encode(rows: matrix.rows, columns: matrix.columns, rowOffsets: matrix.rowOffsets,
                   columnIndices: matrix.columnIndices),
            path: path)
    }

    /// Writes `pattern` in the DLMC layout.
    public static func write(_ pattern: Pattern, to path: String) throws {
        try FileIO.write(
            encode(rows: pattern.rows, columns: pattern.columns, rowOffsets: pattern.rowOffsets,
                   columnIndices: pattern.columnIndices),
            path: path)
    }

    /// The `.smtx` bytes exactly as the DLMC files lay them out: `"r, c, nnz\n"`, then every offset and
    /// every index followed by one space, each list ending in a newline.
    public static func encode(rows: Int, columns: Int, rowOffsets: [Int32], columnIndices: [Int32]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(16 + 8 * (rowOffsets.count + columnIndices.count))
        out.append(contentsOf: Array("\(rows), \(columns), \(columnIndices.count)\n".utf8))
        for list in [rowOffsets, columnIndices] {
            list.withUnsafeBufferPointer { values in
                for v in values {
                    appendDecimal(Int(v), to: &out)
                    out.append(UInt8(ascii: " "))
                }
            }
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    // MARK: - Byte-level helpers

    /// The byte range of every line, without its `\n` (the last line may lack one; a trailing newline does
    /// not start an extra line).
    static func lineRanges(in bytes: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        for i in 0..<bytes.count where bytes[i] == UInt8(ascii: "\n") {
            ranges.append(start..<i)
            start = i + 1
        }
        if start < bytes.count { ranges.append(start..<bytes.count) }
        return ranges
    }

    /// The unsigned decimal integers in `range`, separated by spaces, tabs, commas or carriage returns;
    /// numbers above `Int32.max` (beyond CSR's 32-bit indices) are rejected.
    static func parseIntegers(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, line: Int, path: String)
        throws -> [Int]
    {
        var result: [Int] = []
        result.reserveCapacity(range.count / 2)
        var value = 0
        var inNumber = false
        for i in range {
            let byte = bytes[i]
            let digit = Int(byte) &- 48
            if digit >= 0 && digit <= 9 {
                let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(digit)
                if o1 || o2 || sum > Int(Int32.max) {
                    throw SparseFormatError.malformedFile(
                        path: path, location: "line \(line)",
                        problem: "number at column \(i - range.lowerBound + 1) is too large")
                }
                value = sum
                inNumber = true
            } else if byte == 0x20 || byte == 0x2C || byte == 0x09 || byte == 0x0D {
                if inNumber { result.append(value) }
                value = 0
                inNumber = false
            } else {
                let shown = byte >= 0x21 && byte < 0x7f ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
                throw SparseFormatError.malformedFile(
                    path: path, location: "line \(line)",
                    problem: "unexpected \(shown) at column \(i - range.lowerBound + 1); expected digits")
            }
        }
        if inNumber { result.append(value) }
        return result
    }

    /// Appends the decimal digits of a nonnegative `value` (at most 19 digits).
    static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        var divisor = 1
        while divisor <= value / 10 { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            out.append(UInt8(48 + rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }
}
