import CUDADriver
import Float16Bits
import SparseRT

/// Host-side preparation of the baselines' operands: densified weights, fp16 copies, device uploads, and the
/// 32-bit size checks the libraries' `int` parameters need.
enum BaselineOperands {
    /// `weights` as a dense row-major `rows x columns` float32 array, absent entries +0. For a convolution's
    /// OC x (IC*KH*KW) filter matrix this is exactly the dense OIHW filter.
    static func dense(_ weights: CSRMatrix) -> [Float] {
        var dense = [Float](repeating: 0, count: weights.rows * weights.columns)
        dense.withUnsafeMutableBufferPointer { out in
            for row in 0..<weights.rows {
                let base = row * weights.columns
                for i in weights.range(ofRow: row) { out[base + Int(weights.columnIndices[i])] = weights.values[i] }
            }
        }
        return dense
    }

    /// Copies `values` to a new device buffer as float32, or as binary16 (rounded to nearest even) for fp16.
    static func upload(_ values: [Float], as precision: BaselinePrecision, context: CUDAContext) throws -> DeviceBuffer {
        switch precision {
        case .fp32: return try DeviceBuffer(context: context, copying: values)
        case .fp16: return try DeviceBuffer(context: context, copying: HalfPrecision.halfBits(from: values))
        }
    }

    /// `value` as an `Int32` for a library's `int` parameter, or ``BaselineError/unsupported(baseline:reason:)``.
    static func int32(_ value: Int, _ what: String, baseline: String) throws(BaselineError) -> Int32 {
        guard let narrow = Int32(exactly: value) else {
            throw .unsupported(baseline: baseline, reason: "\(what) = \(value) does not fit the library's 32-bit int")
        }
        return narrow
    }
}

extension DeviceBuffer {
    /// The device address as the `void *` CUDA libraries take (never dereferenced on the host).
    var libraryPointer: UnsafeMutableRawPointer? { UnsafeMutableRawPointer(bitPattern: UInt(devicePointer)) }
}
