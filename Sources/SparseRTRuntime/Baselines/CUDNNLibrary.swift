import Foundation

/// cuDNN (`libcudnn.so.9`) bound at run time: the legacy convolution API the convolution baselines use, as typed
/// C function pointers, resolved once per process (``shared``).
///
/// In cuDNN 9 `libcudnn.so.9` is a shim exporting the whole API and loading its sub-libraries on demand; a symbol
/// it lacks is looked up in the companions (`libcudnn_ops`, `libcudnn_cnn`) loaded with it. Handles and
/// descriptors are opaque pointers; C enums are `Int32`; `int` is `Int32` and `size_t` is `Int`.
struct CUDNNLibrary: @unchecked Sendable {
    /// The loaded library, or why there is none.
    static let shared: Result<CUDNNLibrary, BaselineError> = Result { () throws(BaselineError) in
        try CUDNNLibrary(VendorLibraryLocator().load(.cudnn))
    }

    /// The loaded library, or the error that says why there is none.
    static func load() throws(BaselineError) -> CUDNNLibrary { try shared.get() }

    // Values from cudnn_graph.h / cudnn_ops.h / cudnn_cnn.h (cuDNN 9; unchanged since cuDNN 8).
    /// `CUDNN_DATA_FLOAT`.
    static let dataFloat: Int32 = 0
    /// `CUDNN_DATA_HALF`.
    static let dataHalf: Int32 = 2
    /// `CUDNN_TENSOR_NCHW`.
    static let formatNCHW: Int32 = 0
    /// `CUDNN_CROSS_CORRELATION`: no filter flip, as deep-learning frameworks define convolution.
    static let crossCorrelation: Int32 = 1
    /// `CUDNN_DEFAULT_MATH`: on Ampere and later lets fp32 convolutions use TF32 tensor cores.
    static let defaultMath: Int32 = 0
    /// `CUDNN_TENSOR_OP_MATH`: tensor cores allowed, no down-conversion of the data type.
    static let tensorOpMath: Int32 = 1
    /// `CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION`: tensor cores with fp32 data converted down.
    static let tensorOpMathAllowConversion: Int32 = 2
    /// `CUDNN_FMA_MATH`: FMA kernels only (strict fp32, no TF32).
    static let fmaMath: Int32 = 3
    /// `CUDNN_CONVOLUTION_FWD_ALGO_COUNT`.
    static let forwardAlgorithmCount: Int32 = 8

    let location: LoadedVendorLibrary

