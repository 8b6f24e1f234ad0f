import Float16Bits
import SparseRT
import SparseRTTestSupport
import Testing

/// A data-driven case: weights, how B is read, and a config (nil: the heuristic).
struct DataDrivenCase: CustomTestStringConvertible, Sendable {
    let label: String
    let weights: CSRMatrix
    let operand: DenseOperand
    let config: DataDrivenConfig?
    /// Row strides of B and C (elements), or nil for contiguous rows.
    var rowStrides: (b: Int, c: Int)? = nil
    var testDescription: String {
        "\(label) \(operand)\(rowStrides.map { " ldb \($0.b) ldc \($0.c)" } ?? "") \(config?.description ?? "heuristic")"
    }

    func problem() throws -> SpMMProblem {
        try SpMMProblem(weights: weights, operand: operand, bRowStride: rowStrides?.b, cRowStride: rowStrides?.c)
    }
    func compile() throws -> CompiledKernel {
        let problem = try problem()
        return try SparseKernelCompiler.compile(problem, dataDriven: config ?? .heuristic(for: problem))
    }
}

/// A matrix whose rows 0, 3, 6, ... are empty and whose other rows vary in length.
let emptyRowsMatrix: CSRMatrix = {
    let dense = TestMatrices.random(rows: 35, columns: 70, density: 0.15, seed: 4)
    var offsets: [Int32] = [0]
    var indices: [Int32] = []
    var values: [Float] = []
    for r in 0..<dense.rows {
        if r % 3 != 0 {
            for i in dense.range(ofRow: r) {
                indices.append(dense.columnIndices[i])
                values.append(dense.values[i])
            }
        }
        offsets.append(Int32(indices.count))
    }
    return try! CSRMatrix(rows: dense.rows, columns: dense.columns, rowOffsets: offsets, columnIndices: indices, values: values)
}()

/// `matrix` with its values rounded to the nearest halves, so packed-half entries (`n2`) hold them exactly.
func roundedToHalves(_ matrix: CSRMatrix) -> CSRMatrix {
    try! SpMMProblem(weights: matrix, n: 1).withWeightsRoundedToHalves().weights
}

/// Halves of every size class: subnormal (2^-24, 3 x 2^-20), the smallest normal, large (60000) and negative
/// zero, with ordinary ones, in a 6 x 40 matrix.
let tinyHalvesMatrix: CSRMatrix = {
    let special: [Float] = [0x1p-24, 3 * 0x1p-20, 0x1p-14, 60000, -0.0, -1.5, 0.333251953125, -2048]
    let random = roundedToHalves(TestMatrices.random(rows: 6, columns: 40, density: 0.3, seed: 8))
    let values = random.values.indices.map { $0 < special.count ? special[$0] : random.values[$0] }
    return try! CSRMatrix(rows: random.rows, columns: random.columns, rowOffsets: random.rowOffsets, columnIndices: random.columnIndices, values: values)
}()

