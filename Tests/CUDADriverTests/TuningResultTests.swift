import Foundation
@testable import SparseRTRuntime
import SparseRT
import SparseRTTestSupport
import Testing

@Suite("Tuning results")
struct TuningResultTests {
    @Test("a result cached before phases were recorded still decodes, without them")
    func decodesWithoutPhases() throws {
        let json = #"{"best":"8,98,1","bestMicroseconds":2.4,"candidates":[],"wallSeconds":6.1,"fromCache":false}"#
        let result = try JSONDecoder().decode(TuningResult.self, from: Data(json.utf8))
        #expect(result.best == "8,98,1" && result.phases == nil)
    }

    @Test("the winner's origin: a later pass's twin names its pass and source; a first-pass winner has none")
    func winnerOrigin() throws {
        var twin = CandidateResult(spec: "8,98,1,sim,m96", family: "unrolled", microseconds: 1.9)
        twin.origin = "sim twin of 8,98,1,m96, the 2nd fastest unrolled"
        let first = CandidateResult(spec: "8,98,1,m96", family: "unrolled", microseconds: 2.0)
        var result = TuningResult(best: "8,98,1,sim,m96", bestMicroseconds: 1.9, candidates: [first, twin], wallSeconds: 3, fromCache: false)
        #expect(result.winnerOrigin == twin.origin)
        let decoded = try JSONDecoder().decode(TuningResult.self, from: JSONEncoder().encode(result))
        #expect(decoded.winnerOrigin == twin.origin)
        result.best = "8,98,1,m96"
        #expect(result.winnerOrigin == nil)
    }

    @Test("ordinals", arguments: [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (13, "13th"), (21, "21st"), (102, "102nd")])
    func ordinal(n: Int, expected: String) {
        #expect(Tuner.ordinal(n) == expected)
    }

    @Test("phases round-trip and print in one line")
    func phasesRoundTrip() throws {
        let phases = TuningPhases(compileSeconds: 9.06, verifySeconds: 3.2, timeSeconds: 20, finalSeconds: 1.24)
        #expect(phases.summary == "compile 9.1 s, verify 3.2 s, time 20.0 s, final 1.2 s")
        let result = TuningResult(best: "8,98,1", bestMicroseconds: 2.4, candidates: [], wallSeconds: 34, fromCache: false, phases: phases)
        let decoded = try JSONDecoder().decode(TuningResult.self, from: JSONEncoder().encode(result))
        #expect(decoded.phases?.timeSeconds == 20)
    }

    @Test("tuning cache keys tell the searches apart: passes, the row-order pass's families, the search's version, cold caches")
    func cacheKeys() throws {
        let problem = try SpMMProblem(weights: TestMatrices.random(rows: 64, columns: 128, density: 0.1, seed: 5), n: 64)
        let plain = TuningCache.key(problem: problem, device: "GPU")
        let passes = TuningCache.key(problem: problem, device: "GPU", registerCapRefinement: 4, rowOrderRefinement: 2)
        let unrolled = TuningCache.key(
            problem: problem, device: "GPU", registerCapRefinement: 4, rowOrderRefinement: 2, rowOrderFamilies: [.unrolled, .dataDriven])
        #expect(plain.hasSuffix("|GPU|\(SparseCompiler.generatorVersion)|search\(Tuner.searchVersion)"))
        #expect(passes == plain + "|caps4|order2+5%")
        #expect(unrolled == passes + "|dataDriven+unrolled")
        #expect(TuningCache.key(problem: problem, device: "GPU", coldL2Multiple: 2) == plain + "|cold2")
    }
}

