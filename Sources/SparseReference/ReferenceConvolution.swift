import SparseFormats

/// The geometry of a 2-D convolution: NCHW input, OIHW filter, NCHW output, square stride and
/// symmetric zero padding (`pad` rows above and below, `pad` columns left and right).
public struct ConvolutionShape: Sendable, Equatable, Codable {
    public var batch: Int
    public var inChannels: Int
    /// Input height in pixels.
    public var height: Int
    /// Input width in pixels.
    public var width: Int
    public var outChannels: Int
    public var kernelH: Int
    public var kernelW: Int
    /// Step between output pixels, in input pixels, both directions.
    public var stride: Int
    /// Zero padding on each side, in pixels.
    public var pad: Int

    public init(
        batch: Int = 1, inChannels: Int, height: Int, width: Int, outChannels: Int, kernelH: Int, kernelW: Int,
        stride: Int = 1, pad: Int = 0
    ) {
        self.batch = batch
        self.inChannels = inChannels
        self.height = height
        self.width = width
        self.outChannels = outChannels
        self.kernelH = kernelH
        self.kernelW = kernelW
        self.stride = stride
        self.pad = pad
    }

    /// floor((height + 2 * pad - kernelH) / stride) + 1.
    public var outputHeight: Int { (height + 2 * pad - kernelH) / stride + 1 }
    /// floor((width + 2 * pad - kernelW) / stride) + 1.
    public var outputWidth: Int { (width + 2 * pad - kernelW) / stride + 1 }
    /// K of the implicit GEMM: the filter matrix has this many columns (IC * KH * KW).
    public var reductionSize: Int { inChannels * kernelH * kernelW }
    /// Values in the NCHW input.
    public var inputCount: Int { batch * inChannels * height * width }
    /// Values in the NCHW output.
    public var outputCount: Int { batch * outChannels * outputHeight * outputWidth }

    /// Throws ``ConvolutionShapeError`` for a shape no convolution has: a nonpositive extent, a zero stride,
    /// negative padding, or a kernel larger than the padded input.
    public func validate() throws {
        let extents = [
            ("batch", batch), ("inChannels", inChannels), ("height", height), ("width", width),
            ("outChannels", outChannels), ("kernelH", kernelH), ("kernelW", kernelW), ("stride", stride),
        ]
        for (name, value) in extents where value < 1 {
            throw ConvolutionShapeError(problem: "\(name) is \(value); it must be at least 1")
        }
        if pad < 0 { throw ConvolutionShapeError(problem: "pad is \(pad); it must not be negative") }
        if kernelH > height + 2 * pad || kernelW > width + 2 * pad {
            throw ConvolutionShapeError(
                problem: "kernel \(kernelH) x \(kernelW) is larger than the padded input "
                    + "\(height + 2 * pad) x \(width + 2 * pad)")
        }
    }
}

/// Why a convolution could not be set up.
public struct ConvolutionShapeError: Error, Equatable, CustomStringConvertible {
    public let problem: String
    public var description: String { "invalid convolution: \(problem)" }
}

/// The CPU oracle for sparse-filter convolutions, accumulating in float64.
public enum ReferenceConvolution {
    /// Direct convolution (cross-correlation, as in deep-learning frameworks) of an NCHW `input` with a
    /// filter given as its OC x (IC * KH * KW) matrix (column `ic * KH * KW + kh * KW + kw`); returns the
    /// NCHW output of `shape.outputCount` values. Throws ``ConvolutionShapeError`` when the shape is invalid
    /// (see ``ConvolutionShape/validate()``) or does not match the filter or the input.
    public static func convolve(input: [Float], filter: CSRMatrix, shape: ConvolutionShape) throws -> [Double] {
        try shape.validate()
        guard filter.rows == shape.outChannels, filter.columns == shape.reductionSize else {
            throw ConvolutionShapeError(
                problem: "filter matrix is \(filter.rows) x \(filter.columns), expected "
                    + "\(shape.outChannels) x \(shape.reductionSize)")
        }
        guard input.count == shape.inputCount else {
            throw ConvolutionShapeError(problem: "input holds \(input.count) values, expected \(shape.inputCount)")
        }
        let (oh, ow) = (shape.outputHeight, shape.outputWidth)
        let (h, w, kh, kw) = (shape.height, shape.width, shape.kernelH, shape.kernelW)
        var output = [Double](repeating: 0, count: shape.outputCount)
        output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { x in
                for n in 0..<shape.batch {
                    for oc in 0..<shape.outChannels {
                        let outBase = (n * shape.outChannels + oc) * oh * ow
                        for i in filter.range(ofRow: oc) {
                            let column = Int(filter.columnIndices[i])
                            let (ic, tap) = column.quotientAndRemainder(dividingBy: kh * kw)
                            let (fy, fx) = tap.quotientAndRemainder(dividingBy: kw)
                            let weight = Double(filter.values[i])
                            let inBase = (n * shape.inChannels + ic) * h * w
                            for y in 0..<oh {
                                let iy = y * shape.stride - shape.pad + fy
                                guard iy >= 0 && iy < h else { continue }
                                for xo in 0..<ow {
                                    let ix = xo * shape.stride - shape.pad + fx
                                    guard ix >= 0 && ix < w else { continue }
                                    out[outBase + y * ow + xo] += weight * Double(x[inBase + iy * w + ix])
                                }
                            }
                        }
                    }
                }
            }
        }
        return output
    }
}
