/// Theoretical occupancy of a kernel on one multiprocessor, from its registers per thread, block size and
/// dynamic shared memory: how many blocks fit at once, the share of the warp slots they fill, and how many
/// waves a grid takes. This is the same arithmetic Nsight Compute reports as "Block Limit ..." (checked
/// against its figures for sm_90 in the tests).
public struct Occupancy: Equatable, Sendable, Codable {
    /// Resident blocks per multiprocessor, and what limits them: "registers", "shared memory", "warps" or
    /// "blocks".
    public var blocksPerMultiprocessor: Int
    public var limitedBy: String
    /// Resident warps over the multiprocessor's warp slots (0...1).
    public var fraction: Double
    /// Grid blocks over the blocks all multiprocessors hold at once.
    public var waves: Double

    /// A multiprocessor's resources.
    public struct Multiprocessor: Equatable, Sendable {
        public var registers: Int
        public var sharedMemoryBytes: Int
        public var maxThreads: Int
        public var maxBlocks: Int
        public var count: Int
        /// Registers are handed to warps in units of this many, per sub-partition of `registers / 4`.
        public var registerAllocationUnit = 256
        /// Shared memory the system reserves per block, bytes.
        public var reservedSharedMemoryPerBlock = 1024

        public init(registers: Int, sharedMemoryBytes: Int, maxThreads: Int, maxBlocks: Int, count: Int) {
            self.registers = registers
            self.sharedMemoryBytes = sharedMemoryBytes
            self.maxThreads = maxThreads
            self.maxBlocks = maxBlocks
            self.count = count
        }

        /// An H100 SXM (sm_90): 64 K registers, 228 KB shared memory, 2048 threads and 32 blocks per
        /// multiprocessor, 132 multiprocessors.
        public static let h100 = Multiprocessor(registers: 65536, sharedMemoryBytes: 228 * 1024, maxThreads: 2048, maxBlocks: 32, count: 132)
    }

    /// Occupancy of blocks of `threads` threads using `registers` registers each and `sharedMemoryBytes` of
    /// dynamic shared memory, for a grid of `gridBlocks` blocks.
    public init(registers: Int, threads: Int, sharedMemoryBytes: Int, gridBlocks: Int, on sm: Multiprocessor = .h100) {
        let warps = (threads + 31) / 32
        let maxWarps = sm.maxThreads / 32
        let perWarp = (max(1, registers) * 32 + sm.registerAllocationUnit - 1) / sm.registerAllocationUnit * sm.registerAllocationUnit
        let warpsByRegisters = 4 * ((sm.registers / 4) / perWarp)
        var limits = [("blocks", sm.maxBlocks), ("warps", maxWarps / warps), ("registers", warpsByRegisters / warps)]
        if sharedMemoryBytes > 0 {
            limits.append(("shared memory", sm.sharedMemoryBytes / (sharedMemoryBytes + sm.reservedSharedMemoryPerBlock)))
        }
        let (reason, blocks) = limits.min { $0.1 < $1.1 }!
        blocksPerMultiprocessor = blocks
        limitedBy = reason
        fraction = Double(blocks * warps) / Double(maxWarps)
        waves = blocks == 0 ? .infinity : Double(gridBlocks) / Double(blocks * sm.count)
    }
}