@Suite("Tuner's further passes")
struct RegisterCapRefinementTests {
    @Test("register-setting twins of the fastest unrolled candidates, capped or not, none already tried and none of data-driven ones")
    func twinsOfTheFastest() throws {
        let problem = try SpMMProblem(weights: TestMatrices.random(rows: 64, columns: 256, density: 0.1, seed: 3), n: 64)
        let specs = ["8,2,1", "4,2,2,m96", "16,2,1", "dd:w32,v2,c1,r4,k1,u2", "4,2,2,m64"].map { KernelSpec(parsing: $0)! }
        func result(_ us: Double?) -> CandidateResult {
            CandidateResult(spec: "", family: "", microseconds: us)
        }
        // 16,2,1 failed; the data-driven one is fastest but never twinned; 4,2,2 already has its m64 twin.
        let results = [result(2.5), result(2.0), result(nil), result(1.0), result(3.0)]
        let twins = Tuner.registerCapRefinements(specs: specs, results: results, problem: problem, limits: .hopper, count: 2)
        #expect(twins.map(\.spec.description) == ["4,2,2,m128", "8,2,1,m64", "8,2,1,m96", "8,2,1,m128"])
        #expect(twins.first?.origin == "register-cap twin of 4,2,2,m96, the 1st fastest unrolled")
        #expect(twins.last?.origin == "register-cap twin of 8,2,1, the 2nd fastest unrolled")
        #expect(Tuner.registerCapRefinements(specs: specs, results: results, problem: problem, limits: .hopper, count: 0).isEmpty)
    }

    @Test("a config's register-setting twins: the caps that hold its path, without its own or ptxas' choice", arguments: [
        ("4,2,2", ["4,2,2,m64", "4,2,2,m96", "4,2,2,m128"]),
        ("4,2,2,m96", ["4,2,2,m64", "4,2,2,m128"]),
        ("8,1,16,sim,m64", []),
    ])
    func registerSettingTwins(config: String, expected: [String]) throws {
        let problem = try SpMMProblem(weights: TestMatrices.random(rows: 64, columns: 512, density: 0.1, seed: 12), n: 64)
        let twins = KernelSpec.registerSettingTwins(of: TilingConfig(parsing: config)!, problem: problem)
        #expect(twins.map(\.description) == expected)
    }

