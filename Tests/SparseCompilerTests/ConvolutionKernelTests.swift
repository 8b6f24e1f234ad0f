import SparseRT
import SparseRTTestSupport
import Testing

/// A convolution case: filter, input geometry and config.
struct ConvolutionCase: CustomTestStringConvertible, Sendable {
    let shape: ConvolutionShape
    let density: Double
    let config: TilingConfig
    var testDescription: String {
        "\(shape.outChannels)x\(shape.inChannels) k\(shape.kernelH)x\(shape.kernelW) \(shape.height)x\(shape.width) s\(shape.stride) p\(shape.pad) b\(shape.batch) config \(config)"
    }
}

let convolutionCases: [ConvolutionCase] = [
    ConvolutionCase(shape: ConvolutionShape(inChannels: 8, height: 7, width: 7, outChannels: 8, kernelH: 3, kernelW: 3, stride: 1, pad: 1),
                    density: 0.2, config: TilingConfig(mBlocks: 2, nBlocks: 1, groups: 2)),
    ConvolutionCase(shape: ConvolutionShape(batch: 2, inChannels: 4, height: 9, width: 6, outChannels: 6, kernelH: 3, kernelW: 3, stride: 2, pad: 1),
                    density: 0.3, config: TilingConfig(mBlocks: 3, nBlocks: 2, groups: 2)),
    ConvolutionCase(shape: ConvolutionShape(inChannels: 8, height: 8, width: 8, outChannels: 12, kernelH: 1, kernelW: 1, stride: 2, pad: 0),
                    density: 0.3, config: TilingConfig(mBlocks: 4, nBlocks: 1, groups: 1)),
    ConvolutionCase(shape: ConvolutionShape(inChannels: 3, height: 12, width: 12, outChannels: 4, kernelH: 7, kernelW: 7, stride: 2, pad: 3),
                    density: 0.2, config: TilingConfig(mBlocks: 2, nBlocks: 1, groups: 3)),
    ConvolutionCase(shape: ConvolutionShape(inChannels: 5, height: 5, width: 5, outChannels: 3, kernelH: 3, kernelW: 3, stride: 1, pad: 0),
                    density: 0.5, config: TilingConfig(mBlocks: 1, nBlocks: 1, groups: 4)),
    // cp staging: padded taps keep their guarded register loads, interior ones are copied.
    ConvolutionCase(shape: ConvolutionShape(batch: 2, inChannels: 4, height: 9, width: 6, outChannels: 6, kernelH: 3, kernelW: 3, stride: 2, pad: 1),
                    density: 0.3, config: TilingConfig(mBlocks: 3, nBlocks: 2, groups: 2, staging: .asyncCopy)),
    ConvolutionCase(shape: ConvolutionShape(inChannels: 8, height: 8, width: 8, outChannels: 12, kernelH: 1, kernelW: 1, stride: 2, pad: 0),
                    density: 0.3, config: TilingConfig(mBlocks: 4, nBlocks: 1, groups: 1, staging: .asyncCopy)),
    // A register cap: guarded (padded) taps and plain ones hoisted further.
    ConvolutionCase(shape: ConvolutionShape(inChannels: 8, height: 7, width: 7, outChannels: 8, kernelH: 3, kernelW: 3, stride: 1, pad: 1),
                    density: 0.2, config: TilingConfig(mBlocks: 2, nBlocks: 1, groups: 2, maxRegisters: 96)),
    // Output channels that share taps gathered into blocks: each block stores to scattered channels.
    ConvolutionCase(shape: ConvolutionShape(batch: 2, inChannels: 4, height: 9, width: 6, outChannels: 6, kernelH: 3, kernelW: 3, stride: 2, pad: 1),
                    density: 0.3, config: TilingConfig(mBlocks: 3, nBlocks: 2, groups: 2, balance: .similarColumns)),
]

@Suite("Sparse convolution through the virtual im2col")
struct ConvolutionKernelTests {
    static func compile(_ c: ConvolutionCase) throws -> CompiledKernel {
        let filter = TestMatrices.random(rows: c.shape.outChannels, columns: c.shape.reductionSize, density: c.density, seed: 9)
        return try SparseKernelCompiler.compile(SpMMProblem(weights: filter, operand: .convolution(c.shape)), config: c.config)
    }

    @Test("the IR matches the direct convolution", arguments: convolutionCases)
    func matchesReference(_ c: ConvolutionCase) throws {
        let report = try CPUVerifier.verify(Self.compile(c), seed: 21)
        #expect(report.passed, "max rel \(report.maxRelativeError), unwritten \(report.unwritten)")
    }

    @Test("every unrolled candidate of a small convolution matches the direct convolution")
    func candidatesMatchReference() throws {
        let shape = ConvolutionShape(inChannels: 16, height: 8, width: 8, outChannels: 32, kernelH: 3, kernelW: 3, stride: 1, pad: 1)
        let filter = TestMatrices.random(rows: shape.outChannels, columns: shape.reductionSize, density: 0.2, seed: 13)
        let problem = try SpMMProblem(weights: filter, operand: .convolution(shape))
        let configs = TilingConfig.candidates(for: problem, limit: .max)
        #expect(configs.count > 24 && configs.contains { problem.m / $0.mBlocks <= 2 }, "the wide grid's small blocks are listed")
        for config in configs {
            let report = try CPUVerifier.verify(try SparseKernelCompiler.compile(problem, config: config), seed: 22)
            #expect(report.passed, "\(config): max rel \(report.maxRelativeError), unwritten \(report.unwritten)")
        }
    }

    @Test("ptxas assembles for sm_90 without spills", .enabled(if: TestMatrices.ptxas != nil, "ptxas not installed (scripts/install-ptxas.sh)"),
          arguments: convolutionCases)
    func assembles(_ c: ConvolutionCase) throws {
        let report = try #require(TestMatrices.ptxas).assemble(Self.compile(c).ptx())
        #expect(report.spillStoreBytes == 0 && report.spillLoadBytes == 0 && report.stackFrameBytes == 0)
    }

    @Test("a filter that does not match the shape is rejected")
    func mismatch() {
        let filter = TestMatrices.random(rows: 4, columns: 10, density: 0.5, seed: 1)
        let shape = ConvolutionShape(inChannels: 2, height: 5, width: 5, outChannels: 4, kernelH: 3, kernelW: 3, stride: 1, pad: 1)
        #expect(throws: PlanError.self) { try SpMMProblem(weights: filter, operand: .convolution(shape)) }
    }
}
