import SparseRT
import SparseRTTestSupport
import Testing

/// Data-driven kernels on B and C rows padded past N: vectors of 4 on N = 49 (the last one partial, its
/// columns past N read from the padding and stored one by one), strides that differ between B and C, full
/// vectors on several tiles, heads, K splits, parts by row length and one address per nonzero. B's padding
/// holds NaN and C's the poison, so a kernel that reads padding into a result or writes padding fails.
let paddedDataDrivenCases: [DataDrivenCase] = {
    let random = TestMatrices.random(rows: 64, columns: 256, density: 0.1, seed: 1)
    let odd = TestMatrices.random(rows: 37, columns: 45, density: 0.2, seed: 2)
    func c(_ t: Int, _ w: Int = 1, v: Int = 1, r: Int, k: Int = 1, u: Int = 2, h: Int? = nil, a: Bool = false,
           adaptive: Bool = false, x: Bool = false, fanned16: Bool = false) -> DataDrivenConfig {
        var config = DataDrivenConfig(subwarpWidth: t, vectorWidth: w, vectorsPerThread: v, rowsPerBlock: r, kSplit: k, unroll: u, prefetch: false)
        config.headEntries = h
        config.singleAddress = a
        config.adaptiveSplit = adaptive
        config.sharedHead = x
        config.fannedParts = fanned16
        config.entryFormat = fanned16 ? .narrowColumns : .wide
        return config
    }
    let cases: [(String, CSRMatrix, Int, (b: Int, c: Int), DataDrivenConfig?)] = [
        ("64x256", random, 49, (64, 64), nil),
        ("64x256", random, 49, (64, 64), c(16, 4, r: 4, k: 2, u: 4)),
        ("64x256", random, 49, (52, 56), c(16, 4, r: 2, k: 4, h: 8)),
        ("64x256", random, 49, (64, 64), c(32, 2, r: 2, k: 2, h: 32, x: true)),
        ("64x256", random, 49, (64, 52), c(32, 2, r: 1, k: 8, h: 8, a: true, adaptive: true)),
        ("64x256", random, 49, (64, 64), c(8, 4, v: 2, r: 4, k: 2)),
        ("64x256", random, 49, (96, 64), c(4, 4, v: 2, r: 8, k: 2, a: true)),
        ("64x256", random, 64, (96, 72), c(16, 4, r: 4, k: 2, u: 4)),
        ("64x256", random, 256, (288, 260), c(32, 4, v: 2, r: 1, k: 4)),
        ("37x45", odd, 7, (8, 12), c(2, 4, r: 5, k: 2)),
        ("37x45", odd, 7, (8, 8), nil),
        ("37x45", odd, 33, (40, 33), nil),
        ("37x45", odd, 33, (40, 33), c(16, r: 6, k: 2, adaptive: true)),
        ("37x45", odd, 5, (6, 10), c(2, 2, v: 2, r: 3)),
        // Fanned parts with 16-bit columns: the column times the padded row's bytes.
        ("64x256", random, 1, (32, 3), c(1, r: 8, k: 16, u: 4, fanned16: true)),
        ("37x45", odd, 7, (12, 8), c(8, r: 2, k: 4, fanned16: true)),
    ]
    let listed = cases.map { label, weights, n, strides, config in
        DataDrivenCase(label: label, weights: weights, operand: .matrix(n: n), config: config, rowStrides: strides)
    }
    // Every tuner candidate of a padded N = 49 problem.
    let problem = try! SpMMProblem(weights: random, n: 49, bRowStride: 64, cRowStride: 64)
    let candidates = DataDrivenConfig.candidates(for: problem).map {
        DataDrivenCase(label: "64x256 candidate", weights: random, operand: .matrix(n: 49), config: $0, rowStrides: (64, 64))
    }
    return listed + candidates
}()

