/// cuSPARSE (`libcusparse.so.12`) bound at run time: the generic-API entry points the SpMM baseline uses, as typed
/// C function pointers, resolved once per process (``shared``).
///
/// Handles and descriptors (`cusparseHandle_t`, `cusparseSpMatDescr_t`, `cusparseDnMatDescr_t`) are opaque
/// pointers; C enums are `Int32`; `int64_t` is `Int64` and `size_t` is `Int`.
struct CUSPARSELibrary: @unchecked Sendable {
    /// The loaded library, or why there is none.
    static let shared: Result<CUSPARSELibrary, BaselineError> = Result { () throws(BaselineError) in
        try CUSPARSELibrary(VendorLibraryLocator().load(.cusparse))
    }

    /// The loaded library, or the error that says why there is none.
    static func load() throws(BaselineError) -> CUSPARSELibrary { try shared.get() }

    // Values from cusparse.h and library_types.h.
    /// `CUSPARSE_OPERATION_NON_TRANSPOSE`.
    static let operationNone: Int32 = 0
    /// `CUSPARSE_INDEX_32I`: 32-bit signed row offsets and column indices.
    static let index32: Int32 = 2
    /// `CUSPARSE_INDEX_BASE_ZERO`.
    static let indexBaseZero: Int32 = 0
    /// `CUSPARSE_ORDER_ROW`: dense matrices row-major (`ld` = columns).
    static let orderRow: Int32 = 2
    /// `CUDA_R_32F`.
    static let dataFloat32: Int32 = 0
    /// `CUDA_R_16F`.
    static let dataFloat16: Int32 = 2

    /// The `cudaDataType` of operands held in `precision`.
    static func dataType(_ precision: BaselinePrecision) -> Int32 { precision == .fp16 ? dataFloat16 : dataFloat32 }

    let location: LoadedVendorLibrary

    let cusparseCreate: @convention(c) (UnsafeMutablePointer<OpaquePointer?>?) -> Int32
    let cusparseDestroy: @convention(c) (OpaquePointer?) -> Int32
    let cusparseSetStream: @convention(c) (OpaquePointer?, OpaquePointer?) -> Int32
    let cusparseGetVersion: @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int32>?) -> Int32
    /// `cusparseCreateCsr(&descr, rows, cols, nnz, rowOffsets, colInd, values, rowOffsetsType, colIndType, base,
    /// valueType)`.
    let cusparseCreateCsr: @convention(c) (
        UnsafeMutablePointer<OpaquePointer?>?, Int64, Int64, Int64,
        UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, Int32, Int32, Int32, Int32
    ) -> Int32
    let cusparseDestroySpMat: @convention(c) (OpaquePointer?) -> Int32
    /// `cusparseCreateDnMat(&descr, rows, cols, ld, values, valueType, order)`.
    let cusparseCreateDnMat: @convention(c) (
        UnsafeMutablePointer<OpaquePointer?>?, Int64, Int64, Int64, UnsafeMutableRawPointer?, Int32, Int32
    ) -> Int32
    let cusparseDestroyDnMat: @convention(c) (OpaquePointer?) -> Int32
    /// `cusparseSpMM_bufferSize(handle, opA, opB, *alpha, A, B, *beta, C, computeType, alg, &bytes)`.
    let cusparseSpMMBufferSize: @convention(c) (
        OpaquePointer?, Int32, Int32, UnsafeRawPointer?, OpaquePointer?, OpaquePointer?, UnsafeRawPointer?,
        OpaquePointer?, Int32, Int32, UnsafeMutablePointer<Int>?
    ) -> Int32
    /// `cusparseSpMM(handle, opA, opB, *alpha, A, B, *beta, C, computeType, alg, externalBuffer)`; the same
    /// signature as `cusparseSpMM_preprocess`.
    typealias SpMMFunction = @convention(c) (
        OpaquePointer?, Int32, Int32, UnsafeRawPointer?, OpaquePointer?, OpaquePointer?, UnsafeRawPointer?,
        OpaquePointer?, Int32, Int32, UnsafeMutableRawPointer?
    ) -> Int32
    let cusparseSpMM: SpMMFunction
    /// Optional analysis that speeds up later SpMMs with the same A (CSR_ALG1, CSR_ALG3).
    let cusparseSpMMPreprocess: SpMMFunction?
    let cusparseGetErrorName: (@convention(c) (Int32) -> UnsafePointer<CChar>?)?
    let cusparseGetErrorString: (@convention(c) (Int32) -> UnsafePointer<CChar>?)?

    init(_ location: LoadedVendorLibrary) throws(BaselineError) {
        self.location = location
        cusparseCreate = try location.symbol("cusparseCreate")
        cusparseDestroy = try location.symbol("cusparseDestroy")
        cusparseSetStream = try location.symbol("cusparseSetStream")
        cusparseGetVersion = try location.symbol("cusparseGetVersion")
        cusparseCreateCsr = try location.symbol("cusparseCreateCsr")
        cusparseDestroySpMat = try location.symbol("cusparseDestroySpMat")
        cusparseCreateDnMat = try location.symbol("cusparseCreateDnMat")
        cusparseDestroyDnMat = try location.symbol("cusparseDestroyDnMat")
        cusparseSpMMBufferSize = try location.symbol("cusparseSpMM_bufferSize")
        cusparseSpMM = try location.symbol("cusparseSpMM")
        cusparseSpMMPreprocess = location.optionalSymbol("cusparseSpMM_preprocess")
        cusparseGetErrorName = location.optionalSymbol("cusparseGetErrorName")
        cusparseGetErrorString = location.optionalSymbol("cusparseGetErrorString")
    }

    /// Throws ``BaselineError/call(library:function:code:name:message:)`` unless `status` is
    /// `CUSPARSE_STATUS_SUCCESS` (0), with cuSPARSE's name and text for the status.
    func check(_ status: Int32, _ function: String) throws(BaselineError) {
        guard status != 0 else { return }
        let name = cusparseGetErrorName?(status).map { String(cString: $0) } ?? "CUSPARSE_STATUS_\(status)"
        let message = cusparseGetErrorString?(status).map { String(cString: $0) } ?? ""
        throw .call(library: "cuSPARSE", function: function, code: status, name: name, message: message)
    }

    /// The library's version as reported for `handle`, or nil.
    func version(_ handle: OpaquePointer) -> Int? {
        var value: Int32 = 0
        return cusparseGetVersion(handle, &value) == 0 ? Int(value) : nil
    }
}
