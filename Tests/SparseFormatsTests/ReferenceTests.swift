import SparseFormats
import SparseReference
import Testing

@Suite("Reference SpMM")
struct ReferenceSpMMTests {
    @Test("a hand-computed 2 x 3 times 3 x 2 product")
    func tiny() throws {
        let a = try matrix([[1, 0, 2], [0, 3, 0]])
        let c = ReferenceSpMM.multiply(a, [1, 2, 3, 4, 5, 6], n: 2)
        #expect(c == [11, 14, 9, 12])
    }

    @Test("accumulates in float64")
    func doubleAccumulation() throws {
        let a = try matrix([[1, 1, 1]])
        let c = ReferenceSpMM.multiply(a, [1e8, 1, -1e8], n: 1)
        #expect(c == [1])
    }

    @Test("relative error metrics")
    func metrics() {
        let exact = ErrorMetrics.relativeError(output: [1, -2, 4], reference: [1, -2, 4])
        #expect(exact.maxRelative == 0 && exact.normRelative == 0 && exact.nonFinite == 0)
        let off = ErrorMetrics.relativeError(output: [1, -2, 5], reference: [0, 0, 4])
        #expect(abs(off.maxRelative - 2.0 / 4) < 1e-12)
        #expect(abs(off.normRelative - (6.0).squareRoot() / 4) < 1e-12)
        let nan = ErrorMetrics.relativeError(output: [1, .nan, .infinity], reference: [1, 2, 3])
        #expect(nan.nonFinite == 2 && !(nan.maxRelative <= 1e-3) && !(nan.normRelative <= 1e-3))
    }
}

@Suite("Reference convolution")
struct ReferenceConvolutionTests {
    /// A filter matrix OC x (IC*KH*KW) from OIHW values.
    func filter(_ oihw: [Float], _ shape: ConvolutionShape) throws -> CSRMatrix {
        try CSRMatrix(rows: shape.outChannels, columns: shape.reductionSize, denseRowMajor: oihw)
    }

    @Test("1 channel, 3 x 3 input, 2 x 2 kernel")
    func handComputed() throws {
        let shape = ConvolutionShape(inChannels: 1, height: 3, width: 3, outChannels: 1, kernelH: 2, kernelW: 2)
        #expect(shape.outputHeight == 2 && shape.outputWidth == 2)
        let out = try ReferenceConvolution.convolve(input: (1...9).map(Float.init), filter: try filter([1, 2, 3, 4], shape), shape: shape)
        #expect(out == [37, 47, 67, 77])
    }

    @Test("stride 2, pad 1, 3 x 3 ones kernel on a 4 x 4 input")
    func strideAndPadding() throws {
        let shape = ConvolutionShape(inChannels: 1, height: 4, width: 4, outChannels: 1, kernelH: 3, kernelW: 3, stride: 2, pad: 1)
        #expect(shape.outputHeight == 2 && shape.outputWidth == 2)
        let out = try ReferenceConvolution.convolve(
            input: (1...16).map(Float.init), filter: try filter([Float](repeating: 1, count: 9), shape), shape: shape)
        #expect(out == [14, 30, 57, 99])
    }

    @Test("pad 1, stride 1 keeps the size; corners see 4 taps")
    func samePadding() throws {
        let shape = ConvolutionShape(inChannels: 1, height: 3, width: 3, outChannels: 1, kernelH: 3, kernelW: 3, pad: 1)
        let out = try ReferenceConvolution.convolve(
            input: [Float](repeating: 1, count: 9), filter: try filter([Float](repeating: 1, count: 9), shape), shape: shape)
        #expect(out == [4, 6, 4, 6, 9, 6, 4, 6, 4])
    }

    @Test("batch and channels match a naive dense loop", arguments: [(1, 0), (2, 1), (1, 2)])
    func multiChannel(stride: Int, pad: Int) throws {
        let shape = ConvolutionShape(batch: 2, inChannels: 3, height: 5, width: 6, outChannels: 4, kernelH: 3, kernelW: 2,
                                     stride: stride, pad: pad)
        var random = SeededNormal(seed: 11)
        let input = random.uniformFloats(count: shape.inputCount)
        var weights = random.uniformFloats(count: shape.outChannels * shape.reductionSize)
        for i in weights.indices where i % 3 == 0 { weights[i] = 0 }
        let out = try ReferenceConvolution.convolve(input: input, filter: try filter(weights, shape), shape: shape)
        let (oh, ow) = (shape.outputHeight, shape.outputWidth)
        for n in 0..<2 { for oc in 0..<4 { for y in 0..<oh { for x in 0..<ow {
            var sum = 0.0
            for ic in 0..<3 { for kh in 0..<3 { for kw in 0..<2 {
                let iy = y * stride - pad + kh, ix = x * stride - pad + kw
                if iy < 0 || iy >= 5 || ix < 0 || ix >= 6 { continue }
                sum += Double(weights[oc * 18 + ic * 6 + kh * 2 + kw]) * Double(input[((n * 3 + ic) * 5 + iy) * 6 + ix])
            } } }
            #expect(abs(out[((n * 4 + oc) * oh + y) * ow + x] - sum) < 1e-12)
        } } } }
    }

    @Test("impossible shapes are rejected", arguments: [
        ConvolutionShape(inChannels: 1, height: 4, width: 4, outChannels: 1, kernelH: 3, kernelW: 3, stride: 0),
        ConvolutionShape(inChannels: 1, height: 2, width: 4, outChannels: 1, kernelH: 5, kernelW: 3, pad: 1),
        ConvolutionShape(inChannels: 0, height: 4, width: 4, outChannels: 1, kernelH: 1, kernelW: 1),
        ConvolutionShape(inChannels: 1, height: 4, width: 4, outChannels: 1, kernelH: 1, kernelW: 1, pad: -1),
    ])
    func invalid(shape: ConvolutionShape) {
        #expect(throws: ConvolutionShapeError.self) { try shape.validate() }
        #expect(throws: ConvolutionShapeError.self) {
            _ = try ReferenceConvolution.convolve(input: [], filter: try matrix([[1]]), shape: shape)
        }
    }

    @Test("a filter or input of the wrong size is rejected")
    func mismatched() throws {
        let shape = ConvolutionShape(inChannels: 2, height: 3, width: 3, outChannels: 1, kernelH: 1, kernelW: 1)
        #expect(throws: ConvolutionShapeError.self) {
            _ = try ReferenceConvolution.convolve(input: [Float](repeating: 1, count: 18), filter: try matrix([[1, 1, 1]]), shape: shape)
        }
        #expect(throws: ConvolutionShapeError.self) {
            _ = try ReferenceConvolution.convolve(input: [1], filter: try matrix([[1, 1]]), shape: shape)
        }
    }
}
