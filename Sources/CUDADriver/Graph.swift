/// Capture of stream work into a CUDA graph, so a whole sequence of launches replays with one call and the
/// per-launch host overhead drops out of timings.
///
/// A ``CUDAGraph`` is the captured (not yet executable) graph; ``CUDAGraphExec`` is its instantiation that
/// replays. Both are destroyed when their objects go.
public final class CUDAGraph: @unchecked Sendable {
    /// How strictly capture guards against unsafe driver calls (`CUstreamCaptureMode`).
    public enum CaptureMode: Int32, Sendable {
        /// Unsafe calls are refused from any thread while a global capture is under way.
        case global = 0
        /// Unsafe calls are refused only on the capturing thread.
        case threadLocal = 1
        /// No calls are refused.
        case relaxed = 2
    }

    /// The context the graph was captured in.
    public let context: CUDAContext
    /// The `CUgraph` handle.
    let handle: CUHandle

    private init(context: CUDAContext, handle: CUHandle) {
        self.context = context
        self.handle = handle
    }

    deinit {
        let graph = handle
        context.releasing { driver in _ = driver.cuGraphDestroy(graph) }
    }

    /// Records everything `body` enqueues on `stream` into a graph instead of running it. If `body` throws, the
    /// capture is ended and discarded and the error rethrown, leaving the stream usable.
    public static func record(
        on stream: CUDAStream, mode: CaptureMode = .threadLocal, _ body: () throws -> Void
    ) throws -> CUDAGraph {
        let driver = try DriverLibrary.load()
        let context = stream.context
        try context.makeCurrent()
        guard stream.handle != nil else {
            throw CUDAError.invalidArgument("graph capture needs a created stream, not the legacy default stream")
        }
        try check(driver.cuStreamBeginCapture(stream.handle, mode.rawValue), "cuStreamBeginCapture_v2")
        do {
            try body()
        } catch {
            var abandoned: CUHandle?
            _ = driver.cuStreamEndCapture(stream.handle, &abandoned)
            if let abandoned { _ = driver.cuGraphDestroy(abandoned) }
            throw error
        }
        var graph: CUHandle?
        try check(driver.cuStreamEndCapture(stream.handle, &graph), "cuStreamEndCapture")
        guard let graph else { throw CUDAError.invalidArgument("stream capture produced no graph") }
        return CUDAGraph(context: context, handle: graph)
    }

    /// Records `body`'s work on `stream` and instantiates it, ready to replay.
    public static func capture(
        on stream: CUDAStream, mode: CaptureMode = .threadLocal, _ body: () throws -> Void
    ) throws -> CUDAGraphExec {
        try record(on: stream, mode: mode, body).instantiate()
    }

    /// Instantiates the graph (`cuGraphInstantiateWithFlags`, no flags) into a replayable executable.
    public func instantiate() throws(CUDAError) -> CUDAGraphExec {
        let driver = try DriverLibrary.load()
        try context.makeCurrent()
        var exec: CUHandle?
        try check(driver.cuGraphInstantiateWithFlags(&exec, handle, 0), "cuGraphInstantiateWithFlags")
        guard let exec else { throw .invalidArgument("cuGraphInstantiateWithFlags returned no executable graph") }
        return CUDAGraphExec(context: context, handle: exec)
    }
}

/// An instantiated graph, replayed with ``launch(on:)``; destroyed when this object goes.
public final class CUDAGraphExec: @unchecked Sendable {
    /// The context the graph runs in.
    public let context: CUDAContext
    /// The `CUgraphExec` handle.
    let handle: CUHandle

    init(context: CUDAContext, handle: CUHandle) {
        self.context = context
        self.handle = handle
    }

    deinit {
        let exec = handle
        context.releasing { driver in _ = driver.cuGraphExecDestroy(exec) }
    }

    /// Enqueues one replay of the whole graph on `stream`.
    public func launch(on stream: CUDAStream) throws(CUDAError) {
        let driver = try DriverLibrary.load()
        try context.makeCurrent()
        try check(driver.cuGraphLaunch(handle, stream.handle), "cuGraphLaunch")
    }
}