let dataDrivenCases: [DataDrivenCase] = {
    let random = TestMatrices.random(rows: 64, columns: 256, density: 0.1, seed: 1)
    let odd = TestMatrices.random(rows: 37, columns: 45, density: 0.2, seed: 2)
    let wide = TestMatrices.random(rows: 20, columns: 300, density: 0.05, seed: 3)
    let long = TestMatrices.random(rows: 9, columns: 530, density: 0.3, seed: 5)
    func c(_ t: Int, _ w: Int = 1, v: Int = 1, r: Int, k: Int = 1, u: Int = 2, p: Bool = true, s: Int? = nil, h: Int? = nil,
           a: Bool = false, adaptive: Bool = false, x: Bool = false, l: Int? = nil, i: Bool = false, e: Bool = false,
           q: Int = 1, d: Bool = false, g: Int = 1, o: Bool = false, f: Bool = false, n16: Bool = false, halves: Bool = false) -> DataDrivenConfig {
        var config = DataDrivenConfig(subwarpWidth: t, vectorWidth: w, vectorsPerThread: v, rowsPerBlock: r, kSplit: k, unroll: u, prefetch: p)
        config.stageRows = s
        config.headEntries = h
        config.singleAddress = a
        config.adaptiveSplit = adaptive
        config.sharedHead = x
        config.partLength = l
        config.interleavedParts = i
        config.evenBlocks = e
        config.clusterSplit = q
        config.deferredHead = d
        config.sharedHeadGroups = g
        config.similarRows = o
        config.fannedParts = f
        config.entryFormat = halves ? .packedHalves : n16 ? .narrowColumns : .wide
        return config
    }
    let conv1 = ConvolutionShape(inChannels: 8, height: 7, width: 7, outChannels: 8, kernelH: 3, kernelW: 3, stride: 1, pad: 1)
    let conv2 = ConvolutionShape(batch: 2, inChannels: 4, height: 9, width: 6, outChannels: 6, kernelH: 3, kernelW: 3, stride: 2, pad: 1)
    let conv3 = ConvolutionShape(inChannels: 8, height: 8, width: 8, outChannels: 12, kernelH: 1, kernelW: 1, stride: 2, pad: 0)
    let conv4 = ConvolutionShape(inChannels: 3, height: 12, width: 12, outChannels: 4, kernelH: 7, kernelW: 7, stride: 2, pad: 3)
    func filter(_ g: ConvolutionShape, seed: UInt64) -> CSRMatrix {
        TestMatrices.random(rows: g.outChannels, columns: g.reductionSize, density: 0.25, seed: seed)
    }
    return [
        DataDrivenCase(label: "64x256", weights: random, operand: .matrix(n: 49), config: nil),
        DataDrivenCase(label: "64x256", weights: random, operand: .matrix(n: 49), config: c(32, v: 2, r: 2, k: 2, p: false)),
        DataDrivenCase(label: "64x256", weights: random, operand: .matrix(n: 64), config: c(16, 4, r: 4, u: 4)),
        DataDrivenCase(label: "64x256", weights: random, operand: .matrix(n: 64), config: c(8, 4, v: 2, r: 3, k: 3, u: 4)),
        DataDrivenCase(label: "64x256", weights: random, operand: .matrix(n: 256), config: nil),
        DataDrivenCase(label: "64x256", weights: random, operand: .matrix(n: 256), config: c(32, 4, v: 2, r: 1, k: 4)),
        DataDrivenCase(label: "37x45", weights: odd, operand: .matrix(n: 7), config: nil),
        DataDrivenCase(label: "37x45", weights: odd, operand: .matrix(n: 7), config: c(4, v: 3, r: 5, k: 2, u: 2)),
        DataDrivenCase(label: "37x45", weights: odd, operand: .matrix(n: 33), config: c(16, r: 6, k: 2)),
        DataDrivenCase(label: "37x45", weights: odd, operand: .matrix(n: 1), config: nil),
        DataDrivenCase(label: "37x45", weights: odd, operand: .matrix(n: 1), config: c(1, r: 8, k: 4, u: 4, p: false)),
        DataDrivenCase(label: "20x300", weights: wide, operand: .matrix(n: 40), config: c(8, 2, v: 2, r: 7, k: 2)),
        DataDrivenCase(label: "9x530 long rows", weights: long, operand: .matrix(n: 12), config: c(2, 2, v: 3, r: 2, k: 5, u: 4)),
        DataDrivenCase(label: "empty rows", weights: emptyRowsMatrix, operand: .matrix(n: 33), config: nil),
        DataDrivenCase(label: "empty rows", weights: emptyRowsMatrix, operand: .matrix(n: 8), config: c(2, 4, r: 16, k: 2, u: 2)),
        DataDrivenCase(label: "all zero", weights: TestMatrices.zero(rows: 16, columns: 16), operand: .matrix(n: 8), config: nil),
        DataDrivenCase(label: "all zero", weights: TestMatrices.zero(rows: 16, columns: 16), operand: .matrix(n: 8), config: c(4, 2, r: 3, k: 2)),
        DataDrivenCase(label: "single nonzero", weights: TestMatrices.single(rows: 9, columns: 13, row: 4, column: 7), operand: .matrix(n: 5), config: nil),
        DataDrivenCase(label: "single nonzero", weights: TestMatrices.single(rows: 9, columns: 13, row: 8, column: 12), operand: .matrix(n: 64), config: c(8, 4, v: 2, r: 2, k: 2, p: false)),
        // B staged in shared memory: K a multiple of the chunk and not, partial tiles, K splits, padding slots.
        DataDrivenCase(label: "64x256 staged", weights: random, operand: .matrix(n: 64), config: c(8, 4, r: 16, s: 64)),
        DataDrivenCase(label: "64x256 staged", weights: random, operand: .matrix(n: 64), config: c(8, 4, r: 8, k: 2, u: 4, p: false, s: 48)),
        DataDrivenCase(label: "64x256 staged", weights: random, operand: .matrix(n: 256), config: c(32, 4, r: 2, k: 2, s: 256)),
        DataDrivenCase(label: "37x45 staged", weights: odd, operand: .matrix(n: 33), config: c(16, r: 6, k: 2, s: 12)),
        DataDrivenCase(label: "37x45 staged", weights: odd, operand: .matrix(n: 7), config: c(4, v: 3, r: 6, k: 2, s: 8)),
        DataDrivenCase(label: "9x530 staged", weights: long, operand: .matrix(n: 12), config: c(2, 2, v: 3, r: 3, k: 5, u: 4, s: 60)),
        DataDrivenCase(label: "empty rows staged", weights: emptyRowsMatrix, operand: .matrix(n: 8), config: c(2, 4, r: 16, k: 2, s: 32)),
        DataDrivenCase(label: "all zero staged", weights: TestMatrices.zero(rows: 16, columns: 16), operand: .matrix(n: 8), config: c(4, 2, r: 3, k: 2, s: 6)),
        // A head of 4 to 16 entries per part: parts shorter and longer than it, empty rows, padding slots.
        DataDrivenCase(label: "64x256 head", weights: random, operand: .matrix(n: 49), config: c(32, v: 2, r: 2, k: 4, u: 4, p: false, h: 8)),
        DataDrivenCase(label: "64x256 head", weights: random, operand: .matrix(n: 64), config: c(16, 4, r: 4, u: 4, h: 16)),
        DataDrivenCase(label: "37x45 head", weights: odd, operand: .matrix(n: 7), config: c(4, v: 3, r: 5, k: 2, u: 2, h: 4)),
        DataDrivenCase(label: "9x530 head", weights: long, operand: .matrix(n: 12), config: c(2, 2, v: 3, r: 2, k: 5, u: 4, h: 16)),
        DataDrivenCase(label: "empty rows head", weights: emptyRowsMatrix, operand: .matrix(n: 33), config: c(32, r: 3, k: 2, h: 8)),
        // A head loaded across the warp and shuffled: 1, 2 and 4 entries a lane, parts shorter than a group
        // (the early stop), parts longer than the head (the loop takes the rest), parts by row length, a
        // convolution's taps, one address per nonzero, a partial last warp of N.
        DataDrivenCase(label: "64x256 shared head", weights: random, operand: .matrix(n: 49), config: c(32, v: 2, r: 1, k: 4, u: 2, p: false, h: 32, x: true)),
        DataDrivenCase(label: "64x256 shared head", weights: random, operand: .matrix(n: 256), config: c(32, 4, r: 2, k: 2, u: 2, p: false, h: 64, x: true)),
        DataDrivenCase(label: "64x256 shared head", weights: random, operand: .matrix(n: 64), config: c(32, 2, r: 4, u: 4, h: 32, x: true)),
        DataDrivenCase(label: "9x530 shared head", weights: long, operand: .matrix(n: 12), config: c(32, r: 2, k: 2, u: 2, h: 32, x: true)),
        DataDrivenCase(label: "9x530 shared head", weights: long, operand: .matrix(n: 40), config: c(32, r: 1, k: 2, u: 4, p: false, h: 128, x: true)),
        DataDrivenCase(label: "empty rows shared head adaptive", weights: emptyRowsMatrix, operand: .matrix(n: 33), config: c(32, r: 2, k: 2, h: 32, adaptive: true, x: true, l: 32)),
        DataDrivenCase(label: "64x256 shared head adaptive one address", weights: random, operand: .matrix(n: 49), config: c(32, v: 2, r: 1, k: 8, u: 2, p: false, h: 32, a: true, adaptive: true, x: true, l: 8)),
        DataDrivenCase(label: "conv 7x7 s2 p3 shared head", weights: filter(conv4, seed: 12), operand: .convolution(conv4), config: c(32, r: 2, k: 2, u: 2, h: 64, adaptive: true, x: true)),
        DataDrivenCase(label: "conv 3x3 p1 shared head", weights: filter(conv1, seed: 9), operand: .convolution(conv1), config: c(32, r: 2, k: 2, h: 32, x: true)),
        // One B address per nonzero on partial tiles: loads past N skipped per thread (the interpreter
        // rejects any read outside B).
        DataDrivenCase(label: "64x256 one address", weights: random, operand: .matrix(n: 49), config: c(32, v: 2, r: 2, k: 4, u: 4, p: false, a: true)),
        DataDrivenCase(label: "64x256 one address", weights: random, operand: .matrix(n: 49), config: c(32, v: 2, r: 1, k: 4, u: 2, p: false, h: 16, a: true)),
        DataDrivenCase(label: "37x45 one address", weights: odd, operand: .matrix(n: 33), config: c(16, r: 6, k: 2, a: true)),
        DataDrivenCase(label: "37x45 one address", weights: odd, operand: .matrix(n: 7), config: c(4, v: 3, r: 5, k: 2, u: 2, a: true)),
        DataDrivenCase(label: "20x300 one address", weights: wide, operand: .matrix(n: 40), config: c(8, 2, v: 2, r: 7, k: 2, a: true)),
        DataDrivenCase(label: "single nonzero one address", weights: TestMatrices.single(rows: 9, columns: 13, row: 8, column: 12), operand: .matrix(n: 5), config: c(8, r: 2, a: true)),
        // More than 4 vectors per thread (scalar columns on narrow N).
        DataDrivenCase(label: "64x256 seven vectors", weights: random, operand: .matrix(n: 49), config: c(8, v: 7, r: 4, k: 2, u: 2, p: false, a: true)),
        DataDrivenCase(label: "37x45 eight vectors", weights: odd, operand: .matrix(n: 33), config: c(4, v: 8, r: 3, u: 4)),
        // Parts by row length: short rows alone, long rows split, blocks closed early, empty rows, heads,
        // one address per nonzero, a convolution.
        DataDrivenCase(label: "64x256 adaptive", weights: random, operand: .matrix(n: 49), config: c(32, v: 2, r: 1, k: 4, u: 2, p: false, adaptive: true)),
        DataDrivenCase(label: "64x256 adaptive", weights: random, operand: .matrix(n: 64), config: c(16, 4, r: 2, k: 3, u: 2, adaptive: true)),
        DataDrivenCase(label: "9x530 adaptive", weights: long, operand: .matrix(n: 12), config: c(2, 2, v: 3, r: 2, k: 5, u: 4, adaptive: true)),
        DataDrivenCase(label: "37x45 adaptive", weights: odd, operand: .matrix(n: 7), config: c(4, v: 3, r: 5, k: 2, u: 2, adaptive: true)),
        DataDrivenCase(label: "empty rows adaptive", weights: emptyRowsMatrix, operand: .matrix(n: 33), config: c(32, r: 3, k: 2, h: 8, adaptive: true)),
        DataDrivenCase(label: "64x256 adaptive one address", weights: random, operand: .matrix(n: 49), config: c(32, v: 2, r: 1, k: 8, u: 2, p: false, h: 8, a: true, adaptive: true)),
        DataDrivenCase(label: "all zero adaptive", weights: TestMatrices.zero(rows: 16, columns: 16), operand: .matrix(n: 8), config: c(4, 2, r: 3, k: 2, adaptive: true)),
        DataDrivenCase(label: "single nonzero adaptive", weights: TestMatrices.single(rows: 1, columns: 13, row: 0, column: 12), operand: .matrix(n: 5), config: c(8, r: 2, k: 4, adaptive: true)),
        DataDrivenCase(label: "conv 7x7 s2 p3 adaptive head", weights: filter(conv4, seed: 12), operand: .convolution(conv4), config: c(32, r: 2, k: 4, u: 2, h: 8, adaptive: true)),
        DataDrivenCase(label: "conv 3x3 p1 adaptive", weights: filter(conv1, seed: 9), operand: .convolution(conv1), config: c(16, v: 2, r: 2, k: 2, adaptive: true)),
        // Interleaved parts: K splits with and without heads, parts by row length, heads across the warp,
        // one address per nonzero, a convolution, rows shorter than the split.
        DataDrivenCase(label: "64x256 interleaved", weights: random, operand: .matrix(n: 49), config: c(32, v: 2, r: 2, k: 4, u: 4, p: false, i: true)),
        DataDrivenCase(label: "64x256 interleaved", weights: random, operand: .matrix(n: 64), config: c(16, 4, r: 4, k: 2, u: 4, h: 16, i: true)),
        DataDrivenCase(label: "64x256 interleaved adaptive", weights: random, operand: .matrix(n: 49), config: c(32, v: 2, r: 1, k: 8, u: 2, p: false, h: 8, a: true, adaptive: true, i: true)),
        DataDrivenCase(label: "64x256 interleaved shared head", weights: random, operand: .matrix(n: 256), config: c(32, 4, r: 2, k: 2, u: 2, p: false, h: 32, adaptive: true, x: true, l: 32, i: true)),
        DataDrivenCase(label: "37x45 interleaved", weights: odd, operand: .matrix(n: 7), config: c(4, v: 3, r: 5, k: 5, u: 2, i: true)),
        DataDrivenCase(label: "empty rows interleaved", weights: emptyRowsMatrix, operand: .matrix(n: 33), config: c(32, r: 3, k: 4, h: 4, i: true)),
        DataDrivenCase(label: "conv 3x3 p1 interleaved", weights: filter(conv1, seed: 9), operand: .convolution(conv1), config: c(16, v: 2, r: 2, k: 4, h: 8, adaptive: true, i: true)),
        // K split over a cluster's blocks: with and without a K split inside the block, padding slots,
        // parts by row length (dealt evenly), heads (across the warp too), interleaved parts, one address
        // per nonzero, empty rows and matrices, slices without nonzeros (more slices than nonzeros).
        DataDrivenCase(label: "64x256 cluster", weights: random, operand: .matrix(n: 49), config: c(32, v: 2, r: 8, q: 8)),
        DataDrivenCase(label: "64x256 cluster", weights: random, operand: .matrix(n: 64), config: c(16, 4, r: 3, k: 2, u: 4, q: 2)),
        DataDrivenCase(label: "64x256 cluster adaptive", weights: random, operand: .matrix(n: 49), config: c(32, v: 2, r: 2, k: 4, u: 2, p: false, h: 8, adaptive: true, e: true, q: 2)),
        DataDrivenCase(label: "64x256 cluster shared head", weights: random, operand: .matrix(n: 256), config: c(32, 4, r: 2, k: 2, u: 2, p: false, h: 32, adaptive: true, x: true, l: 32, i: true, q: 4)),
        DataDrivenCase(label: "64x256 cluster one address", weights: random, operand: .matrix(n: 49), config: c(32, v: 2, r: 4, k: 2, u: 4, p: false, h: 16, a: true, i: true, q: 4)),
        DataDrivenCase(label: "37x45 cluster", weights: odd, operand: .matrix(n: 7), config: c(4, v: 3, r: 5, k: 2, u: 2, q: 8)),
        DataDrivenCase(label: "9x530 cluster", weights: long, operand: .matrix(n: 12), config: c(2, 2, v: 3, r: 2, k: 5, u: 4, h: 4, q: 4)),
        DataDrivenCase(label: "empty rows cluster", weights: emptyRowsMatrix, operand: .matrix(n: 33), config: c(32, r: 3, k: 2, h: 8, adaptive: true, q: 2)),
        DataDrivenCase(label: "all zero cluster", weights: TestMatrices.zero(rows: 16, columns: 16), operand: .matrix(n: 8), config: c(4, 2, r: 3, k: 2, q: 4)),
        DataDrivenCase(label: "single nonzero cluster", weights: TestMatrices.single(rows: 9, columns: 13, row: 8, column: 12), operand: .matrix(n: 5), config: c(8, r: 2, k: 2, adaptive: true, q: 8)),
        // The head's sums deferred: parts shorter and longer than the head (main loop and tail), parts by
        // row length, interleaved, one address per nonzero, a convolution's taps, a cluster split.
        DataDrivenCase(label: "64x256 deferred head", weights: random, operand: .matrix(n: 49), config: c(32, v: 2, r: 2, k: 4, u: 4, p: false, h: 8, d: true)),
        DataDrivenCase(label: "64x256 deferred head", weights: random, operand: .matrix(n: 64), config: c(16, 4, r: 4, u: 4, h: 16, d: true)),
        DataDrivenCase(label: "9x530 deferred head", weights: long, operand: .matrix(n: 12), config: c(2, 2, v: 3, r: 2, k: 5, u: 2, h: 4, d: true)),
        DataDrivenCase(label: "64x256 deferred head adaptive", weights: random, operand: .matrix(n: 49), config: c(32, v: 2, r: 1, k: 8, u: 4, p: false, h: 16, adaptive: true, i: true, d: true)),
        DataDrivenCase(label: "64x256 deferred head one address", weights: random, operand: .matrix(n: 49), config: c(32, v: 2, r: 2, k: 2, u: 2, p: false, h: 8, a: true, adaptive: true, e: true, d: true)),
        DataDrivenCase(label: "empty rows deferred head", weights: emptyRowsMatrix, operand: .matrix(n: 33), config: c(32, r: 3, k: 2, h: 8, adaptive: true, d: true)),
        DataDrivenCase(label: "conv 7x7 s2 p3 deferred head", weights: filter(conv4, seed: 12), operand: .convolution(conv4), config: c(32, r: 2, k: 2, u: 4, h: 16, d: true)),
        DataDrivenCase(label: "64x256 head of 32", weights: random, operand: .matrix(n: 49), config: c(32, v: 2, r: 1, k: 4, u: 4, p: false, h: 32, adaptive: true, d: true)),
        DataDrivenCase(label: "9x530 head of 32", weights: long, operand: .matrix(n: 12), config: c(4, 2, v: 1, r: 2, k: 2, u: 2, h: 32)),
        // Heads across the warp walked several groups per trip: the early stop at a trip's first group,
        // unused entries inside a trip, parts longer than the head, a convolution.
        DataDrivenCase(label: "64x256 shared head 2 groups a trip", weights: random, operand: .matrix(n: 49), config: c(32, v: 2, r: 1, k: 4, u: 2, p: false, h: 64, x: true, g: 2)),
        DataDrivenCase(label: "9x530 shared head 4 groups a trip", weights: long, operand: .matrix(n: 40), config: c(32, r: 1, k: 2, u: 2, p: false, h: 128, x: true, g: 4)),
        DataDrivenCase(label: "empty rows shared head 8 groups a trip", weights: emptyRowsMatrix, operand: .matrix(n: 33), config: c(32, r: 2, k: 2, u: 2, p: false, h: 64, adaptive: true, x: true, l: 32, g: 8)),
        DataDrivenCase(label: "conv 3x3 p1 shared head 2 groups a trip", weights: filter(conv1, seed: 9), operand: .convolution(conv1), config: c(32, r: 2, k: 2, u: 2, h: 32, x: true, g: 2)),
        DataDrivenCase(label: "64x256 deferred head cluster", weights: random, operand: .matrix(n: 64), config: c(16, 4, r: 3, k: 2, u: 2, h: 8, q: 2, d: true)),
        DataDrivenCase(label: "conv 3x3 p1", weights: filter(conv1, seed: 9), operand: .convolution(conv1), config: nil),
        DataDrivenCase(label: "conv 3x3 p1 head", weights: filter(conv1, seed: 9), operand: .convolution(conv1), config: c(16, v: 2, r: 2, k: 2, h: 8)),
        DataDrivenCase(label: "conv 7x7 s2 p3 head", weights: filter(conv4, seed: 12), operand: .convolution(conv4), config: c(32, r: 2, k: 2, u: 4, h: 16)),
        DataDrivenCase(label: "conv 3x3 p1", weights: filter(conv1, seed: 9), operand: .convolution(conv1), config: c(16, v: 2, r: 2, k: 2)),
        DataDrivenCase(label: "conv 3x3 s2 b2", weights: filter(conv2, seed: 10), operand: .convolution(conv2), config: c(8, v: 3, r: 3, k: 2, u: 2)),
        DataDrivenCase(label: "conv 1x1 s2", weights: filter(conv3, seed: 11), operand: .convolution(conv3), config: nil),
        DataDrivenCase(label: "conv 7x7 s2 p3", weights: filter(conv4, seed: 12), operand: .convolution(conv4), config: c(32, r: 2, k: 2, u: 4)),
        // Rows that share columns gathered into blocks (o1): padding slots, a K split, heads, parts by row
        // length (dealt evenly), interleaved parts, a cluster split, empty rows, a convolution.
        DataDrivenCase(label: "64x256 similar rows", weights: random, operand: .matrix(n: 49), config: c(32, v: 2, r: 4, k: 2, o: true)),
        DataDrivenCase(label: "37x45 similar rows", weights: odd, operand: .matrix(n: 7), config: c(4, v: 3, r: 5, k: 2, u: 2, o: true)),
        DataDrivenCase(label: "64x256 similar rows head", weights: random, operand: .matrix(n: 64), config: c(16, 4, r: 4, k: 2, u: 4, h: 16, i: true, o: true)),
        DataDrivenCase(label: "64x256 similar rows adaptive", weights: random, operand: .matrix(n: 49), config: c(32, v: 2, r: 1, k: 8, u: 2, p: false, h: 8, a: true, adaptive: true, e: true, o: true)),
        DataDrivenCase(label: "64x256 similar rows shared head", weights: random, operand: .matrix(n: 256), config: c(32, 4, r: 2, k: 2, u: 2, h: 32, adaptive: true, x: true, l: 32, o: true)),
        DataDrivenCase(label: "64x256 similar rows cluster", weights: random, operand: .matrix(n: 64), config: c(16, 4, r: 3, k: 2, u: 4, q: 2, o: true)),
        DataDrivenCase(label: "empty rows similar rows", weights: emptyRowsMatrix, operand: .matrix(n: 33), config: c(32, r: 3, k: 2, h: 8, adaptive: true, o: true)),
        // Fanned parts (f1): rows shorter than P groups, partial last groups, unroll 2 and 4, padding
        // slots, vectors, a partial tile, empty rows and matrices, similar rows, a convolution's taps.
        DataDrivenCase(label: "64x256 fanned", weights: random, operand: .matrix(n: 1), config: c(1, r: 8, k: 16, u: 2, p: false, f: true)),
        DataDrivenCase(label: "64x256 fanned", weights: random, operand: .matrix(n: 8), config: c(8, r: 3, k: 4, u: 4, p: false, f: true)),
        DataDrivenCase(label: "64x256 fanned", weights: random, operand: .matrix(n: 8), config: c(1, 4, v: 2, r: 2, k: 16, u: 2, p: false, f: true)),
        DataDrivenCase(label: "37x45 fanned", weights: odd, operand: .matrix(n: 7), config: c(4, v: 2, r: 5, k: 3, u: 4, p: false, f: true)),
        DataDrivenCase(label: "9x530 fanned", weights: long, operand: .matrix(n: 1), config: c(1, r: 2, k: 8, u: 4, p: false, f: true)),
        DataDrivenCase(label: "9x530 fanned warp a row", weights: long, operand: .matrix(n: 1), config: c(1, r: 3, k: 32, u: 8, p: false, f: true)),
        DataDrivenCase(label: "64x256 fanned unroll 8", weights: random, operand: .matrix(n: 2), config: c(2, r: 4, k: 16, u: 8, p: false, f: true, n16: true)),
        DataDrivenCase(label: "empty rows fanned", weights: emptyRowsMatrix, operand: .matrix(n: 33), config: c(32, r: 3, k: 2, u: 2, p: false, a: true, f: true)),
        DataDrivenCase(label: "all zero fanned", weights: TestMatrices.zero(rows: 16, columns: 16), operand: .matrix(n: 2), config: c(2, r: 3, k: 4, p: false, f: true)),
        DataDrivenCase(label: "64x256 fanned similar rows", weights: random, operand: .matrix(n: 4), config: c(4, r: 4, k: 8, u: 4, p: false, o: true, f: true)),
        // ... and with 16-bit column indices: odd and even entry positions, padded rows of B, fp32 vectors.
        DataDrivenCase(label: "64x256 fanned 16-bit", weights: random, operand: .matrix(n: 1), config: c(1, r: 8, k: 16, u: 4, p: false, f: true, n16: true)),
        DataDrivenCase(label: "9x530 fanned 16-bit", weights: long, operand: .matrix(n: 3), config: c(4, r: 2, k: 8, u: 2, p: false, f: true, n16: true)),
        DataDrivenCase(label: "37x45 fanned 16-bit", weights: odd, operand: .matrix(n: 8), config: c(1, 4, v: 2, r: 5, k: 3, u: 4, p: false, o: true, f: true, n16: true)),
        DataDrivenCase(label: "empty rows fanned 16-bit", weights: emptyRowsMatrix, operand: .matrix(n: 8), config: c(8, r: 3, k: 4, u: 2, p: false, f: true, n16: true)),
        // ... and with half weights packed beside their columns (n2): weights rounded to halves (subnormal
        // halves among them), odd rows, empty rows, staged and prefetched.
        DataDrivenCase(label: "64x256 fanned halves", weights: roundedToHalves(random), operand: .matrix(n: 1), config: c(1, r: 8, k: 16, u: 4, p: false, f: true, halves: true)),
        DataDrivenCase(label: "37x45 fanned halves", weights: roundedToHalves(odd), operand: .matrix(n: 8), config: c(1, 4, v: 2, r: 5, k: 3, u: 4, p: false, o: true, f: true, halves: true)),
        DataDrivenCase(label: "empty rows fanned halves", weights: roundedToHalves(emptyRowsMatrix), operand: .matrix(n: 8), config: c(8, r: 3, k: 4, u: 2, p: false, f: true, halves: true)),
        DataDrivenCase(label: "tiny halves fanned", weights: tinyHalvesMatrix, operand: .matrix(n: 3), config: c(4, r: 2, k: 4, u: 2, f: true, halves: true)),
        DataDrivenCase(label: "9x530 fanned staged halves", weights: roundedToHalves(long), operand: .matrix(n: 1), config: c(1, r: 2, k: 8, u: 4, p: false, s: 176, f: true, halves: true)),
        DataDrivenCase(label: "64x256 fanned prefetch staged halves", weights: roundedToHalves(random), operand: .matrix(n: 1), config: c(1, r: 8, k: 16, u: 4, s: 128, f: true, halves: true)),
        DataDrivenCase(label: "9x530 fanned prefetch halves", weights: roundedToHalves(long), operand: .matrix(n: 2), config: c(2, r: 2, k: 4, u: 4, f: true, halves: true)),
        // ... and over B staged in shared memory: all of K in one chunk (a warp's reduction by shuffles), in
        // 2-5 chunks (16-bit columns hold k mod S), a partial N tile, a reduction in shared memory.
        DataDrivenCase(label: "64x256 fanned staged", weights: random, operand: .matrix(n: 1), config: c(1, r: 8, k: 16, u: 4, p: false, s: 256, f: true)),
        DataDrivenCase(label: "64x256 fanned staged 16-bit", weights: random, operand: .matrix(n: 1), config: c(1, r: 8, k: 16, u: 2, p: false, s: 128, f: true, n16: true)),
        DataDrivenCase(label: "9x530 fanned staged 16-bit", weights: long, operand: .matrix(n: 1), config: c(1, r: 2, k: 8, u: 4, p: false, s: 176, f: true, n16: true)),
        DataDrivenCase(label: "37x45 fanned staged 16-bit", weights: odd, operand: .matrix(n: 7), config: c(4, v: 2, r: 4, k: 3, u: 4, p: false, s: 12, f: true, n16: true)),
        DataDrivenCase(label: "empty rows fanned staged", weights: emptyRowsMatrix, operand: .matrix(n: 8), config: c(8, r: 4, k: 4, u: 2, p: false, s: 16, f: true)),
        // ... and with the next groups prefetched: rows shorter and longer than a step, 16-bit columns, staged
        // B, a convolution's taps.
        DataDrivenCase(label: "64x256 fanned prefetch", weights: random, operand: .matrix(n: 1), config: c(1, r: 8, k: 8, u: 2, f: true)),
        DataDrivenCase(label: "9x530 fanned prefetch 16-bit", weights: long, operand: .matrix(n: 2), config: c(2, r: 2, k: 4, u: 4, f: true, n16: true)),
        DataDrivenCase(label: "empty rows fanned prefetch", weights: emptyRowsMatrix, operand: .matrix(n: 8), config: c(8, r: 3, k: 4, u: 2, f: true)),
        DataDrivenCase(label: "64x256 fanned prefetch staged 16-bit", weights: random, operand: .matrix(n: 1), config: c(1, r: 8, k: 16, u: 4, s: 128, f: true, n16: true)),
        DataDrivenCase(label: "conv 3x3 p1 fanned prefetch", weights: filter(conv1, seed: 9), operand: .convolution(conv1), config: c(16, v: 2, r: 2, k: 2, u: 4, f: true)),
        DataDrivenCase(label: "conv 3x3 p1 fanned", weights: filter(conv1, seed: 9), operand: .convolution(conv1), config: c(16, v: 2, r: 2, k: 2, p: false, f: true)),
        DataDrivenCase(label: "conv 7x7 s2 p3 fanned", weights: filter(conv4, seed: 12), operand: .convolution(conv4), config: c(8, r: 2, k: 4, u: 2, p: false, f: true)),
        DataDrivenCase(label: "conv 3x3 p1 similar rows", weights: filter(conv1, seed: 9), operand: .convolution(conv1), config: c(16, v: 2, r: 2, k: 2, o: true)),
    ]
}()

