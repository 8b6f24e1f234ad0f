import KernelIR
import Testing

/// Builds a one-parameter-pair kernel (`in`, `out`) from `body`, runs it and returns `out`.
func runKernel(threads: Int, grid: Int = 1, shared: Int = 0, input: [Float], outputWords: Int,
               _ body: (inout KernelBuilder, Register, Register) -> Void) throws -> [Float] {
    try runKernel(threads: threads, grid: grid, shared: shared, inputWords: input.map(\.bitPattern),
                  outputWords: outputWords, fill: Float.nan.bitPattern, body).map(Float.init(bitPattern:))
}

/// ``runKernel(threads:grid:shared:input:outputWords:_:)`` on raw words: `out` starts as `fill` in every word.
func runKernel(threads: Int, grid: Int = 1, shared: Int = 0, inputWords: [UInt32], outputWords: Int, fill: UInt32,
               _ body: (inout KernelBuilder, Register, Register) -> Void) throws -> [UInt32] {
    var b = KernelBuilder()
    let inPtr = b.register(.u64), outPtr = b.register(.u64)
    b.emit(.loadParameter(inPtr, index: 0))
    b.emit(.loadParameter(outPtr, index: 1))
    body(&b, inPtr, outPtr)
    b.emit(.exit)
    let kernel = b.build(name: "test", parameters: [KernelParameter(name: "a", type: .u64), KernelParameter(name: "b", type: .u64)],
                         threadsPerBlock: threads, sharedMemoryBytes: shared)
    var memory = SimulatedMemory()
    let i = memory.allocate(words: inputWords)
    let o = memory.allocate(words: outputWords, fill: fill)
    try Interpreter(kernel).run(SimulatedLaunch(grid: (grid, 1, 1), arguments: [i, o]), memory: &memory)
    return memory.floats(at: o).map(\.bitPattern)
}

/// Emits `address = base + 4 * thread` and returns it.
func threadAddress(_ b: inout KernelBuilder, _ base: Register) -> Register {
    let t = b.register(.u32)
    b.emit(.readSpecial(t, .threadX))
    let bytes = b.register(.u64)
    b.emit(.multiplyWide(bytes, .register(t), .u32(4)))
    return b.binary(.add, .u64, .register(base), .register(bytes))
}

@Suite("Kernel IR interpreter")
struct InterpreterTests {
    @Test("progress hears every block of the grid, in order, ending at the total")
    func progress() throws {
        var b = KernelBuilder()
        b.emit(.exit)
        let kernel = b.build(name: "empty", parameters: [], threadsPerBlock: 32, sharedMemoryBytes: 0)
        var memory = SimulatedMemory()
        var heard: [[Int]] = []
        try Interpreter(kernel).run(SimulatedLaunch(grid: (3, 2, 1), arguments: []), memory: &memory) { heard.append([$0, $1]) }
        #expect(heard == (1...6).map { [$0, 6] })
    }

    @Test("fma with an immediate rounds once, like fma.rn.f32")
    func fused() throws {
        let x: Float = 1 + 0x1p-12  // x * x = 1 + 2^-11 + 2^-24: the last term survives only one rounding
        let out = try runKernel(threads: 1, input: [x], outputWords: 1) { b, i, o in
            let v = b.register(.f32), acc = b.register(.f32)
            b.emit(.load(.globalReadOnly, [v], address: i, offset: 0))
            b.emit(.move(acc, .f32(-1)))
            b.emit(.fma(acc, .register(v), .f32(x), .register(acc)))
            b.emit(.store(.global, [.register(acc)], address: o, offset: 0))
        }
        let fused = (-1 as Float).addingProduct(x, x)
        #expect(out[0] == fused)
        #expect(fused != x * x - 1)  // the case tells one rounding from two
    }

