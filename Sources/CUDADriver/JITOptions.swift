/// How the driver's JIT compiles a PTX module (the `CUjit_option`s passed to `cuModuleLoadDataEx`).
///
/// By default the info log is verbose, so it carries ptxas' resource lines ("Used N registers, ... spill
/// stores"), which the compiler's reports rely on; both logs are captured into buffers of the given sizes.
public struct JITOptions: Sendable, Equatable {
    /// Bytes for the informational log (ptxas' resource usage lines when ``verbose``).
    public var infoLogBytes: Int
    /// Bytes for the error log (ptxas' diagnostics when the PTX is rejected).
    public var errorLogBytes: Int
    /// `CU_JIT_LOG_VERBOSE`: ask ptxas for resource usage in the info log.
    public var verbose: Bool
    /// `CU_JIT_OPTIMIZATION_LEVEL` (0...4; the driver's default is 4), or nil to leave it to the driver.
    public var optimizationLevel: Int?
    /// `CU_JIT_MAX_REGISTERS` per thread, or nil for no cap.
    public var maxRegisters: Int?

    public init(
        infoLogBytes: Int = 256 * 1024, errorLogBytes: Int = 256 * 1024, verbose: Bool = true,
        optimizationLevel: Int? = nil, maxRegisters: Int? = nil
    ) {
        self.infoLogBytes = infoLogBytes
        self.errorLogBytes = errorLogBytes
        self.verbose = verbose
        self.optimizationLevel = optimizationLevel
        self.maxRegisters = maxRegisters
    }
}

/// The `CUjit_option` numbers this module passes (values from `cuda.h`).
enum JITOption: Int32 {
    case maxRegisters = 0
    case wallTime = 2
    case infoLogBuffer = 3
    case infoLogBufferSizeBytes = 4
    case errorLogBuffer = 5
    case errorLogBufferSizeBytes = 6
    case optimizationLevel = 7
    case logVerbose = 12
}
