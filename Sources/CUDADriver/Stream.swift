/// A queue of device work (`CUstream`), destroyed when this object goes.
///
/// Graph capture and timing need a created stream: the legacy default stream cannot be captured.
public final class CUDAStream: @unchecked Sendable {
    /// The context the stream belongs to.
    public let context: CUDAContext
    /// The `CUstream` handle; nil for the legacy default stream.
    let handle: CUHandle?
    /// The raw `CUstream` (= `cudaStream_t`) for handing to CUDA libraries (`cublasSetStream_v2`, ...); nil for
    /// the legacy default stream.
    public var rawHandle: OpaquePointer? { handle }
    private let owned: Bool

    /// Creates a stream; non-blocking (`CU_STREAM_NON_BLOCKING`) by default, so it does not wait on the legacy
    /// default stream.
    public init(context: CUDAContext, nonBlocking: Bool = true) throws(CUDAError) {
        let driver = try DriverLibrary.load()
        try context.makeCurrent()
        var stream: CUHandle?
        try check(driver.cuStreamCreate(&stream, nonBlocking ? 1 : 0), "cuStreamCreate")
        self.context = context
        self.handle = stream
        self.owned = true
    }

    private init(legacyDefaultOf context: CUDAContext) {
        self.context = context
        self.handle = nil
        self.owned = false
    }

    /// The context's legacy default (NULL) stream; never destroyed.
    public static func legacyDefault(context: CUDAContext) -> CUDAStream {
        CUDAStream(legacyDefaultOf: context)
    }

    deinit {
        guard owned, let stream = handle else { return }
        context.releasing { driver in _ = driver.cuStreamDestroy(stream) }
    }

    /// Waits until all work queued on this stream has finished.
    public func synchronize() throws(CUDAError) {
        let driver = try DriverLibrary.load()
        try context.makeCurrent()
        try check(driver.cuStreamSynchronize(handle), "cuStreamSynchronize")
    }
}
