import SparseRT
import SparseRTTestSupport
import Testing

@Suite("Data-driven layout explanation")
struct LayoutExplanationTests {
    static let weights = TestMatrices.random(rows: 90, columns: 400, density: 0.08, seed: 23)

    @Test("the summary accounts for every row, record and nonzero", arguments: [
        "dd:w32,v1,c2,r1,k4,u2,p0,b1", "dd:w32,v1,c2,r2,k8,u2,p0,h8,b1,l16", "dd:w32,v1,c2,r3,k2,u2",
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
}
