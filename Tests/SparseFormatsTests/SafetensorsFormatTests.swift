import Foundation
import SparseFormats
import Testing

/// One tensor for ``safetensorsBytes(_:)``: raw little-endian data and the header fields.
struct RawTensor {
    let name: String
    let dtype: String
    let shape: [Int]
    let data: [UInt8]
}

/// Builds a `.safetensors` file by hand: 8-byte length, JSON header, data buffer (tensors in order).
func safetensorsBytes(_ tensors: [RawTensor], headerOverride: String? = nil) -> [UInt8] {
    var entries = ["\"__metadata__\": {\"format\": \"pt\"}"]
    var offset = 0
    for t in tensors {
        entries.append("\"\(t.name)\": {\"dtype\": \"\(t.dtype)\", \"shape\": \(t.shape), \"data_offsets\": [\(offset), \(offset + t.data.count)]}")
        offset += t.data.count
    }
    let header = Array((headerOverride ?? "{" + entries.joined(separator: ", ") + "}").utf8)
    let length = (0..<8).map { UInt8(truncatingIfNeeded: header.count >> (8 * $0)) }
    return length + header + tensors.flatMap(\.data)
}

@Suite("Safetensors format")
struct SafetensorsFormatTests {
    static let values: [Float] = [1, 0, -2.5, 0, 0.5, 3]
    static let f32 = RawTensor(name: "weight", dtype: "F32", shape: [2, 3], data: float32Bytes(values))
    static let bias = RawTensor(name: "bias", dtype: "F32", shape: [2], data: float32Bytes([1, 2]))

    func write(_ bytes: [UInt8]) throws -> (TemporaryFolder, String) {
        let folder = try TemporaryFolder()
        return (folder, try folder.write(bytes, to: "w.safetensors"))
    }

    @Test("F32, F16 and BF16 tensors", arguments: ["F32", "F16", "BF16"])
    func dtypes(dtype: String) throws {
        let halves: [UInt16] = dtype == "F16"
            ? [0x3c00, 0, 0xc100, 0, 0x3800, 0x4200]
            : Self.values.map { UInt16($0.bitPattern >> 16) }  // exact in bfloat16
        let data = dtype == "F32" ? float32Bytes(Self.values) : halves.flatMap { [UInt8($0 & 0xff), UInt8($0 >> 8)] }
        let (folder, path) = try write(safetensorsBytes([Self.bias, RawTensor(name: "weight", dtype: dtype, shape: [2, 3], data: data)]))
        defer { folder.remove() }
        let m = try Safetensors.read(path: path, tensor: "weight")
        #expect(m.denseRowMajor() == Self.values)
        #expect(m.nonzeroCount == 4)
        #expect(try Safetensors.tensors(path: path).map(\.name) == ["bias", "weight"])
    }

    @Test("a single tensor needs no name; a 4-D one is flattened and keeps its shape")
    func singleFilter() throws {
        let data = (1...12).map(Float.init)
        let (folder, path) = try write(safetensorsBytes([RawTensor(name: "conv", dtype: "F32", shape: [2, 3, 2, 1], data: float32Bytes(data))]))
        defer { folder.remove() }
        let (m, shape, name) = try Safetensors.readWithShape(path: path, tensor: nil)
        #expect(shape == [2, 3, 2, 1] && name == "conv")
        #expect(m.rows == 2 && m.columns == 6 && m.denseRowMajor() == data)
        let weights = try WeightFile.load(path: path)
        #expect(weights.filterShape == LoadedWeights.FilterShape(outChannels: 2, inChannels: 3, kernelHeight: 2, kernelWidth: 1))
    }

    static let mismatched = safetensorsBytes([RawTensor(name: "weight", dtype: "F32", shape: [2, 2], data: float32Bytes(values))])
    static let badInputs: [BadInput] = [
        BadInput("empty file", [], .malformed, at: "byte 0"),
        BadInput("truncated header length", [8, 0, 0, 0], .malformed, at: "byte 0"),
        BadInput("header length beyond the file", Array(safetensorsBytes([f32]).prefix(30)), .malformed, at: "byte 8"),
        BadInput("garbage JSON", safetensorsBytes([], headerOverride: "{\"weight\": [oops"), .malformed, at: "byte 8"),
        BadInput("header not an object", safetensorsBytes([], headerOverride: "[1, 2]"), .malformed, at: "byte 8"),
        BadInput("entry without shape", safetensorsBytes([], headerOverride: "{\"w\": {\"dtype\": \"F32\", \"data_offsets\": [0, 0]}}"),
                 .malformed, at: "byte 8"),
        BadInput("int64 dtype", safetensorsBytes([RawTensor(name: "weight", dtype: "I64", shape: [1, 1], data: [UInt8](repeating: 0, count: 8))]),
                 .unsupported, at: "I64"),
        BadInput("offsets disagree with the shape", mismatched, .malformed, at: "byte \(mismatched.count - 24)"),
        BadInput("truncated data", Array(safetensorsBytes([f32]).dropLast(4)), .malformed, at: "byte \(safetensorsBytes([f32]).count - 24)"),
        BadInput("missing tensor name lists the tensors", safetensorsBytes([bias, f32].map {
            RawTensor(name: $0.name == "weight" ? "kernel" : $0.name, dtype: $0.dtype, shape: $0.shape, data: $0.data)
        }), .unsupported, at: "tensors: bias, kernel"),
        BadInput("rank 3", safetensorsBytes([RawTensor(name: "weight", dtype: "F32", shape: [1, 2, 3], data: float32Bytes(values))]),
                 .unsupported, at: "rank-3"),
    ]

    @Test("rejects bad files with the path and byte offset", arguments: badInputs)
    func rejects(bad: BadInput) throws {
        let (folder, path) = try write(bad.bytes)
        defer { folder.remove() }
        expectFailure(bad.kind, path: path, location: bad.location) { _ = try Safetensors.read(path: path, tensor: "weight") }
    }
}
