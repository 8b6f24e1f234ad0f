/// One entry of `cudnnFindConvolutionForwardAlgorithmEx`'s results, read from the C struct
/// `cudnnConvolutionFwdAlgoPerf_t` by byte offset (a Swift struct's layout is not guaranteed to match C's):
///
///     { int algo; int status; float time; /* 4 bytes padding */ size_t memory;
///       int determinism; int mathType; int reserved[3]; }   // 48 bytes, 8-byte aligned
struct CUDNNForwardAlgorithmPerformance: Equatable, Sendable {
    /// Size of one C struct in the results array.
    static let stride = 48

    /// `cudnnConvolutionFwdAlgo_t`.
    var algorithm: Int32
    /// `cudnnStatus_t` of the trial; 0 when the algorithm ran.
    var status: Int32
    /// Milliseconds cuDNN measured.
    var milliseconds: Float
    /// Workspace bytes the algorithm needs.
    var memory: Int
    /// `cudnnDeterminism_t`: 1 when deterministic.
    var determinism: Int32
    /// `cudnnMathType_t` the trial ran with.
    var mathType: Int32

    /// Reads entry `index` of a results array.
    init(_ bytes: UnsafeRawBufferPointer, index: Int) {
        let base = index * Self.stride
        precondition(base + Self.stride <= bytes.count, "perf entry \(index) lies outside the results buffer")
        algorithm = bytes.loadUnaligned(fromByteOffset: base, as: Int32.self)
        status = bytes.loadUnaligned(fromByteOffset: base + 4, as: Int32.self)
        milliseconds = bytes.loadUnaligned(fromByteOffset: base + 8, as: Float.self)
        memory = Int(bytes.loadUnaligned(fromByteOffset: base + 16, as: UInt64.self))
        determinism = bytes.loadUnaligned(fromByteOffset: base + 24, as: Int32.self)
        mathType = bytes.loadUnaligned(fromByteOffset: base + 28, as: Int32.self)
    }

    init(algorithm: Int32, status: Int32, milliseconds: Float, memory: Int, determinism: Int32, mathType: Int32) {
        self.algorithm = algorithm
        self.status = status
        self.milliseconds = milliseconds
        self.memory = memory
        self.determinism = determinism
        self.mathType = mathType
    }

    /// The algorithm's name without the `CUDNN_CONVOLUTION_FWD_ALGO_` prefix.
    var algorithmName: String { Self.algorithmName(algorithm) }

    /// `cudnnConvolutionFwdAlgo_t` names, by value.
    static func algorithmName(_ value: Int32) -> String {
        let names = [
            "IMPLICIT_GEMM", "IMPLICIT_PRECOMP_GEMM", "GEMM", "DIRECT", "FFT", "FFT_TILING", "WINOGRAD",
            "WINOGRAD_NONFUSED",
        ]
        return names.indices.contains(Int(value)) ? names[Int(value)] : "ALGO_\(value)"
    }

    /// `cudnnMathType_t` names, by value.
    static func mathTypeName(_ value: Int32) -> String {
        let names = ["DEFAULT_MATH", "TENSOR_OP_MATH", "TENSOR_OP_MATH_ALLOW_CONVERSION", "FMA_MATH"]
        return names.indices.contains(Int(value)) ? names[Int(value)] : "MATH_\(value)"
    }
}