    @Test("a barrier orders shared-memory writes before reads across threads")
    func barrierReverses() throws {
        let input = (0..<64).map(Float.init)
        let out = try runKernel(threads: 64, shared: 256, input: input, outputWords: 64) { b, i, o in
            let inAddr = threadAddress(&b, i), outAddr = threadAddress(&b, o)
            let t = b.register(.u32)
            b.emit(.readSpecial(t, .threadX))
            let base = b.register(.u32)
            b.emit(.sharedBase(base))
            let mine = b.binary(.mul, .u32, .register(t), .u32(4))
            let slot = b.binary(.add, .u32, .register(base), .register(mine))
            let v = b.register(.f32)
            b.emit(.load(.global, [v], address: inAddr, offset: 0))
            b.emit(.store(.shared, [.register(v)], address: slot, offset: 0))
            b.emit(.barrier)
            // Read the mirror thread's value: 63 - t.
            let mirror = b.binary(.sub, .u32, .u32(63), .register(t))
            let mirrorBytes = b.binary(.mul, .u32, .register(mirror), .u32(4))
            let other = b.binary(.add, .u32, .register(base), .register(mirrorBytes))
            let w = b.register(.f32)
            b.emit(.load(.shared, [w], address: other, offset: 0))
            b.emit(.store(.global, [.register(w)], address: outAddr, offset: 0))
        }
        #expect(out == input.reversed())
    }

    /// Each thread copies its input word to shared memory with cp.async, optionally waits, and reads it back.
    static func copyAsync(wait: Bool) throws -> [Float] {
        try runKernel(threads: 32, shared: 128, input: (0..<32).map(Float.init), outputWords: 32) { b, i, o in
            let inAddr = threadAddress(&b, i), outAddr = threadAddress(&b, o)
            let t = b.register(.u32)
            b.emit(.readSpecial(t, .threadX))
            let base = b.register(.u32)
            b.emit(.sharedBase(base))
            let slot = b.binary(.add, .u32, .register(base), .register(b.binary(.mul, .u32, .register(t), .u32(4))))
            b.emit(.copyAsync(destination: slot, destinationOffset: 0, source: inAddr, sourceOffset: 0, words: 1))
            if wait { b.emit(.waitAsyncCopies) }
            let v = b.register(.f32)
            b.emit(.load(.shared, [v], address: slot, offset: 0))
            b.emit(.store(.global, [.register(v)], address: outAddr, offset: 0))
        }
    }

    @Test("cp.async lands at the thread's wait")
    func copyAsyncLands() throws {
        #expect(try Self.copyAsync(wait: true) == (0..<32).map(Float.init))
    }

    @Test("reading a cp.async target before the wait is an error")
    func copyAsyncWithoutWait() throws {
        #expect { try Self.copyAsync(wait: false) } throws: { "\($0)".contains("has not been waited for") }
    }

    @Test("cp.async renders as cp.async.ca.shared.global with its byte count, the wait as cp.async.wait_all")
    func copyAsyncRenders() {
        var b = KernelBuilder()
        let s = b.register(.u32), g = b.register(.u64)
        b.emit(.copyAsync(destination: s, destinationOffset: 512, source: g, sourceOffset: 16, words: 4))
        b.emit(.waitAsyncCopies)
        let ptx = PTXRenderer.render(b.build(name: "k", parameters: [], threadsPerBlock: 32, sharedMemoryBytes: 1024))
        #expect(ptx.contains("cp.async.ca.shared.global [%r0+512], [%rd0+16], 16;"))
        #expect(ptx.contains("cp.async.wait_all;"))
    }

    @Test("guarded stores and indexed branches")
    func guardsAndBranches() throws {
        let out = try runKernel(threads: 4, input: [0], outputWords: 4) { b, _, o in
            let addr = threadAddress(&b, o)
            let t = b.register(.u32)
            b.emit(.readSpecial(t, .threadX))
            let labels = [b.label(), b.label(), b.label()]
            let index = b.binary(.min, .u32, .register(t), .u32(2))
            b.emit(.branchIndexed(index, labels))
            for (k, label) in labels.enumerated() {
                b.emit(.label(label))
                let isOdd = b.compare(.eq, .u32, .register(b.binary(.and, .u32, .register(t), .u32(1))), .u32(1))
                b.emit(.store(.global, [.f32(Float(10 * (k + 1)))], address: addr, offset: 0), guard: isOdd, negated: true)
                b.emit(.store(.global, [.f32(-1)], address: addr, offset: 0), guard: isOdd)
                b.emit(.exit)
            }
        }
        #expect(out == [10, -1, 30, -1])
    }

