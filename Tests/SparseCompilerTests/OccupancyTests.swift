import SparseRT
import Testing

@Suite("Theoretical occupancy")
struct OccupancyTests {
    /// Figures Nsight Compute reported on an H100 for kernels of this project
    /// (bench/results/NVIDIA_H100_80GB_HBM3/explore/ncu*.log): registers, threads, dynamic shared memory,
    /// grid blocks -> blocks per multiprocessor, theoretical occupancy, waves.
    @Test("matches Nsight Compute's block limits", arguments: [
        (128, 128, 1577, 1024, 4, 0.25, 1.94),
        (78, 128, 768, 2048, 6, 0.375, 2.59),
        (70, 128, 768, 2048, 7, 0.4375, 2.22),
        (108, 128, 1024, 2048, 4, 0.25, 3.88),
        (59, 512, 65536, 256, 2, 0.5, 0.97),
        (110, 256, 65536, 512, 2, 0.25, 1.94),
    ])
    func ncu(registers: Int, threads: Int, shared: Int, grid: Int, blocks: Int, fraction: Double, waves: Double) {
        let o = Occupancy(registers: registers, threads: threads, sharedMemoryBytes: shared, gridBlocks: grid)
        #expect(o.blocksPerMultiprocessor == blocks)
        #expect(o.fraction == fraction)
        #expect(abs(o.waves - waves) < 0.005)
        #expect(o.limitedBy == "registers")
    }

    @Test("names the limit: warps, blocks or shared memory")
    func limits() {
        #expect(Occupancy(registers: 32, threads: 1024, sharedMemoryBytes: 0, gridBlocks: 1).limitedBy == "warps")
        #expect(Occupancy(registers: 16, threads: 32, sharedMemoryBytes: 0, gridBlocks: 1).limitedBy == "blocks")
        let shared = Occupancy(registers: 32, threads: 128, sharedMemoryBytes: 100 * 1024, gridBlocks: 264)
        #expect(shared.limitedBy == "shared memory" && shared.blocksPerMultiprocessor == 2 && shared.waves == 1)
    }
}
