/// A device's resources and identity as the driver reports them: what the compiler plans against (shared memory,
/// registers, multiprocessors) and what reports record (name, clocks, driver version). Codable for JSON output.
public struct DeviceProperties: Codable, Sendable, Equatable {
    /// The device's ordinal.
    public var ordinal: Int
    /// The product name.
    public var name: String
    /// Compute capability, major part (9 on Hopper).
    public var computeCapabilityMajor: Int
    /// Compute capability, minor part (0 on the H100).
    public var computeCapabilityMinor: Int
    /// The PTX `.target` for this device ("sm_90").
    public var ptxTarget: String
    /// Streaming multiprocessors.
    public var multiprocessorCount: Int
    /// Global memory in bytes.
    public var totalGlobalMemory: Int
    /// L2 cache in bytes.
    public var l2CacheBytes: Int
    /// Shared memory a block may use without opting in (48 KiB).
    public var sharedMemoryPerBlock: Int
    /// Shared memory a block may use after raising its function's max dynamic shared size.
    public var sharedMemoryPerBlockOptin: Int
    /// Shared memory per multiprocessor in bytes.
    public var sharedMemoryPerMultiprocessor: Int
    /// 32-bit registers available to one block.
    public var registersPerBlock: Int
    /// 32-bit registers per multiprocessor.
    public var registersPerMultiprocessor: Int
    /// Most threads in one block.
    public var maxThreadsPerBlock: Int
    /// Most resident threads per multiprocessor.
    public var maxThreadsPerMultiprocessor: Int
    /// Threads per warp.
    public var warpSize: Int
    /// Peak SM clock in kHz.
    public var clockRateKHz: Int
    /// Peak memory clock in kHz.
    public var memoryClockKHz: Int
    /// Memory bus width in bits.
    public var memoryBusWidth: Int
    /// The driver's CUDA version ("13.0").
    public var driverVersion: String

    public init(
        ordinal: Int, name: String, computeCapabilityMajor: Int, computeCapabilityMinor: Int, ptxTarget: String,
        multiprocessorCount: Int, totalGlobalMemory: Int, l2CacheBytes: Int, sharedMemoryPerBlock: Int,
        sharedMemoryPerBlockOptin: Int, sharedMemoryPerMultiprocessor: Int, registersPerBlock: Int,
        registersPerMultiprocessor: Int, maxThreadsPerBlock: Int, maxThreadsPerMultiprocessor: Int, warpSize: Int,
        clockRateKHz: Int, memoryClockKHz: Int, memoryBusWidth: Int, driverVersion: String
    ) {
        self.ordinal = ordinal
        self.name = name
        self.computeCapabilityMajor = computeCapabilityMajor
        self.computeCapabilityMinor = computeCapabilityMinor
        self.ptxTarget = ptxTarget
        self.multiprocessorCount = multiprocessorCount
        self.totalGlobalMemory = totalGlobalMemory
        self.l2CacheBytes = l2CacheBytes
        self.sharedMemoryPerBlock = sharedMemoryPerBlock
        self.sharedMemoryPerBlockOptin = sharedMemoryPerBlockOptin
        self.sharedMemoryPerMultiprocessor = sharedMemoryPerMultiprocessor
        self.registersPerBlock = registersPerBlock
        self.registersPerMultiprocessor = registersPerMultiprocessor
        self.maxThreadsPerBlock = maxThreadsPerBlock
        self.maxThreadsPerMultiprocessor = maxThreadsPerMultiprocessor
        self.warpSize = warpSize
        self.clockRateKHz = clockRateKHz
        self.memoryClockKHz = memoryClockKHz
        self.memoryBusWidth = memoryBusWidth
        self.driverVersion = driverVersion
    }

    /// The PTX target name for a compute capability: "sm_\(major)\(minor)" ("sm_90", "sm_86").
    public static func ptxTarget(major: Int, minor: Int) -> String { "sm_\(major)\(minor)" }

    /// Compute capability as "major.minor" ("9.0").
    public var computeCapability: String { "\(computeCapabilityMajor).\(computeCapabilityMinor)" }
}