    @Test("out-of-bounds global access is an error, not a silent read")
    func outOfBounds() {
        #expect(throws: InterpreterError.self) {
            _ = try runKernel(threads: 1, input: [1], outputWords: 1) { b, i, o in
                let v = b.register(.f32)
                b.emit(.load(.globalReadOnly, [v], address: i, offset: 4))
                b.emit(.store(.global, [.register(v)], address: o, offset: 0))
            }
        }
    }

    @Test("misaligned vector access is an error")
    func misaligned() {
        #expect(throws: InterpreterError.self) {
            _ = try runKernel(threads: 1, input: [1, 2, 3, 4, 5, 6, 7, 8], outputWords: 4) { b, i, _ in
                let v = (0..<4).map { _ in b.register(.f32) }
                b.emit(.load(.globalReadOnly, v, address: i, offset: 4))
            }
        }
    }

    @Test("threads that exit while others wait at a barrier are reported")
    func barrierDivergence() {
        #expect(throws: InterpreterError.self) {
            _ = try runKernel(threads: 2, input: [0], outputWords: 1) { b, _, _ in
                let t = b.register(.u32)
                b.emit(.readSpecial(t, .threadX))
                let first = b.compare(.eq, .u32, .register(t), .u32(0))
                let end = b.label()
                b.emit(.branch(end), guard: first)
                b.emit(.barrier)
                b.emit(.label(end))
            }
        }
    }

    /// Each thread of a 64-thread block loads input[t] and stores the value of lane `lane` of its segment.
    static func shuffled(lane: Int, width: Int) throws -> [Float] {
        try runKernel(threads: 64, input: (0..<64).map(Float.init), outputWords: 64) { b, i, o in
            let inAddr = threadAddress(&b, i), outAddr = threadAddress(&b, o)
            let v = b.register(.f32), w = b.register(.f32)
            b.emit(.load(.global, [v], address: inAddr, offset: 0))
            b.emit(.shuffle(w, v, sourceLane: lane, width: width))
            b.emit(.store(.global, [.register(w)], address: outAddr, offset: 0))
        }
    }

    @Test("a shuffle reads the source lane of the thread's own segment", arguments: [(3, 32), (5, 8), (0, 16), (0, 1)])
    func shuffle(lane: Int, width: Int) throws {
        let out = try Self.shuffled(lane: lane, width: width)
        #expect(out == (0..<64).map { t in Float(t / width * width + lane) })
    }

    @Test("a butterfly shuffle reads the lane that differs in the mask's bits", arguments: [1, 4, 8, 16, 31])
    func butterfly(mask: Int) throws {
        let out = try runKernel(threads: 64, input: (0..<64).map(Float.init), outputWords: 64) { b, i, o in
            let inAddr = threadAddress(&b, i), outAddr = threadAddress(&b, o)
            let v = b.register(.f32), w = b.register(.f32)
            b.emit(.load(.global, [v], address: inAddr, offset: 0))
            b.emit(.shuffleXor(w, v, laneMask: mask))
            b.emit(.store(.global, [.register(w)], address: outAddr, offset: 0))
        }
        #expect(out == (0..<64).map { t in Float(t / 32 * 32 + ((t % 32) ^ mask)) })
        var b = KernelBuilder()
        let x = b.register(.f32), y = b.register(.f32)
        b.emit(.shuffleXor(y, x, laneMask: mask))
        b.emit(.exit)
        let ptx = PTXRenderer.render(b.build(name: "k", parameters: [], threadsPerBlock: 32, sharedMemoryBytes: 0))
        #expect(ptx.contains("shfl.sync.bfly.b32 %f1, %f0, \(mask), 0x1f, 0xffffffff;"))
    }

    @Test("a shuffle that not every thread of the warp reaches is reported")
    func shuffleDivergence() {
        #expect(throws: InterpreterError.self) {
            _ = try runKernel(threads: 32, input: [0], outputWords: 1) { b, _, _ in
                let t = b.register(.u32)
                b.emit(.readSpecial(t, .threadX))
                let first = b.compare(.eq, .u32, .register(t), .u32(0))
                let end = b.label()
                b.emit(.branch(end), guard: first)
                let x = b.register(.u32)
                b.emit(.shuffle(x, t, sourceLane: 0, width: 32))
                b.emit(.label(end))
            }
        }
    }

    @Test("unwritten float registers read as NaN")
    func poisonedRegisters() throws {
        let out = try runKernel(threads: 1, input: [0], outputWords: 1) { b, _, o in
            let never = b.register(.f32)
            b.emit(.store(.global, [.register(never)], address: o, offset: 0))
        }
        #expect(out[0].isNaN)
    }
}