/// Unrolled kernels on padded rows: strides that differ between B and C, vectors, several groups.
let paddedKernelCases: [KernelCase] = {
    let random = TestMatrices.random(rows: 64, columns: 256, density: 0.1, seed: 1)
    let odd = TestMatrices.random(rows: 37, columns: 45, density: 0.2, seed: 2)
    return [
        KernelCase(label: "64x256", weights: random, n: 49, config: TilingConfig(mBlocks: 4, nBlocks: 2, groups: 2), rowStrides: (64, 52)),
        KernelCase(label: "64x256", weights: random, n: 48, config: TilingConfig(mBlocks: 2, nBlocks: 1, groups: 4, vectorWidth: 4), rowStrides: (64, 52)),
        KernelCase(label: "37x45", weights: odd, n: 6, config: TilingConfig(mBlocks: 5, nBlocks: 1, groups: 2, vectorWidth: 2), rowStrides: (8, 10)),
        KernelCase(label: "37x45 cp", weights: odd, n: 33, config: TilingConfig(mBlocks: 37, nBlocks: 3, groups: 1, staging: .asyncCopy), rowStrides: (40, 36)),
        // Tiles rounded to whole lines: 64 + 64 + 4 columns of N = 132 (3 requested tiles of 44), and the
        // last tile's idle lanes past N on vectors of 2.
        KernelCase(label: "64x256 al", weights: random, n: 132, config: TilingConfig(mBlocks: 4, nBlocks: 3, groups: 2, alignedTiles: true), rowStrides: (160, 132)),
        KernelCase(label: "64x256 al v2", weights: random, n: 98, config: TilingConfig(mBlocks: 8, nBlocks: 2, groups: 1, vectorWidth: 2, alignedTiles: true), rowStrides: (128, 128)),
    ]
}()

@Suite("Padded rows of B and C")
struct PaddedRowsTests {
    @Test("a buffer's logical elements and padding", arguments: [(3, 5, 8), (1, 1, 4), (4, 6, 6)])
    func buffers(_ shape: (rows: Int, n: Int, stride: Int)) throws {
        let weights = TestMatrices.random(rows: 2, columns: shape.rows, density: 1, seed: 3)
        let problem = try SpMMProblem(weights: weights, n: shape.n, bRowStride: shape.stride, cRowStride: shape.stride)
        let dense = (0..<(shape.rows * shape.n)).map { Float($0) }
        let buffer = problem.inputBuffer(dense, padding: -1)
        #expect(buffer.count == problem.inputWords)
        #expect(buffer.count == shape.rows * shape.stride)
        #expect(buffer.filter { $0 >= 0 } == dense)
        #expect(buffer.filter { $0 < 0 }.count == shape.rows * (shape.stride - shape.n))
        let output = (0..<problem.outputWords).map { Float($0) }
        let logical = problem.logicalOutput(output)
        #expect(logical.count == 2 * shape.n)
        #expect(logical.last == Float(shape.stride + shape.n - 1))
        #expect(problem.outputPadding.map(\.count).reduce(0, +) == 2 * (shape.stride - shape.n))
        #expect(problem.hasPaddedRows == (shape.stride != shape.n))
    }

    @Test("rows aligned to a byte multiple")
    func alignment() throws {
        let weights = TestMatrices.random(rows: 4, columns: 8, density: 0.5, seed: 3)
        for (n, bytes, stride) in [(49, 128, 64), (49, 16, 52), (64, 128, 64), (196, 128, 224), (784, 128, 800), (1, 4, 1)] {
            let problem = try SpMMProblem(weights: weights, n: n).withRowsAligned(toBytes: bytes)
            #expect(problem.bRowStride == stride && problem.cRowStride == stride, "N = \(n), \(bytes) bytes")
        }
        #expect(throws: PlanError.self) { _ = try SpMMProblem(weights: weights, n: 49).withRowsAligned(toBytes: 6) }
        #expect(throws: PlanError.self) { _ = try SpMMProblem(weights: weights, n: 49).withRowsAligned(toBytes: 0) }
        #expect(try SpMMProblem(weights: weights, n: 49).withRowsAligned(toBytes: 128).description == "spmm 4x8x49 ldb 64 ldc 64")
    }

