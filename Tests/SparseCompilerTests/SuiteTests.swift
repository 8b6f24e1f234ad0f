import SparseRT
import SparseRTTestSupport
import Testing

@Suite("Benchmark and verification suites", .enabled(if: SharedData.root != nil, "shared/data not found"))
struct SuiteTests {
    @Test("Table 1 has problems 1-11 at both sparsities, 12-20 at 0.9, each with instances of one shape")
    func table1() throws {
        let problems = try PaperSuites.spmm(dataRoot: #require(SharedData.root))
        #expect(Set(problems.filter { $0.sparsity == 0.9 }.map(\.number)) == Set(1...20))
        #expect(Set(problems.filter { $0.sparsity == 0.95 }.map(\.number)) == Set(1...11))
        let p18 = try #require(problems.first { $0.number == 18 })
        #expect((p18.m, p18.k, p18.n, p18.instances.count) == (512, 512, 196, 5))
        let p11 = try #require(problems.first { $0.number == 11 && $0.sparsity == 0.9 })
        #expect(p11.instances.count > 1)
        let first = try p11.instances[0].load()
        #expect((first.m, first.k, first.n) == (512, 512, 256))
    }

    @Test("batch folds into N")
    func batch() throws {
        let problems = try PaperSuites.spmm(dataRoot: #require(SharedData.root), batch: 8)
        let p7 = try #require(problems.first { $0.number == 7 })
        #expect(try p7.instances[0].load().n == 49 * 8)
    }

    @Test("Table 3 has four convolutions per sparsity whose filters match the shapes")
    func table3() throws {
        let problems = try PaperSuites.convolution(dataRoot: #require(SharedData.root))
        #expect(problems.count == 8)
        for p in problems {
            let problem = try p.instances[0].load()
            #expect(problem.k == p.k && problem.m == p.m && problem.n == p.n)
        }
    }

    @Test("the default verification suite covers every matrix with at least one kernel")
    func verificationSpecs() throws {
        let items = try VerificationSuite.standard(dataRoot: #require(SharedData.root))
        #expect(items.count > 300)
        for item in items.filter({ $0.name.hasPrefix("synthetic") || $0.name.hasPrefix("mobilenet") }) {
            let problem = try item.load()
            let specs = VerificationSuite.specs(for: problem, extra: 0)
            #expect(!specs.isEmpty)
            #expect(specs.contains { $0.family == .dataDriven })
            if specs.contains(where: { $0.family == .unrolled }) {
                #expect(specs.contains { if case .unrolled(let c) = $0 { return c.staging == .asyncCopy } else { return false } })
                // The register-capped twin, where the first candidate has one.
                if case .unrolled(let first) = specs.first(where: { $0.family == .unrolled })!,
                   !KernelSpec.registerCapTwins(of: first, problem: problem).isEmpty {
                    #expect(specs.contains { if case .unrolled(let c) = $0 { return c.maxRegisters != nil } else { return false } })
                }
                let blocks = specs.compactMap { spec -> Int? in if case .unrolled(let c) = spec { c.mBlocks } else { nil } }
                #expect(blocks.max() ?? 0 >= problem.m / 8, "blocks of 8 rows or fewer are verified too")
            }
            // The opt-in data-driven variants go to the GPU check too, where a config with a head fits.
            let dataDriven = specs.compactMap { spec -> DataDrivenConfig? in if case .dataDriven(let c) = spec { c } else { nil } }
            if dataDriven.contains(where: { $0.adaptiveSplit && $0.headEntries != nil && !$0.sharedHead }) {
                #expect(dataDriven.contains { $0.deferredHead && $0.clusterSplit == 1 })
                #expect(dataDriven.contains { $0.deferredHead && $0.clusterSplit == 2 })
            }
            if dataDriven.contains(where: \.sharedHead) {
                #expect(dataDriven.contains { $0.sharedHeadGroups == 2 })
            }
        }
    }

    @Test("the suite checks fused epilogues: ReLU6 with a real bias, and a cap alone")
    func fusedEpilogues() throws {
        let items = VerificationSuite.fusedEpilogues(dataRoot: try #require(SharedData.root))
        let epilogues = try items.map { try $0.load().epilogue }
        #expect(epilogues.map(\.description) == ["bias, relu, cap 6", "bias, cap 0.5"])
        #expect(zip(items, epilogues).allSatisfy { $0.name.hasSuffix(" + " + $1.description) })
    }

    @Test("the suite's register-capped unrolled variant assembles without spills",
          .enabled(if: TestMatrices.ptxas != nil, "ptxas not installed (scripts/install-ptxas.sh)"))
    func cappedVariantAssembles() throws {
        let items = try VerificationSuite.standard(dataRoot: #require(SharedData.root))
        var checked = 0
        for item in items where item.name.hasPrefix("mobilenet") && checked < 3 {
            let problem = try item.load()
            for case .unrolled(let config) in VerificationSuite.specs(for: problem, extra: 0) where config.maxRegisters != nil {
                let report = try #require(TestMatrices.ptxas).assemble(try KernelSpec.unrolled(config).compile(problem).ptx())
                #expect(report.spillStoreBytes == 0 && report.spillLoadBytes == 0, "\(item.name) \(config)")
                #expect(report.registers <= config.maxRegisters!)
                checked += 1
            }
        }
        #expect(checked > 0)
    }

    @Test("kernel specs round-trip through text", arguments: ["4,25,2,v4", "8,1,1,uniform", "4,49,1,v2,cp", "8,4,2,v2,m64", "dd:w32,v4,c1,r4,k1,u2", "dd:w32,v2,c1,r2,k4,u2,p0,h8,b1,q2,d1", "dd:w32,v2,c1,r1,k8,u2,p0,h32,x1,b1,l32,g2"])
    func specText(text: String) throws {
        let spec = try #require(KernelSpec(parsing: text))
        #expect(spec.description == text)
    }
}

@Suite("Decode suite (generated, no data folder)")
struct DecodeSuiteTests {
    @Test("three LLaMA-7B shapes at 90% and 95%, numbered 1-3 at each, N = the batch")
    func problems() {
        let problems = DecodeSuite.problems(batch: 8)
        #expect(problems.map(\.number) == [1, 2, 3, 1, 2, 3])
        #expect(problems.map(\.sparsity) == [0.9, 0.9, 0.9, 0.95, 0.95, 0.95])
        #expect(problems.prefix(3).map { [$0.m, $0.k, $0.n] } == [[4096, 4096, 8], [11008, 4096, 8], [4096, 11008, 8]])
        #expect(problems.allSatisfy { $0.instances.count == 1 })
    }

    @Test("a generated layer keeps about 1 - s of its entries, the largest, and the same ones every time",
          arguments: [0.9, 0.95])
    func generated(_ sparsity: Double) throws {
        let item = try #require(DecodeSuite.problems(batch: 2, shapes: [(300, 400)]).first { $0.sparsity == sparsity }).instances[0]
        let layer = try item.load()
        #expect((layer.m, layer.k, layer.n) == (300, 400, 2))
        let kept = Double(layer.weights.nonzeroCount) / 120_000
        // 120 000 draws: the kept fraction's standard deviation is under 0.001.
        #expect(abs(kept - (1 - sparsity)) < 0.005, "kept \(kept)")
        let smallest = layer.weights.values.map { abs($0) }.min() ?? 0
        #expect(smallest >= (sparsity == 0.9 ? 1.6448 : 1.9599))
        #expect(try item.load().weights == layer.weights)
        #expect(abs(Double(item.nonzeros) - Double(layer.weights.nonzeroCount)) < 0.05 * Double(item.nonzeros))
    }
}
