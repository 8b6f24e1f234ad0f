/// A kernel of a loaded module, with the resource attributes the JIT gave it.
///
/// It holds its module, so the module stays loaded while the function is in use.
public final class CUDAFunction: @unchecked Sendable {
    /// The module the kernel lives in.
    public let module: CUDAModule
    /// The kernel's `.entry` name.
    public let name: String
    /// The `CUfunction` handle.
    let handle: CUHandle

    init(module: CUDAModule, name: String, handle: CUHandle) {
        self.module = module
        self.name = name
        self.handle = handle
    }

    /// Registers per thread.
    public var numRegisters: Int { get throws(CUDAError) { try attribute(.numRegisters) } }
    /// Local memory per thread in bytes (non-zero means spills or local arrays).
    public var localSizeBytes: Int { get throws(CUDAError) { try attribute(.localSizeBytes) } }
    /// Statically allocated shared memory per block in bytes.
    public var sharedSizeBytes: Int { get throws(CUDAError) { try attribute(.sharedSizeBytes) } }
    /// The most threads per block this kernel can be launched with (registers permitting).
    public var maxThreadsPerBlock: Int { get throws(CUDAError) { try attribute(.maxThreadsPerBlock) } }
    /// The virtual architecture the kernel's PTX targeted, as major * 10 + minor (90 for `.target sm_90`).
    public var ptxVersion: Int { get throws(CUDAError) { try attribute(.ptxVersion) } }
    /// Machine code version, as major * 10 + minor (90 for sm_90).
    public var binaryVersion: Int { get throws(CUDAError) { try attribute(.binaryVersion) } }

    /// The most dynamic shared memory per block a launch may ask for (48 KiB until raised).
    public func maxDynamicSharedSizeBytes() throws(CUDAError) -> Int {
        try attribute(.maxDynamicSharedSizeBytes)
    }

    /// Raises (or lowers) the dynamic shared memory a launch may ask for; needed above 48 KiB, up to the device's
    /// opt-in limit minus the kernel's static shared memory.
    public func setMaxDynamicSharedSizeBytes(_ bytes: Int) throws(CUDAError) {
        guard let value = Int32(exactly: bytes), value >= 0 else {
            throw .invalidArgument("dynamic shared memory size \(bytes) out of range")
        }
        let driver = try DriverLibrary.load()
        try module.context.makeCurrent()
        try check(
            driver.cuFuncSetAttribute(handle, FunctionAttribute.maxDynamicSharedSizeBytes.rawValue, value),
            "cuFuncSetAttribute(max dynamic shared size)")
    }

    /// One `CUfunction_attribute` value.
    func attribute(_ attribute: FunctionAttribute) throws(CUDAError) -> Int {
        let driver = try DriverLibrary.load()
        try module.context.makeCurrent()
        var value: Int32 = 0
        try check(driver.cuFuncGetAttribute(&value, attribute.rawValue, handle), "cuFuncGetAttribute(\(attribute))")
        return Int(value)
    }
}

/// The `CUfunction_attribute` numbers this module reads (values from `cuda.h`).
enum FunctionAttribute: Int32 {
    case maxThreadsPerBlock = 0
    case sharedSizeBytes = 1
    case localSizeBytes = 3
    case numRegisters = 4
    case ptxVersion = 5
    case binaryVersion = 6
    case maxDynamicSharedSizeBytes = 8
}
