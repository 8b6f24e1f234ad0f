import Float16Bits
import KernelIR

/// The element type of B and C in memory. Products accumulate in fp32 whatever it is, and A's values stay
/// the fp32 values read from the weight file (immediates or table words), so fp16 halves the bytes of B
/// and C and rounds each output once, where cuBLAS's fp16 GEMM with fp32 compute rounds A as well.
public enum Precision: String, Sendable, Hashable, Codable, CaseIterable {
    /// IEEE binary32 (`float`).
    case fp32
    /// IEEE binary16 (`half`, PyTorch's `torch.float16`).
    case fp16

    /// Bytes per element of B and C.
    public var elementBytes: Int { self == .fp16 ? 2 : 4 }

    /// The max-relative-error tolerance of a kernel's output against the float64 reference (computed on the
    /// inputs as held in this precision): 1e-5 for fp32; 1e-3 for fp16, two units in the last place of a half
    /// relative to the largest output, as each output is rounded to a half once.
    public var verificationTolerance: Double { self == .fp16 ? 1e-3 : 1e-5 }

    /// `values` as this precision holds them: unchanged for fp32, rounded to the nearest half for fp16.
    public func rounded(_ values: [Float]) -> [Float] {
        self == .fp16 ? HalfPrecision.floats(fromHalfBits: HalfPrecision.halfBits(from: values)) : values
    }

    /// The 32-bit words of a device buffer holding `values` in this precision: one word a float, or two halves a
    /// word (the first in the low half, as little-endian memory holds them; an odd count padded with a zero half).
    public func packed(_ values: [Float]) -> [UInt32] {
        guard self == .fp16 else { return values.map(\.bitPattern) }
        return HalfPrecision.words(packing: HalfPrecision.halfBits(from: values))
    }

    /// The first `count` elements of a buffer's `words` (``packed(_:)``'s inverse), widened to floats.
    public func unpacked(_ words: [UInt32], count: Int) -> [Float] {
        guard self == .fp16 else { return words.prefix(count).map(Float.init(bitPattern:)) }
        return (0..<count).map { HalfPrecision.float(fromHalfBits: HalfPrecision.half($0, of: words)) }
    }

    /// Words in a buffer of `elements` elements (rounded up to whole words).
    public func words(forElements elements: Int) -> Int { (elements * elementBytes + 3) / 4 }

    /// The word to fill a buffer with so every element holds the NaN `poison` (fp32 bits), and the bits an
    /// untouched element reads back as through ``unpacked(_:count:)``: for fp16 the quiet NaN half keeping
    /// the low 9 payload bits of `poison`.
    public func poison(_ poison: UInt32) -> (fill: UInt32, readBack: UInt32) {
        guard self == .fp16 else { return (poison, poison) }
        let half = UInt16(0x7E00 | (poison & 0x1FF))
        return (UInt32(half) << 16 | UInt32(half), HalfPrecision.float(fromHalfBits: half).bitPattern)
    }
}

/// Loads and stores of B and C in a problem's precision; both generators share them.
extension KernelBuilder {
    /// Loads `values.count` consecutive elements of `precision` at `address + offset` into the f32
    /// registers `values` (through f16 registers and `cvt.f32.f16` for halves), under `predicate`.
    /// A guarded half load leaves its f32 values as they were (the caller zeroes them first if needed).
    mutating func loadElements(
        _ precision: Precision, into values: [Register], space: MemorySpace, address: Register, offset: Int64,
        guard predicate: Register? = nil
    ) {
        guard precision == .fp16 else {
            emit(.load(space, values, address: address, offset: offset), guard: predicate)
            return
        }
        let halves = values.map { _ in register(.f16) }
        emit(.load(space, halves, address: address, offset: offset), guard: predicate)
        for (value, half) in zip(values, halves) { emit(.convert(value, half), guard: predicate) }
    }

    /// Stores the f32 registers `values` as consecutive elements of `precision` (rounded to nearest even
    /// for halves) at `address + offset`, under `predicate`.
    mutating func storeElements(
        _ precision: Precision, _ values: [Register], address: Register, offset: Int64, guard predicate: Register? = nil
    ) {
        guard precision == .fp16 else {
            emit(.store(.global, values.map(Operand.register), address: address, offset: offset), guard: predicate)
            return
        }
        let halves = values.map { value -> Register in
            let half = register(.f16)
            emit(.convert(half, value))
            return half
        }
        emit(.store(.global, halves.map(Operand.register), address: address, offset: offset), guard: predicate)
    }
}
