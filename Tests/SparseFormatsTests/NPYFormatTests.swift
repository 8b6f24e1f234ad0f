import Foundation
import SparseFormats
import Testing

/// Builds `.npy` bytes by hand: `header` is the dict text, padded like NumPy to a multiple of 64 bytes.
func npyBytes(header: String, data: [UInt8], version: UInt8 = 1) -> [UInt8] {
    let prefix = version == 1 ? 10 : 12
    let unpadded = prefix + header.utf8.count + 1
    let length = (unpadded + 63) / 64 * 64 - prefix
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
    for k in 0..<(prefix - 8) { bytes.append(UInt8(truncatingIfNeeded: length >> (8 * k))) }
    bytes += Array(header.utf8) + [UInt8](repeating: 0x20, count: length - header.utf8.count - 1) + [0x0A]
    return bytes + data
}

func npyHeader(_ descr: String, fortran: Bool = false, shape: String) -> String {
    "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }"
}

@Suite("NPY format")
struct NPYFormatTests {
    /// 2 x 3 values [[1, 0, -2.5], [0, 0.5, 3]] in C order.
    static let values: [Float] = [1, 0, -2.5, 0, 0.5, 3]

    func read(_ bytes: [UInt8]) throws -> DenseTensor { try NPY.parseDense(bytes, path: "t.npy") }

