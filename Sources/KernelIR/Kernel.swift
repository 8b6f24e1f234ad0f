/// A complete kernel in the IR: its signature, launch limits and straight-line instruction list with labels.
///
/// A kernel is a value: generating the same one twice gives equal kernels and the same PTX bytes.
public struct Kernel: Hashable, Sendable {
    /// Entry-point name (a valid PTX identifier).
    public var name: String
    /// Parameters in launch order.
    public var parameters: [KernelParameter]
    /// Threads per block the kernel is written for (`.maxntid`); the launch must use exactly this (1-D).
    public var threadsPerBlock: Int
    /// Dynamic shared memory the kernel needs per block, in bytes.
    public var sharedMemoryBytes: Int
    /// The body.
    public var instructions: [Instruction]
    /// Number of registers of each class used (highest index + 1).
    public var registerCounts: [ValueType: Int]
    /// A cap on registers per thread for ptxas (`.maxnreg`), or nil to let ptxas choose. ptxas trades
    /// registers for occupancy on its own; for latency-bound sparse kernels the tuner measures caps.
    public var maxRegistersPerThread: Int? = nil
    /// Blocks per thread-block cluster along x (cluster dims `(clusterSize, 1, 1)`, `.reqnctapercluster`;
    /// sm_90 and later); 1 for no clusters. The blocks of a cluster run together and may read each other's
    /// shared memory (``Operation/loadClusterShared(_:address:offset:rank:)``); grid x must be a multiple.
    /// Up to 8 is portable; 16 needs the driver's non-portable cluster size attribute.
    public var clusterSize: Int = 1

    public init(
        name: String, parameters: [KernelParameter], threadsPerBlock: Int, sharedMemoryBytes: Int,
        instructions: [Instruction], registerCounts: [ValueType: Int], clusterSize: Int = 1
    ) {
        self.name = name
        self.parameters = parameters
        self.threadsPerBlock = threadsPerBlock
        self.sharedMemoryBytes = sharedMemoryBytes
        self.instructions = instructions
        self.registerCounts = registerCounts
        self.clusterSize = clusterSize
    }
}
