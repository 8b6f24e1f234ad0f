import Float16Bits

/// NumPy's `.npy` array format, versions 1.0, 2.0 and 3.0.
///
/// Layout: the magic `\x93NUMPY`, a major and minor version byte, the header length (UInt16 little endian
/// in v1, UInt32 in v2/v3), a Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (M, K), }`
/// padded with spaces and a newline, then the raw data. sparsert reads float16, float32 and float64 in
/// either byte order and either memory order; every error names the byte offset where the problem is.
public enum NPY {
    /// Reads any-rank floating-point array as `Float` values in C order.
    public static func readDense(path: String) throws -> DenseTensor {
        try parseDense(FileIO.readBytes(path: path), path: path)
    }

    /// Reads a 2-D (M, K) array, or a 4-D OIHW filter flattened to OC x (IC * KH * KW), keeping nonzeros.
    public static func read(path: String) throws -> CSRMatrix {
        try readWithShape(path: path).matrix
    }

    /// Like ``read(path:)``, also returning the array's shape as stored (4 extents for an OIHW filter).
    public static func readWithShape(path: String) throws -> (matrix: CSRMatrix, shape: [Int]) {
        let bytes = try FileIO.readBytes(path: path)
        let tensor = try parseDense(bytes, path: path)
        let headerStart = bytes[6] == 1 ? 10 : 12  // parseDense checked the version
        return (try tensor.sparseMatrix(path: path, location: "header at byte \(headerStart)"), tensor.shape)
    }

    /// Writes `matrix` densely (zeros included) as a 2-D little-endian float32 C-order array.
    public static func write(_ matrix: CSRMatrix, to path: String) throws {
        try writeDense(DenseTensor(shape: [matrix.rows, matrix.columns], values: matrix.denseRowMajor()), to: path)
    }

    /// Writes `tensor` as a little-endian float32 C-order array.
    public static func writeDense(_ tensor: DenseTensor, to path: String) throws {
        try FileIO.write(encode(tensor), path: path)
    }

