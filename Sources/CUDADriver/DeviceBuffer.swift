/// A block of device memory (`cuMemAlloc_v2`), freed when this object goes.
///
/// Host copies are synchronous. Copies back to the host first synchronize the context, because work queued on
/// non-blocking streams does not order with the legacy stream that synchronous copies use.
public final class DeviceBuffer: @unchecked Sendable {
    /// The context the memory belongs to.
    public let context: CUDAContext
    /// Size in bytes.
    public let byteCount: Int
    /// The device address, for kernel arguments (``KernelArgument/buffer(_:)``).
    public let devicePointer: UInt64

    /// The 32-bit pattern of a quiet NaN, for poisoning outputs before a kernel writes them.
    public static let nanPattern: UInt32 = 0x7FC0_0000

    /// Allocates `bytes` (more than zero) of device memory; its contents are undefined.
    public init(context: CUDAContext, bytes: Int) throws(CUDAError) {
        guard bytes > 0 else { throw .invalidArgument("device buffer of \(bytes) bytes") }
        let driver = try DriverLibrary.load()
        try context.makeCurrent()
        var pointer: UInt64 = 0
        try check(driver.cuMemAlloc(&pointer, bytes), "cuMemAlloc_v2(\(bytes) bytes)")
        self.context = context
        self.byteCount = bytes
        self.devicePointer = pointer
    }

    /// Allocates a buffer exactly the size of `values` and copies them in.
    public convenience init<T: BitwiseCopyable>(context: CUDAContext, copying values: [T]) throws(CUDAError) {
        try self.init(context: context, bytes: max(1, values.count * MemoryLayout<T>.stride))
        try copy(from: values)
    }

    deinit {
        let pointer = devicePointer
        context.releasing { driver in _ = driver.cuMemFree(pointer) }
    }

    /// Copies raw host bytes to the buffer starting at byte `offset`.
    public func copy(from bytes: UnsafeRawBufferPointer, offset: Int = 0) throws(CUDAError) {
        guard offset >= 0, offset + bytes.count <= byteCount else {
            throw .invalidArgument("copy of \(bytes.count) bytes at offset \(offset) into a \(byteCount)-byte buffer")
        }
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        let driver = try DriverLibrary.load()
        try context.makeCurrent()
        try check(driver.cuMemcpyHtoD(devicePointer + UInt64(offset), base, bytes.count), "cuMemcpyHtoD_v2")
    }

    /// Copies an array of plain values (`Float`, `Int32`, ...) to the start of the buffer.
    public func copy<T: BitwiseCopyable>(from values: [T]) throws(CUDAError) {
        let result: Result<Void, CUDAError> = values.withUnsafeBytes { bytes in
            Result { () throws(CUDAError) in try copy(from: bytes) }
        }
        try result.get()
    }

    /// Copies `count` values of type `T` (default: as many as fit) from the start of the buffer to the host,
    /// after waiting for all work in the context.
    public func copyToHost<T: BitwiseCopyable>(as type: T.Type = T.self, count: Int? = nil) throws(CUDAError) -> [T] {
        let count = count ?? byteCount / MemoryLayout<T>.stride
        let bytes = count * MemoryLayout<T>.stride
        guard count >= 0, bytes <= byteCount else {
            throw .invalidArgument("copy of \(count) values (\(bytes) bytes) out of a \(byteCount)-byte buffer")
        }
        let driver = try DriverLibrary.load()
        try context.synchronize()
        guard count > 0 else { return [] }
        var status: Int32 = 0
        let pointer = devicePointer
        let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            status = driver.cuMemcpyDtoH(UnsafeMutableRawPointer(buffer.baseAddress!), pointer, bytes)
            // On failure the bytes are undefined but still plain data; the error is thrown below.
            initialized = count
        }
        try check(status, "cuMemcpyDtoH_v2")
        return values
    }

    /// Sets every 32-bit word of the buffer to `pattern` (`cuMemsetD32_v2`), e.g. ``nanPattern`` to poison an
    /// output; a trailing part shorter than 4 bytes is left alone. Synchronous with respect to the host.
    public func fill(uint32 pattern: UInt32) throws(CUDAError) {
        let driver = try DriverLibrary.load()
        try context.makeCurrent()
        try check(driver.cuMemsetD32(devicePointer, pattern, byteCount / 4), "cuMemsetD32_v2")
        try context.synchronize()
    }

    /// Enqueues the same fill on `stream` (`cuMemsetD32Async`), so it can be captured into a graph.
    public func fill(uint32 pattern: UInt32, on stream: CUDAStream) throws(CUDAError) {
        let driver = try DriverLibrary.load()
        try context.makeCurrent()
        try check(driver.cuMemsetD32Async(devicePointer, pattern, byteCount / 4, stream.handle), "cuMemsetD32Async")
    }

    /// Copies `bytes` (default: all of `source`) from another device buffer into the start of this one.
    public func copy(from source: DeviceBuffer, bytes: Int? = nil) throws(CUDAError) {
        let bytes = try checkedCopySize(source, bytes)
        let driver = try DriverLibrary.load()
        try context.makeCurrent()
        try check(driver.cuMemcpyDtoD(devicePointer, source.devicePointer, bytes), "cuMemcpyDtoD_v2")
    }

    /// Enqueues the same device-to-device copy on `stream` (`cuMemcpyDtoDAsync_v2`).
    public func copy(from source: DeviceBuffer, bytes: Int? = nil, on stream: CUDAStream) throws(CUDAError) {
        let bytes = try checkedCopySize(source, bytes)
        let driver = try DriverLibrary.load()
        try context.makeCurrent()
        try check(
            driver.cuMemcpyDtoDAsync(devicePointer, source.devicePointer, bytes, stream.handle), "cuMemcpyDtoDAsync_v2")
    }

    private func checkedCopySize(_ source: DeviceBuffer, _ bytes: Int?) throws(CUDAError) -> Int {
        let bytes = bytes ?? source.byteCount
        guard bytes >= 0, bytes <= source.byteCount, bytes <= byteCount else {
            throw .invalidArgument(
                "device copy of \(bytes) bytes from a \(source.byteCount)-byte into a \(byteCount)-byte buffer")
        }
        return bytes
    }
}
