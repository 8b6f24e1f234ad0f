import Foundation
import SparseCompiler
import SparseFormats

/// One problem of a verification or benchmark suite, loaded on demand, with the kernels to check on it.
public struct SuiteItem: Sendable {
    /// A short unique name (the file's path under the data folder, or the synthetic case).
    public let name: String
    /// Loads the problem (reads the weight file).
    public let load: @Sendable () throws -> SpMMProblem
    /// Nonzeros, known without loading (from the file header) for ordering and bounds.
    public let nonzeros: Int

    public init(name: String, nonzeros: Int, load: @escaping @Sendable () throws -> SpMMProblem) {
        self.name = name
        self.nonzeros = nonzeros
        self.load = load
    }

    /// The same item with B's and C's rows padded to multiples of `bytes` when loaded
    /// (``SpMMProblem/withRowsAligned(toBytes:)``).
    public func withRowsAligned(toBytes bytes: Int) -> SuiteItem {
        transformed { try $0.withRowsAligned(toBytes: bytes) }
    }

    /// The same item with B and C held as `precision` elements when loaded (``SpMMProblem/withPrecision(_:)``).
    public func withPrecision(_ precision: Precision) -> SuiteItem {
        transformed { $0.withPrecision(precision) }
    }

    /// The same item with A's values rounded to halves when loaded (``SpMMProblem/withWeightsRoundedToHalves()``).
    public func withWeightsRoundedToHalves() -> SuiteItem {
        transformed { try $0.withWeightsRoundedToHalves() }
    }

    /// The same item with `transform` applied to the problem as it loads.
    func transformed(_ transform: @escaping @Sendable (SpMMProblem) throws -> SpMMProblem) -> SuiteItem {
        SuiteItem(name: name, nonzeros: nonzeros) { [load] in try transform(load()) }
    }
}

/// The suites `sparsert verify` runs.
public enum VerificationSuite {
    /// Seed of the values drawn for pattern-only (DLMC) matrices; reported with every result.
    public static let valueSeed: UInt64 = 2020

    /// The default suite: every DLMC ResNet-50 and Transformer matrix from magnitude pruning at 0.9 and 0.95
    /// (N from `rn50_batchsizes.txt`, 256 for the Transformer), the MobileNet weights at their N, and the
    /// odd synthetic cases. `dataRoot` is the `shared/data` folder (or a copy of its layout); what it lacks is
    /// left out (the ResNet-50 layers without `dlmc/rn50_batchsizes.txt`, MobileNet's without its `sizes`).
    public static func standard(dataRoot: URL) throws -> [SuiteItem] {
        var items: [SuiteItem] = []
        let dlmc = dataRoot.appendingPathComponent("dlmc")
        // Without the batch-size list (a folder holding only a few layers) no ResNet-50 layer has its N.
        let sizesFile = dataRoot.appendingPathComponent(rn50BatchSizesPath)
        let batchSizes = FileManager.default.fileExists(atPath: sizesFile.path) ? try rn50BatchSizes(sizesFile) : [:]
        for model in ["rn50", "transformer"] {
            for sparsity in ["0.9", "0.95"] {
                let folder = dlmc.appendingPathComponent("\(model)/magnitude_pruning/\(sparsity)")
                let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
                for file in files.sorted() where file.hasSuffix(".smtx") {
                    let layer = String(file.dropLast(5))
                    let n: Int
                    if model == "rn50" {
                        guard let size = batchSizes[layer] else { continue }
                        n = size
                    } else {
                        n = 256
                    }
                    let url = folder.appendingPathComponent(file)
                    items.append(SuiteItem(name: "\(model)/\(sparsity)/\(layer)", nonzeros: try PaperSuites.smtxHeader(url).nnz) {
                        try SpMMProblem(weights: SMTX.read(path: url.path, seed: valueSeed), n: n)
                    })
                }
            }
        }
        items += try mobileNet(dataRoot: dataRoot)
        items += synthetic()
        items += fusedEpilogues(dataRoot: dataRoot)
        return items
    }

