/// IEEE 754 binary16 ("half", CUDA's `__half`, `CUDA_R_16F`, `CUDNN_DATA_HALF`) conversions on the host, on raw
/// bits, for the fp16 baselines' operands and results; identical on every platform.
enum HostHalf {
    /// `value` rounded to the nearest binary16, ties to even. Magnitudes of 65520 and up become infinity, those of
    /// 2^-25 and below signed zero, those in between the normal range and zero subnormals; NaN stays NaN (quiet,
    /// keeping the top payload bits).
    static func bits(from value: Float) -> UInt16 {
        let word = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: (word >> 16) & 0x8000)
        let magnitude = word & 0x7FFF_FFFF
        if magnitude > 0x7F80_0000 {  // NaN
            return sign | 0x7E00 | UInt16(truncatingIfNeeded: (magnitude >> 13) & 0x3FF)
        }
        if magnitude >= 0x477F_F000 { return sign | 0x7C00 }  // >= 65520 (or infinity): rounds past 65504
        if magnitude >= 0x3880_0000 {  // >= 2^-14: a normal half
            // Re-bias the exponent from 127 to 15 (subtract 112 << 23), then drop 13 mantissa bits rounding to
            // nearest even; a carry out of the mantissa correctly steps the exponent.
            let rebased = magnitude - 0x3800_0000
            let rounded = rebased + 0x0FFF + ((rebased >> 13) & 1)
            return sign | UInt16(truncatingIfNeeded: rounded >> 13)
        }
        if magnitude <= 0x3300_0000 { return sign }  // <= 2^-25: zero (2^-25 itself ties to the even zero)
        // A subnormal half counts units of 2^-24: value * 2^24 = significand * 2^(exponent - 126).
        let exponent = magnitude >> 23
        let significand = (magnitude & 0x7F_FFFF) | 0x80_0000
        let shift = 126 - exponent  // 14...24
        let quotient = significand >> shift
        let remainder = significand & ((1 << shift) - 1)
        let half: UInt32 = 1 << (shift - 1)
        let roundUp = remainder > half || (remainder == half && quotient & 1 == 1)
        return sign | UInt16(truncatingIfNeeded: quotient + (roundUp ? 1 : 0))
    }

    /// The binary16 `bits` widened to `Float`; exact for every input (subnormals, infinities, NaN payloads).
    static func float(fromBits bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        if exponent == 0 {
            let magnitude = Float(mantissa) * 0x1p-24  // exact: at most 10 significant bits
            return sign == 0 ? magnitude : -magnitude
        }
        if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }

    /// Every value narrowed with ``bits(from:)``.
    static func bits(from values: [Float]) -> [UInt16] { values.map { bits(from: $0) } }

    /// Every value widened with ``float(fromBits:)``.
    static func floats(fromBits values: [UInt16]) -> [Float] { values.map { float(fromBits: $0) } }
}
