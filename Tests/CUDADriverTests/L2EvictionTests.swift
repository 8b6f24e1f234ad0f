import SparseRT
@testable import SparseRTRuntime
import SparseRTTestSupport
import Testing

struct L2EvictionTests {
    /// Runs the eviction kernel over a buffer of `threads * 64` bytes with `word` at `index` (else zeros) and
    /// returns the sink's word.
    static func sink(threads: Int, nonzeroAt index: Int?, word: UInt32 = 0x0000_0100) throws -> UInt32 {
        var memory = SimulatedMemory()
        var words = [UInt32](repeating: 0, count: threads * 16)
        if let index { words[index] = word }
        let buffer = memory.allocate(words: words)
        let sink = memory.allocate(words: 4, fill: 0xDEAD_BEEF)
        let kernel = L2Eviction.kernel(threads: threads)
        try Interpreter(kernel).run(
            SimulatedLaunch(grid: (threads / L2Eviction.blockThreads, 1, 1), arguments: [buffer, sink]), memory: &memory)
        return memory.floats(at: sink)[0].bitPattern
    }

    @Test("the eviction kernel reads every word of its buffer and stores only where one is nonzero",
          arguments: [nil, 0, 7, 1023, 2 * 2048 + 5, 4 * 2048 - 1])
    func readsEverything(_ index: Int?) throws {
        // Two blocks of 256 threads: 8192 words, each thread's four vectors 2048 words (8 KiB) apart.
        let stored = try Self.sink(threads: 512, nonzeroAt: index)
        #expect(stored == (index == nil ? 0xDEAD_BEEF : 0x0000_0100))
    }

    @Test("the eviction kernel assembles for sm_90 with four vector loads a thread",
          .enabled(if: TestMatrices.ptxas != nil, "ptxas not installed (scripts/install-ptxas.sh)"))
    func assembles() throws {
        let ptx = PTXRenderer.render(L2Eviction.kernel(threads: 1 << 20))
        #expect(ptx.components(separatedBy: "ld.global.v4.u32").count - 1 == L2Eviction.loadsPerThread)
        let report = try #require(TestMatrices.ptxas).assemble(ptx)
        #expect(report.registers > 0 && report.spillStoreBytes == 0 && report.stackFrameBytes == 0)
    }
}
