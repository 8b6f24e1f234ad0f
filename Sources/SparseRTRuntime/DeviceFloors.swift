import CUDADriver
import SparseRT

/// The two ceilings every benchmark row is read against, measured on the device with the same timer:
/// the time of an empty kernel (the per-kernel floor in a graph) and device-to-device copy bandwidth.
public struct DeviceFloors: Codable, Sendable {
    /// Median microseconds of an empty kernel (one block of 32 threads), replayed from a graph.
    public var emptyKernelMicroseconds: Double
    /// Copy bandwidth in bytes per second, counting bytes read plus bytes written.
    public var copyBytesPerSecond: Double

    public init(emptyKernelMicroseconds: Double, copyBytesPerSecond: Double) {
        self.emptyKernelMicroseconds = emptyKernelMicroseconds
        self.copyBytesPerSecond = copyBytesPerSecond
    }

    /// Measures both on `session`.
    public static func measure(session: GPUSession, timer: KernelTimer = KernelTimer()) throws -> DeviceFloors {
        let ptx = """
            .version \(session.target.isaVersion)
            .target \(session.target.architecture)
            .address_size 64
            .visible .entry sparsert_empty() { ret; }
            """
        let module = try CUDAModule(context: session.context, ptx: ptx)
        let function = try module.function(named: "sparsert_empty")
        let empty = try timer.time(on: session.stream) {
            try function.launch(grid: (1, 1, 1), block: (32, 1, 1), stream: session.stream, arguments: [])
        }
        let bytes = 256 << 20
        let source = try DeviceBuffer(context: session.context, bytes: bytes)
        let destination = try DeviceBuffer(context: session.context, bytes: bytes)
        try source.fill(uint32: 0x3F80_0000)
        let copy = try timer.time(on: session.stream) {
            try destination.copy(from: source, bytes: bytes, on: session.stream)
        }
        return DeviceFloors(
            emptyKernelMicroseconds: empty.medianMicroseconds,
            copyBytesPerSecond: Double(2 * bytes) / (copy.medianMicroseconds * 1e-6))
    }

    /// The least time a kernel reading B and writing C once (plus `extraBytes`) can take: one empty-kernel
    /// floor plus the bytes over the copy bandwidth.
    public func floorMicroseconds(problem: SpMMProblem, extraBytes: Int = 0) -> Double {
        let inputWords: Int
        switch problem.operand {
        case .matrix(let n): inputWords = problem.k * n
        case .convolution(let s): inputWords = s.inputCount
        }
        let bytes = Double(problem.elementBytes * (inputWords + problem.m * problem.n) + extraBytes)
        return emptyKernelMicroseconds + bytes / copyBytesPerSecond * 1e6
    }
}
