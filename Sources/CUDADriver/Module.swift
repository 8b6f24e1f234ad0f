/// A module compiled from PTX text by the driver's JIT (`cuModuleLoadDataEx`), unloaded when this object goes.
///
/// The JIT's info log is kept (``infoLog``: with verbose logging, ptxas' "Used N registers, ... spill stores"
/// lines); a rejected module throws ``CUDAError/jit(log:code:name:message:)`` carrying the JIT's error log.
public final class CUDAModule: @unchecked Sendable {
    /// The context the module is loaded in.
    public let context: CUDAContext
    /// The JIT's informational log (resource usage per kernel when verbose). Empty when the driver served the
    /// module from its on-disk JIT cache, where ptxas does not run (set `CUDA_CACHE_DISABLE=1` to always compile);
    /// ``CUDAFunction``'s attributes give registers and local memory either way.
    public let infoLog: String
    /// Wall-clock milliseconds the JIT spent, as it reports them.
    public let jitMilliseconds: Float
    /// The `CUmodule` handle.
    let handle: CUHandle

    /// JIT-compiles `ptx` and loads it into `context`.
    public convenience init(context: CUDAContext, ptx: String, options: JITOptions = JITOptions()) throws(CUDAError) {
        try self.init(context: context, image: ptx.utf8CString.map { UInt8(bitPattern: $0) }, options: options)
    }

    /// Loads a module image into `context`: a cubin (ELF) from `ptxas`, loaded as is, or NUL-terminated
    /// PTX text, which the driver JIT-compiles.
    public init(context: CUDAContext, image: [UInt8], options: JITOptions = JITOptions()) throws(CUDAError) {
        guard options.infoLogBytes > 0, options.errorLogBytes > 0 else {
            throw .invalidArgument("JIT log buffers need a positive size")
        }
        let driver = try DriverLibrary.load()
        try context.makeCurrent()

        let infoLog = UnsafeMutablePointer<CChar>.allocate(capacity: options.infoLogBytes)
        let errorLog = UnsafeMutablePointer<CChar>.allocate(capacity: options.errorLogBytes)
        infoLog.initialize(repeating: 0, count: options.infoLogBytes)
        errorLog.initialize(repeating: 0, count: options.errorLogBytes)
        defer {
            infoLog.deallocate()
            errorLog.deallocate()
        }

        // Scalar option values travel in the pointer-sized value slots themselves, as cuda.h specifies.
        func scalar(_ value: Int) -> UnsafeMutableRawPointer? { UnsafeMutableRawPointer(bitPattern: UInt(value)) }
        var keys: [Int32] = [
            JITOption.infoLogBuffer.rawValue, JITOption.infoLogBufferSizeBytes.rawValue,
            JITOption.errorLogBuffer.rawValue, JITOption.errorLogBufferSizeBytes.rawValue,
            JITOption.logVerbose.rawValue, JITOption.wallTime.rawValue,
        ]
        var values: [UnsafeMutableRawPointer?] = [
            UnsafeMutableRawPointer(infoLog), scalar(options.infoLogBytes),
            UnsafeMutableRawPointer(errorLog), scalar(options.errorLogBytes),
            scalar(options.verbose ? 1 : 0), nil,
        ]
        let wallTimeSlot = keys.count - 1
        if let level = options.optimizationLevel {
            guard (0...4).contains(level) else { throw .invalidArgument("JIT optimization level \(level) not in 0...4") }
            keys.append(JITOption.optimizationLevel.rawValue)
            values.append(scalar(level))
        }
        if let registers = options.maxRegisters {
            guard registers > 0 else { throw .invalidArgument("max registers \(registers) must be positive") }
            keys.append(JITOption.maxRegisters.rawValue)
            values.append(scalar(registers))
        }

        var module: CUHandle?
        let count = UInt32(keys.count)
        let status = image.withUnsafeBytes { bytes in
            driver.cuModuleLoadDataEx(&module, bytes.baseAddress!, count, &keys, &values)
        }
        let errorText = String(cString: errorLog)
        guard status == 0, let module else {
            let (name, message) = driver.describe(status)
            throw .jit(log: errorText, code: status, name: name, message: message)
        }
        // The wall-time slot comes back holding a float's bits in its low 32 bits.
        let wallBits = UInt(bitPattern: values[wallTimeSlot])
        self.context = context
        self.handle = module
        self.infoLog = String(cString: infoLog)
        self.jitMilliseconds = Float(bitPattern: UInt32(truncatingIfNeeded: wallBits))
    }

    deinit {
        let module = handle
        context.releasing { driver in _ = driver.cuModuleUnload(module) }
    }

    /// The kernel (`.entry`) with this name.
    public func function(named name: String) throws(CUDAError) -> CUDAFunction {
        let driver = try DriverLibrary.load()
        try context.makeCurrent()
        var function: CUHandle?
        try check(driver.cuModuleGetFunction(&function, handle, name), "cuModuleGetFunction(\(name))")
        guard let function else { throw .invalidArgument("cuModuleGetFunction returned no function for \(name)") }
        return CUDAFunction(module: self, name: name, handle: function)
    }
}
