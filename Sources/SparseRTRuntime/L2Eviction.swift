import CUDADriver
import SparseRT

/// A read of a buffer several times the size of L2, enqueued before every timed run (``KernelTimer/beforeEachRun``)
/// so that each run finds its operands, weights above all, in device memory rather than in L2: what a layer
/// of a network whose weights exceed L2 sees at inference, where the back-to-back timer would keep a large
/// layer's weights resident between runs (the H200's L2 holds 60 MiB, 62.9 MB: 90%-sparse weights of 11008
/// x 4096 in sparsert's layout take 28 MB with 16-bit columns, 37 MB without, its dense fp32 form 180 MB).
/// On an H200 twice the L2 was enough: an 11008 x 4096 layer at N = 1 took 12.28 us after twice, 12.56
/// after four times.
///
/// The read is a kernel built in the IR: each thread loads four 16-byte vectors, a grid's width apart, and
/// stores only if one of their words is nonzero, which the zero-filled buffer never makes so; plain loads,
/// so the lines take L2's normal eviction priority and push out what the runs left there.
public final class L2Eviction: @unchecked Sendable {
    /// Bytes read before each run.
    public let bytes: Int
    /// The L2's size times this is read (rounded up to the kernel's grain).
    public let multiple: Int
    /// The device's L2, bytes.
    public let l2Bytes: Int
    /// Threads of the read's grid: one per 64 bytes.
    let threads: Int
    let buffer: DeviceBuffer
    let sink: DeviceBuffer
    let module: CUDAModule
    let function: CUDAFunction
    /// Threads per block and 16-byte loads per thread.
    static let blockThreads = 256
    static let loadsPerThread = 4

    /// Allocates `multiple` times the device's L2 (at least 1) and loads the kernel on `session`.
    public init(session: GPUSession, multiple: Int) throws {
        guard multiple >= 1 else { throw CUDAError.invalidArgument("the L2 eviction reads at least once the L2's size, not \(multiple)") }
        self.multiple = multiple
        l2Bytes = session.properties.l2CacheBytes
        let grain = Self.blockThreads * Self.loadsPerThread * 16
        bytes = (max(l2Bytes, 1) * multiple + grain - 1) / grain * grain
        buffer = try DeviceBuffer(context: session.context, bytes: bytes)
        try buffer.fill(uint32: 0)
        sink = try DeviceBuffer(context: session.context, bytes: 16)
        threads = bytes / (Self.loadsPerThread * 16)
        guard Int64(Self.loadsPerThread - 1) * Int64(threads) * 16 <= Int64(Int32.max) else {
            throw CUDAError.invalidArgument("an L2 eviction read of \(bytes) bytes is too large for the kernel's offsets")
        }
        module = try CUDAModule(context: session.context, ptx: PTXRenderer.render(Self.kernel(threads: threads), target: session.target))
        function = try module.function(named: Self.kernelName)
    }

    /// Enqueues one read of the whole buffer on `stream`.
    public func enqueue(on stream: CUDAStream) throws {
        try function.launch(
            grid: (threads / Self.blockThreads, 1, 1), block: (Self.blockThreads, 1, 1), stream: stream,
            arguments: [.buffer(buffer), .buffer(sink)])
    }

    /// `timer` with this read before each of its runs.
    public func applied(to timer: KernelTimer) -> KernelTimer {
        var cold = timer
        cold.beforeEachRun = { [self] stream in try enqueue(on: stream) }
        return cold
    }

    /// How reports describe it.
    public var summary: String {
        String(format: "before every run a kernel read %.1f MB (%dx the %.1f MB L2), so each run starts from device memory; that read, timed alone the same way, is subtracted",
               Double(bytes) / 1e6, multiple, Double(l2Bytes) / 1e6)
    }

    static let kernelName = "sparsert_evict_l2"

    /// The kernel for a grid of `threads` threads (a multiple of ``blockThreads``): thread t loads the 16
    /// bytes at `t * 16 + i * threads * 16` for i < 4, ORs their words, and stores the result to the sink
    /// only where it is nonzero. Parameters: the buffer, the sink.
    static func kernel(threads: Int) -> Kernel {
        var b = KernelBuilder()
        let buffer = b.register(.u64), sink = b.register(.u64)
        b.emit(.loadParameter(buffer, index: 0))
        b.emit(.loadParameter(sink, index: 1))
        let (thread, block, _) = b.threadAndBlockIndices()
        let first = b.binary(.mul, .u32, .register(block), .u32(UInt32(blockThreads)))
        let index = b.binary(.add, .u32, .register(first), .register(thread))
        let bytes = b.register(.u64)
        b.emit(.multiplyWide(bytes, .register(index), .u32(16)))
        let address = b.binary(.add, .u64, .register(buffer), .register(bytes))
        var any: Register?
        for i in 0..<loadsPerThread {
            let words = (0..<4).map { _ in b.register(.u32) }
            b.emit(.load(.global, words, address: address, offset: Int64(i * threads * 16)))
            for word in words { any = any.map { b.binary(.or, .u32, .register($0), .register(word)) } ?? word }
        }
        let nonzero = b.compare(.ne, .u32, .register(any!), .u32(0))
        b.emit(.store(.global, [.register(any!)], address: sink, offset: 0), guard: nonzero)
        b.emit(.exit)
        return b.build(
            name: kernelName, parameters: [KernelParameter(name: "param_buffer", type: .u64), KernelParameter(name: "param_sink", type: .u64)],
            threadsPerBlock: blockThreads, sharedMemoryBytes: 0)
    }
}
