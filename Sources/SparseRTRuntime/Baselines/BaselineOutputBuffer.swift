import CUDADriver
import Float16Bits
import SparseRT

/// A baseline's result C on the device, float32 or binary16, with the poisoning and read-back every baseline
/// needs for verification.
final class BaselineOutputBuffer: @unchecked Sendable {
    /// The binary16 quiet NaN written over fp16 outputs before a check (payload 0x25D, so it is recognisable).
    static let halfPoison: UInt16 = 0x7E5D

    let buffer: DeviceBuffer
    /// Elements of C.
    let count: Int
    let precision: BaselinePrecision

    /// Allocates room for `count` elements, rounded up to whole 32-bit words so a word fill covers every element.
    init(count: Int, precision: BaselinePrecision, context: CUDAContext) throws {
        let bytes = count * (precision == .fp32 ? 4 : 2)
        self.buffer = try DeviceBuffer(context: context, bytes: max(4, (bytes + 3) / 4 * 4))
        self.count = count
        self.precision = precision
    }

    /// The device address for the library call.
    var pointer: UnsafeMutableRawPointer? { buffer.libraryPointer }

    /// Fills C with NaN poison and returns the `Float` bit pattern an untouched element reads back as.
    func poison() throws -> UInt32 {
        switch precision {
        case .fp32:
            try buffer.fill(uint32: CPUVerifier.poison)
            return CPUVerifier.poison
        case .fp16:
            try buffer.fill(uint32: UInt32(Self.halfPoison) << 16 | UInt32(Self.halfPoison))
            return HalfPrecision.float(fromHalfBits: Self.halfPoison).bitPattern
        }
    }

    /// C copied back as `Float`s (waits for the context's work first).
    func read() throws -> [Float] {
        switch precision {
        case .fp32: return try buffer.copyToHost(as: Float.self, count: count)
        case .fp16: return HalfPrecision.floats(fromHalfBits: try buffer.copyToHost(as: UInt16.self, count: count))
        }
    }
}
