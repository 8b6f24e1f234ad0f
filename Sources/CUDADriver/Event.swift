/// A marker in a stream (`CUevent`) whose completion can be waited for and timed; destroyed when this object goes.
public final class CUDAEvent: @unchecked Sendable {
    /// The context the event belongs to.
    public let context: CUDAContext
    /// The `CUevent` handle.
    let handle: CUHandle

    /// Creates an event; with `timing` false (`CU_EVENT_DISABLE_TIMING`) it is cheaper but cannot be timed.
    public init(context: CUDAContext, timing: Bool = true) throws(CUDAError) {
        let driver = try DriverLibrary.load()
        try context.makeCurrent()
        var event: CUHandle?
        try check(driver.cuEventCreate(&event, timing ? 0 : 2), "cuEventCreate")
        guard let event else { throw .invalidArgument("cuEventCreate returned no event") }
        self.context = context
        self.handle = event
    }

    deinit {
        let event = handle
        context.releasing { driver in _ = driver.cuEventDestroy(event) }
    }

    /// Records the event at the current end of `stream`'s queue.
    public func record(on stream: CUDAStream) throws(CUDAError) {
        let driver = try DriverLibrary.load()
        try context.makeCurrent()
        try check(driver.cuEventRecord(handle, stream.handle), "cuEventRecord")
    }

    /// Waits until the work before the event's last recording has finished.
    public func synchronize() throws(CUDAError) {
        let driver = try DriverLibrary.load()
        try context.makeCurrent()
        try check(driver.cuEventSynchronize(handle), "cuEventSynchronize")
    }

    /// Milliseconds of device time between `start` and this event (both recorded and completed; resolution about
    /// half a microsecond).
    public func elapsedMilliseconds(since start: CUDAEvent) throws(CUDAError) -> Float {
        let driver = try DriverLibrary.load()
        try context.makeCurrent()
        var milliseconds: Float = 0
        try check(driver.cuEventElapsedTime(&milliseconds, start.handle, handle), "cuEventElapsedTime")
        return milliseconds
    }
}
