import CUDADriver
import SparseRT

/// The cuDNN objects of one 2-D convolution, created once and destroyed with this object: the handle, the NCHW
/// input (x) and output (y) tensor descriptors, the OIHW filter descriptor (w), the convolution descriptor
/// (cross-correlation, symmetric padding, square stride, no dilation, fp32 compute), and the device operands
/// (float32 or binary16).
///
/// Every handle starts nil and is filled as it is created, so a failure part-way still destroys what exists.
final class CUDNNConvolutionPlan: @unchecked Sendable {
    let library: CUDNNLibrary
    let context: CUDAContext
    let shape: ConvolutionShape
    let precision: BaselinePrecision
    let output: BaselineOutputBuffer
    let x: DeviceBuffer
    let w: DeviceBuffer
    private(set) var handle: OpaquePointer?
    private(set) var xDescriptor: OpaquePointer?
    private(set) var wDescriptor: OpaquePointer?
    private(set) var yDescriptor: OpaquePointer?
    private(set) var convolution: OpaquePointer?
    private var binding = StreamBinding()

    /// Uploads the input and the dense filter and describes the convolution with math type `mathType`
    /// (`CUDNN_FMA_MATH` for strict fp32, `CUDNN_TENSOR_OP_MATH` for fp16). `label` names the baseline in errors.
    init(
        library: CUDNNLibrary, filter: CSRMatrix, input: [Float], shape: ConvolutionShape,
        precision: BaselinePrecision, mathType: Int32, context: CUDAContext, label: String
    ) throws {
        self.library = library
        self.context = context
        self.shape = shape
        self.precision = precision
        func int32(_ value: Int, _ what: String) throws(BaselineError) -> Int32 {
            try BaselineOperands.int32(value, what, baseline: label)
        }
        let (n, c, h, wd) = (try int32(shape.batch, "N"), try int32(shape.inChannels, "C"),
                             try int32(shape.height, "H"), try int32(shape.width, "W"))
        let (k, kh, kw) = (try int32(shape.outChannels, "OC"), try int32(shape.kernelH, "KH"), try int32(shape.kernelW, "KW"))
        let (oh, ow) = (try int32(shape.outputHeight, "OH"), try int32(shape.outputWidth, "OW"))
        let (pad, stride) = (try int32(shape.pad, "pad"), try int32(shape.stride, "stride"))
        _ = try int32(shape.inputCount, "input elements")
        _ = try int32(shape.outputCount, "output elements")

        x = try BaselineOperands.upload(input, as: precision, context: context)
        w = try BaselineOperands.upload(BaselineOperands.dense(filter), as: precision, context: context)
        output = try BaselineOutputBuffer(count: shape.outputCount, precision: precision, context: context)

        let dataType = precision == .fp32 ? CUDNNLibrary.dataFloat : CUDNNLibrary.dataHalf
        let nchw = CUDNNLibrary.formatNCHW
        try context.makeCurrent()
        try library.check(library.cudnnCreate(&handle), "cudnnCreate")
        try library.check(library.cudnnCreateTensorDescriptor(&xDescriptor), "cudnnCreateTensorDescriptor(x)")
        try library.check(
            library.cudnnSetTensor4dDescriptor(xDescriptor, nchw, dataType, n, c, h, wd), "cudnnSetTensor4dDescriptor(x)")
        try library.check(library.cudnnCreateFilterDescriptor(&wDescriptor), "cudnnCreateFilterDescriptor")
        try library.check(
            library.cudnnSetFilter4dDescriptor(wDescriptor, dataType, nchw, k, c, kh, kw), "cudnnSetFilter4dDescriptor")
        try library.check(library.cudnnCreateConvolutionDescriptor(&convolution), "cudnnCreateConvolutionDescriptor")
        try library.check(
            library.cudnnSetConvolution2dDescriptor(
                convolution, pad, pad, stride, stride, 1, 1, CUDNNLibrary.crossCorrelation, CUDNNLibrary.dataFloat),
            "cudnnSetConvolution2dDescriptor")
        try setMathType(mathType)
        var dims = (Int32(0), Int32(0), Int32(0), Int32(0))
        try library.check(
            library.cudnnGetConvolution2dForwardOutputDim(
                convolution, xDescriptor, wDescriptor, &dims.0, &dims.1, &dims.2, &dims.3),
            "cudnnGetConvolution2dForwardOutputDim")
        guard dims == (n, k, oh, ow) else {
            throw BaselineError.unsupported(
                baseline: label,
                reason: "cuDNN computes an output of \(dims.0)x\(dims.1)x\(dims.2)x\(dims.3), expected \(n)x\(k)x\(oh)x\(ow)")
        }
        try library.check(library.cudnnCreateTensorDescriptor(&yDescriptor), "cudnnCreateTensorDescriptor(y)")
        try library.check(
            library.cudnnSetTensor4dDescriptor(yDescriptor, nchw, dataType, n, k, oh, ow), "cudnnSetTensor4dDescriptor(y)")
    }

