import Foundation

/// A small deterministic random source: SplitMix64 for the bit stream, Box-Muller for normals.
///
/// Pattern-only weight files (DLMC `.smtx`, Matrix Market `pattern`) get their values from it, and tests
/// use it for dense inputs, so the same seed gives the same matrix in every run and in every tool. It is a
/// value type: copying it forks the stream. Uniform draws are exact bit manipulations; normal draws go
/// through `log`/`sin`/`cos` and may differ in the last bit between C libraries.
public struct SeededNormal: RandomNumberGenerator, Sendable {
    /// The SplitMix64 counter; advances by a fixed odd constant per 64-bit draw.
    private var state: UInt64
    /// The second normal of the last Box-Muller pair, returned by the next `nextNormal()`.
    private var spare: Double?

    /// Starts the stream for `seed`; every seed (including 0) gives a well-mixed stream.
    public init(seed: UInt64) {
        state = seed
        spare = nil
    }

    /// The next 64 uniformly distributed bits (SplitMix64).
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform `Double` in [0, 1) with 53 random bits.
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A uniform `Float` in [-1, 1), a multiple of 2^-23 (24 random bits).
    public mutating func nextFloat() -> Float {
        Float(next() >> 40) * 0x1p-23 - 1
    }

    /// A uniform integer in 0..<bound (`bound` > 0), without modulo bias.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        return Int(next(upperBound: UInt64(bound)))
    }

    /// A standard normal N(0, 1) sample (Box-Muller; the pair's second value is kept for the next call).
    public mutating func nextNormal() -> Double {
        if let value = spare {
            spare = nil
            return value
        }
        let u1 = 1 - nextUniform()  // (0, 1], so the logarithm is finite
        let u2 = nextUniform()
        let radius = (-2 * log(u1)).squareRoot()
        let angle = 2 * Double.pi * u2
        spare = radius * sin(angle)
        return radius * cos(angle)
    }

    /// A standard normal sample rounded to `Float`.
    public mutating func nextNormalFloat() -> Float {
        Float(nextNormal())
    }

    /// `count` standard normal samples, as `Float`.
    public mutating func normalFloats(count: Int) -> [Float] {
        (0..<count).map { _ in nextNormalFloat() }
    }

    /// `count` uniform samples in [-1, 1) (see ``nextFloat()``).
    public mutating func uniformFloats(count: Int) -> [Float] {
        (0..<count).map { _ in nextFloat() }
    }

    /// Overwrites `buffer` with uniform samples in [-1, 1).
    public mutating func fillUniform(_ buffer: inout [Float]) {
        for i in buffer.indices { buffer[i] = nextFloat() }
    }

    /// Overwrites `buffer` with standard normal samples.
    public mutating func fillNormal(_ buffer: inout [Float]) {
        for i in buffer.indices { buffer[i] = nextNormalFloat() }
    }
}