    @Test("impossible strides and vector widths are rejected, naming the stride")
    func rejected() throws {
        let weights = TestMatrices.random(rows: 16, columns: 32, density: 0.2, seed: 8)
        #expect(throws: PlanError.self) { _ = try SpMMProblem(weights: weights, n: 49, bRowStride: 48) }
        #expect(throws: PlanError.self) { _ = try SpMMProblem(weights: weights, n: 49, cRowStride: 1) }
        let conv = ConvolutionShape(inChannels: 2, height: 5, width: 5, outChannels: 16, kernelH: 4, kernelW: 4, pad: 1)
        #expect(throws: PlanError.self) { _ = try SpMMProblem(weights: weights, operand: .convolution(conv), bRowStride: 64) }
        let contiguous = try SpMMProblem(weights: weights, n: 49)
        let misaligned = try SpMMProblem(weights: weights, n: 49, bRowStride: 50, cRowStride: 52)
        let short = try SpMMProblem(weights: weights, n: 49, bRowStride: 49, cRowStride: 52)
        #expect(contiguous.vectorWidthProblem(4)?.contains("N = 49") == true)
        #expect(misaligned.vectorWidthProblem(4)?.contains("B 50") == true)
        #expect(misaligned.vectorWidthProblem(2) == nil)
        #expect(short.vectorWidthProblem(4) != nil)
        let vector4 = DataDrivenConfig(subwarpWidth: 16, vectorWidth: 4, rowsPerBlock: 2)
        for problem in [contiguous, misaligned, short] {
            #expect(throws: PlanError.self) { _ = try SparseKernelCompiler.compile(problem, dataDriven: vector4) }
        }
        // The unrolled family needs whole vectors: N divisible by the width, whatever the strides.
        let padded = try SpMMProblem(weights: weights, n: 49, bRowStride: 64, cRowStride: 64)
        #expect(throws: PlanError.self) {
            _ = try SparseKernelCompiler.compile(padded, config: TilingConfig(mBlocks: 2, nBlocks: 1, groups: 1, vectorWidth: 4))
        }
        var staged = DataDrivenConfig(subwarpWidth: 16, vectorWidth: 4, rowsPerBlock: 2)
        staged.stageRows = 16
        #expect(throws: PlanError.self) { _ = try SparseKernelCompiler.compile(padded, dataDriven: staged) }
    }

    @Test("a kernel that writes C's padding or reads B's is caught")
    func paddingChecked() throws {
        let weights = TestMatrices.random(rows: 24, columns: 40, density: 0.2, seed: 9)
        let padded = try SpMMProblem(weights: weights, n: 49, bRowStride: 52, cRowStride: 52)
        let config = DataDrivenConfig(subwarpWidth: 16, vectorWidth: 4, rowsPerBlock: 2, kSplit: 2)
        let right = try SparseKernelCompiler.compile(padded, dataDriven: config)
        #expect(try CPUVerifier.verify(right, seed: 4).passed)
        // Compiled for N = 52 on the same buffers: correct columns, but it also writes C's padding.
        let wide = try SparseKernelCompiler.compile(SpMMProblem(weights: weights, n: 52), dataDriven: config)
        let data = try ProblemData(problem: padded, seed: 4)
        let output = try CPUVerifier.run(wide, input: data.input, outputCount: data.outputCount)
        let written = VerificationReport(
            kernel: wide.name, config: "", executor: "cpu-ir", problem: padded, buffer: output,
            reference: data.reference, poison: CPUVerifier.poison, tolerance: 1e-5)
        #expect(written.maxRelativeError <= 1e-5)
        #expect(written.paddingWritten == 24 * 3)
        #expect(!written.passed)
        // Compiled for contiguous rows: it reads B at the wrong places, padding NaN included.
        let contiguous = try SparseKernelCompiler.compile(
            SpMMProblem(weights: weights, n: 49), dataDriven: DataDrivenConfig(subwarpWidth: 32, vectorsPerThread: 2, rowsPerBlock: 2))
        let misread = try CPUVerifier.run(contiguous, input: Array(data.input.prefix(40 * 49)), outputCount: 24 * 49)
        #expect(misread.contains { $0.isNaN })
    }

    @Test("the manifest and kernel name carry the strides")
    func manifest() throws {
        let weights = TestMatrices.random(rows: 24, columns: 40, density: 0.2, seed: 9)
        let padded = try SpMMProblem(weights: weights, n: 49, bRowStride: 64, cRowStride: 56)
        let kernel = try SparseKernelCompiler.compile(padded, dataDriven: .heuristic(for: padded))
        #expect(kernel.name.contains("_n49_ldb64_ldc56_"))
        let manifest = KernelManifest(kernel: kernel, ptxFile: "k.ptx", target: .hopper, weightsSource: nil)
        #expect(manifest.problem.bRowStride == 64 && manifest.problem.cRowStride == 56)
        #expect(manifest.parameters.last?.layout.contains("ldc") == true)
    }
}
