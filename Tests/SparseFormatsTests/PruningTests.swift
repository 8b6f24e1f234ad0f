import SparseFormats
import Testing

@Suite("Pruning")
struct PruningTests {
    /// 4 x 4 with distinct magnitudes 1...16 and alternating signs.
    static let dense: [Float] = (1...16).map { Float($0 % 2 == 0 ? $0 : -$0) }.shuffledDeterministically()

    @Test("magnitude pruning reaches the sparsity and keeps the largest |w|", arguments: [0.0, 0.25, 0.5, 0.75, 0.9])
    func magnitude(sparsity: Double) throws {
        let pruned = try Pruning.magnitude(dense: Self.dense, rows: 4, columns: 4, sparsity: sparsity)
        let keep = Int(((1 - sparsity) * 16).rounded())
        #expect(pruned.nonzeroCount == keep)
        let threshold = Self.dense.map(abs).sorted(by: >).prefix(keep).last ?? .infinity
        let kept = pruned.denseRowMajor()
        for (original, value) in zip(Self.dense, kept) {
            #expect(value == (abs(original) >= threshold ? original : 0))
        }
    }

    @Test("ties keep the earlier entries in row-major order")
    func ties() throws {
        let pruned = try Pruning.magnitude(dense: [Float](repeating: -2, count: 8), rows: 2, columns: 4, sparsity: 0.5)
        #expect(pruned.rowOffsets == [0, 4, 4] && pruned.columnIndices == [0, 1, 2, 3])
    }

    @Test("pruning a CSR matrix further; an already sparser input is unchanged")
    func furtherPruning() throws {
        let m = try matrix([[0, 5, 0, -1], [2, 0, 0, 0], [0, 0, -7, 3]])
        let pruned = try Pruning.magnitude(m, sparsity: 0.75)
        #expect(pruned == (try matrix([[0, 5, 0, 0], [0, 0, 0, 0], [0, 0, -7, 3]])))
        #expect(try Pruning.magnitude(m, sparsity: 0.2) == m)
    }

    @Test("random pruning keeps a seeded subset of the right size")
    func random() throws {
        let a = try Pruning.random(dense: Self.dense, rows: 4, columns: 4, sparsity: 0.5, seed: 3)
        let b = try Pruning.random(dense: Self.dense, rows: 4, columns: 4, sparsity: 0.5, seed: 3)
        let c = try Pruning.random(dense: Self.dense, rows: 4, columns: 4, sparsity: 0.5, seed: 4)
        #expect(a.nonzeroCount == 8 && a == b && a != c)
        for (original, value) in zip(Self.dense, a.denseRowMajor()) { #expect(value == 0 || value == original) }
    }

    @Test("sparsity outside [0, 1) is rejected", arguments: [-0.1, 1.0, 1.5, Double.nan])
    func invalidSparsity(sparsity: Double) throws {
        #expect(throws: Pruning.InvalidSparsity.self) {
            _ = try Pruning.magnitude(dense: Self.dense, rows: 4, columns: 4, sparsity: sparsity)
        }
        #expect(throws: Pruning.InvalidSparsity.self) {
            _ = try Pruning.random(dense: Self.dense, rows: 4, columns: 4, sparsity: sparsity, seed: 0)
        }
    }
}

extension Array {
    /// A fixed permutation (stride 7 modulo a count coprime to 7), so tests need no random source.
    func shuffledDeterministically() -> [Element] {
        precondition(count % 7 != 0)
        return indices.map { self[($0 * 7) % count] }
    }
}
