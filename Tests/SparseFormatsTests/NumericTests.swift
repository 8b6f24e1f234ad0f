import Float16Bits
@testable import SparseFormats
import Testing

@Suite("Half-precision conversion")
struct HalfPrecisionTests {
    static let knownValues: [(UInt16, Float)] = [
        (0x3c00, 1), (0xc000, -2), (0x7bff, 65504), (0x0001, 0x1p-24), (0x03ff, 1023 * 0x1p-24),
        (0x0400, 0x1p-14), (0x3555, 0.333251953125), (0x7c00, .infinity), (0xfc00, -.infinity), (0x0000, 0),
    ]

    @Test("known half values", arguments: knownValues)
    func known(bits: UInt16, value: Float) {
        #expect(HalfPrecision.float(fromHalfBits: bits) == value)
        #expect(HalfPrecision.halfBits(from: value) == bits)
    }

    @Test("every finite half survives half -> float -> half; NaN stays NaN")
    func exhaustive() {
        for bits in UInt16.min...UInt16.max {
            let value = HalfPrecision.float(fromHalfBits: bits)
            if value.isNaN {
                #expect(HalfPrecision.float(fromHalfBits: HalfPrecision.halfBits(from: value)).isNaN)
            } else if HalfPrecision.halfBits(from: value) != bits {
                Issue.record("0x\(String(bits, radix: 16)) -> \(value) -> 0x\(String(HalfPrecision.halfBits(from: value), radix: 16))")
            }
        }
        #expect(HalfPrecision.float(fromHalfBits: 0x8000).sign == .minus)
    }

    static let roundingCases: [(Float, UInt16)] = [
        (1 + 0x1p-11, 0x3c00), (1 + 3 * 0x1p-11, 0x3c02), (1 + 0x1p-11 + 0x1p-20, 0x3c01),
        (65519, 0x7bff), (65520, 0x7c00), (1e10, 0x7c00), (0x1p-25, 0x0000), (0x1p-25 + 0x1p-35, 0x0001),
        (3 * 0x1p-25, 0x0002), (-0x1p-30, 0x8000),
    ]

    @Test("float -> half rounds to nearest even", arguments: roundingCases)
    func rounding(value: Float, bits: UInt16) {
        #expect(HalfPrecision.halfBits(from: value) == bits)
    }

    @Test("bfloat16 is the top half of a float")
    func bfloat16() {
        #expect(HalfPrecision.float(fromBFloat16Bits: 0x3f80) == 1)
        #expect(HalfPrecision.float(fromBFloat16Bits: 0xc020) == -2.5)
        #expect(HalfPrecision.float(fromBFloat16Bits: 0x7f80) == .infinity)
    }
}

@Suite("Seeded normal generator")
struct SeededNormalTests {
    @Test("the same seed gives the same stream; copies fork it")
    func deterministic() {
        var a = SeededNormal(seed: 42), b = SeededNormal(seed: 42), c = SeededNormal(seed: 43)
        #expect(a.normalFloats(count: 5) == b.normalFloats(count: 5))
        #expect(a.next() != c.next())
        var fork = a
        #expect(fork.nextFloat() == a.nextFloat())
    }

    @Test("normals have mean 0 and standard deviation 1")
    func moments() {
        var g = SeededNormal(seed: 1)
        let samples = (0..<100_000).map { _ in g.nextNormal() }
        let mean = samples.reduce(0, +) / Double(samples.count)
        let variance = samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(samples.count)
        #expect(abs(mean) < 0.02 && abs(variance - 1) < 0.02)
    }

    @Test("uniform floats lie in [-1, 1) and fill buffers")
    func uniform() {
        var g = SeededNormal(seed: 2)
        var buffer = [Float](repeating: 7, count: 10_000)
        g.fillUniform(&buffer)
        #expect(buffer.allSatisfy { $0 >= -1 && $0 < 1 })
        #expect(buffer.min()! < -0.99 && buffer.max()! > 0.99)
        #expect((0..<1000).allSatisfy { _ in (0..<5).contains(g.nextInt(below: 5)) })
    }
}
