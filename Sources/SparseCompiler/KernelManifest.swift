import KernelIR
import SparseReference

/// Everything a third party needs to launch a generated kernel from its PTX, written beside it as JSON.
public struct KernelManifest: Codable, Sendable {
    public struct Parameter: Codable, Sendable {
        public var name: String
        /// PTX type: `u64` for device pointers.
        public var type: String
        /// What the pointer must point to, with its layout.
        public var layout: String
    }
    public struct Problem: Codable, Sendable {
        /// `spmm` or `conv`.
        public var kind: String
        public var m: Int
        public var k: Int
        public var n: Int
        /// Row strides of B and C in elements (leading dimensions; N when rows are contiguous). Matrix
        /// products only.
        public var bRowStride: Int?
        public var cRowStride: Int?
        public var nonzeros: Int
        public var convolution: ConvolutionShape?
        /// What the kernel applies to each output after the product, its steps in order, comma-separated:
        /// `bias`, `relu`, `cap X` (min(x, X)), e.g. `bias, relu, cap 6` (the bias is baked into the kernel or
        /// its weight buffers); nil for none.
        public var epilogue: String?
        /// Element type of B and C: `fp32` or `fp16` (products accumulate in fp32 either way). Absent in
        /// manifests written before half-precision kernels: fp32.
        public var precision: Precision?
    }
    public var kernelName: String
    public var ptxFile: String
    public var ptxTarget: PTXTarget
    public var family: String
    /// Grid dimensions (x, y, z).
    public var grid: [Int]
    /// Block dimensions (x, y, z).
    public var block: [Int]
    /// Dynamic shared memory to pass at launch, bytes (raise the function's limit first if over 48 KB).
    public var dynamicSharedMemoryBytes: Int
    /// Blocks per thread-block cluster along x, when the kernel uses clusters (nil otherwise). The PTX
    /// declares it (`.reqnctapercluster`), so a plain launch of `grid` forms the clusters.
    public var clusterBlocks: Int?
    public var parameters: [Parameter]
    public var problem: Problem
    public var config: String
    public var weightsHash: String
    public var weightsSource: String?
    public var generatorVersion: String
    /// File holding the weight buffers (little-endian 32-bit words, buffers back to back, sizes as in
    /// `weightBufferWords`), when the kernel reads any.
    public var weightBufferFile: String?
    /// Words of each weight buffer, in parameter order.
    public var weightBufferWords: [Int]

    public init(kernel: CompiledKernel, ptxFile: String, target: PTXTarget, weightsSource: String?) {
        let problem = kernel.problem
        kernelName = kernel.name
        self.ptxFile = ptxFile
        ptxTarget = target
        family = kernel.family.rawValue
        grid = [kernel.grid.x, kernel.grid.y, kernel.grid.z]
        block = [kernel.threadsPerBlock, 1, 1]
        dynamicSharedMemoryBytes = kernel.sharedMemoryBytes
        clusterBlocks = kernel.kernel.clusterSize > 1 ? kernel.kernel.clusterSize : nil
        let convolution: ConvolutionShape?
        let element = problem.precision == .fp16 ? "float16" : "float32"
        let bLayout: String
        let cLayout: String
        switch problem.operand {
        case .matrix(let n):
            convolution = nil
            if problem.hasPaddedRows {
                bLayout = "\(element) B[K=\(problem.k)][N=\(n)], row-major, rows \(problem.bRowStride) elements apart (ldb), 16-byte aligned; the kernel may read the padding"
                cLayout = "\(element) C[M=\(problem.m)][N=\(n)], row-major, rows \(problem.cRowStride) elements apart (ldc), 16-byte aligned; columns below N overwritten, the padding untouched"
            } else {
                bLayout = "\(element) B[K=\(problem.k)][N=\(n)], row-major, 16-byte aligned"
                cLayout = "\(element) C[M=\(problem.m)][N=\(n)], row-major, 16-byte aligned; fully overwritten"
            }
        case .convolution(let g):
            convolution = g
            bLayout = "\(element) input[batch=\(g.batch)][C=\(g.inChannels)][H=\(g.height)][W=\(g.width)] (NCHW)"
            cLayout = "\(element) output[batch=\(g.batch)][C=\(problem.m)][H=\(g.outputHeight)][W=\(g.outputWidth)] (NCHW); fully overwritten"
        }
        parameters = [
            Parameter(name: "param_b", type: "u64", layout: bLayout),
            Parameter(name: "param_c", type: "u64", layout: cLayout),
        ]
        let weightParameters = kernel.weightBuffers.enumerated().map { i, words in
            Parameter(name: kernel.kernel.parameters[i].name, type: "u64",
                      layout: "weight buffer \(i): \(words.count) 32-bit words from weightBufferFile")
        }
        parameters = weightParameters + parameters
        self.problem = Problem(
            kind: convolution == nil ? "spmm" : "conv", m: problem.m, k: problem.k, n: problem.n,
            bRowStride: problem.isMatrix ? problem.bRowStride : nil, cRowStride: problem.isMatrix ? problem.cRowStride : nil,
            nonzeros: problem.weights.nonzeroCount, convolution: convolution,
            epilogue: problem.epilogue.isNone ? nil : problem.epilogue.description, precision: problem.precision)
        config = kernel.configDescription
        weightsHash = WeightsHash.hex(problem.weights)
        self.weightsSource = weightsSource
        self.generatorVersion = SparseCompiler.generatorVersion
        weightBufferFile = nil
        weightBufferWords = kernel.weightBuffers.map(\.count)
    }
}
