import Foundation
import SparseFormats
import SparseRTTestSupport
import Testing

/// Every weight file of the shared data set loads and survives a write/read round trip.
@Suite("Shared data files", .enabled(if: SharedData.root != nil, "shared/data not found"))
struct SharedDataTests {
    static let smtxFiles = SharedData.files(under: "dlmc", suffix: ".smtx")
    static let npyFiles = SharedData.files(under: "sparsert-weights", suffix: ".npy")

    @Test("the data set is complete")
    func counts() {
        #expect(Self.smtxFiles.count == 409)
        #expect(Self.npyFiles.count == 64)
    }

    @Test("every .smtx loads and round-trips byte for byte", arguments: smtxFiles)
    func smtxRoundTrip(url: URL) throws {
        let bytes = [UInt8](try Data(contentsOf: url))
        let pattern = try SMTX.parsePattern(bytes, path: url.path)
        let encoded = SMTX.encode(
            rows: pattern.rows, columns: pattern.columns, rowOffsets: pattern.rowOffsets,
            columnIndices: pattern.columnIndices)
        #expect(encoded == bytes)
        let matrix = try pattern.matrix(seed: 7)
        #expect(matrix.nonzeroCount == pattern.nonzeroCount)
        #expect(matrix.values.allSatisfy { $0.isFinite })
    }

    @Test("every .npy loads; 2-D and 4-D ones round-trip through CSR exactly", arguments: npyFiles)
    func npyRoundTrip(url: URL) throws {
        let dense = try NPY.readDense(path: url.path)
        #expect(dense.values.count == dense.shape.reduce(1, *))
        guard dense.shape.count == 2 || dense.shape.count == 4 else {
            expectFailure(.unsupported, path: url.path, location: "rank-\(dense.shape.count)") {
                _ = try NPY.read(path: url.path)
            }
            return
        }
        let (matrix, shape) = try NPY.readWithShape(path: url.path)
        #expect(shape == dense.shape)
        #expect(matrix.rows == shape[0] && matrix.rows * matrix.columns == dense.values.count)
        #expect(matrix.values.allSatisfy { $0 != 0 })

        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let copy = folder.path("copy.npy")
        try NPY.write(matrix, to: copy)
        let reread = try NPY.read(path: copy)
        #expect(reread.rowOffsets == matrix.rowOffsets && reread.columnIndices == matrix.columnIndices)
        #expect(bits(reread.values) == bits(matrix.values))
        // Dense values agree too, except that -0 comes back as +0.
        #expect(bits(try NPY.readDense(path: copy).values) == bits(dense.values.map { $0 == 0 ? 0 : $0 }))
    }

    @Test("acceptance: DLMC rn50 bottleneck_1_block_group1_1_1 at 0.9 is 64 x 256 with 1638 nonzeros")
    func dlmcFact() throws {
        let path = try #require(SharedData.root)
            .appendingPathComponent("dlmc/rn50/magnitude_pruning/0.9/bottleneck_1_block_group1_1_1.smtx").path
        let weights = try WeightFile.load(path: path, seed: 1)
        #expect(weights.matrix.rows == 64 && weights.matrix.columns == 256)
        #expect(weights.matrix.nonzeroCount == 1638)
        #expect(weights.valuesDrawn && weights.seed == 1 && weights.format == .smtx)
    }

    @Test("acceptance: MobileNet contraction_1x1_0.npy is 64 x 32 with 205 nonzeros")
    func mobilenetFact() throws {
        let path = try #require(SharedData.root).appendingPathComponent("sparsert-weights/mobilenet/contraction_1x1_0.npy").path
        let weights = try WeightFile.load(path: path)
        #expect(weights.matrix.rows == 64 && weights.matrix.columns == 32)
        #expect(weights.matrix.nonzeroCount == 205)
        #expect(!weights.valuesDrawn && weights.seed == nil && weights.filterShape == nil)
    }

    @Test("a 4-D filter keeps its OIHW shape and flattens ic*KH*KW + kh*KW + kw")
    func initialConvFilter() throws {
        let path = try #require(SharedData.root).appendingPathComponent("sparsert-weights/mobilenet/initial_conv.npy").path
        let weights = try WeightFile.load(path: path)
        #expect(weights.filterShape == LoadedWeights.FilterShape(outChannels: 32, inChannels: 3, kernelHeight: 3, kernelWidth: 3))
        #expect(weights.matrix.rows == 32 && weights.matrix.columns == 27)
        let dense = try NPY.readDense(path: path)
        #expect(bits(weights.matrix.denseRowMajor()) == bits(dense.values.map { $0 == 0 ? 0 : $0 }))
    }
}