@Suite("PTX rendering")
struct PTXRendererTests {
    @Test("float immediates are exact bit patterns", arguments: [
        (Float(1), "0f3F800000"), (Float(-2.5), "0fC0200000"), (Float(0), "0f00000000"), (Float.leastNonzeroMagnitude, "0f00000001"),
    ])
    func floatLiteral(value: Float, text: String) {
        #expect(PTXRenderer.floatLiteral(value) == text)
    }

    @Test("a kernel renders header, registers, guarded and vector instructions")
    func render() {
        var b = KernelBuilder()
        let p = b.register(.u64)
        b.emit(.loadParameter(p, index: 0))
        let v = (0..<4).map { _ in b.register(.f32) }
        b.emit(.load(.globalReadOnly, v, address: p, offset: 16))
        let t = b.register(.u32)
        b.emit(.readSpecial(t, .threadX))
        let q = b.compare(.lt, .u32, .register(t), .u32(3))
        b.emit(.store(.global, v.map(Operand.register), address: p, offset: -16), guard: q)
        b.emit(.exit)
        let ptx = PTXRenderer.render(b.build(name: "k", parameters: [KernelParameter(name: "p", type: .u64)], threadsPerBlock: 32, sharedMemoryBytes: 0))
        #expect(ptx.contains(".version 8.0\n.target sm_90\n.address_size 64"))
        #expect(ptx.contains(".reg .f32 %f<4>;"))
        #expect(ptx.contains("ld.global.nc.v4.f32 {%f0, %f1, %f2, %f3}, [%rd0+16];"))
        #expect(ptx.contains("@%p0 st.global.v4.f32 [%rd0+-16], {%f0, %f1, %f2, %f3};"))  // ptxas rejects [%rd0-16]
        #expect(ptx.contains(".maxntid 32, 1, 1"))
    }

    @Test("a shuffle renders the segment mask and clamp of its width", arguments: [(32, "0x1f"), (16, "4127"), (8, "6175")])
    func shuffle(width: Int, control: String) {
        var b = KernelBuilder()
        let x = b.register(.f32), y = b.register(.f32)
        b.emit(.shuffle(y, x, sourceLane: 2, width: width))
        b.emit(.exit)
        let ptx = PTXRenderer.render(b.build(name: "k", parameters: [], threadsPerBlock: 32, sharedMemoryBytes: 0))
        // 16: segment mask 16 << 8 | 31 = 4127; 8: 24 << 8 | 31 = 6175.
        let expected = width == 32 ? "31" : control
        #expect(ptx.contains("shfl.sync.idx.b32 %f1, %f0, 2, \(expected), 0xffffffff;"))
    }

    @Test("targets follow the compute capability", arguments: [(8, 0, "sm_80"), (9, 0, "sm_90"), (10, 0, "sm_100")])
    func target(major: Int, minor: Int, arch: String) {
        #expect(PTXTarget.forComputeCapability(major: major, minor: minor).architecture == arch)
    }
}