    deinit {
        try? context.makeCurrent()
        if let convolution { _ = library.cudnnDestroyConvolutionDescriptor(convolution) }
        if let yDescriptor { _ = library.cudnnDestroyTensorDescriptor(yDescriptor) }
        if let wDescriptor { _ = library.cudnnDestroyFilterDescriptor(wDescriptor) }
        if let xDescriptor { _ = library.cudnnDestroyTensorDescriptor(xDescriptor) }
        if let handle { _ = library.cudnnDestroy(handle) }
    }

    /// Sets the convolution descriptor's `cudnnMathType_t`.
    func setMathType(_ mathType: Int32) throws {
        try library.check(
            library.cudnnSetConvolutionMathType(convolution, mathType),
            "cudnnSetConvolutionMathType(\(CUDNNForwardAlgorithmPerformance.mathTypeName(mathType)))")
    }

    /// Workspace bytes `algorithm` needs with the descriptor's current math type, or nil when cuDNN refuses it.
    func workspaceSize(_ algorithm: Int32) -> Int? {
        var bytes = 0
        let status = library.cudnnGetConvolutionForwardWorkspaceSize(
            handle, xDescriptor, wDescriptor, convolution, yDescriptor, algorithm, &bytes)
        return status == 0 ? bytes : nil
    }

    /// cuDNN's own search (`cudnnFindConvolutionForwardAlgorithmEx`): runs and times every forward algorithm on
    /// the real buffers with `workspace`, and returns its results, fastest first.
    func find(workspace: DeviceBuffer?) throws -> [CUDNNForwardAlgorithmPerformance] {
        try context.makeCurrent()
        var maximum: Int32 = 0
        try library.check(
            library.cudnnGetConvolutionForwardAlgorithmMaxCount(handle, &maximum),
            "cudnnGetConvolutionForwardAlgorithmMaxCount")
        let requested = max(maximum, CUDNNLibrary.forwardAlgorithmCount)
        var results = [UInt8](repeating: 0, count: Int(requested) * CUDNNForwardAlgorithmPerformance.stride)
        var returned: Int32 = 0
        let status = results.withUnsafeMutableBytes { bytes in
            library.cudnnFindConvolutionForwardAlgorithmEx(
                handle, xDescriptor, x.libraryPointer, wDescriptor, w.libraryPointer, convolution, yDescriptor,
                output.pointer, requested, &returned, bytes.baseAddress, workspace?.libraryPointer,
                workspace?.byteCount ?? 0)
        }
        try library.check(status, "cudnnFindConvolutionForwardAlgorithmEx")
        let count = min(max(Int(returned), 0), Int(requested))
        return results.withUnsafeBytes { bytes in
            (0..<count).map { CUDNNForwardAlgorithmPerformance(bytes, index: $0) }
        }
    }

    /// Queues y = conv(x, w) with `algorithm` and `workspace` on `stream`.
    func forward(algorithm: Int32, workspace: DeviceBuffer?, on stream: CUDAStream) throws {
        try context.makeCurrent()
        try binding.bind(stream) { try library.check(library.cudnnSetStream(handle, $0), "cudnnSetStream") }
        var alpha: Float = 1
        var beta: Float = 0
        try library.check(
            library.cudnnConvolutionForward(
                handle, &alpha, xDescriptor, x.libraryPointer, wDescriptor, w.libraryPointer, convolution, algorithm,
                workspace?.libraryPointer, workspace?.byteCount ?? 0, &beta, yDescriptor, output.pointer),
            "cudnnConvolutionForward(\(CUDNNForwardAlgorithmPerformance.algorithmName(algorithm)))")
    }
}