    /// The `.npy` bytes of `tensor` as float32: version 1.0 (2.0 for a header over 64 KiB), the header padded
    /// so the data starts at a multiple of 64 bytes, like NumPy writes it.
    public static func encode(_ tensor: DenseTensor) -> [UInt8] {
        let dict = "{'descr': '<f4', 'fortran_order': False, 'shape': \(DenseTensor.describe(tensor.shape)), }"
        var prefixLength = 10
        var total = prefixLength + dict.utf8.count + 1
        if (total + 63) / 64 * 64 - prefixLength > Int(UInt16.max) {
            prefixLength = 12
            total += 2
        }
        let padded = (total + 63) / 64 * 64
        let headerLength = padded - prefixLength
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [prefixLength == 10 ? 1 : 2, 0]
        out.reserveCapacity(padded + 4 * tensor.values.count)
        for k in 0..<(prefixLength - 8) { out.append(UInt8(truncatingIfNeeded: headerLength >> (8 * k))) }
        out.append(contentsOf: Array(dict.utf8))
        out.append(contentsOf: [UInt8](repeating: 0x20, count: padded - out.count - 1))
        out.append(0x0A)
        for value in tensor.values {
            let bits = value.bitPattern
            for k in 0..<4 { out.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt32(k)))) }
        }
        return out
    }

    /// Parses `.npy` bytes; `path` only labels errors.
    public static func parseDense(_ bytes: [UInt8], path: String) throws -> DenseTensor {
        func malformed(_ offset: Int, _ problem: String) -> SparseFormatError {
            .malformedFile(path: path, location: "byte \(offset)", problem: problem)
        }
        let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
        guard bytes.count >= 6, Array(bytes[0..<6]) == magic else {
            throw malformed(0, bytes.isEmpty ? "empty file" : "bad magic: not a NumPy .npy file")
        }
        guard bytes.count >= 8 else { throw malformed(6, "truncated header: missing version") }
        let major = bytes[6]
        guard (1...3).contains(major) else {
            throw SparseFormatError.unsupported(path: path, problem: "byte 6: .npy version \(major).\(bytes[7])")
        }
        let lengthSize = major == 1 ? 2 : 4
        let headerStart = 8 + lengthSize
        guard bytes.count >= headerStart else { throw malformed(8, "truncated header: missing header length") }
        var headerLength = 0
        for k in 0..<lengthSize { headerLength |= Int(bytes[8 + k]) << (8 * k) }
        let dataStart = headerStart + headerLength
        guard bytes.count >= dataStart else {
            throw malformed(headerStart, "truncated header: \(headerLength) header bytes declared, \(bytes.count - headerStart) present")
        }

        var parser = PythonLiteralParser(bytes: bytes, range: headerStart..<dataStart, path: path)
        let header = try parser.parseHeaderDict()
        func entry(_ key: String) throws -> PythonLiteral {
            guard let value = header.first(where: { $0.key == key })?.value else {
                throw malformed(headerStart, "header dict lacks '\(key)'")
            }
            return value
        }
        guard case .string(let descr) = try entry("descr") else {
            throw SparseFormatError.unsupported(path: path, problem: "byte \(headerStart): structured dtype")
        }
        guard case .bool(let fortranOrder) = try entry("fortran_order") else {
            throw malformed(headerStart, "'fortran_order' must be True or False")
        }
        guard case .tuple(let extents) = try entry("shape") else { throw malformed(headerStart, "'shape' must be a tuple") }
        var shape: [Int] = []
        var count = 1
        for extent in extents {
            guard case .int(let n) = extent, n >= 0 else {
                throw malformed(headerStart, "'shape' must hold nonnegative integers")
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: n)
            guard !overflow else { throw malformed(headerStart, "shape \(DenseTensor.describe(shape + [n])) is too large") }
            shape.append(n)
            count = product
        }
        let scalar = try ScalarEncoding(descr: descr, path: path, offset: headerStart)

        let available = bytes.count - dataStart
        let (needed, overflow) = count.multipliedReportingOverflow(by: scalar.size)
        guard !overflow, needed <= available else {
            throw malformed(dataStart, "truncated data: shape \(DenseTensor.describe(shape)) of '\(descr)' needs \(count) x \(scalar.size) bytes, \(available) present")
        }
        guard needed == available else {
            throw malformed(dataStart + needed, "\(available - needed) bytes beyond the data of shape \(DenseTensor.describe(shape))")
        }
        let stored = bytes.withUnsafeBytes { raw in
            scalar.decode(UnsafeRawBufferPointer(rebasing: raw[dataStart..<(dataStart + needed)]), count: count)
        }
        let values = fortranOrder && shape.count > 1 ? cOrder(fromFortran: stored, shape: shape) : stored
        return DenseTensor(shape: shape, values: values)
    }

    /// Reorders column-major (Fortran) `values` of `shape` into row-major order.
    static func cOrder(fromFortran values: [Float], shape: [Int]) -> [Float] {
        let rank = shape.count
        var fortranStrides = [Int](repeating: 1, count: rank)
        for k in 1..<rank { fortranStrides[k] = fortranStrides[k - 1] * shape[k - 1] }
        var result = [Float]()
        result.reserveCapacity(values.count)
        guard !values.isEmpty else { return result }
        var index = [Int](repeating: 0, count: rank)
        var offset = 0
        for _ in 0..<values.count {
            result.append(values[offset])
            // Advance the row-major odometer, keeping `offset` the column-major position of `index`.
            var k = rank - 1
            while k >= 0 {
                index[k] += 1
                offset += fortranStrides[k]
                if index[k] < shape[k] { break }
                offset -= fortranStrides[k] * shape[k]
                index[k] = 0
                k -= 1
            }
        }
        return result
    }
}

/// A floating-point element encoding named by a NumPy `descr` string such as `<f4` or `>f8`.
struct ScalarEncoding {
    /// Bytes per element: 2, 4 or 8.
    let size: Int
    let bigEndian: Bool

    /// Accepts `[<>|=]f{2,4,8}`; other kinds (ints, complex, strings) are unsupported.
    init(descr: String, path: String, offset: Int) throws {
        var text = Substring(descr)
        var big = false
        if let first = text.first, "<>|=".contains(first) {
            big = first == ">"
            text = text.dropFirst()
        }
        guard text.first == "f", let size = Int(text.dropFirst()), [2, 4, 8].contains(size) else {
            throw SparseFormatError.unsupported(
                path: path, problem: "byte \(offset): dtype '\(descr)'; expected float16, float32 or float64 ('<f2', '<f4', '<f8')")
        }
        self.size = size
        self.bigEndian = big
    }

    /// Widens `count` packed elements to `Float` (float64 rounds to nearest).
    func decode(_ raw: UnsafeRawBufferPointer, count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { out, initialized in
            switch size {
            case 2:
                for i in 0..<count {
                    let bits = raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
                    out[i] = HalfPrecision.float(fromHalfBits: bigEndian ? UInt16(bigEndian: bits) : UInt16(littleEndian: bits))
                }
            case 4:
                for i in 0..<count {
                    let bits = raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
                    out[i] = Float(bitPattern: bigEndian ? UInt32(bigEndian: bits) : UInt32(littleEndian: bits))
                }
            default:
                for i in 0..<count {
                    let bits = raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)
                    out[i] = Float(Double(bitPattern: bigEndian ? UInt64(bigEndian: bits) : UInt64(littleEndian: bits)))
                }
            }
            initialized = count
        }
    }
}