/// Every candidate of five problems, for the table below (N of 1 and 8 list fanned parts; weights rounded to
/// halves list them with half weights).
let dataDrivenCandidateCases: [DataDrivenCase] = {
    let a = TestMatrices.random(rows: 40, columns: 160, density: 0.1, seed: 6)
    let b = TestMatrices.random(rows: 24, columns: 96, density: 0.3, seed: 7)
    return [(a, 49), (b, 64), (a, 1), (b, 8), (roundedToHalves(a), 1)].flatMap { weights, n -> [DataDrivenCase] in
        let problem = try! SpMMProblem(weights: weights, n: n)
        return DataDrivenConfig.candidates(for: problem).map {
            DataDrivenCase(label: "\(weights.rows)x\(weights.columns) candidate", weights: weights, operand: .matrix(n: n), config: $0)
        }
    }
}()

@Suite("Data-driven SpMM kernels")
struct DataDrivenKernelTests {
    @Test("the IR matches the float64 reference", arguments: dataDrivenCases + dataDrivenCandidateCases + paddedDataDrivenCases)
    func matchesReference(_ c: DataDrivenCase) throws {
        let kernel = try c.compile()
        #expect(kernel.family == .dataDriven)
        let report = try CPUVerifier.verify(kernel, seed: 11)
        #expect(report.passed, "max rel \(report.maxRelativeError), unwritten \(report.unwritten)")
        #expect(report.maxRelativeError <= 1e-5)
    }

