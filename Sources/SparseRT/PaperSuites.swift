import Foundation
import SparseCompiler
import SparseFormats
import SparseReference

/// A benchmark problem: one row of the paper's Table 1 or Table 3, with all its instances.
public struct BenchmarkProblem: Sendable {
    /// The paper's problem number.
    public let number: Int
    public let m: Int
    public let k: Int
    public let n: Int
    /// Nominal sparsity (0.9 or 0.95).
    public let sparsity: Double
    /// Where the weights come from, e.g. "DLMC rn50 magnitude pruning (values drawn, seed 2020)".
    public let source: String
    /// Every instance: same shape, different weights.
    public let instances: [SuiteItem]
}

extension BenchmarkProblem {
    /// One layer of the user's own as a problem of one instance, numbered 1 (`sparsert compare`); its
    /// sparsity is the matrix's own.
    public init(layer: SpMMProblem, name: String, source: String) {
        self.init(
            number: 1, m: layer.m, k: layer.k, n: layer.n, sparsity: (layer.weights.sparsity * 10_000).rounded() / 10_000,
            source: source, instances: [SuiteItem(name: name, nonzeros: layer.weights.nonzeroCount) { layer }])
    }

    /// The same problem with every instance's B and C rows padded to multiples of `bytes`
    /// (``SpMMProblem/withRowsAligned(toBytes:)``; convolutions unchanged).
    public func withRowsAligned(toBytes bytes: Int) -> BenchmarkProblem {
        withInstances { $0.withRowsAligned(toBytes: bytes) }
    }

    /// The same problem with every instance's B and C held as `precision` elements.
    public func withPrecision(_ precision: Precision) -> BenchmarkProblem {
        withInstances { $0.withPrecision(precision) }
    }

    /// The same problem with every instance's weights rounded to halves.
    public func withWeightsRoundedToHalves() -> BenchmarkProblem {
        withInstances { $0.withWeightsRoundedToHalves() }
    }

    /// The same problem with `transform` applied to every instance.
    public func withInstances(_ transform: (SuiteItem) -> SuiteItem) -> BenchmarkProblem {
        BenchmarkProblem(
            number: number, m: m, k: k, n: n, sparsity: sparsity, source: source, instances: instances.map(transform))
    }
}

/// The paper's benchmark suites, built from the data folder (the shared/data layout).
public enum PaperSuites {
    /// Table 1 (SpMM): problems 1-11 at 0.9 and 0.95 from DLMC magnitude pruning, 12-19 from the real
    /// MobileNetV1 weights, 20 a synthetic 90% uniform-random 1024 x 1024 matrix (the MobileNet layer the
    /// data set lacks), `batch` images folded into N.
    public static func spmm(dataRoot: URL, batch: Int = 1) throws -> [BenchmarkProblem] {
        let shapes: [(Int, Int, Int, Int, String)] = [
            (1, 64, 256, 3136, "rn50"), (2, 256, 64, 3136, "rn50"), (3, 128, 512, 784, "rn50"),
            (4, 512, 128, 784, "rn50"), (5, 256, 1024, 196, "rn50"), (6, 1024, 256, 196, "rn50"),
            (7, 512, 2048, 49, "rn50"), (8, 2048, 512, 49, "rn50"), (9, 2048, 512, 256, "transformer"),
            (10, 512, 2048, 256, "transformer"), (11, 512, 512, 256, "transformer"),
        ]
        let dlmc = dataRoot.appendingPathComponent("dlmc")
        let batchSizes = try VerificationSuite.rn50BatchSizes(dataRoot.appendingPathComponent(VerificationSuite.rn50BatchSizesPath))
        var problems: [BenchmarkProblem] = []
        for sparsity in ["0.9", "0.95"] {
            // Index the folder's matrices by shape once.
            var byShape: [String: [(name: String, url: URL, nnz: Int)]] = [:]
            for model in ["rn50", "transformer"] {
                let folder = dlmc.appendingPathComponent("\(model)/magnitude_pruning/\(sparsity)")
                for file in ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
                where file.hasSuffix(".smtx") {
                    let url = folder.appendingPathComponent(file)
                    let header = try smtxHeader(url)
                    let layer = String(file.dropLast(5))
                    let n = model == "rn50" ? batchSizes[layer] ?? -1 : 256
                    byShape["\(model) \(header.rows) \(header.columns) \(n)", default: []].append((layer, url, header.nnz))
                }
            }
            for (number, m, k, n, model) in shapes {
                let matches = byShape["\(model) \(m) \(k) \(n)"] ?? []
                guard !matches.isEmpty else { continue }
                let items = matches.map { match in
                    SuiteItem(name: "\(model)/\(sparsity)/\(match.name)", nonzeros: match.nnz) {
                        try SpMMProblem(weights: SMTX.read(path: match.url.path, seed: VerificationSuite.valueSeed), n: n * batch)
                    }
                }
                problems.append(BenchmarkProblem(
                    number: number, m: m, k: k, n: n * batch, sparsity: Double(sparsity)!,
                    source: "DLMC \(model) magnitude pruning \(sparsity) (pattern; values N(0,1), seed \(VerificationSuite.valueSeed))",
                    instances: items))
            }
        }
        // MobileNet: one problem per distinct shape, numbered 12-19 in network order as in Table 1
        // (the five 512 x 512 layers are problem 18's instances).
        var mobileNetShapes: [(m: Int, k: Int, n: Int, items: [SuiteItem])] = []
        for item in try VerificationSuite.mobileNet(dataRoot: dataRoot) {
            let problem = try item.load()
            let scaled = SuiteItem(name: item.name, nonzeros: problem.weights.nonzeroCount) {
                try SpMMProblem(weights: problem.weights, n: problem.n * batch)
            }
            if let i = mobileNetShapes.firstIndex(where: { $0.m == problem.m && $0.k == problem.k && $0.n == problem.n }) {
                mobileNetShapes[i].items.append(scaled)
            } else {
                mobileNetShapes.append((problem.m, problem.k, problem.n, [scaled]))
            }
        }
        for (offset, shape) in mobileNetShapes.enumerated() {
            problems.append(BenchmarkProblem(
                number: 12 + offset, m: shape.m, k: shape.k, n: shape.n * batch, sparsity: 0.9,
                source: "MobileNetV1 pruned weights (SparseRT authors)", instances: shape.items))
        }
        let synthetic = SuiteItem(name: "synthetic/uniform_0.9_1024x1024", nonzeros: 104_858) {
            var random = SeededNormal(seed: 20)
            var dense = [Float](repeating: 0, count: 1024 * 1024)
            for i in dense.indices { dense[i] = random.nextNormalFloat() }
            return try SpMMProblem(
                weights: Pruning.random(dense: dense, rows: 1024, columns: 1024, sparsity: 0.9, seed: 20), n: 49 * batch)
        }
        problems.append(BenchmarkProblem(
            number: 20, m: 1024, k: 1024, n: 49 * batch, sparsity: 0.9,
            source: "synthetic: 90% uniform random pattern, N(0,1) values, seed 20", instances: [synthetic]))
        return problems
    }