    @Test("row-order twins: sim or plain for the fastest unrolled, o1 for the fastest data-driven that gather rows")
    func rowOrderTwins() throws {
        let problem = try SpMMProblem(weights: TestMatrices.random(rows: 64, columns: 256, density: 0.1, seed: 3), n: 64)
        let specs = [
            "8,2,1", "4,2,2,m96", "16,2,1,sim", "8,2,2", "dd:w32,v2,c1,r4,k1,u2", "2,2,1", "dd:w32,v2,c1,r1,k2,u2",
            "dd:w32,v2,c1,r2,k1,u2,o1", "dd:w32,v2,c1,r1,k8,u2,b1",
        ].map { KernelSpec(parsing: $0)! }
        let results = [3.0, 2.0, 1.0, 2.5, 0.5, nil, 0.4, 0.3, 0.9].map { CandidateResult(spec: "", family: "", microseconds: $0) }
        let twins = Tuner.rowOrderRefinements(specs: specs, results: results, problem: problem, limits: .hopper, count: 2)
        // 16,2,1,sim gets its plain twin and 2,2,1 failed; of the data-driven ones, r1 without b1 holds one row a
        // block and the r2 one already has o1.
        #expect(twins.map(\.spec.description) == [
            "16,2,1", "4,2,2,sim,m96", "dd:w32,v2,c1,r4,k1,u2,o1", "dd:w32,v2,c1,r1,k8,u2,b1,o1",
        ])
        #expect(twins.map(\.origin) == [
            "plain twin of 16,2,1,sim, the 1st fastest unrolled", "sim twin of 4,2,2,m96, the 2nd fastest unrolled",
            "o1 twin of dd:w32,v2,c1,r4,k1,u2, the 1st fastest data-driven",
            "o1 twin of dd:w32,v2,c1,r1,k8,u2,b1, the 2nd fastest data-driven",
        ])
        let tried = specs + [KernelSpec(parsing: "16,2,1")!, KernelSpec(parsing: "dd:w32,v2,c1,r4,k1,u2,o1")!]
        let moreResults = results + [9, 9].map { CandidateResult(spec: "", family: "", microseconds: $0) }
        #expect(Tuner.rowOrderRefinements(specs: tried, results: moreResults, problem: problem, limits: .hopper, count: 2)
            .map(\.spec.description) == ["4,2,2,sim,m96", "dd:w32,v2,c1,r1,k8,u2,b1,o1"])
        #expect(Tuner.rowOrderRefinements(specs: specs, results: results, problem: problem, limits: .hopper, count: 0).isEmpty)
    }

    @Test("sources of twins: the count fastest, then up to count more within the near-tie margin of the fastest", arguments: [
        // (times in us, count, margin, the times of the sources chosen, fastest first)
        ([1.04, 1.0, 1.06, 1.02, 1.03], 2, 0.05, [1.0, 1.02, 1.03, 1.04]),
        ([1.04, 1.0, 1.06, 1.02, 1.03], 1, 0.05, [1.0, 1.02]),
        ([1.04, 1.0, 1.06, 1.02, 1.03], 2, 0.0, [1.0, 1.02]),
        ([1.3, 1.0, 1.2], 1, 0.05, [1.0]),
        ([1.3, 1.0, 1.2], 0, 0.05, []),
    ])
    func nearTies(times: [Double], count: Int, margin: Double, expected: [Double]) {
        let specs = times.indices.map { KernelSpec(parsing: "\(2 << $0),2,1")! }
        let results = times.map { CandidateResult(spec: "", family: "", microseconds: $0) }
        let chosen = Tuner.fastest(specs: specs, results: results, count: count, nearTie: margin) { $0 }
        #expect(chosen.map { times[specs.firstIndex(of: $0.spec)!] } == expected)
    }

    @Test("a problem's later instances are tuned over the first's fastest configs, twins included, failures left out")
    func narrowing() {
        let candidates = [("8,2,1", 3.0), ("4,2,2", 2.0), ("16,2,1", nil), ("dd:w32,v2,c1,r4,k1,u2", 1.0), ("4,2,2,sim,m96", 1.5)]
            .map { CandidateResult(spec: $0.0, family: "", microseconds: $0.1) }
        let result = TuningResult(best: "dd:w32,v2,c1,r4,k1,u2", bestMicroseconds: 1, candidates: candidates, wallSeconds: 1, fromCache: false)
        #expect(BenchmarkRunner.fastestSpecs(of: result, count: 3).map(\.description) == ["dd:w32,v2,c1,r4,k1,u2", "4,2,2,sim,m96", "4,2,2"])
        #expect(BenchmarkRunner.fastestSpecs(of: result, count: 10).count == 4)
    }

    @Test("a later instance's unrolled sources: the first's fastest tilings, each once as its fastest setting ran")
    func fastestTilings() {
        let candidates = [
            ("8,2,1,sim,m96", 1.0), ("8,2,1,m96", 1.1), ("8,2,1,sim", 1.2), ("dd:w32,v2,c1,r4,k1,u2", 0.5),
            ("4,2,2,sim,m64", 1.3), ("4,2,2,uniform", 1.4), ("2,2,1", nil), ("4,2,2,sim", 1.5),
        ].map { CandidateResult(spec: $0.0, family: "", microseconds: $0.1) }
        let result = TuningResult(best: "dd:w32,v2,c1,r4,k1,u2", bestMicroseconds: 0.5, candidates: candidates, wallSeconds: 1, fromCache: false)
        #expect(BenchmarkRunner.fastestTilings(of: result, count: 3).map(\.description) == ["8,2,1,sim,m96", "4,2,2,sim,m64", "4,2,2,uniform"])
        #expect(BenchmarkRunner.fastestTilings(of: result, count: 2).count == 2)
        #expect(BenchmarkRunner.fastestTilings(of: result, count: 10).count == 3)
    }

    @Test("a later instance's one compile round: the first's fastest, then their register-setting twins, then row-order twins, up to the slots", arguments: [
        // (slots, the specs the round adds after the given ones)
        (4, [String]()),
        (6, ["8,2,1,m64", "8,2,1,m96"]),
        (12, ["8,2,1,m64", "8,2,1,m96", "8,2,1,m128", "4,2,2,m64", "4,2,2,m128", "16,2,1,sim,m64", "16,2,1,sim,m96", "16,2,1,sim,m128"]),
        (18, ["8,2,1,m64", "8,2,1,m96", "8,2,1,m128", "4,2,2,m64", "4,2,2,m128", "16,2,1,sim,m64", "16,2,1,sim,m96", "16,2,1,sim,m128",
              "8,2,1,sim", "4,2,2,sim,m96", "16,2,1", "dd:w32,v2,c1,r4,k1,u2,o1"]),
    ])
    func narrowedRound(slots: Int, added: [String]) throws {
        let problem = try SpMMProblem(weights: TestMatrices.random(rows: 64, columns: 256, density: 0.1, seed: 3), n: 64)
        // 16,2,1,sim's row-order twin is plain 16,2,1; row-order twins come after every register-setting twin.
        let fastest = ["8,2,1", "4,2,2,m96", "16,2,1,sim", "dd:w32,v2,c1,r4,k1,u2"].map { KernelSpec(parsing: $0)! }
        let round = Tuner.narrowedRound(fastest, slots: slots, problem: problem, limits: .hopper)
        #expect(round.specs.map(\.description) == fastest.map(\.description) + added)
        #expect(round.origins.count == round.specs.count && round.origins.prefix(4).allSatisfy { $0 == nil })
        if added.count >= 4 {
            #expect(round.origins[7] == "register-cap twin of 4,2,2,m96, the first instance's 2nd fastest")
        }
    }

    @Test("a later instance's candidates: the first's fastest unrolled and their twins, then the data-driven list and the first's fastest data-driven")
    func narrowedCandidates() throws {
        let problem = try SpMMProblem(weights: TestMatrices.random(rows: 64, columns: 256, density: 0.1, seed: 3), n: 64)
        let candidates = [("8,2,1", 3.0), ("4,2,2,m96", 2.0), ("16,2,1", nil), ("dd:w32,v2,c1,r4,k1,u2,o1", 1.0), ("2,2,1", 9.0)]
            .map { CandidateResult(spec: $0.0, family: "", microseconds: $0.1) }
        let first = TuningResult(best: "dd:w32,v2,c1,r4,k1,u2,o1", bestMicroseconds: 1, candidates: candidates, wallSeconds: 1, fromCache: false)
        let round = BenchmarkRunner.narrowedCandidates(for: problem, first: first, count: 2, jobs: 4, limits: .hopper)
        let specs = round.specs.map(\.description)
        // Two unrolled tilings and their register-setting twins fill the round of 4; the failed and the slowest
        // unrolled are left out.
        #expect(specs.prefix(4) == ["4,2,2,m96", "8,2,1", "4,2,2,m64", "4,2,2,m128"])
        #expect(!specs.contains("16,2,1") && !specs.contains("2,2,1"))
        let listed = KernelSpec.candidates(for: problem).filter { $0.family == .dataDriven }.map(\.description)
        #expect(Array(specs.dropFirst(4)) == listed + ["dd:w32,v2,c1,r4,k1,u2,o1"])
        #expect(round.origins.count == specs.count && round.origins[2] != nil && round.origins.dropFirst(4).allSatisfy { $0 == nil })
    }

    @Test("the passes are summarized for reports as set", arguments: [
        (4, 2, false, "register-cap twins of the 4 fastest unrolled, o1 twins of the 2 fastest data-driven (and of up to 2 more within 5% of "
            + "the fastest)"),
        (4, 2, true, "register-cap twins of the 4 fastest unrolled, row-order twins (sim or plain) of the 2 fastest unrolled, o1 twins of the "
            + "2 fastest data-driven (and of up to 2 more of each within 5% of the fastest)"),
        (0, 3, true, "row-order twins (sim or plain) of the 3 fastest unrolled, o1 twins of the 3 fastest data-driven (and of up to 3 more of "
            + "each within 5% of the fastest)"),
        (4, 0, true, "register-cap twins of the 4 fastest unrolled"),
        (0, 0, false, "none"),
    ])
    func summary(caps: Int, rows: Int, unrolledTwins: Bool, expected: String) {
        let families: Set<KernelFamily> = unrolledTwins ? [.unrolled, .dataDriven] : Tuner.defaultRowOrderFamilies
        #expect(Tuner.passesSummary(registerCapRefinement: caps, rowOrderRefinement: rows, rowOrderFamilies: families) == expected)
    }

    @Test("twins hold the path's estimated registers and fit the block's budget")
    func twinsFit() throws {
        let problem = try SpMMProblem(weights: TestMatrices.random(rows: 64, columns: 512, density: 0.1, seed: 12), n: 64)
        // 8,1,16: 1024 threads, so at most 64 registers; 1,1,1: one group with all 64 rows (about 96 estimated).
        #expect(KernelSpec.registerCapTwins(of: TilingConfig(parsing: "8,1,16")!, problem: problem).map(\.maxRegisters) == [64])
        let wide = KernelSpec.registerCapTwins(of: TilingConfig(parsing: "1,1,1")!, problem: problem).compactMap(\.maxRegisters)
        #expect(!wide.isEmpty && wide.allSatisfy { $0 >= 96 })
    }
}