    /// Layers with a fused epilogue: MobileNet's 6th 1x1 layer with its own bias and ReLU6, and an odd
    /// synthetic shape with a drawn bias and a cap alone (outputs clipped from above, negatives kept).
    public static func fusedEpilogues(dataRoot: URL) -> [SuiteItem] {
        var items: [SuiteItem] = []
        let folder = dataRoot.appendingPathComponent("sparsert-weights/mobilenet")
        let weights = folder.appendingPathComponent("contraction_1x1_5.npy"), bias = folder.appendingPathComponent("contraction_1x1_5_bias.npy")
        if FileManager.default.fileExists(atPath: weights.path), FileManager.default.fileExists(atPath: bias.path) {
            items.append(SuiteItem(name: "mobilenet/contraction_1x1_5.npy + bias, relu, cap 6", nonzeros: 512 * 256 / 10) {
                try SpMMProblem(weights: WeightFile.load(path: weights.path).matrix, n: 196)
                    .withEpilogue(Epilogue(bias: NPY.readDense(path: bias.path).values, relu: true, cap: 6))
            })
        }
        items.append(SuiteItem(name: "synthetic/random_58x101_n7 + bias, cap 0.5", nonzeros: 58 * 101 / 10) {
            let weights = try Pruning.random(dense: (0..<58 * 101).map { Float($0 % 17) - 8 }, rows: 58, columns: 101, sparsity: 0.9, seed: 7)
            var random = SeededNormal(seed: 8)
            return try SpMMProblem(weights: weights, n: 7)
                .withEpilogue(Epilogue(bias: (0..<58).map { _ in random.nextNormalFloat() }, cap: 0.5))
        })
        return items
    }

    /// Where the data folder lists ResNet-50's layers with their N.
    static let rn50BatchSizesPath = "dlmc/rn50_batchsizes.txt"
    /// Where the data folder lists MobileNet's 1x1 layers with their M, K and N.
    static let mobileNetSizesPath = "sparsert-weights/mobilenet/sizes"

    /// The lists `dataRoot` lacks, each with the layers ``standard(dataRoot:)`` then leaves out.
    public static func missingLists(dataRoot: URL) -> [(path: URL, layers: String)] {
        [(rn50BatchSizesPath, "ResNet-50"), (mobileNetSizesPath, "MobileNet")]
            .map { (dataRoot.appendingPathComponent($0.0), $0.1) }
            .filter { !FileManager.default.fileExists(atPath: $0.path.path) }
    }

