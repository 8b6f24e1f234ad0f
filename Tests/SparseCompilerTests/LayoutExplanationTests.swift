import SparseRT
import SparseRTTestSupport
import Testing

@Suite("Data-driven layout explanation")
struct LayoutExplanationTests {
    static let weights = TestMatrices.random(rows: 90, columns: 400, density: 0.08, seed: 23)

    @Test("the summary accounts for every row, record and nonzero", arguments: [
        "dd:w32,v1,c2,r1,k4,u2,p0,b1", "dd:w32,v1,c2,r2,k8,u2,p0,h8,b1,l16", "dd:w32,v1,c2,r2,k8,u2,p0,h8,b1,l16,e1",
        "dd:w32,v1,c2,r3,k2,u2",
        "dd:w8,v4,c1,r16,k1,u2,p0,s128", "dd:w8,v4,c1,r16,k1,u2,p0,s512", "dd:w16,v2,c1,r4,k3,u4,h4",
    ])
    func summary(_ text: String) throws {
        let config = try #require(DataDrivenConfig(parsing: text))
        let problem = try SpMMProblem(weights: Self.weights, n: 40)
        let layout = try DataDrivenLayout(problem: problem, config: config)
        let s = LayoutExplanation.summary(layout, config: config)
        #expect(s.partsHistogram.values.reduce(0, +) == 90)
        let parts = s.partsHistogram.reduce(0) { $0 + $1.key * $1.value }
        #expect(parts + s.paddingRecords == s.records)
        #expect(s.records == layout.slots * config.kSplit)
        #expect(s.blocks * config.rowsPerBlock * config.kSplit == s.records)
        #expect(abs(s.meanPart * Double(parts) - Double(Self.weights.nonzeroCount)) < 1e-6)
        #expect(abs(s.meanBlock * Double(s.blocks) - Double(Self.weights.nonzeroCount)) < 1e-6)
        #expect(s.largestPart <= s.largestBlock)
        if !config.adaptiveSplit { #expect(s.partsHistogram == [config.kSplit: 90]) }
        let explanation = LayoutExplanation.text(layout, config: config, problem: problem)
        #expect(explanation.contains("\(s.records) records, \(s.paddingRecords) padding"))
    }

    @Test("the entries' bytes a nonzero are named where they are narrow", arguments: [
        ("dd:w1,r8,k16,u4,p0,f1", nil), ("dd:w1,r8,k16,u4,p0,f1,n1", "6 bytes a nonzero"), ("dd:w1,r8,k16,u4,p0,f1,n2", "4 bytes a nonzero"),
    ])
    func entryFormat(_ text: String, note: String?) throws {
        let config = try #require(DataDrivenConfig(parsing: text))
        let problem = try SpMMProblem(weights: Self.weights, n: 1).withWeightsRoundedToHalves()
        let explanation = LayoutExplanation.text(try DataDrivenLayout(problem: problem, config: config), config: config, problem: problem)
        #expect(explanation.contains("bytes a nonzero") == (note != nil))
        if let note { #expect(explanation.contains(note)) }
    }

    @Test("rows dealt evenly (e1) leave blocks closer in nonzeros than rows packed in sorted order", arguments: [
        ("dd:w32,v1,c2,r2,k4,u2,p0,b1", 24), ("dd:w32,v4,c1,r2,k8,u2,p0,h8,b1", 32), ("dd:w32,v1,c2,r1,k8,u2,p0,b1,l16", 16),
    ])
    func evenBlocks(_ text: String, length: Int) throws {
        // Rows of 2 to 120 nonzeros, in random order: sorted packing puts the long ones in the first blocks.
        var dense = [Float](repeating: 0, count: 160 * 512)
        var random = SeededNormal(seed: 31)
        for row in 0..<160 {
            let count = 2 + (row * 37) % 119
            for i in 0..<count { dense[row * 512 + (i * 97 + row) % 512] = random.nextNormalFloat() + 3 }
        }
        let weights = try CSRMatrix(rows: 160, columns: 512, denseRowMajor: dense)
        let problem = try SpMMProblem(weights: weights, n: 64)
        var plain = try #require(DataDrivenConfig(parsing: text))
        plain.partLength = length
        var even = plain
        even.evenBlocks = true
        let p = LayoutExplanation.summary(try DataDrivenLayout(problem: problem, config: plain), config: plain)
        let e = LayoutExplanation.summary(try DataDrivenLayout(problem: problem, config: even), config: even)
        #expect(e.partsHistogram == p.partsHistogram)
        #expect(Double(e.largestBlock) / e.meanBlock < Double(p.largestBlock) / p.meanBlock)
        #expect(e.blocks <= p.blocks + 1)
    }
}