    @Test("float32 little and big endian, versions 1 to 3", arguments: [UInt8(1), 2, 3])
    func float32(version: UInt8) throws {
        let little = npyBytes(header: npyHeader("<f4", shape: "(2, 3)"), data: float32Bytes(Self.values), version: version)
        #expect(try read(little) == DenseTensor(shape: [2, 3], values: Self.values))
        let bigData = Self.values.flatMap { v in (0..<4).reversed().map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * UInt32($0))) } }
        let big = npyBytes(header: npyHeader(">f4", shape: "(2, 3)"), data: bigData, version: version)
        #expect(try read(big).values == Self.values)
    }

    @Test("float16 and float64 widen exactly")
    func otherWidths() throws {
        let halves: [UInt16] = [0x3c00, 0x0000, 0xc100, 0x0000, 0x3800, 0x4200]  // 1, 0, -2.5, 0, 0.5, 3
        let f2 = npyBytes(header: npyHeader("<f2", shape: "(2, 3)"), data: halves.flatMap { [UInt8($0 & 0xff), UInt8($0 >> 8)] })
        #expect(try read(f2).values == Self.values)
        let f8Data = Self.values.flatMap { v in (0..<8).map { UInt8(truncatingIfNeeded: Double(v).bitPattern >> (8 * UInt64($0))) } }
        #expect(try read(npyBytes(header: npyHeader("<f8", shape: "(2, 3)"), data: f8Data)).values == Self.values)
        let f8Big = Self.values.flatMap { v in (0..<8).reversed().map { UInt8(truncatingIfNeeded: Double(v).bitPattern >> (8 * UInt64($0))) } }
        #expect(try read(npyBytes(header: npyHeader(">f8", shape: "(2, 3)"), data: f8Big)).values == Self.values)
    }

    @Test("Fortran order is transposed into C order")
    func fortranOrder() throws {
        let columnMajor: [Float] = [1, 0, 0, 0.5, -2.5, 3]
        let tensor = try read(npyBytes(header: npyHeader("<f4", fortran: true, shape: "(2, 3)"), data: float32Bytes(columnMajor)))
        #expect(tensor.values == Self.values)
        // 3-D: element (i, j, k) of shape (2, 3, 4) sits at i + 2j + 6k in Fortran order.
        let fortran3: [Float] = (0..<24).map { (f: Int) -> Float in Float(100 * (f % 2) + 10 * ((f / 2) % 3) + f / 6) }
        let t3 = try read(npyBytes(header: npyHeader("<f4", fortran: true, shape: "(2, 3, 4)"), data: float32Bytes(fortran3)))
        let expected: [Float] = (0..<24).map { (c: Int) -> Float in Float(100 * (c / 12) + 10 * ((c / 4) % 3) + c % 4) }
        #expect(t3.values == expected)
    }

    @Test("a 4-D OIHW filter flattens to OC x (IC*KH*KW)")
    func filter4D() throws {
        // Shape (2, 3, 2, 2): value = oc*1000 + ic*100 + kh*10 + kw + 1, all nonzero.
        var data: [Float] = []
        for oc in 0..<2 { for ic in 0..<3 { for kh in 0..<2 { for kw in 0..<2 { data.append(Float(oc * 1000 + ic * 100 + kh * 10 + kw + 1)) } } } }
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = try folder.write(npyBytes(header: npyHeader("<f4", shape: "(2, 3, 2, 2)"), data: float32Bytes(data)), to: "w.npy")
        let (m, shape) = try NPY.readWithShape(path: path)
        #expect(shape == [2, 3, 2, 2])
        #expect(m.rows == 2 && m.columns == 12 && m.nonzeroCount == 24)
        let dense = m.denseRowMajor()
        for ic in 0..<3 { for kh in 0..<2 { for kw in 0..<2 {
            #expect(dense[1 * 12 + ic * 4 + kh * 2 + kw] == Float(1000 + ic * 100 + kh * 10 + kw + 1))
        } } }
    }

    @Test("zeros are not stored; the writer round-trips values bitwise")
    func writer() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = try folder.write(npyBytes(header: npyHeader("<f4", shape: "(2, 3)"), data: float32Bytes(Self.values)), to: "a.npy")
        let m = try NPY.read(path: path)
        #expect(m.nonzeroCount == 4 && m.rowOffsets == [0, 2, 4] && m.columnIndices == [0, 2, 1, 2])
        try NPY.write(m, to: folder.path("b.npy"))
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder.path("b.npy"))))
        #expect(bytes == npyBytes(header: npyHeader("<f4", shape: "(2, 3)"), data: float32Bytes(Self.values)))
        #expect(bytes.count % 64 == 24 && (bytes.count - 24) % 64 == 0)
    }

    static let good = npyHeader("<f4", shape: "(2, 3)")
    static let badInputs: [BadInput] = [
        BadInput("empty file", [], .malformed, at: "byte 0"),
        BadInput("bad magic", Array("PK\u{3}\u{4}not numpy".utf8), .malformed, at: "byte 0"),
        BadInput("truncated before the header length", [0x93] + Array("NUMPY".utf8) + [1, 0, 0x76], .malformed, at: "byte 8"),
        BadInput("truncated header", Array(npyBytes(header: good, data: []).prefix(40)), .malformed, at: "byte 10"),
        BadInput("truncated data", npyBytes(header: good, data: float32Bytes([1, 2, 3])), .malformed, at: "byte 128"),
        BadInput("extra data", npyBytes(header: good, data: float32Bytes(Array(repeating: 1, count: 7))), .malformed, at: "byte 152"),
        BadInput("garbage dict", npyBytes(header: "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2, 3), }", data: []),
                 .malformed, at: "byte 44"),
        BadInput("header not a dict", npyBytes(header: "[1, 2]", data: []), .malformed, at: "byte 10"),
        BadInput("missing shape", npyBytes(header: "{'descr': '<f4', 'fortran_order': False}", data: []), .malformed, at: "byte 10"),
        BadInput("int64 dtype", npyBytes(header: npyHeader("<i8", shape: "(2, 3)"), data: []), .unsupported, at: "'<i8'"),
        BadInput("complex dtype", npyBytes(header: npyHeader("<c8", shape: "(2, 3)"), data: []), .unsupported, at: "'<c8'"),
        BadInput("rank 1", npyBytes(header: npyHeader("<f4", shape: "(6,)"), data: float32Bytes(Self.values)), .unsupported, at: "rank-1"),
        BadInput("rank 3", npyBytes(header: npyHeader("<f4", shape: "(1, 2, 3)"), data: float32Bytes(Self.values)), .unsupported, at: "rank-3"),
        BadInput("rank 5", npyBytes(header: npyHeader("<f4", shape: "(1, 1, 1, 2, 3)"), data: float32Bytes(Self.values)),
                 .unsupported, at: "rank-5"),
    ]

    @Test("rejects bad files with the path and byte offset", arguments: badInputs)
    func rejects(bad: BadInput) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = try folder.write(bad.bytes, to: "bad.npy")
        expectFailure(bad.kind, path: path, location: bad.location) { _ = try NPY.read(path: path) }
    }
}
