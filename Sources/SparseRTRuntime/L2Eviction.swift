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
/// The read is a kernel: each thread loads four 16-byte vectors, a grid's width apart, and stores only if
/// their XOR is nonzero, which the zero-filled buffer never makes it; plain loads, so the lines take L2's
/// normal eviction priority and push out what the runs left there.
public final class L2Eviction: @unchecked Sendable {
    /// Bytes read before each run.
    public let bytes: Int
    /// The device's L2, bytes.
    public let l2Bytes: Int
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
        l2Bytes = session.properties.l2CacheBytes
        let grain = Self.blockThreads * Self.loadsPerThread * 16
        bytes = (max(l2Bytes, 1) * multiple + grain - 1) / grain * grain
        buffer = try DeviceBuffer(context: session.context, bytes: bytes)
        try buffer.fill(uint32: 0)
        sink = try DeviceBuffer(context: session.context, bytes: 16)
        module = try CUDAModule(context: session.context, ptx: Self.ptx(target: session.target))
        function = try module.function(named: Self.kernelName)
    }

    /// Enqueues one read of the whole buffer on `stream`.
    public func enqueue(on stream: CUDAStream) throws {
        let threads = bytes / (Self.loadsPerThread * 16)
        try function.launch(
            grid: (threads / Self.blockThreads, 1, 1), block: (Self.blockThreads, 1, 1), stream: stream,
            arguments: [.buffer(buffer), .buffer(sink), .uint64(UInt64(threads * 16))])
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
               Double(bytes) / 1e6, bytes / max(l2Bytes, 1), Double(l2Bytes) / 1e6)
    }

    static let kernelName = "sparsert_evict_l2"

    /// The kernel: thread t loads the 16 bytes at t * 16 + i * stride for i < 4 (stride: the grid's threads x 16).
    static func ptx(target: PTXTarget) -> String {
        let loads = (0..<loadsPerThread).map { i in
            (i == 0 ? "" : "    add.u64 %rd5, %rd5, %rd3;\n")
                + "    ld.global.v4.u32 {%r\(10 + 4 * i), %r\(11 + 4 * i), %r\(12 + 4 * i), %r\(13 + 4 * i)}, [%rd5];\n"
        }.joined()
        let xors = (11..<(10 + 4 * loadsPerThread)).map { "    xor.b32 %r10, %r10, %r\($0);\n" }.joined()
        return """
            .version \(target.isaVersion)
            .target \(target.architecture)
            .address_size 64

            .visible .entry \(kernelName)(
                .param .u64 param_buffer,
                .param .u64 param_sink,
                .param .u64 param_stride
            )
            {
                .reg .pred %p<2>;
                .reg .b32 %r<\(10 + 4 * loadsPerThread)>;
                .reg .b64 %rd<6>;
                ld.param.u64 %rd1, [param_buffer];
                ld.param.u64 %rd2, [param_sink];
                ld.param.u64 %rd3, [param_stride];
                mov.u32 %r1, %ctaid.x;
                mov.u32 %r2, %ntid.x;
                mov.u32 %r3, %tid.x;
                mad.lo.u32 %r4, %r1, %r2, %r3;
                mul.wide.u32 %rd4, %r4, 16;
                add.u64 %rd5, %rd1, %rd4;

            """ + loads + xors + """
                setp.ne.u32 %p1, %r10, 0;
                @%p1 st.global.u32 [%rd2], %r10;
                ret;
            }

            """
    }
}
