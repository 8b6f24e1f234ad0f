/// cuBLAS (`libcublas.so.13`) bound at run time: the entry points the GEMM baselines use, as typed C function
/// pointers, resolved once per process (``shared``).
///
/// Handles (`cublasHandle_t`) and streams (`cudaStream_t`, the same object as a driver `CUstream`) are opaque
/// pointers; C enums are 32-bit `Int32`s; `int` is `Int32` and `size_t` is `Int`. Names are the exported
/// symbols (`cublasCreate_v2` for the header's `cublasCreate`).
struct CUBLASLibrary: @unchecked Sendable {
    /// The loaded library, or why there is none.
    static let shared: Result<CUBLASLibrary, BaselineError> = Result { () throws(BaselineError) in
        try CUBLASLibrary(VendorLibraryLocator().load(.cublas))
    }

    /// The loaded library, or the error that says why there is none.
    static func load() throws(BaselineError) -> CUBLASLibrary { try shared.get() }

    // Values from cublas_api.h and library_types.h.
    /// `CUBLAS_OP_N`: use the matrix as stored.
    static let operationNone: Int32 = 0
    /// `CUBLAS_DEFAULT_MATH`: full precision for fp32 routines (no TF32); tensor cores for fp16 inputs.
    static let defaultMath: Int32 = 0
    /// `CUDA_R_16F`: IEEE binary16.
    static let dataFloat16: Int32 = 2
    /// `CUBLAS_COMPUTE_32F`: accumulate in fp32.
    static let compute32F: Int32 = 68
    /// `CUBLAS_GEMM_DEFAULT`: the library's heuristic picks the kernel (tensor cores for fp16 since CUDA 11).
    static let gemmDefault: Int32 = -1

    let location: LoadedVendorLibrary

    let cublasCreate: @convention(c) (UnsafeMutablePointer<OpaquePointer?>?) -> Int32
    let cublasDestroy: @convention(c) (OpaquePointer?) -> Int32
    let cublasSetStream: @convention(c) (OpaquePointer?, OpaquePointer?) -> Int32
    let cublasSetMathMode: @convention(c) (OpaquePointer?, Int32) -> Int32
    let cublasGetVersion: @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int32>?) -> Int32
    /// `cublasSetWorkspace_v2(handle, workspace, bytes)` (CUDA 11.4+).
    let cublasSetWorkspace: (@convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int) -> Int32)?
    /// `cublasSgemm_v2(handle, transa, transb, m, n, k, *alpha, A, lda, B, ldb, *beta, C, ldc)`, column-major.
    let cublasSgemm: @convention(c) (
        OpaquePointer?, Int32, Int32, Int32, Int32, Int32,
        UnsafePointer<Float>?, UnsafeRawPointer?, Int32, UnsafeRawPointer?, Int32,
        UnsafePointer<Float>?, UnsafeMutableRawPointer?, Int32
    ) -> Int32
    /// `cublasGemmEx(handle, transa, transb, m, n, k, *alpha, A, Atype, lda, B, Btype, ldb, *beta, C, Ctype, ldc,
    /// computeType, algo)`, column-major; alpha and beta are `float` for `CUBLAS_COMPUTE_32F`.
    let cublasGemmEx: @convention(c) (
        OpaquePointer?, Int32, Int32, Int32, Int32, Int32,
        UnsafeRawPointer?, UnsafeRawPointer?, Int32, Int32, UnsafeRawPointer?, Int32, Int32,
        UnsafeRawPointer?, UnsafeMutableRawPointer?, Int32, Int32, Int32, Int32
    ) -> Int32
    let cublasGetStatusName: (@convention(c) (Int32) -> UnsafePointer<CChar>?)?
    let cublasGetStatusString: (@convention(c) (Int32) -> UnsafePointer<CChar>?)?

    init(_ location: LoadedVendorLibrary) throws(BaselineError) {
        self.location = location
        cublasCreate = try location.symbol("cublasCreate_v2")
        cublasDestroy = try location.symbol("cublasDestroy_v2")
        cublasSetStream = try location.symbol("cublasSetStream_v2")
        cublasSetMathMode = try location.symbol("cublasSetMathMode")
        cublasGetVersion = try location.symbol("cublasGetVersion_v2")
        cublasSetWorkspace = location.optionalSymbol("cublasSetWorkspace_v2")
        cublasSgemm = try location.symbol("cublasSgemm_v2")
        cublasGemmEx = try location.symbol("cublasGemmEx")
        cublasGetStatusName = location.optionalSymbol("cublasGetStatusName")
        cublasGetStatusString = location.optionalSymbol("cublasGetStatusString")
    }

    /// Throws ``BaselineError/call(library:function:code:name:message:)`` unless `status` is
    /// `CUBLAS_STATUS_SUCCESS` (0), with cuBLAS's name and text for the status.
    func check(_ status: Int32, _ function: String) throws(BaselineError) {
        guard status != 0 else { return }
        let name = cublasGetStatusName?(status).map { String(cString: $0) } ?? "CUBLAS_STATUS_\(status)"
        let message = cublasGetStatusString?(status).map { String(cString: $0) } ?? ""
        throw .call(library: "cuBLAS", function: function, code: status, name: name, message: message)
    }

    /// The library's version (`major * 10000 + minor * 100 + patch`) as reported for `handle`, or nil.
    func version(_ handle: OpaquePointer) -> Int? {
        var value: Int32 = 0
        return cublasGetVersion(handle, &value) == 0 ? Int(value) : nil
    }
}
