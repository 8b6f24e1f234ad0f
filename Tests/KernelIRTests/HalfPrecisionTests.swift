import Float16Bits
import KernelIR
import Testing

/// Half-precision operands: f16 registers, 2-byte loads and stores, conversions to and from f32.
@Suite("Kernel IR halves")
struct HalfTests {
    /// Runs `body` on one block of `threads` with `input` halves and `outputHalves` poisoned (NaN) halves.
    func run(threads: Int, input: [UInt16], outputHalves: Int,
             _ body: (inout KernelBuilder, Register, Register) -> Void) throws -> [UInt16] {
        var packing = SimulatedMemory()
        let inputPointer = packing.allocate(halves: input)
        let words = packing.floats(at: inputPointer).map(\.bitPattern)
        let out = try runKernel(threads: threads, inputWords: words, outputWords: (outputHalves + 1) / 2, fill: 0x7e00_7e00, body)
        let outputPointer = packing.allocate(words: out)
        return packing.halves(at: outputPointer, count: outputHalves)
    }

    @Test("vector loads of halves, f32 arithmetic, rounded stores", arguments: [1, 2, 4])
    func roundTrip(width: Int) throws {
        let values: [Float] = [1, -2.5, 0.333251953125, 65504, 1e-7, -0, 3.140625, 1000]
        let input = values.map(HalfPrecision.halfBits(from:))
        let out = try run(threads: 8 / width, input: input, outputHalves: 8) { b, i, o in
            let t = b.register(.u32)
            b.emit(.readSpecial(t, .threadX))
            let bytes = b.register(.u64)
            b.emit(.multiplyWide(bytes, .register(t), .u32(UInt32(2 * width))))
            let source = b.binary(.add, .u64, .register(i), .register(bytes))
            let target = b.binary(.add, .u64, .register(o), .register(bytes))
            let halves = (0..<width).map { _ in b.register(.f16) }
            b.emit(.load(.globalReadOnly, halves, address: source, offset: 0))
            let results = halves.map { h -> Register in
                let x = b.register(.f32), y = b.register(.f16)
                b.emit(.convert(x, h))
                b.emit(.fma(x, .register(x), .f32(1.0009765625), .f32(0)))  // x (1 + 2^-10): one half ulp up
                b.emit(.convert(y, x))
                return y
            }
            b.emit(.store(.global, results.map(Operand.register), address: target, offset: 0))
        }
        let expected = input.map { HalfPrecision.halfBits(from: HalfPrecision.float(fromHalfBits: $0) * 1.0009765625) }
        #expect(out == expected)
        #expect(out[3] == 0x7c00)  // 65504 (1 + 2^-10) overflows half to infinity, as cvt.rn.f16.f32 does
    }

    @Test("a half access must be aligned to its width")
    func misaligned() {
        #expect(throws: InterpreterError.self) {
            _ = try run(threads: 1, input: [0, 0, 0, 0], outputHalves: 2) { b, i, _ in
                let h = [b.register(.f16), b.register(.f16)]
                b.emit(.load(.globalReadOnly, h, address: i, offset: 2))
            }
        }
    }

    @Test("halves render as .b16 registers, b16 loads and stores, cvt both ways")
    func rendering() {
        var b = KernelBuilder()
        let p = b.register(.u64)
        b.emit(.loadParameter(p, index: 0))
        let h = [b.register(.f16), b.register(.f16)]
        b.emit(.load(.globalReadOnly, h, address: p, offset: 4))
        let x = b.register(.f32)
        b.emit(.convert(x, h[1]))
        b.emit(.convert(h[0], x))
        b.emit(.store(.global, [.register(h[0])], address: p, offset: 2))
        b.emit(.exit)
        let ptx = PTXRenderer.render(b.build(name: "k", parameters: [KernelParameter(name: "p", type: .u64)],
                                             threadsPerBlock: 32, sharedMemoryBytes: 0))
        #expect(ptx.contains(".reg .b16 %h<2>;"))
        #expect(ptx.contains("ld.global.nc.v2.b16 {%h0, %h1}, [%rd0+4];"))
        #expect(ptx.contains("cvt.f32.f16 %f0, %h1;"))
        #expect(ptx.contains("cvt.rn.f16.f32 %h0, %f0;"))
        #expect(ptx.contains("st.global.b16 [%rd0+2], %h0;"))
    }
}