// MARK: - Header dict

/// A value of the Python literal subset that `.npy` headers use.
enum PythonLiteral: Equatable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case none
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    case dict([(key: String, value: PythonLiteral)])

    static func == (a: PythonLiteral, b: PythonLiteral) -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.bool(let x), .bool(let y)): return x == y
        case (.none, .none): return true
        case (.tuple(let x), .tuple(let y)), (.list(let x), .list(let y)): return x == y
        case (.dict(let x), .dict(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }
}

/// A recursive-descent parser for the `.npy` header dict; errors carry the absolute byte offset.
struct PythonLiteralParser {
    let bytes: [UInt8]
    let end: Int
    let path: String
    var position: Int

    init(bytes: [UInt8], range: Range<Int>, path: String) {
        self.bytes = bytes
        self.end = range.upperBound
        self.path = path
        self.position = range.lowerBound
    }

    /// Parses the whole header: one dict with string keys, then only padding (spaces, newline, NUL).
    mutating func parseHeaderDict() throws -> [(key: String, value: PythonLiteral)] {
        skipSpace()
        guard position < end, bytes[position] == UInt8(ascii: "{") else { throw error("header is not a dict literal") }
        guard case .dict(let entries) = try parseValue() else { throw error("header is not a dict literal") }
        skipSpace()
        guard position == end else { throw error("unexpected text after the header dict") }
        return entries
    }

    private func error(_ problem: String) -> SparseFormatError {
        .malformedFile(path: path, location: "byte \(position)", problem: "\(problem) in the header")
    }

    private mutating func skipSpace() {
        while position < end, [0x20, 0x0A, 0x0D, 0x09, 0x00].contains(bytes[position]) { position += 1 }
    }

    /// Consumes `byte` (after whitespace) when it is next.
    private mutating func accept(_ byte: UInt8) -> Bool {
        skipSpace()
        guard position < end, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    private mutating func parseValue() throws -> PythonLiteral {
        skipSpace()
        guard position < end else { throw error("unexpected end") }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            position += 1
            var entries: [(key: String, value: PythonLiteral)] = []
            while !accept(UInt8(ascii: "}")) {
                guard case .string(let key) = try parseValue() else { throw error("dict key is not a string") }
                guard accept(UInt8(ascii: ":")) else { throw error("expected ':'") }
                entries.append((key, try parseValue()))
                if !accept(UInt8(ascii: ",")) {
                    guard accept(UInt8(ascii: "}")) else { throw error("expected ',' or '}'") }
                    break
                }
            }
            return .dict(entries)
        case UInt8(ascii: "("), UInt8(ascii: "["):
            let close = bytes[position] == UInt8(ascii: "(") ? UInt8(ascii: ")") : UInt8(ascii: "]")
            let isTuple = close == UInt8(ascii: ")")
            position += 1
            var items: [PythonLiteral] = []
            while !accept(close) {
                items.append(try parseValue())
                if !accept(UInt8(ascii: ",")) {
                    guard accept(close) else { throw error("expected ',' or '\(Character(Unicode.Scalar(close)))'") }
                    break
                }
            }
            return isTuple ? .tuple(items) : .list(items)
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            let quote = bytes[position]
            position += 1
            let start = position
            while position < end, bytes[position] != quote {
                position += bytes[position] == UInt8(ascii: "\\") ? 2 : 1
            }
            guard position < end else { throw error("unterminated string") }
            let text = String(decoding: bytes[start..<position], as: UTF8.self)
            position += 1
            return .string(text)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = position
            if bytes[position] == UInt8(ascii: "-") { position += 1 }
            while position < end, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
            guard let value = Int(String(decoding: bytes[start..<position], as: UTF8.self)) else {
                position = start
                throw error("bad integer")
            }
            if position < end, bytes[position] == UInt8(ascii: "L") { position += 1 }  // Python 2 long
            return .int(value)
        default:
            for (word, literal) in [("True", PythonLiteral.bool(true)), ("False", .bool(false)), ("None", .none)] {
                let utf8 = Array(word.utf8)
                if position + utf8.count <= end, Array(bytes[position..<(position + utf8.count)]) == utf8 {
                    position += utf8.count
                    return literal
                }
            }
            throw error("unexpected character '\(Character(Unicode.Scalar(bytes[position])))'")
        }
    }
}