    /// Table 3 (3x3 convolutions of ResNet-50, padding 1): block groups 1-3 from the real pruned filters,
    /// group 4 from the DLMC pattern `bottleneck_2_block_group4_1_1`, at 0.9 and 0.95.
    public static func convolution(dataRoot: URL, batch: Int = 1) throws -> [BenchmarkProblem] {
        var problems: [BenchmarkProblem] = []
        let table: [(Int, Int, Int)] = [(1, 56, 64), (2, 28, 128), (3, 14, 256), (4, 7, 512)]
        for (sparsity, folder) in [(0.9, "90"), (0.95, "95")] {
            for (number, size, channels) in table {
                let shape = ConvolutionShape(
                    batch: batch, inChannels: channels, height: size, width: size, outChannels: channels,
                    kernelH: 3, kernelW: 3, stride: 1, pad: 1)
                let item: SuiteItem
                let source: String
                if number < 4 {
                    let url = dataRoot.appendingPathComponent("sparsert-weights/rn50_3x3/\(folder)/filter_bg\(number).npy")
                    item = SuiteItem(name: "rn50_3x3/\(folder)/filter_bg\(number)", nonzeros: channels * channels * 9 / 10) {
                        try SpMMProblem(weights: WeightFile.load(path: url.path).matrix, operand: .convolution(shape))
                    }
                    source = "ResNet-50 pruned 3x3 filters (SparseRT authors)"
                } else {
                    let sparsityText = sparsity == 0.9 ? "0.9" : "0.95"
                    let url = dataRoot.appendingPathComponent("dlmc/rn50/magnitude_pruning/\(sparsityText)/bottleneck_2_block_group4_1_1.smtx")
                    item = SuiteItem(name: "rn50/\(sparsityText)/bottleneck_2_block_group4_1_1", nonzeros: channels * channels * 9 / 10) {
                        try SpMMProblem(weights: SMTX.read(path: url.path, seed: VerificationSuite.valueSeed), operand: .convolution(shape))
                    }
                    source = "DLMC rn50 pattern (values N(0,1), seed \(VerificationSuite.valueSeed)); column order taken as ic*9+kh*3+kw"
                }
                problems.append(BenchmarkProblem(
                    number: number, m: channels, k: channels * 9, n: batch * size * size, sparsity: sparsity,
                    source: source, instances: [item]))
            }
        }
        return problems
    }

    /// rows, columns and nnz from an `.smtx` header.
    static func smtxHeader(_ url: URL) throws -> (rows: Int, columns: Int, nnz: Int) {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        let head = String(decoding: try handle.read(upToCount: 128) ?? Data(), as: UTF8.self)
        let fields = (head.split(separator: "\n").first ?? "").split(separator: ",").map {
            Int($0.trimmingCharacters(in: .whitespaces)) ?? 0
        }
        guard fields.count == 3 else { return (0, 0, 0) }
        return (fields[0], fields[1], fields[2])
    }
}
