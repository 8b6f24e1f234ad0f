import CUDADriver
import SparseRT

/// Dense GEMM on the densified weights with cuBLAS: C (M x N) = A (M x K) x B (K x N), all row-major.
///
/// cuBLAS is column-major, and a row-major matrix is its transpose read column-major, so the product is computed
/// as C^T = B^T A^T: `gemm(N, N, m: n, n: m, k: k, B, ldb, A, lda: k, C, ldc)`, with the problem's row
/// strides as the leading dimensions of B and C.
/// - fp32: `cublasSgemm_v2` with `CUBLAS_DEFAULT_MATH` (fp32 FMA, no TF32).
/// - fp16: `cublasGemmEx` with A, B and C in `CUDA_R_16F`, `CUBLAS_COMPUTE_32F` accumulation and
///   `CUBLAS_GEMM_DEFAULT` (tensor cores): PyTorch's half matmul. A and B are converted to fp16 on the host during
///   set-up, so the timed work is the GEMM alone.
/// The handle gets a preallocated workspace (`cublasSetWorkspace_v2`, 32 MiB by default, the size NVIDIA
/// recommends for Hopper) so no allocation happens during graph capture.
public final class CUBLASGemmBaseline: Baseline, @unchecked Sendable {
    public let precision: BaselinePrecision
    public let problem: SpMMProblem
    public let session: GPUSession
    public private(set) var details: [String] = []

    private let library: CUBLASLibrary
    private let handle: OpaquePointer
    private let a: DeviceBuffer
    private let b: DeviceBuffer
    private let c: BaselineOutputBuffer
    private let workspace: DeviceBuffer?
    private let m: Int32, n: Int32, k: Int32
    /// Leading dimensions of B and C: the problem's row strides.
    private let ldb: Int32, ldc: Int32
    /// The stream the handle was last bound to (binding resets the workspace, so it is redone only on change).
    private var binding = StreamBinding()

    public var name: String { precision == .fp32 ? "cuBLAS fp32" : "cuBLAS fp16 (tensor cores)" }
    public var shortName: String { precision == .fp32 ? "cuBLAS fp32" : "cuBLAS fp16" }

    /// Sets up the GEMM for a matrix problem with B = `input` (K x N row-major float32).
    public init(
        problem: SpMMProblem, session: GPUSession, input: [Float], precision: BaselinePrecision,
        workspaceBytes: Int = 32 << 20
    ) throws {
        let label = precision == .fp32 ? "cuBLAS fp32" : "cuBLAS fp16"
        let width = try BaselineError.matrixWidth(of: problem, input: input, baseline: label)
        let library = try CUBLASLibrary.load()
        self.library = library
        self.precision = precision
        self.problem = problem
        self.session = session
        m = try BaselineOperands.int32(problem.m, "M", baseline: label)
        n = try BaselineOperands.int32(width, "N", baseline: label)
        k = try BaselineOperands.int32(problem.k, "K", baseline: label)
        ldb = try BaselineOperands.int32(problem.bRowStride, "B's row stride", baseline: label)
        ldc = try BaselineOperands.int32(problem.cRowStride, "C's row stride", baseline: label)
        _ = try BaselineOperands.int32(problem.outputWords, "M x C's row stride", baseline: label)

        let context = session.context
        a = try BaselineOperands.upload(BaselineOperands.dense(problem.weights), as: precision, context: context)
        b = try BaselineOperands.upload(input, as: precision, context: context)
        c = try BaselineOutputBuffer(count: problem.outputWords, precision: precision, context: context)
        workspace = library.cublasSetWorkspace != nil && workspaceBytes > 0
            ? try DeviceBuffer(context: context, bytes: workspaceBytes) : nil

        try context.makeCurrent()
        var created: OpaquePointer?
        try library.check(library.cublasCreate(&created), "cublasCreate_v2")
        guard let created else {
            throw BaselineError.call(library: "cuBLAS", function: "cublasCreate_v2", code: 0, name: "no handle", message: "")
        }
        handle = created
        try library.check(library.cublasSetMathMode(handle, CUBLASLibrary.defaultMath), "cublasSetMathMode")
        details = [
            "cuBLAS \(library.version(handle).map(String.init) ?? "?") from \(library.location.path)",
            precision == .fp32
                ? "cublasSgemm_v2, CUBLAS_DEFAULT_MATH (no TF32), dense A \(problem.m) x \(problem.k)"
                : "cublasGemmEx fp16 in/out, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT, dense A \(problem.m) x \(problem.k)",
            problem.hasPaddedRows ? "ldb \(problem.bRowStride), ldc \(problem.cRowStride)" : nil,
            workspace.map { "workspace \($0.byteCount) bytes" } ?? "library-managed workspace",
        ].compactMap { $0 }
    }

    deinit {
        try? session.context.makeCurrent()
        _ = library.cublasDestroy(handle)
    }

    public func enqueue(on stream: CUDAStream) throws {
        try session.context.makeCurrent()
        try bind(stream)
        var alpha: Float = 1
        var beta: Float = 0
        switch precision {
        case .fp32:
            try library.check(
                library.cublasSgemm(
                    handle, CUBLASLibrary.operationNone, CUBLASLibrary.operationNone, n, m, k,
                    &alpha, b.libraryPointer, ldb, a.libraryPointer, k, &beta, c.pointer, ldc),
                "cublasSgemm_v2")
        case .fp16:
            let half = CUBLASLibrary.dataFloat16
            try library.check(
                library.cublasGemmEx(
                    handle, CUBLASLibrary.operationNone, CUBLASLibrary.operationNone, n, m, k,
                    &alpha, b.libraryPointer, half, ldb, a.libraryPointer, half, k, &beta, c.pointer, half, ldc,
                    CUBLASLibrary.compute32F, CUBLASLibrary.gemmDefault),
                "cublasGemmEx")
        }
    }

    public func poisonOutput() throws -> UInt32 { try c.poison() }

    public func verifyOutput() throws -> [Float] { try c.read() }

    /// Points the handle at `stream`, then gives it the preallocated workspace again (`cublasSetStream`
    /// resets the workspace to the library's default pool).
    private func bind(_ stream: CUDAStream) throws {
        try binding.bind(stream) { raw in
            try library.check(library.cublasSetStream(handle, raw), "cublasSetStream_v2")
            if let workspace, let setWorkspace = library.cublasSetWorkspace {
                try library.check(
                    setWorkspace(handle, workspace.libraryPointer, workspace.byteCount), "cublasSetWorkspace_v2")
            }
        }
    }
}