    /// MobileNetV1's 1x1 convolutions (real pruned weights) at the N of `mobilenet/sizes` (none without that file).
    public static func mobileNet(dataRoot: URL) throws -> [SuiteItem] {
        let folder = dataRoot.appendingPathComponent("sparsert-weights/mobilenet")
        let sizesFile = dataRoot.appendingPathComponent(mobileNetSizesPath)
        guard FileManager.default.fileExists(atPath: sizesFile.path) else { return [] }
        let sizes = try String(contentsOf: sizesFile, encoding: .utf8)
        var items: [SuiteItem] = []
        for line in sizes.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count == 4, let n = Int(fields[2]), let m = Int(fields[0]), let k = Int(fields[1]) else { continue }
            let url = folder.appendingPathComponent(String(fields[3]))
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            items.append(SuiteItem(name: "mobilenet/\(fields[3])", nonzeros: m * k / 10) {
                try SpMMProblem(weights: WeightFile.load(path: url.path).matrix, n: n)
            })
        }
        return items
    }

    /// Odd cases: N = 1, 7, 33, 49; M and K not multiples of 32; an all-zero matrix; a single nonzero;
    /// empty rows and columns.
    public static func synthetic() -> [SuiteItem] {
        @Sendable func random(_ m: Int, _ k: Int, _ density: Double, _ seed: UInt64) -> CSRMatrix {
            var rng = SeededNormal(seed: seed)
            var offsets: [Int32] = [0], indices: [Int32] = [], values: [Float] = []
            for r in 0..<m {
                for c in 0..<k where r % 5 != 3 && c % 7 != 2 && rng.nextUniform() < density {
                    indices.append(Int32(c))
                    values.append(rng.nextNormalFloat())
                }
                offsets.append(Int32(indices.count))
            }
            return try! CSRMatrix(rows: m, columns: k, rowOffsets: offsets, columnIndices: indices, values: values)
        }
        var items: [SuiteItem] = []
        for (i, n) in [1, 7, 33, 49].enumerated() {
            let m = 45 + 13 * i, k = 70 + 31 * i
            items.append(SuiteItem(name: "synthetic/random_\(m)x\(k)_n\(n)", nonzeros: m * k / 10) {
                try SpMMProblem(weights: random(m, k, 0.1, UInt64(100 + i)), n: n)
            })
        }
        items.append(SuiteItem(name: "synthetic/all_zero_40x50_n33", nonzeros: 0) {
            try SpMMProblem(weights: CSRMatrix(rows: 40, columns: 50, rowOffsets: [Int32](repeating: 0, count: 41), columnIndices: [], values: []), n: 33)
        })
        items.append(SuiteItem(name: "synthetic/single_nonzero_33x65_n49", nonzeros: 1) {
            var offsets = [Int32](repeating: 0, count: 34)
            for r in 18...33 { offsets[r] = 1 }
            return try SpMMProblem(weights: CSRMatrix(rows: 33, columns: 65, rowOffsets: offsets, columnIndices: [64], values: [-0.75]), n: 49)
        })
        return items
    }

    /// The kernels the suite checks on `problem`: for the unrolled family (when its code stays under
    /// `unrolledNonzeroLimit` nonzeros and the PTX budget, among configs whose estimated ptxas time is at
    /// most `maxAssembleSeconds`) the first candidate, `extra` more candidates, the uniform-rows ablation,
    /// its rows that share columns gathered (`sim`), B staged with `cp.async`, its tiles on whole lines (`al`, where
    /// that moves them), its largest register-capped twin and the candidate with the smallest blocks;
    /// for the data-driven family, which applies to every problem, its heuristic config, `extra` more
    /// candidates, the heuristic with a head, a candidate with parts by row length, one with a head loaded
    /// across the subwarp and one with rows dealt evenly to blocks, and the opt-in variants (deferred head
    /// sums, a cluster split, head groups per trip, rows that share columns gathered), and on small N fanned
    /// parts, with and without 16-bit columns, over staged B and with prefetch.
    public static func specs(for problem: SpMMProblem, extra: Int = 1, unrolledNonzeroLimit: Int = 30_000,
                             maxAssembleSeconds: Double = 4, limits: DeviceLimits = .hopper) -> [KernelSpec] {
        var specs: [KernelSpec] = []
        if problem.weights.nonzeroCount <= unrolledNonzeroLimit, KernelSpec.unrolledFits(problem) {
            // Candidates whose ptxas time stays within a few seconds, so the suite runs in minutes.
            let candidates = TilingConfig.candidates(for: problem, limits: limits, limit: .max).filter {
                KernelCostModel.unrolled(problem, vectorWidth: $0.vectorWidth).assembleSeconds <= maxAssembleSeconds
            }
            for config in candidates.prefix(1 + extra) { specs.append(.unrolled(config)) }
            if let first = candidates.first {
                var uniform = first, similar = first, staged = first, aligned = first
                uniform.balance = .uniformRows
                similar.balance = .similarColumns
                staged.staging = .asyncCopy
                aligned.alignedTiles = true
                // Tiles on whole lines only where that moves them.
                let bytes = problem.elementBytes
                let alignedTwin = aligned.tileColumns(n: problem.n, elementBytes: bytes)
                    != first.tileColumns(n: problem.n, elementBytes: bytes) ? [aligned] : []
                // The largest register cap the tuner's second pass would try.
                let capped = KernelSpec.registerCapTwins(of: first, problem: problem, limits: limits).suffix(1)
                for config in [uniform, similar, staged] + alignedTwin + capped
                where (try? SpMMPlan(problem: problem, config: config, limits: limits)) != nil {
                    specs.append(.unrolled(config))
                }
            }
            // The smallest blocks listed (the wide grid's, down to 2 rows, with the most groups among those).
            if let smallest = candidates.max(by: { ($0.mBlocks, $0.groups) < ($1.mBlocks, $1.groups) }),
               !specs.contains(.unrolled(smallest)) {
                specs.append(.unrolled(smallest))
            }
        }
        specs += DataDrivenConfig.candidates(for: problem, limits: limits).prefix(1 + extra).map(KernelSpec.dataDriven)
        // The heuristic with a head of 8: parts longer and shorter than the head, and the sentinel path.
        var headed = DataDrivenConfig.heuristic(for: problem)
        headed.headEntries = 8
        if (try? headed.validate(for: problem, limits: limits)) != nil {
            specs.append(.dataDriven(headed))
        }
        // Parts by row length with a head: leaders, reduction by count, padding records; and with a head
        // loaded across the subwarp (shuffles, the early stop).
        let candidates = DataDrivenConfig.candidates(for: problem, limits: limits)
        if let adaptive = candidates.first(where: { $0.adaptiveSplit && $0.headEntries != nil && !$0.sharedHead }) {
            specs.append(.dataDriven(adaptive))
        }
        if let shared = candidates.first(where: { $0.sharedHead }) {
            specs.append(.dataDriven(shared))
            // The opt-in walk of two head groups a trip.
            var paired = shared
            paired.sharedHeadGroups = 2
            if (try? paired.validate(for: problem, limits: limits)) != nil { specs.append(.dataDriven(paired)) }
        }
        if let even = candidates.first(where: { $0.evenBlocks }) { specs.append(.dataDriven(even)) }
        if let interleaved = candidates.first(where: { $0.interleavedParts && $0.headEntries != nil }) {
            specs.append(.dataDriven(interleaved))
        }
        // The opt-in variants on the first parts-by-length config with a head: its sums deferred, and K
        // split over a cluster of 2 (matrix products).
        if var deferred = candidates.first(where: { $0.adaptiveSplit && $0.headEntries != nil && !$0.sharedHead }) {
            deferred.deferredHead = true
            var clustered = deferred
            clustered.clusterSplit = 2
            for config in [deferred, clustered] where (try? config.validate(for: problem, limits: limits)) != nil {
                specs.append(.dataDriven(config))
            }
        }
        // Fanned parts where N is small: the first listed, the first with 16-bit columns, over staged B, with
        // prefetch, and with both.
        let fannedKinds: [(DataDrivenConfig) -> Bool] = [
            { !$0.narrowIndices }, \.narrowIndices, { $0.stageRows != nil && !$0.prefetch }, { $0.stageRows == nil && $0.prefetch },
            { $0.stageRows != nil && $0.prefetch },
        ]
        for kind in fannedKinds {
            if let fanned = candidates.first(where: { $0.fannedParts && kind($0) }) { specs.append(.dataDriven(fanned)) }
        }
        // The opt-in gathering of rows that share columns (o1): on the first candidate with blocks of several
        // rows, and on the first with rows dealt evenly by length.
        let several = candidates.first { $0.rowsPerBlock >= 2 && $0.stageRows == nil }
        for base in [several, candidates.first(where: \.evenBlocks)].compactMap({ $0 }) {
            var similar = base
            similar.similarRows = true
            if (try? similar.validate(for: problem, limits: limits)) != nil { specs.append(.dataDriven(similar)) }
        }
        return specs
    }

    /// Layer name -> N from DLMC's `rn50_batchsizes.txt` (`name,N` lines).
    static func rn50BatchSizes(_ url: URL) throws -> [String: Int] {
        let text = try String(contentsOf: url, encoding: .utf8)
        var sizes: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ",")
            if parts.count == 2, let n = Int(parts[1].trimmingCharacters(in: .whitespaces)) {
                sizes[String(parts[0])] = n
            }
        }
        return sizes
    }

}
