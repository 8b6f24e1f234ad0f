import Float16Bits

/// Global memory for the CPU interpreter: a set of word-addressed buffers behind fake 64-bit pointers.
///
/// A pointer is `(buffer + 1) << 40 | byteOffset`, so a wrong address lands outside every buffer and is
/// reported instead of silently reading a neighbour. Accesses are 4-byte words or 2-byte halves (f16, the
/// low half of a word first, as little-endian GPU memory holds them); vector accesses must be aligned to
/// their width, as on the GPU.
public struct SimulatedMemory: Sendable {
    var buffers: [[UInt32]] = []

    public init() {}

    static let offsetBits: UInt64 = 40

    /// Adds a buffer of `words` 32-bit words and returns its device pointer.
    public mutating func allocate(words: Int, fill: UInt32 = 0) -> UInt64 {
        buffers.append([UInt32](repeating: fill, count: words))
        return UInt64(buffers.count) << Self.offsetBits
    }

    /// Adds a buffer holding `values` and returns its pointer.
    public mutating func allocate(floats values: [Float]) -> UInt64 {
        buffers.append(values.map(\.bitPattern))
        return UInt64(buffers.count) << Self.offsetBits
    }

    /// Adds a buffer holding `values` and returns its pointer.
    public mutating func allocate(words values: [UInt32]) -> UInt64 {
        buffers.append(values)
        return UInt64(buffers.count) << Self.offsetBits
    }

    /// The contents of the buffer at `pointer` as floats.
    public func floats(at pointer: UInt64) -> [Float] {
        buffers[Int(pointer >> Self.offsetBits) - 1].map(Float.init(bitPattern:))
    }

    /// Adds a buffer holding `halves` (IEEE binary16 bits), padded with a zero half to whole words, and
    /// returns its pointer.
    public mutating func allocate(halves: [UInt16]) -> UInt64 {
        allocate(words: HalfPrecision.words(packing: halves))
    }

    /// The first `count` halves of the buffer at `pointer`.
    public func halves(at pointer: UInt64, count: Int) -> [UInt16] {
        let buffer = Int(pointer >> Self.offsetBits) - 1
        return (0..<count).map { half(buffer, $0) }
    }

    /// Half `index` of `buffer`.
    @inline(__always)
    func half(_ buffer: Int, _ index: Int) -> UInt16 {
        HalfPrecision.half(index, of: buffers[buffer])
    }

    @inline(__always)
    mutating func setHalf(_ buffer: Int, _ index: Int, _ value: UInt16) {
        let shift = 16 * UInt32(index % 2)
        let word = buffers[buffer][index / 2] & ~(0xffff << shift)
        buffers[buffer][index / 2] = word | UInt32(value) << shift
    }

    /// Resolves a byte address to (buffer, half index) for `count` halves, or nil when it is outside every
    /// buffer or not aligned to `2 * count` bytes.
    @inline(__always)
    func locateHalves(_ address: UInt64, count: Int) -> (buffer: Int, half: Int)? {
        let buffer = Int(truncatingIfNeeded: address >> Self.offsetBits) - 1
        let byte = Int(truncatingIfNeeded: address & ((1 << Self.offsetBits) - 1))
        guard buffer >= 0, buffer < buffers.count, byte % (2 * count) == 0 else { return nil }
        guard byte / 2 + count <= 2 * buffers[buffer].count else { return nil }
        return (buffer, byte / 2)
    }

    /// Resolves a byte address to (buffer, word index) or describes why it is invalid.
    @inline(__always)
    func locate(_ address: UInt64, width: Int) -> (buffer: Int, word: Int)? {
        let buffer = Int(truncatingIfNeeded: address >> Self.offsetBits) - 1
        let byte = Int(truncatingIfNeeded: address & ((1 << Self.offsetBits) - 1))
        guard buffer >= 0, buffer < buffers.count, byte % (4 * width) == 0 else { return nil }
        let word = byte / 4
        guard word + width <= buffers[buffer].count else { return nil }
        return (buffer, word)
    }
}