    let cudnnGetVersion: @convention(c) () -> Int
    let cudnnGetErrorString: @convention(c) (Int32) -> UnsafePointer<CChar>?
    /// `cudnnGetLastErrorString(buffer, size)` (cuDNN 9): the detailed text of the thread's last error.
    let cudnnGetLastErrorString: (@convention(c) (UnsafeMutablePointer<CChar>?, Int) -> Void)?
    let cudnnCreate: @convention(c) (UnsafeMutablePointer<OpaquePointer?>?) -> Int32
    let cudnnDestroy: @convention(c) (OpaquePointer?) -> Int32
    let cudnnSetStream: @convention(c) (OpaquePointer?, OpaquePointer?) -> Int32
    let cudnnCreateTensorDescriptor: @convention(c) (UnsafeMutablePointer<OpaquePointer?>?) -> Int32
    let cudnnDestroyTensorDescriptor: @convention(c) (OpaquePointer?) -> Int32
    /// `cudnnSetTensor4dDescriptor(desc, format, dataType, n, c, h, w)`.
    let cudnnSetTensor4dDescriptor: @convention(c) (OpaquePointer?, Int32, Int32, Int32, Int32, Int32, Int32) -> Int32
    let cudnnCreateFilterDescriptor: @convention(c) (UnsafeMutablePointer<OpaquePointer?>?) -> Int32
    let cudnnDestroyFilterDescriptor: @convention(c) (OpaquePointer?) -> Int32
    /// `cudnnSetFilter4dDescriptor(desc, dataType, format, k, c, h, w)`: note data type before format, the
    /// reverse of the tensor call.
    let cudnnSetFilter4dDescriptor: @convention(c) (OpaquePointer?, Int32, Int32, Int32, Int32, Int32, Int32) -> Int32
    let cudnnCreateConvolutionDescriptor: @convention(c) (UnsafeMutablePointer<OpaquePointer?>?) -> Int32
    let cudnnDestroyConvolutionDescriptor: @convention(c) (OpaquePointer?) -> Int32
    /// `cudnnSetConvolution2dDescriptor(desc, padH, padW, strideH, strideW, dilationH, dilationW, mode,
    /// computeType)`.
    let cudnnSetConvolution2dDescriptor: @convention(c) (
        OpaquePointer?, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32
    ) -> Int32
    let cudnnSetConvolutionMathType: @convention(c) (OpaquePointer?, Int32) -> Int32
    /// `cudnnGetConvolution2dForwardOutputDim(conv, xDesc, wDesc, &n, &c, &h, &w)`.
    let cudnnGetConvolution2dForwardOutputDim: @convention(c) (
        OpaquePointer?, OpaquePointer?, OpaquePointer?,
        UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?,
        UnsafeMutablePointer<Int32>?
    ) -> Int32
    let cudnnGetConvolutionForwardAlgorithmMaxCount: @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int32>?) -> Int32
    /// `cudnnFindConvolutionForwardAlgorithmEx(handle, xDesc, x, wDesc, w, conv, yDesc, y, requested, &returned,
    /// perfResults, workspace, workspaceBytes)`: runs and times every algorithm on the given buffers.
    let cudnnFindConvolutionForwardAlgorithmEx: @convention(c) (
        OpaquePointer?, OpaquePointer?, UnsafeRawPointer?, OpaquePointer?, UnsafeRawPointer?, OpaquePointer?,
        OpaquePointer?, UnsafeMutableRawPointer?, Int32, UnsafeMutablePointer<Int32>?, UnsafeMutableRawPointer?,
        UnsafeMutableRawPointer?, Int
    ) -> Int32
    /// `cudnnGetConvolutionForwardWorkspaceSize(handle, xDesc, wDesc, conv, yDesc, algo, &bytes)`.
    let cudnnGetConvolutionForwardWorkspaceSize: @convention(c) (
        OpaquePointer?, OpaquePointer?, OpaquePointer?, OpaquePointer?, OpaquePointer?, Int32, UnsafeMutablePointer<Int>?
    ) -> Int32
    /// `cudnnConvolutionForward(handle, *alpha, xDesc, x, wDesc, w, conv, algo, workspace, workspaceBytes, *beta,
    /// yDesc, y)`; alpha and beta are `float` for float and half data.
    let cudnnConvolutionForward: @convention(c) (
        OpaquePointer?, UnsafeRawPointer?, OpaquePointer?, UnsafeRawPointer?, OpaquePointer?, UnsafeRawPointer?,
        OpaquePointer?, Int32, UnsafeMutableRawPointer?, Int, UnsafeRawPointer?, OpaquePointer?,
        UnsafeMutableRawPointer?
    ) -> Int32

    init(_ location: LoadedVendorLibrary) throws(BaselineError) {
        self.location = location
        cudnnGetVersion = try location.symbol("cudnnGetVersion")
        cudnnGetErrorString = try location.symbol("cudnnGetErrorString")
        cudnnGetLastErrorString = location.optionalSymbol("cudnnGetLastErrorString")
        cudnnCreate = try location.symbol("cudnnCreate")
        cudnnDestroy = try location.symbol("cudnnDestroy")
        cudnnSetStream = try location.symbol("cudnnSetStream")
        cudnnCreateTensorDescriptor = try location.symbol("cudnnCreateTensorDescriptor")
        cudnnDestroyTensorDescriptor = try location.symbol("cudnnDestroyTensorDescriptor")
        cudnnSetTensor4dDescriptor = try location.symbol("cudnnSetTensor4dDescriptor")
        cudnnCreateFilterDescriptor = try location.symbol("cudnnCreateFilterDescriptor")
        cudnnDestroyFilterDescriptor = try location.symbol("cudnnDestroyFilterDescriptor")
        cudnnSetFilter4dDescriptor = try location.symbol("cudnnSetFilter4dDescriptor")
        cudnnCreateConvolutionDescriptor = try location.symbol("cudnnCreateConvolutionDescriptor")
        cudnnDestroyConvolutionDescriptor = try location.symbol("cudnnDestroyConvolutionDescriptor")
        cudnnSetConvolution2dDescriptor = try location.symbol("cudnnSetConvolution2dDescriptor")
        cudnnSetConvolutionMathType = try location.symbol("cudnnSetConvolutionMathType")
        cudnnGetConvolution2dForwardOutputDim = try location.symbol("cudnnGetConvolution2dForwardOutputDim")
        cudnnGetConvolutionForwardAlgorithmMaxCount = try location.symbol("cudnnGetConvolutionForwardAlgorithmMaxCount")
        cudnnFindConvolutionForwardAlgorithmEx = try location.symbol("cudnnFindConvolutionForwardAlgorithmEx")
        cudnnGetConvolutionForwardWorkspaceSize = try location.symbol("cudnnGetConvolutionForwardWorkspaceSize")
        cudnnConvolutionForward = try location.symbol("cudnnConvolutionForward")
    }

    /// Throws ``BaselineError/call(library:function:code:name:message:)`` unless `status` is
    /// `CUDNN_STATUS_SUCCESS` (0): the name from `cudnnGetErrorString`, the detail from `cudnnGetLastErrorString`.
    func check(_ status: Int32, _ function: String) throws(BaselineError) {
        guard status != 0 else { return }
        let name = cudnnGetErrorString(status).map { String(cString: $0) } ?? "CUDNN_STATUS_\(status)"
        throw .call(library: "cuDNN", function: function, code: status, name: name, message: lastErrorText())
    }

    /// cuDNN's detailed text for the calling thread's last error, or "" where the library has none.
    func lastErrorText() -> String {
        guard let cudnnGetLastErrorString else { return "" }
        var buffer = [CChar](repeating: 0, count: 1024)
        buffer.withUnsafeMutableBufferPointer { cudnnGetLastErrorString($0.baseAddress, $0.count - 1) }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The version `cudnnGetVersion` reports (`major * 10000 + minor * 100 + patch` in cuDNN 9: 91400 for 9.14.0).
    var version: Int { cudnnGetVersion() }
}
