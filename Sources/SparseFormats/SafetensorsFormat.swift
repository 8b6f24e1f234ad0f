import Foundation
import Float16Bits

/// Hugging Face `.safetensors` files.
///
/// Layout: an 8-byte little-endian header length N, N bytes of JSON mapping each tensor name to
/// `{"dtype": "F32", "shape": [M, K], "data_offsets": [begin, end]}` (plus an optional `__metadata__`
/// entry), then the data buffer; offsets are relative to the buffer, which starts at byte 8 + N. Values are
/// little endian, C order. sparsert reads F32, F16, BF16 and F64; errors name the byte offset.
public enum Safetensors {
    /// One tensor's header entry.
    public struct TensorInfo: Sendable, Equatable {
        public let name: String
        /// The safetensors dtype string, e.g. `F32`.
        public let dtype: String
        public let shape: [Int]
        /// Absolute byte range of the tensor's data in the file.
        public let byteRange: Range<Int>
    }

    /// The tensors a file holds, sorted by name.
    public static func tensors(path: String) throws -> [TensorInfo] {
        try parseHeader(FileIO.readBytes(path: path), path: path)
    }

    /// Reads tensor `tensor` (or the only tensor when `tensor` is nil) as `Float` values in C order.
    public static func readDense(path: String, tensor: String?) throws -> DenseTensor {
        try parseDense(FileIO.readBytes(path: path), path: path, tensor: tensor).tensor
    }

    /// Reads a 2-D tensor, or a 4-D OIHW filter flattened to OC x (IC * KH * KW), keeping nonzeros.
    public static func read(path: String, tensor: String?) throws -> CSRMatrix {
        try readWithShape(path: path, tensor: tensor).matrix
    }

    /// Like ``read(path:tensor:)``, also returning the stored shape and the tensor's name.
    public static func readWithShape(path: String, tensor: String?) throws -> (matrix: CSRMatrix, shape: [Int], name: String) {
        let (dense, info) = try parseDense(FileIO.readBytes(path: path), path: path, tensor: tensor)
        let matrix = try dense.sparseMatrix(path: path, location: "tensor '\(info.name)' at byte \(info.byteRange.lowerBound)")
        return (matrix, dense.shape, info.name)
    }

    /// Parses the file and decodes one tensor; `path` only labels errors.
    public static func parseDense(_ bytes: [UInt8], path: String, tensor: String?) throws -> (tensor: DenseTensor, info: TensorInfo) {
        let infos = try parseHeader(bytes, path: path)
        let names = infos.map(\.name).joined(separator: ", ")
        let info: TensorInfo
        if let tensor {
            guard let found = infos.first(where: { $0.name == tensor }) else {
                throw SparseFormatError.unsupported(path: path, problem: "no tensor named '\(tensor)'; tensors: \(names.isEmpty ? "none" : names)")
            }
            info = found
        } else {
            guard infos.count == 1 else {
                throw SparseFormatError.unsupported(
                    path: path, problem: "\(infos.count) tensors, name one with --tensor: \(names.isEmpty ? "none" : names)")
            }
            info = infos[0]
        }
        let count = info.shape.reduce(1, *)
        let values = bytes.withUnsafeBytes { raw in
            let data = UnsafeRawBufferPointer(rebasing: raw[info.byteRange])
            return [Float](unsafeUninitializedCapacity: count) { out, initialized in
                for i in 0..<count {
                    switch info.dtype {
                    case "F32":
                        out[i] = Float(bitPattern: UInt32(littleEndian: data.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                    case "F16":
                        out[i] = HalfPrecision.float(fromHalfBits: UInt16(littleEndian: data.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                    case "BF16":
                        out[i] = HalfPrecision.float(fromBFloat16Bits: UInt16(littleEndian: data.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                    default:
                        out[i] = Float(Double(bitPattern: UInt64(littleEndian: data.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
                    }
                }
                initialized = count
            }
        }
        return (DenseTensor(shape: info.shape, values: values), info)
    }

    /// Bytes per element of the dtypes sparsert reads.
    static let elementSizes: [String: Int] = ["F32": 4, "F16": 2, "BF16": 2, "F64": 8]

    /// Parses and validates the JSON header: every entry's dtype, shape and data range against the file.
    static func parseHeader(_ bytes: [UInt8], path: String) throws -> [TensorInfo] {
        func malformed(_ offset: Int, _ problem: String) -> SparseFormatError {
            .malformedFile(path: path, location: "byte \(offset)", problem: problem)
        }
        guard !bytes.isEmpty else { throw malformed(0, "empty file") }
        guard bytes.count >= 8 else { throw malformed(0, "truncated header: \(bytes.count) of the 8 header-length bytes") }
        var length: UInt64 = 0
        for k in 0..<8 { length |= UInt64(bytes[k]) << (8 * UInt64(k)) }
        guard length <= UInt64(bytes.count - 8) else {
            throw malformed(8, "truncated header: header length \(length) exceeds the \(bytes.count - 8) bytes that follow")
        }
        let dataStart = 8 + Int(length)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart]))
        } catch {
            throw malformed(8, "header is not valid JSON")
        }
        guard let entries = json as? [String: Any] else { throw malformed(8, "header is not a JSON object") }

        var infos: [TensorInfo] = []
        for (name, entry) in entries where name != "__metadata__" {
            guard let fields = entry as? [String: Any], let dtype = fields["dtype"] as? String,
                  let shapeList = fields["shape"] as? [Any], let offsetList = fields["data_offsets"] as? [Any]
            else { throw malformed(8, "tensor '\(name)' needs 'dtype', 'shape' and 'data_offsets'") }
            let shape = shapeList.compactMap(integer)
            let offsets = offsetList.compactMap(integer)
            guard shape.count == shapeList.count, shape.allSatisfy({ $0 >= 0 }) else {
                throw malformed(8, "tensor '\(name)': shape must be nonnegative integers")
            }
            guard offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1] else {
                throw malformed(8, "tensor '\(name)': data_offsets must be [begin, end] with begin <= end")
            }
            guard let size = elementSizes[dtype] else {
                throw SparseFormatError.unsupported(path: path, problem: "byte 8: tensor '\(name)' has dtype \(dtype); expected F32, F16, BF16 or F64")
            }
            var count = 1
            for n in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: n)
                guard !overflow else { throw malformed(8, "tensor '\(name)': shape \(shape) is too large") }
                count = product
            }
            let begin = dataStart + offsets[0], end = dataStart + offsets[1]
            guard end <= bytes.count else {
                throw malformed(begin, "truncated data: tensor '\(name)' ends at byte \(end), file has \(bytes.count) bytes")
            }
            guard end - begin == count * size else {
                throw malformed(begin, "tensor '\(name)': shape \(shape) of \(dtype) needs \(count * size) bytes, data_offsets span \(end - begin)")
            }
            infos.append(TensorInfo(name: name, dtype: dtype, shape: shape, byteRange: begin..<end))
        }
        return infos.sorted { $0.name < $1.name }
    }

    /// A JSON number that is an exact integer, or nil.
    private static func integer(_ value: Any) -> Int? {
        if let n = value as? Int { return n }
        if let d = value as? Double, d == d.rounded(), abs(d) < 0x1p62 { return Int(d) }
        return nil
    }
}
