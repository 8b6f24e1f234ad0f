/// A device's primary context, retained for the life of this object and released when it goes.
///
/// The driver's calls act on the calling thread's current context: the initializer makes this one current on
/// the creating thread; other threads call ``makeCurrent()`` first. Objects created in the context (buffers,
/// modules, streams, events) hold it, so it outlives them, and make it current again before freeing themselves.
public final class CUDAContext: @unchecked Sendable {
    /// The device whose primary context this is.
    public let device: CUDADevice
    /// The `CUcontext` handle.
    let handle: CUHandle

    /// Retains `device`'s primary context and makes it current on this thread.
    public init(device: CUDADevice) throws(CUDAError) {
        let driver = try DriverLibrary.load()
        var context: CUHandle?
        try check(driver.cuDevicePrimaryCtxRetain(&context, device.handle), "cuDevicePrimaryCtxRetain")
        guard let context else { throw .invalidArgument("cuDevicePrimaryCtxRetain returned no context") }
        self.device = device
        self.handle = context
        do {
            try makeCurrent()
        } catch {
            _ = driver.cuDevicePrimaryCtxRelease(device.handle)
            throw error
        }
    }

    /// The primary context of the device with this ordinal (default device 0).
    public convenience init(ordinal: Int = 0) throws(CUDAError) {
        try self.init(device: CUDADevice(ordinal: ordinal))
    }

    deinit {
        guard let driver = try? DriverLibrary.load() else { return }
        _ = driver.cuDevicePrimaryCtxRelease(device.handle)
    }

    /// Makes this context current on the calling thread (cheap; call it on any thread before driver work).
    public func makeCurrent() throws(CUDAError) {
        let driver = try DriverLibrary.load()
        try check(driver.cuCtxSetCurrent(handle), "cuCtxSetCurrent")
    }

    /// Waits until all work queued in this context has finished; reports asynchronous kernel errors.
    public func synchronize() throws(CUDAError) {
        let driver = try DriverLibrary.load()
        try makeCurrent()
        try check(driver.cuCtxSynchronize(), "cuCtxSynchronize")
    }

    /// Free and total device memory in bytes, as the driver sees them now.
    public func memoryInfo() throws(CUDAError) -> (free: Int, total: Int) {
        let driver = try DriverLibrary.load()
        try makeCurrent()
        var free = 0, total = 0
        try check(driver.cuMemGetInfo(&free, &total), "cuMemGetInfo_v2")
        return (free, total)
    }

    /// Runs `release` with this context pushed current, then restores the thread's previous context; for `deinit`s
    /// that free a resource of this context without disturbing the calling thread's state. Errors are ignored.
    func releasing(_ release: (DriverLibrary) -> Void) {
        guard case .success(let driver) = DriverLibrary.shared else { return }
        guard driver.cuCtxPushCurrent(handle) == 0 else { return }
        release(driver)
        var previous: CUHandle?
        _ = driver.cuCtxPopCurrent(&previous)
    }
}
