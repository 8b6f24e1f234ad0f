/// Bit-level conversions between 16-bit floating-point encodings and `Float`.
///
/// Weight files store IEEE 754 binary16 ("half", NumPy `f2`, safetensors `F16`) and bfloat16 (`BF16`);
/// half-precision kernels read and write binary16, and the IR interpreter must round exactly as the GPU's
/// `cvt.rn.f16.f32` does. These helpers work on raw bits so they behave the same on every platform, including x86 macOS where
/// Swift's `Float16` type is unavailable.
public enum HalfPrecision {
    /// Widens IEEE binary16 bits (1 sign, 5 exponent, 10 mantissa bits) to `Float`; exact for every input,
    /// including subnormals, infinities and NaN payloads.
    public static func float(fromHalfBits h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1f
        let mantissa = UInt32(h & 0x3ff)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa x 2^-24, exactly representable in Float.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 0x1f:
            return Float(bitPattern: sign | 0x7f80_0000 | (mantissa << 13))
        default:
            return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
        }
    }

    /// Narrows a `Float` to IEEE binary16 bits with round-to-nearest-even; overflow gives infinity,
    /// NaN stays NaN (quiet), tiny values become subnormals or signed zero.
    public static func halfBits(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xff)
        let mantissa = bits & 0x7f_ffff
        if exponent == 0xff {
            return mantissa == 0 ? sign | 0x7c00 : sign | 0x7e00 | UInt16(mantissa >> 13)
        }
        let halfExponent = exponent - 127 + 15
        if halfExponent >= 31 { return sign | 0x7c00 }
        if halfExponent <= 0 {
            // Below 2^-25 everything rounds to zero; otherwise shift the full significand into a subnormal.
            if halfExponent < -10 { return sign }
            let significand = mantissa | 0x80_0000
            let shift = UInt32(14 - halfExponent)
            return sign | UInt16(roundShift(significand, by: shift))
        }
        let combined = (UInt32(halfExponent) << 23) | mantissa
        // A carry out of the mantissa correctly bumps the exponent (up to infinity, 0x7c00).
        return sign | UInt16(roundShift(combined, by: 13))
    }

    /// Every value narrowed with ``halfBits(from:)-(Float)``.
    public static func halfBits(from values: [Float]) -> [UInt16] { values.map { halfBits(from: $0) } }

    /// Every value widened with ``float(fromHalfBits:)-(UInt16)``.
    public static func floats(fromHalfBits values: [UInt16]) -> [Float] { values.map { float(fromHalfBits: $0) } }

    /// `halves` packed two to a 32-bit word as little-endian memory holds them (the first in the low half), an
    /// odd count padded with a zero half.
    public static func words(packing halves: [UInt16]) -> [UInt32] {
        (0..<(halves.count + 1) / 2).map { w in
            UInt32(halves[2 * w]) | (2 * w + 1 < halves.count ? UInt32(halves[2 * w + 1]) << 16 : 0)
        }
    }

    /// Half `index` of `words` packed as ``words(packing:)`` packs them.
    @inline(__always)
    public static func half(_ index: Int, of words: [UInt32]) -> UInt16 {
        UInt16(truncatingIfNeeded: words[index / 2] >> (16 * UInt32(index % 2)))
    }

    /// Widens bfloat16 bits (the top half of a binary32) to `Float`; exact.
    public static func float(fromBFloat16Bits b: UInt16) -> Float {
        Float(bitPattern: UInt32(b) << 16)
    }

    /// `value >> shift` rounded to nearest, ties to even; `shift` in 1...31.
    private static func roundShift(_ value: UInt32, by shift: UInt32) -> UInt32 {
        let quotient = value >> shift
        let remainder = value & ((1 << shift) - 1)
        let half: UInt32 = 1 << (shift - 1)
        if remainder > half || (remainder == half && quotient & 1 == 1) { return quotient + 1 }
        return quotient
    }
}
