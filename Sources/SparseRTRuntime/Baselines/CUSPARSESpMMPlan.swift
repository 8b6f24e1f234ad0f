import CUDADriver
import SparseRT

/// The cuSPARSE objects of one CSR SpMM, created once and destroyed with this object: the handle, A as CSR
/// (int32 row offsets and column indices, float32 or binary16 values), B (K x N) and C (M x N) as row-major
/// dense matrices of the same type
/// (`CUSPARSE_ORDER_ROW`, leading dimensions the problem's row strides), and the device memory behind them.
///
/// Every handle starts nil and is filled as it is created, so a failure part-way still destroys what exists.
final class CUSPARSESpMMPlan: @unchecked Sendable {
    let library: CUSPARSELibrary
    let context: CUDAContext
    let output: BaselineOutputBuffer
    private var handle: OpaquePointer?
    private var matrixA: OpaquePointer?
    private var matrixB: OpaquePointer?
    private var matrixC: OpaquePointer?
    private var binding = StreamBinding()
    private let buffers: [DeviceBuffer]

    /// Uploads the operands in `precision` and creates the handle and descriptors for the problem's C = A x B,
    /// B's buffer being `input`.
    init(library: CUSPARSELibrary, problem: SpMMProblem, input: [Float], precision: BaselinePrecision, context: CUDAContext) throws {
        let weights = problem.weights, n = problem.n
        self.library = library
        self.context = context
        let offsets = try DeviceBuffer(context: context, copying: weights.rowOffsets)
        let indices = try DeviceBuffer(context: context, copying: weights.columnIndices)
        let values = try BaselineOperands.upload(weights.values, as: precision, context: context)
        let b = try BaselineOperands.upload(input, as: precision, context: context)
        output = try BaselineOutputBuffer(count: problem.outputWords, precision: precision, context: context)
        buffers = [offsets, indices, values, b]

        try context.makeCurrent()
        try library.check(library.cusparseCreate(&handle), "cusparseCreate")
        let element = CUSPARSELibrary.dataType(precision)
        try library.check(
            library.cusparseCreateCsr(
                &matrixA, Int64(weights.rows), Int64(weights.columns), Int64(weights.nonzeroCount),
                offsets.libraryPointer, indices.libraryPointer, values.libraryPointer,
                CUSPARSELibrary.index32, CUSPARSELibrary.index32, CUSPARSELibrary.indexBaseZero, element),
            "cusparseCreateCsr")
        try library.check(
            library.cusparseCreateDnMat(
                &matrixB, Int64(weights.columns), Int64(n), Int64(problem.bRowStride), b.libraryPointer, element, CUSPARSELibrary.orderRow),
            "cusparseCreateDnMat(B)")
        try library.check(
            library.cusparseCreateDnMat(
                &matrixC, Int64(weights.rows), Int64(n), Int64(problem.cRowStride), output.pointer, element, CUSPARSELibrary.orderRow),
            "cusparseCreateDnMat(C)")
    }

    deinit {
        try? context.makeCurrent()
        if let matrixC { _ = library.cusparseDestroyDnMat(matrixC) }
        if let matrixB { _ = library.cusparseDestroyDnMat(matrixB) }
        if let matrixA { _ = library.cusparseDestroySpMat(matrixA) }
        if let handle { _ = library.cusparseDestroy(handle) }
    }

    /// The library version as the handle reports it.
    var version: Int? { handle.flatMap(library.version) }

    /// Workspace bytes `algorithm` needs (`cusparseSpMM_bufferSize`).
    func bufferSize(_ algorithm: CUSPARSESpMMAlgorithm) throws -> Int {
        try context.makeCurrent()
        var alpha: Float = 1
        var beta: Float = 0
        var bytes = 0
        try library.check(
            library.cusparseSpMMBufferSize(
                handle, CUSPARSELibrary.operationNone, CUSPARSELibrary.operationNone, &alpha, matrixA, matrixB,
                &beta, matrixC, CUSPARSELibrary.dataFloat32, algorithm.rawValue, &bytes),
            "cusparseSpMM_bufferSize(\(algorithm.name))")
        return bytes
    }

    /// Runs `cusparseSpMM_preprocess` for `algorithm` into `workspace` on `stream`; false when the library has no
    /// such entry point.
    func preprocess(_ algorithm: CUSPARSESpMMAlgorithm, workspace: DeviceBuffer, on stream: CUDAStream) throws -> Bool {
        guard let preprocess = library.cusparseSpMMPreprocess else { return false }
        try call(preprocess, "cusparseSpMM_preprocess", algorithm, workspace, stream)
        return true
    }

    /// Queues C = A x B with `algorithm` on `stream`.
    func run(_ algorithm: CUSPARSESpMMAlgorithm, workspace: DeviceBuffer, on stream: CUDAStream) throws {
        try call(library.cusparseSpMM, "cusparseSpMM", algorithm, workspace, stream)
    }

    private func call(
        _ function: CUSPARSELibrary.SpMMFunction, _ name: String, _ algorithm: CUSPARSESpMMAlgorithm,
        _ workspace: DeviceBuffer, _ stream: CUDAStream
    ) throws {
        try context.makeCurrent()
        try binding.bind(stream) { try library.check(library.cusparseSetStream(handle, $0), "cusparseSetStream") }
        var alpha: Float = 1
        var beta: Float = 0
        try library.check(
            function(
                handle, CUSPARSELibrary.operationNone, CUSPARSELibrary.operationNone, &alpha, matrixA, matrixB,
                &beta, matrixC, CUSPARSELibrary.dataFloat32, algorithm.rawValue, workspace.libraryPointer),
            "\(name)(\(algorithm.name))")
    }
}