    @Test("ptxas assembles for sm_90 without spills", .enabled(if: TestMatrices.ptxas != nil, "ptxas not installed (scripts/install-ptxas.sh)"),
          arguments: dataDrivenCases + dataDrivenCandidateCases + paddedDataDrivenCases)
    func assembles(_ c: DataDrivenCase) throws {
        let report = try #require(TestMatrices.ptxas).assemble(c.compile().ptx())
        #expect(report.spillStoreBytes == 0 && report.spillLoadBytes == 0)
        #expect(report.stackFrameBytes == 0)
        #expect(report.registers > 0)
    }

    @Test("generation is deterministic")
    func deterministic() throws {
        let c = dataDrivenCases[3]
        let first = try c.compile()
        let second = try c.compile()
        #expect(first.ptx() == second.ptx())
        #expect(first.weightBuffers == second.weightBuffers)
        #expect(first.name.hasPrefix("sparsert_dd_spmm_m64_k256_n64_w8v4c2r3k3u4_"))
    }

    @Test("a changed weight word is caught: the verifier is not vacuous", arguments: [1, 3, 19])
    func detectsCorruption(_ index: Int) throws {
        let c = dataDrivenCases[index]
        let kernel = try c.compile()
        let layout = try DataDrivenLayout(problem: c.problem(), config: c.config ?? .heuristic(for: c.problem()))
        #expect(kernel.weightBuffers == layout.buffers)
        // The first part's first weight, and separately its B offset (one float further along B).
        let first = Int(layout.segments[0] / 4)
        var weight = layout.buffers
        weight[1][first] = (Float(bitPattern: weight[1][first]) + 0.5).bitPattern
        var offset = layout.buffers
        offset[1][layout.capacity + first] += 4
        for planted in [weight, offset] {
            let faulty = CompiledKernel(
                problem: kernel.problem, kernel: kernel.kernel, family: kernel.family,
                configDescription: kernel.configDescription, grid: kernel.grid, weightBuffers: planted)
            let report = try? CPUVerifier.verify(faulty, seed: 5)
            #expect(report?.passed != true)
        }
    }

