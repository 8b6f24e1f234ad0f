/// One CUDA device, by ordinal, as the driver enumerates them (see ``CUDADriver/deviceCount()``).
public struct CUDADevice: Sendable, Hashable {
    /// The device's index among the driver's devices (0-based).
    public let ordinal: Int
    /// The driver's `CUdevice` handle.
    let handle: Int32

    /// The device with this ordinal; throws if the driver has no such device.
    public init(ordinal: Int) throws(CUDAError) {
        let driver = try DriverLibrary.load()
        guard let raw = Int32(exactly: ordinal), raw >= 0 else {
            throw .invalidArgument("device ordinal \(ordinal) out of range")
        }
        var device: Int32 = 0
        try check(driver.cuDeviceGet(&device, raw), "cuDeviceGet")
        self.ordinal = ordinal
        self.handle = device
    }

    /// The product name ("NVIDIA H100 80GB HBM3").
    public func name() throws(CUDAError) -> String {
        let driver = try DriverLibrary.load()
        var buffer = [CChar](repeating: 0, count: 256)
        try check(driver.cuDeviceGetName(&buffer, Int32(buffer.count - 1), handle), "cuDeviceGetName")
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// One `CUdevice_attribute` value.
    func attribute(_ attribute: DeviceAttribute) throws(CUDAError) -> Int {
        let driver = try DriverLibrary.load()
        var value: Int32 = 0
        try check(driver.cuDeviceGetAttribute(&value, attribute.rawValue, handle), "cuDeviceGetAttribute(\(attribute))")
        return Int(value)
    }

    /// Total global memory in bytes.
    public func totalMemory() throws(CUDAError) -> Int {
        let driver = try DriverLibrary.load()
        var bytes = 0
        try check(driver.cuDeviceTotalMem(&bytes, handle), "cuDeviceTotalMem_v2")
        return bytes
    }

    /// Everything the compiler and the reports need to know about this device, read in one go.
    public func properties() throws(CUDAError) -> DeviceProperties {
        let major = try attribute(.computeCapabilityMajor)
        let minor = try attribute(.computeCapabilityMinor)
        return DeviceProperties(
            ordinal: ordinal,
            name: try name(),
            computeCapabilityMajor: major,
            computeCapabilityMinor: minor,
            ptxTarget: DeviceProperties.ptxTarget(major: major, minor: minor),
            multiprocessorCount: try attribute(.multiprocessorCount),
            totalGlobalMemory: try totalMemory(),
            l2CacheBytes: try attribute(.l2CacheSize),
            sharedMemoryPerBlock: try attribute(.maxSharedMemoryPerBlock),
            sharedMemoryPerBlockOptin: try attribute(.maxSharedMemoryPerBlockOptin),
            sharedMemoryPerMultiprocessor: try attribute(.maxSharedMemoryPerMultiprocessor),
            registersPerBlock: try attribute(.maxRegistersPerBlock),
            registersPerMultiprocessor: try attribute(.maxRegistersPerMultiprocessor),
            maxThreadsPerBlock: try attribute(.maxThreadsPerBlock),
            maxThreadsPerMultiprocessor: try attribute(.maxThreadsPerMultiprocessor),
            warpSize: try attribute(.warpSize),
            clockRateKHz: try attribute(.clockRate),
            memoryClockKHz: try attribute(.memoryClockRate),
            memoryBusWidth: try attribute(.globalMemoryBusWidth),
            driverVersion: try CUDADriver.version())
    }
}

/// The `CUdevice_attribute` numbers this module reads (values from `cuda.h`).
enum DeviceAttribute: Int32, CustomStringConvertible {
    case maxThreadsPerBlock = 1
    case maxSharedMemoryPerBlock = 8
    case warpSize = 10
    case maxRegistersPerBlock = 12
    case clockRate = 13
    case multiprocessorCount = 16
    case memoryClockRate = 36
    case globalMemoryBusWidth = 37
    case l2CacheSize = 38
    case maxThreadsPerMultiprocessor = 39
    case computeCapabilityMajor = 75
    case computeCapabilityMinor = 76
    case maxSharedMemoryPerMultiprocessor = 81
    case maxRegistersPerMultiprocessor = 82
    case maxSharedMemoryPerBlockOptin = 97

    var description: String { "attribute \(rawValue)" }
}