    @Test("configs print and parse back", arguments: dataDrivenCases.compactMap(\.config))
    func roundTrip(_ config: DataDrivenConfig) {
        #expect(DataDrivenConfig(parsing: config.description) == config)
        #expect(TilingConfig(parsing: config.description) == nil)
    }

    @Test("short forms and malformed text")
    func parsing() {
        #expect(DataDrivenConfig(parsing: "dd:w16,r4") == DataDrivenConfig(subwarpWidth: 16, rowsPerBlock: 4))
        #expect(DataDrivenConfig(parsing: "dd: r4, u4, w16, p0")
                == DataDrivenConfig(subwarpWidth: 16, rowsPerBlock: 4, unroll: 4, prefetch: false))
        for text in ["w16,r4", "dd:w16", "dd:w16,r4,x2", "dd:w16,r4,r2", "dd:w0,r4", "dd:w16,r4,p2", "8,4,2"] {
            #expect(DataDrivenConfig(parsing: text) == nil, "\(text)")
        }
    }

    @Test("configs that do not fit are rejected")
    func infeasible() throws {
        let weights = TestMatrices.random(rows: 16, columns: 32, density: 0.2, seed: 8)
        let matrix = try SpMMProblem(weights: weights, n: 30)
        let conv = try SpMMProblem(
            weights: TestMatrices.random(rows: 4, columns: 18, density: 0.3, seed: 8),
            operand: .convolution(ConvolutionShape(inChannels: 2, height: 5, width: 5, outChannels: 4, kernelH: 3, kernelW: 3, pad: 1)))
        let bad: [(SpMMProblem, DataDrivenConfig)] = [
            (matrix, DataDrivenConfig(subwarpWidth: 8, vectorWidth: 4, rowsPerBlock: 2)),
            (matrix, DataDrivenConfig(subwarpWidth: 12, rowsPerBlock: 2)),
            (matrix, DataDrivenConfig(subwarpWidth: 32, rowsPerBlock: 33)),
            (matrix, DataDrivenConfig(subwarpWidth: 32, vectorWidth: 2, vectorsPerThread: 4, rowsPerBlock: 16, unroll: 4)),
            (matrix, DataDrivenConfig(subwarpWidth: 8, rowsPerBlock: 2, kSplit: 17)),
            (matrix, DataDrivenConfig(subwarpWidth: 8, rowsPerBlock: 2, unroll: 3)),
            (matrix, DataDrivenConfig(subwarpWidth: 8, rowsPerBlock: 2, unroll: 1)),
            (conv, DataDrivenConfig(subwarpWidth: 8, vectorWidth: 2, rowsPerBlock: 2)),
        ]
        // Heads loaded across the subwarp: none to load, a narrow subwarp, a head of 16.
        let shared = [(32, nil), (16, 32), (32, 16)].map { (t: Int, head: Int?) -> (SpMMProblem, DataDrivenConfig) in
            var config = DataDrivenConfig(subwarpWidth: t, rowsPerBlock: 1)
            config.headEntries = head
            config.sharedHead = true
            return (matrix, config)
        }
        // Cluster splits: a size not 1, 2, 4 or 8; a convolution; staged B.
        let clustered = [(matrix, 3, nil), (conv, 2, nil), (matrix, 2, 32)].map { (problem: SpMMProblem, q: Int, stage: Int?) -> (SpMMProblem, DataDrivenConfig) in
            var config = DataDrivenConfig(subwarpWidth: 8, rowsPerBlock: 2)
            config.clusterSplit = q
            config.stageRows = stage
            return (problem, config)
        }
        // Deferred head sums: no head, or a head loaded across the subwarp.
        let deferred = [(nil, false), (32, true)].map { (head: Int?, shared: Bool) -> (SpMMProblem, DataDrivenConfig) in
            var config = DataDrivenConfig(subwarpWidth: 32, rowsPerBlock: 1)
            config.headEntries = head
            config.sharedHead = shared
            config.deferredHead = true
            return (matrix, config)
        }
        // Head groups per trip: without a head across the subwarp, or a count not 1, 2, 4 or 8.
        let groupsPerTrip = [(16, false, 2), (32, true, 3)].map { (head: Int, shared: Bool, groups: Int) -> (SpMMProblem, DataDrivenConfig) in
            var config = DataDrivenConfig(subwarpWidth: 32, rowsPerBlock: 1)
            config.headEntries = head
            config.sharedHead = shared
            config.sharedHeadGroups = groups
            return (matrix, config)
        }
        // Similar rows: one row a block without parts by row length, or staged B.
        let similar = [(1, nil), (4, 32)].map { (r: Int, stage: Int?) -> (SpMMProblem, DataDrivenConfig) in
            var config = DataDrivenConfig(subwarpWidth: 8, rowsPerBlock: r)
            config.stageRows = stage
            config.similarRows = true
            return (matrix, config)
        }
        // Fanned parts: a K split above 32 (and above 16 without them), unroll 8 without them or 16; no K split, a head, parts by row length, interleaved parts; 16-bit
        // columns without fanned parts, on a convolution, and past K = 65536; half weights (n2) on weights that are not all halves.
        let wideK = try SpMMProblem(weights: TestMatrices.single(rows: 2, columns: 70_000, row: 1, column: 69_999), n: 1)
        let fanned = [
            (matrix, "dd:w8,r2,k1,p0,f1"), (matrix, "dd:w8,r2,k2,p0,h8,f1"),
            (matrix, "dd:w8,r2,k2,p0,b1,f1"), (matrix, "dd:w8,r2,k2,p0,i1,f1"),
            (matrix, "dd:w8,r2,k2,p0,n1"), (conv, "dd:w8,r2,k2,p0,f1,n1"), (wideK, "dd:w1,r2,k2,p0,f1,n1"),
            (matrix, "dd:w1,r2,k33,p0,f1"), (matrix, "dd:w1,r2,k32,u8,p0"), (matrix, "dd:w1,r2,k8,u16,p0,f1"),
            // Half weights where a weight is not a half, or without fanned parts.
            (matrix, "dd:w8,r2,k2,p0,f1,n2"), (try matrix.withWeightsRoundedToHalves(), "dd:w8,r2,k2,p0,n2"),
        ].map { ($0.0, DataDrivenConfig(parsing: $0.1)!) }
        for (problem, config) in bad + shared + clustered + deferred + groupsPerTrip + similar + fanned {
            #expect(throws: PlanError.self, "\(config)") { _ = try SparseKernelCompiler.compile(problem, dataDriven: config) }
        }
    }

    @Test("fanned parts keep one record per row; 16-bit columns take three quarters of the entries' words, half weights half")
    func fannedLayoutSize() throws {
        let problem = try SpMMProblem(weights: TestMatrices.random(rows: 40, columns: 300, density: 0.1, seed: 21), n: 1)
            .withWeightsRoundedToHalves()
        let split = try DataDrivenLayout(problem: problem, config: DataDrivenConfig(parsing: "dd:w1,r8,k16,u2,p0,i1")!)
        let fanned = try DataDrivenLayout(problem: problem, config: DataDrivenConfig(parsing: "dd:w1,r8,k16,u2,p0,f1")!)
        let narrow = try DataDrivenLayout(problem: problem, config: DataDrivenConfig(parsing: "dd:w1,r8,k16,u2,p0,f1,n1")!)
        #expect(split.segments.count == 40 * 16 * 4 && fanned.segments.count == 40 * 4 && narrow.segments == fanned.segments)
        #expect(fanned.entries.count == 2 * fanned.capacity && narrow.entries.count == fanned.capacity * 3 / 2)
        #expect(narrow.entries[..<narrow.capacity] == fanned.entries[..<fanned.capacity])
        let halves = try DataDrivenLayout(problem: problem, config: DataDrivenConfig(parsing: "dd:w1,r8,k16,u2,p0,f1,n2")!)
        #expect(halves.segments == fanned.segments && halves.entries.count == fanned.capacity)
        // Each word: the column above, the weight's half below; both as the 16-bit section and the f32 one hold them.
        for e in 0..<halves.capacity {
            let word = halves.entries[e]
            #expect(word >> 16 == HalfPrecision.half(e, of: Array(narrow.entries[narrow.capacity...])))
            #expect(HalfPrecision.float(fromHalfBits: UInt16(word & 0xFFFF)) == Float(bitPattern: fanned.entries[e]))
        }
    }

    @Test("weights rounded to halves: nearest half, flagged as halves; a weight past 65504 is refused")
    func roundedWeights() throws {
        let weights = try CSRMatrix(rows: 2, columns: 4, rowOffsets: [0, 2, 3], columnIndices: [0, 3, 2], values: [0.1, -3, 1e-9])
        let problem = try SpMMProblem(weights: weights, n: 4)
        #expect(!problem.weightsAreHalves)
        let rounded = try problem.withWeightsRoundedToHalves()
        #expect(rounded.weightsAreHalves && rounded.weights.values == [0.0999755859375, -3, 0])
        let large = try CSRMatrix(rows: 2, columns: 2, rowOffsets: [0, 1, 2], columnIndices: [1, 0], values: [1, 70000])
        #expect(throws: PlanError.invalidProblem("weight 70000.0 (row 1, column 0) is past the half range (65504)")) {
            _ = try SpMMProblem(weights: large, n: 1).withWeightsRoundedToHalves()
        }
    }

    @Test("column slices hold about equal nonzeros and cover K", arguments: [1, 2, 4, 8])
    func sliceBounds(_ slices: Int) throws {
        let weights = TestMatrices.random(rows: 48, columns: 200, density: 0.1, seed: 17)
        var config = DataDrivenConfig(subwarpWidth: 8, rowsPerBlock: 4, kSplit: 2)
        config.clusterSplit = slices
        let layout = try DataDrivenLayout(problem: SpMMProblem(weights: weights, n: 8), config: config)
        let bounds = layout.sliceBounds
        #expect(bounds.count == slices + 1 && bounds.first == 0 && bounds.last == 200)
        #expect(zip(bounds, bounds.dropFirst()).allSatisfy { $0 <= $1 })
        let perSlice = (0..<slices).map { q in weights.columnIndices.filter { (bounds[q]..<bounds[q + 1]).contains(Int($0)) }.count }
        let share = Double(weights.nonzeroCount) / Double(slices)
        // Each slice is within one column's nonzeros of its share (no column holds more than 48).
        #expect(perSlice.allSatisfy { abs(Double($0) - share) <= 48 }, "\(perSlice)")
        #expect(layout.recordsPerSlice * slices * layout.recordWords == layout.segments.count)
    }

    @Test("heuristic and candidates fit the Table 1 shapes", arguments: [(512, 2048, 49), (2048, 512, 49), (2048, 512, 256), (512, 2048, 256)])
    func tableShapes(_ shape: (Int, Int, Int)) throws {
        let weights = TestMatrices.random(rows: shape.0, columns: shape.1, density: 0.1, seed: 13)
        let problem = try SpMMProblem(weights: weights, n: shape.2)
        let candidates = DataDrivenConfig.candidates(for: problem)
        #expect(candidates.first == DataDrivenConfig.heuristic(for: problem))
        #expect((4...DataDrivenConfig.maximumCandidates).contains(candidates.count))
        #expect(Set(candidates).count == candidates.count)
        // Without tuning: parts by row length with a head of 8, one of the tuner's candidates.
        let untuned = DataDrivenConfig.untuned(for: problem)
        #expect(untuned.adaptiveSplit && untuned.headEntries == 8 && untuned.kSplit == 8)
        #expect(candidates.contains(untuned))
    }

    @Test("a staged layout deals sorted rows to its blocks in warp-sized units", arguments: [(8, 16, 1), (8, 12, 2), (32, 5, 1), (4, 24, 3)])
    func dealtRows(subwarp: Int, rowsPerBlock: Int, split: Int) throws {
        let weights = TestMatrices.random(rows: 150, columns: 96, density: 0.2, seed: 21)
        var config = DataDrivenConfig(subwarpWidth: subwarp, vectorWidth: 4, rowsPerBlock: rowsPerBlock, kSplit: split)
        config.stageRows = 96
        let layout = try DataDrivenLayout(problem: SpMMProblem(weights: weights, n: 64), config: config)
        let rows = layout.rowOrder.filter { $0 >= 0 }
        #expect(Set(rows) == Set(0..<150) && rows.count == 150)
        #expect(layout.rowOrder.count == layout.slots)
        // Each warp's rows are neighbours in sorted order; block totals differ by at most one warp's rows.
        let perWarp = max(1, 32 / (subwarp * split))
        let unit = rowsPerBlock % perWarp == 0 ? perWarp : 1
        let totals = stride(from: 0, to: layout.slots, by: rowsPerBlock).map { first in
            layout.rowOrder[first..<(first + rowsPerBlock)].reduce(0) { $0 + ($1 >= 0 ? weights.nonzeroCount(ofRow: $1) : 0) }
        }
        let longest = (0..<150).map { weights.nonzeroCount(ofRow: $0) }.max() ?? 0
        #expect(totals.max()! - totals.min()! <= unit * longest)
        #expect(totals == totals.sorted(by: >))
    }

    @Test("parts by row length: one leader per row, its parts side by side in one block", arguments: [(1, 4, 2), (2, 3, 4), (1, 8, 2)])
    func adaptiveParts(rowsPerBlock: Int, split: Int, unroll: Int) throws {
        let weights = TestMatrices.random(rows: 90, columns: 400, density: 0.08, seed: 23)
        var config = DataDrivenConfig(subwarpWidth: 32, rowsPerBlock: rowsPerBlock, kSplit: split, unroll: unroll)
        config.adaptiveSplit = true
        let layout = try DataDrivenLayout(problem: SpMMProblem(weights: weights, n: 40), config: config)
        let perBlock = rowsPerBlock * split
        let records = layout.segments.count / layout.recordWords
        #expect(records % perBlock == 0 && layout.slots * split == records)
        var leaders: [Int] = []
        var record = 0
        while record < records {
            let word = layout.segments[record * layout.recordWords + 3]
            if word == UInt32.max { record += 1; continue }
            let row = Int(word & 0xFF_FFFF), parts = Int(word >> 24) + 1
            leaders.append(row)
            #expect(parts == min(split, max(1, (weights.nonzeroCount(ofRow: row) + 8 * unroll - 1) / (8 * unroll))))
            #expect(record / perBlock == (record + parts - 1) / perBlock, "row \(row)'s parts straddle blocks")
            for q in 1..<parts { #expect(layout.segments[(record + q) * layout.recordWords + 3] == UInt32.max) }
            record += parts
        }
        #expect(leaders.sorted() == Array(0..<90))
    }

    @Test("the layout swizzles rows by decreasing length and aligns every part")
    func layout() throws {
        let problem = try SpMMProblem(weights: emptyRowsMatrix, n: 8)
        let config = DataDrivenConfig(subwarpWidth: 8, rowsPerBlock: 4, kSplit: 3)
        let layout = try DataDrivenLayout(problem: problem, config: config)
        let rows = layout.rowOrder.filter { $0 >= 0 }
        #expect(Array(layout.rowOrder.suffix(1)) == [-1])
        let lengths = rows.map { emptyRowsMatrix.nonzeroCount(ofRow: $0) }
        #expect(lengths == lengths.sorted(by: >))
        #expect(Set(rows) == Set(0..<emptyRowsMatrix.rows) && rows.count == emptyRowsMatrix.rows)
        #expect(layout.slots == 36)
        #expect(layout.segments.count == 36 * 3 * layout.recordWords)
        var total = 0
        for record in stride(from: 0, to: layout.segments.count, by: layout.recordWords) {
            #expect(layout.segments[record] % 16 == 0)
            total += Int(layout.segments[record + 1] - layout.segments[record]) / 4
        }
        #expect(total == emptyRowsMatrix.nonzeroCount)
        #expect(layout.segments[layout.segments.count - 1] == UInt32.max)
    }

    @Test("similar rows keep every row once, lengths close within a window, and give blocks fewer distinct columns")
    func similarRowsLayout() throws {
        // Table 1 problem 1's pattern (64 x 256 at 0.9), in blocks of 4 rows.
        let weights = try TestMatrices.bundledResNetLayer()
        let problem = try SpMMProblem(weights: weights, n: 64)
        var config = DataDrivenConfig(subwarpWidth: 32, vectorWidth: 2, rowsPerBlock: 4, kSplit: 2)
        let sorted = try DataDrivenLayout(problem: problem, config: config).rowOrder
        config.similarRows = true
        let similar = try DataDrivenLayout(problem: problem, config: config).rowOrder
        #expect(similar.sorted() == sorted.sorted())
        // Each window of 32 blocks holds the same rows as in length order.
        for start in stride(from: 0, to: sorted.count, by: 128) {
            let end = min(start + 128, sorted.count)
            #expect(Set(similar[start..<end]) == Set(sorted[start..<end]))
        }
        func distinctColumns(_ order: [Int]) -> Int {
            stride(from: 0, to: order.count, by: 4).reduce(0) { total, start in
                total + Set(order[start..<min(start + 4, order.count)].filter { $0 >= 0 }.flatMap { row in
                    weights.range(ofRow: row).map { weights.columnIndices[$0] }
                }).count
            }
        }
        #expect(Double(distinctColumns(similar)) < 0.95 * Double(distinctColumns(sorted)))
    }

    @Test("the cost model prefers unrolled code for small layers and data-driven for large ones")
    func costModel() throws {
        let small = try SpMMProblem(weights: TestMatrices.random(rows: 64, columns: 256, density: 0.1, seed: 14), n: 256)
        let large = try SpMMProblem(weights: TestMatrices.random(rows: 512, columns: 2048, density: 0.1, seed: 15), n: 49)
        #expect(KernelCostModel.preferredFamily(for: small) == .unrolled)
        #expect(KernelCostModel.preferredFamily(for: large) == .dataDriven)
        let unrolled = KernelCostModel.unrolled(large)
        #expect(unrolled.ptxBytes > 4_000_000 && (20...60).contains(unrolled.assembleSeconds))
        let dataDriven = KernelCostModel.dataDriven(large)
        #expect(dataDriven.ptxBytes < 64 * 1024 && dataDriven.runtimeMicroseconds > 1)
    }
}
